/** Create and update as the API performs them: validate, enforce uniqueness, record history. */
import { HubSpotHttpError, validation } from './errors';
import { DEFAULT_APP_ID, type TokenInfo } from './hub';
import { ASSOC_TYPES } from './state/associations';
import { type ChangeEvent, type PortalState } from './state/portal';
import { type ObjectStore, type Rec, type WriteSource, type Written } from './state/records';
import { conflict, validateProperties } from './validate';

/**
 * API writes by an app, as HubSpot labels them in property history. `sourceId` names the app
 * (the default private app keeps the label `private-app`).
 */
export function apiSource(rec?: Rec, sourceId = 'private-app'): WriteSource {
  return {
    timestamp: Math.max(Date.now(), rec?.updatedAt ?? 0),
    sourceType: 'INTEGRATION',
    sourceId,
  };
}

/** The write source of a request: its app (the default app's label stays `private-app`). */
export function apiSourceOf(token: TokenInfo, rec?: Rec): WriteSource {
  return apiSource(rec, token.appId === DEFAULT_APP_ID ? 'private-app' : String(token.appId));
}

/** A user editing in HubSpot's UI (the control plane stands in for them). */
export function uiSource(rec?: Rec, userId = 1): WriteSource {
  return {
    timestamp: Math.max(Date.now(), rec?.updatedAt ?? 0),
    sourceType: 'CRM_UI',
    sourceId: `userId:${userId}`,
  };
}

function changeEvents(
  store: ObjectStore,
  rec: Rec,
  written: Written[],
  at: number,
  created: boolean,
  src: WriteSource,
): ChangeEvent[] {
  const base = { objectType: store.info.name, objectId: rec.id, occurredAt: at };
  const out: ChangeEvent[] = created
    ? [{ ...base, kind: 'creation', changeSource: src.sourceType, sourceId: src.sourceId }]
    : [];
  for (const w of written) {
    if (w.value === '' && created) continue;
    out.push({
      ...base,
      kind: 'propertyChange',
      propertyName: w.name,
      propertyValue: w.value,
      changeSource: w.sourceType,
      ...(w.sourceId !== undefined ? { sourceId: w.sourceId } : {}),
    });
  }
  return out;
}

interface AssocInput {
  to: { id: string };
  types: Array<{ associationCategory?: string; associationTypeId: number }>;
}

function parseAssociations(
  state: PortalState,
  store: ObjectStore,
  raw: unknown,
): Array<[AssocInput, number]> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw validation('associations must be an array of {to:{id}, types:[…]}');
  const out: Array<[AssocInput, number]> = [];
  for (const a of raw as AssocInput[]) {
    for (const t of a?.types ?? []) {
      const def = ASSOC_TYPES.get(Number(t.associationTypeId));
      if (!def || def.from !== store.info.name)
        throw validation(
          `associationTypeId ${t.associationTypeId} is not valid from ${store.info.name}; see the v4 association types.`,
        );
      if (!state.stores[def.to].get(a.to?.id))
        throw validation(`Cannot associate: ${def.to} ${a.to?.id} does not exist.`);
      out.push([a, def.typeId]);
    }
  }
  return out;
}

export function checkUnique(store: ObjectStore, props: Record<string, string>, self?: Rec): void {
  if (store.info.name !== 'contacts' || !props.email) return;
  const existing = store.findUnique('email', props.email);
  if (existing && existing !== self)
    throw conflict(`Contact already exists. Existing ID: ${existing.id}`);
}

/** Validates everything before writing anything, so a rejected request leaves no trace. */
export function prepareCreate(state: PortalState, store: ObjectStore, input: unknown) {
  if (!input || typeof input !== 'object')
    throw validation('Each input needs a "properties" object.');
  const body = input as { properties?: unknown; associations?: unknown };
  const props = validateProperties(store, body.properties);
  const assocs = parseAssociations(state, store, body.associations);
  if (store.info.name === 'leads') {
    if (!props.hs_lead_name) throw validation('A lead needs the property hs_lead_name.');
    if (!assocs.some(([, typeId]) => ASSOC_TYPES.get(typeId)?.to === 'contacts'))
      throw validation(
        'A lead must be created with an association to an existing contact (associationTypeId 578).',
      );
  }
  if (store.info.name === 'tasks' && !props.hs_timestamp) {
    // "hs_timestamp: Required. This field marks the task's due date." (tasks API guide)
    throw validation('A task needs the property hs_timestamp (its due date).');
  }
  checkUnique(store, props);
  return { props, assocs };
}

export function commitCreate(
  state: PortalState,
  store: ObjectStore,
  prepared: ReturnType<typeof prepareCreate>,
  src: WriteSource = apiSource(),
): Rec {
  let written: Written[] = [];
  const rec = store.create(prepared.props, src, (w) => (written = w));
  for (const [a, typeId] of prepared.assocs) {
    const def = ASSOC_TYPES.get(typeId)!;
    state.associations.add(store.info.name, rec.id, def.to, Number(a.to.id), typeId);
  }
  state.recordWrite(store.info.name, rec.id, prepared.props);
  state.emit(changeEvents(store, rec, written, src.timestamp, true, src));
  return rec;
}

export function commitUpdate(
  state: PortalState,
  store: ObjectStore,
  rec: Rec,
  props: Record<string, string>,
  src: WriteSource = apiSource(rec),
): void {
  const written = store.write(rec, props, src);
  state.recordWrite(store.info.name, rec.id, props);
  state.emit(changeEvents(store, rec, written, src.timestamp, false, src));
}

export function commitArchive(
  state: PortalState,
  store: ObjectStore,
  rec: Rec,
  src: WriteSource = apiSource(rec),
): void {
  store.archive(rec, src.timestamp);
  state.associations.dropRecord(store.info.name, rec.id);
  state.emit([
    {
      objectType: store.info.name,
      objectId: rec.id,
      kind: 'deletion',
      changeSource: src.sourceType,
      ...(src.sourceId !== undefined ? { sourceId: src.sourceId } : {}),
      occurredAt: src.timestamp,
    },
  ]);
}

/** Finds a record by id or by a unique property (idProperty=email). */
export function lookup(
  store: ObjectStore,
  id: string,
  idProperty?: string,
  archived = false,
): Rec | undefined {
  if (idProperty && idProperty !== 'hs_object_id') {
    const def = store.schema.get(idProperty);
    if (!def || !def.hasUniqueValue)
      throw validation(`${idProperty} is not a unique property and cannot be an idProperty.`);
    return store.findUnique(idProperty, id);
  }
  if (!/^\d+$/.test(id)) return undefined;
  const rec = store.get(id, true);
  return rec && rec.archived === archived ? rec : undefined;
}

export const objectNotFound = () =>
  new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'resource not found');
