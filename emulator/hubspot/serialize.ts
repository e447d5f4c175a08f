/** Records as HubSpot's v3 JSON: string values, null for unset requested properties. */
import { type Request } from 'express';
import { ASSOC_TYPES } from './state/associations';
import { type PortalState } from './state/portal';
import { type ObjectStore, type Rec } from './state/records';
import { iso, resolveObjectType } from './state/types';

export interface ReadShape {
  properties: string[] | null;
  history: string[];
  associations: string[];
}

/** Array query params arrive repeated (the SDK) or comma-separated (curl); accept both. */
export function listParam(q: unknown): string[] {
  const parts = Array.isArray(q) ? q : q === undefined ? [] : [q];
  return parts
    .flatMap((p) => String(p).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readShape(req: Request): ReadShape {
  const props = listParam(req.query.properties);
  return {
    properties: props.length ? props : null,
    history: listParam(req.query.propertiesWithHistory),
    associations: listParam(req.query.associations),
  };
}

export function serialize(
  state: PortalState,
  store: ObjectStore,
  rec: Rec,
  shape: ReadShape,
): Record<string, unknown> {
  const properties: Record<string, string | null> = {};
  for (const name of shape.properties ?? store.info.defaults) {
    if (store.schema.get(name)) properties[name] = store.value(rec, name);
  }
  const out: Record<string, unknown> = {
    id: String(rec.id),
    properties,
    createdAt: iso(rec.createdAt),
    updatedAt: iso(rec.updatedAt),
    archived: rec.archived,
  };
  if (rec.archivedAt !== undefined) out.archivedAt = iso(rec.archivedAt);
  if (shape.history.length) {
    const h: Record<string, unknown[]> = {};
    for (const name of shape.history) {
      if (!store.schema.get(name)) continue;
      h[name] = store.versions(rec, name).map((v) => ({
        value: v.value,
        timestamp: iso(v.timestamp),
        sourceType: v.sourceType,
        ...(v.sourceId !== undefined ? { sourceId: v.sourceId } : {}),
      }));
    }
    out.propertiesWithHistory = h;
  }
  if (shape.associations.length) {
    const a: Record<string, unknown> = {};
    for (const to of shape.associations) {
      const info = resolveObjectType(to);
      if (!info) continue;
      const list = state.associations.list(store.info.name, rec.id, info.name);
      if (!list.length) continue;
      a[to] = {
        results: list.flatMap(([id, types]) =>
          types.map((t) => ({ id: String(id), type: ASSOC_TYPES.get(t)?.name ?? String(t) })),
        ),
      };
    }
    if (Object.keys(a).length) out.associations = a;
  }
  return out;
}
