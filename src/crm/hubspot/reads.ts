/**
 * Paged reads. A full sync walks the list endpoint (no result cap, associations on the same
 * call). An incremental sync searches on the last-modified date, sorted by id so records
 * modified while we page do not shift the offsets; search returns no associations, so they
 * are fetched with one v4 batch call per type. Search stops at 10,000 results; past that the
 * cursor switches to the list endpoint with the date filter applied client-side.
 *
 * Cursors are opaque to the pipeline: "l:<after>" (list) or "s:<offset>" (search).
 */
import type { Client } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects';
import type { Page } from '../port';
import type { Caller } from './caller';
import type { HubSpotObject } from './mapping';
import type { CallKind } from './retry';

export const PAGE_SIZE = 100;
/** HubSpot answers 400 when a search pages past this many results. */
export const SEARCH_CAP = 10_000;

export interface ObjectSpec {
  /** Path name of the object type: 'contacts', 'deals' or '0-136'. */
  type: string;
  kindPrefix: 'contacts' | 'deals' | 'leads';
  /** The last-modified property used by incremental sync. */
  modifiedProperty: string;
  /** Association types (path names) embedded in list results. */
  associations: string[];
}

export const CONTACTS: ObjectSpec = {
  type: 'contacts',
  kindPrefix: 'contacts',
  modifiedProperty: 'lastmodifieddate',
  associations: ['deals', 'companies'],
};
export const DEALS: ObjectSpec = {
  type: 'deals',
  kindPrefix: 'deals',
  modifiedProperty: 'hs_lastmodifieddate',
  associations: ['contacts'],
};
export const LEADS: ObjectSpec = {
  type: '0-136',
  kindPrefix: 'leads',
  modifiedProperty: 'hs_lastmodifieddate',
  associations: ['contacts'],
};

const kind = (spec: ObjectSpec, op: string) => `${spec.kindPrefix}.${op}` as CallKind;

export async function readPage(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  opts: { properties: readonly string[]; after?: string | null; modifiedSince?: string },
): Promise<Page<HubSpotObject>> {
  const cursor = opts.after ?? null;
  if (!opts.modifiedSince) return listPage(client, caller, spec, opts.properties, cursor, null);
  const since = Date.parse(opts.modifiedSince);
  if (cursor?.startsWith('l:')) {
    return listPage(client, caller, spec, opts.properties, cursor, since);
  }
  const offset = cursor?.startsWith('s:') ? Number(cursor.slice(2)) : 0;
  if (offset + PAGE_SIZE > SEARCH_CAP) {
    // Changes arriving while we paged pushed the result past the cap: restart on the list.
    return listPage(client, caller, spec, opts.properties, null, since);
  }
  const properties = [...new Set([...opts.properties, spec.modifiedProperty])];
  const { data } = await caller.call(
    kind(spec, 'search'),
    () =>
      client.crm.objects.searchApi.doSearchWithHttpInfo(spec.type, {
        filterGroups: [
          {
            filters: [
              {
                propertyName: spec.modifiedProperty,
                operator: FilterOperatorEnum.Gt,
                value: String(since),
              },
            ],
          },
        ],
        sorts: ['hs_object_id'],
        properties,
        limit: PAGE_SIZE,
        after: String(offset),
      }),
    { lane: 'search' },
  );
  const res = data!;
  if (offset === 0 && res.total > SEARCH_CAP) {
    return listPage(client, caller, spec, opts.properties, null, since);
  }
  const items = res.results as unknown as HubSpotObject[];
  await fillAssociations(client, caller, spec, items);
  const next = res.paging?.next?.after;
  return { items, next: next ? `s:${next}` : null };
}

async function listPage(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  properties: readonly string[],
  cursor: string | null,
  since: number | null,
): Promise<Page<HubSpotObject>> {
  const after = cursor?.startsWith('l:') ? cursor.slice(2) : (cursor ?? undefined);
  const fetchProps =
    since === null ? [...properties] : [...new Set([...properties, spec.modifiedProperty])];
  const { data } = await caller.call(kind(spec, 'list'), () =>
    client.crm.objects.basicApi.getPageWithHttpInfo(
      spec.type,
      PAGE_SIZE,
      after || undefined,
      fetchProps,
      undefined,
      spec.associations,
      false,
    ),
  );
  const res = data!;
  let items = res.results as unknown as HubSpotObject[];
  if (since !== null) {
    items = items.filter((o) => {
      const t = Date.parse(o.properties[spec.modifiedProperty] ?? '');
      const updated = new Date(o.updatedAt).getTime();
      return (Number.isFinite(t) ? t : updated) > since;
    });
  }
  const next = res.paging?.next?.after;
  return { items, next: next ? `l:${next}` : null };
}

/** Search results carry no associations; one v4 batch read per association type adds them. */
async function fillAssociations(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  items: HubSpotObject[],
): Promise<void> {
  if (items.length === 0) return;
  for (const to of spec.associations) {
    const { data } = await caller.call('associations.batchRead', () =>
      client.crm.associations.v4.batchApi.getPageWithHttpInfo(spec.type, to, {
        inputs: items.map((o) => ({ id: String(o.id) })),
      }),
    );
    const byId = new Map<string, string[]>();
    for (const r of data?.results ?? []) {
      byId.set(
        String(r._from.id),
        r.to.map((t) => String(t.toObjectId)),
      );
    }
    for (const o of items) {
      o.associations = {
        ...(o.associations ?? {}),
        [to]: { results: (byId.get(String(o.id)) ?? []).map((id) => ({ id })) },
      };
    }
  }
}

/** Current values and history of up to 100 records; ids HubSpot does not know are skipped. */
export async function readHistory(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  ids: readonly string[],
  properties: readonly string[],
  withHistory = true,
): Promise<HubSpotObject[]> {
  const out: HubSpotObject[] = [];
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    const chunk = ids.slice(i, i + PAGE_SIZE);
    const { data } = await caller.call(kind(spec, 'batchRead'), () =>
      client.crm.objects.batchApi.readWithHttpInfo(
        spec.type,
        {
          inputs: chunk.map((id) => ({ id })),
          properties: [...properties],
          propertiesWithHistory: withHistory ? [...properties] : [],
        },
        false,
      ),
    );
    // A 207 lists unknown ids in `errors`; the known ones are in `results` all the same.
    out.push(...((data?.results ?? []) as unknown as HubSpotObject[]));
  }
  return out;
}
