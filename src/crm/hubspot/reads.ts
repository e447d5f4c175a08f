/**
 * Paged reads, shaped by HubSpot's limits (limits.ts, docs/hubspot-fidelity.md).
 *
 * A full sync walks the list endpoint (no result cap, associations on the same call). When
 * history is wanted too it asks for it on the list page itself — 50 records a page, the
 * history limit — which costs ⌈N/50⌉ calls against ⌈N/100⌉ + ⌈N/50⌉ for pages of 100 plus
 * history batches of 50; only if the property list makes the URL too long does it fall back to
 * the latter. An incremental sync searches on the last-modified date, sorted by id so records
 * modified while we page do not shift the offsets; search returns no associations (one exempt
 * v4 batch call per type adds them) and no history. A search body over 3,000 characters is
 * refused by HubSpot, so a long property list is searched for ids and read by batch. Search
 * stops at 10,000 results; past that the cursor switches to the list endpoint with the date
 * filter applied client-side.
 *
 * Cursors are opaque to the pipeline: "l:<after>" (list) or "s:<offset>" (search).
 */
import type { HubSpotSdk as Client } from './sdk';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/objects';
import type { Page } from '../port';
import type { Caller } from './caller';
import { LIMITS, MAX_URL_CHARS } from './limits';
import type { HubSpotObject } from './mapping';
import type { CallKind } from './retry';

export const PAGE_SIZE = LIMITS.listPage;
export const SEARCH_CAP = LIMITS.searchCap;

export interface ObjectSpec {
  /** Path name of the object type: 'contacts', 'deals' or '0-136'. */
  type: string;
  kindPrefix: 'contacts' | 'deals' | 'leads' | 'companies';
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
/** Deals as records to score: their contacts and company ride on the list page. */
export const DEAL_RECORDS: ObjectSpec = {
  type: 'deals',
  kindPrefix: 'deals',
  modifiedProperty: 'hs_lastmodifieddate',
  associations: ['contacts', 'companies'],
};
export const COMPANIES: ObjectSpec = {
  type: 'companies',
  kindPrefix: 'companies',
  modifiedProperty: 'hs_lastmodifieddate',
  associations: ['contacts'],
};
/** One company read for the card's refresh: its committee and its deals on the same call. */
export const COMPANY_RECORD: ObjectSpec = { ...COMPANIES, associations: ['contacts', 'deals'] };
export const LEADS: ObjectSpec = {
  type: '0-136',
  kindPrefix: 'leads',
  modifiedProperty: 'hs_lastmodifieddate',
  associations: ['contacts'],
};

const kind = (spec: ObjectSpec, op: string) => `${spec.kindPrefix}.${op}` as CallKind;

export interface PageRequest {
  properties: readonly string[];
  /** Read with history where the endpoint can (list pages of a full sync). */
  historyProperties?: readonly string[];
  after?: string | null;
  modifiedSince?: string;
}

/** HubSpot takes comma-separated lists; one parameter is far shorter than a repeated one. */
const commaList = (names: readonly string[]) => (names.length ? [names.join(',')] : undefined);

/** Length of the list URL the SDK would send (conservative: worst-case cursor). */
export function listUrlLength(
  basePath: string,
  spec: ObjectSpec,
  properties: readonly string[],
  history: readonly string[],
): number {
  const enc = (names: readonly string[]) => encodeURIComponent(names.join(',')).length;
  return (
    basePath.length +
    `/crm/v3/objects/${spec.type}?limit=100&after=${'x'.repeat(64)}&archived=false`.length +
    (properties.length ? '&properties='.length + enc(properties) : 0) +
    (history.length ? '&propertiesWithHistory='.length + enc(history) : 0) +
    (spec.associations.length ? '&associations='.length + enc(spec.associations) : 0)
  );
}

export async function readPage(
  client: Client,
  caller: Caller,
  basePath: string,
  spec: ObjectSpec,
  opts: PageRequest,
): Promise<Page<HubSpotObject> & { historyIncluded: boolean }> {
  const cursor = opts.after ?? null;
  if (!opts.modifiedSince) {
    const history = opts.historyProperties ?? [];
    const withHistory =
      history.length > 0 &&
      listUrlLength(basePath, spec, opts.properties, history) <= MAX_URL_CHARS;
    return listPage(
      client,
      caller,
      spec,
      opts.properties,
      withHistory ? history : [],
      cursor,
      null,
    );
  }
  const since = Date.parse(opts.modifiedSince);
  if (cursor?.startsWith('l:')) {
    return listPage(client, caller, spec, opts.properties, [], cursor, since);
  }
  const offset = cursor?.startsWith('s:') ? Number(cursor.slice(2)) : 0;
  if (offset + PAGE_SIZE > SEARCH_CAP) {
    // Changes arriving while we paged pushed the result past the cap: restart on the list.
    return listPage(client, caller, spec, opts.properties, [], null, since);
  }
  const wanted = [...new Set([...opts.properties, spec.modifiedProperty])];
  const request = (properties: string[]) => ({
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
  });
  let body = request(wanted);
  const idsOnly = JSON.stringify(body).length > LIMITS.searchBody;
  if (idsOnly) body = request([spec.modifiedProperty]);
  const { data } = await caller.call(
    kind(spec, 'search'),
    () => client.crm.objects.searchApi.doSearchWithHttpInfo(spec.type, body),
    { lane: 'search' },
  );
  const res = data!;
  if (offset === 0 && res.total > SEARCH_CAP) {
    return listPage(client, caller, spec, opts.properties, [], null, since);
  }
  let items = res.results as unknown as HubSpotObject[];
  if (idsOnly && items.length) items = await batchRead(client, caller, spec, items, wanted);
  await fillAssociations(client, caller, spec, items);
  const next = res.paging?.next?.after;
  return { items, next: next ? `s:${next}` : null, historyIncluded: false };
}

/** Current values of the records a long-property search found (batch read, ≤ 100 a call). */
async function batchRead(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  found: HubSpotObject[],
  properties: string[],
): Promise<HubSpotObject[]> {
  const { data } = await caller.call(kind(spec, 'batchRead'), () =>
    client.crm.objects.batchApi.readWithHttpInfo(
      spec.type,
      { inputs: found.map((o) => ({ id: String(o.id) })), properties, propertiesWithHistory: [] },
      false,
    ),
  );
  const byId = new Map(
    ((data?.results ?? []) as unknown as HubSpotObject[]).map((o) => [String(o.id), o]),
  );
  // Search order (by id) is kept; a record deleted in between is dropped.
  return found.map((o) => byId.get(String(o.id))).filter((o): o is HubSpotObject => !!o);
}

async function listPage(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  properties: readonly string[],
  history: readonly string[],
  cursor: string | null,
  since: number | null,
): Promise<Page<HubSpotObject> & { historyIncluded: boolean }> {
  const after = cursor?.startsWith('l:') ? cursor.slice(2) : (cursor ?? undefined);
  const fetchProps =
    since === null ? [...properties] : [...new Set([...properties, spec.modifiedProperty])];
  const withHistory = history.length > 0;
  const { data } = await caller.call(kind(spec, withHistory ? 'listWithHistory' : 'list'), () =>
    client.crm.objects.basicApi.getPageWithHttpInfo(
      spec.type,
      withHistory ? LIMITS.listPageWithHistory : LIMITS.listPage,
      after || undefined,
      commaList(fetchProps),
      commaList(history),
      commaList(spec.associations),
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
  return { items, next: next ? `l:${next}` : null, historyIncluded: withHistory };
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
    // v4 association batch reads are exempt from the burst limit (x-hubspot-rate-limit-exemptions).
    const { data } = await caller.call(
      'associations.batchRead',
      () =>
        client.crm.associations.v4.batchApi.getPageWithHttpInfo(spec.type, to, {
          inputs: items.map((o) => ({ id: String(o.id) })),
        }),
      { lane: 'exempt' },
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

/**
 * Current values and history of any number of records, 50 a call (HubSpot's limit for batch
 * reads with propertiesWithHistory); ids HubSpot does not know are skipped.
 */
export async function readHistory(
  client: Client,
  caller: Caller,
  spec: ObjectSpec,
  ids: readonly string[],
  properties: readonly string[],
  withHistory = true,
): Promise<HubSpotObject[]> {
  const out: HubSpotObject[] = [];
  // 50 a call with history (fidelity row 6), 100 without (row 5): the fewest calls either way.
  const size = withHistory ? LIMITS.batchWithHistory : LIMITS.batch;
  for (let i = 0; i < ids.length; i += size) {
    const chunk = ids.slice(i, i + size);
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
