/** Associations v4: page (≤500), batch read (207 on misses), default PUT, labelled PUT, batch create. */
import { type Express } from 'express';
import { standardError, validation } from '../errors';
import {
  batchInputs,
  batchResult,
  crm,
  decodeCursor,
  encodeCursor,
  intParam,
  json,
  objectScope,
  stateOf,
  typeOf,
  type Ctx,
} from '../routing';
import { ASSOC_TYPES, defaultTypeId } from '../state/associations';
import { type ObjectTypeInfo } from '../state/types';
import { objectNotFound } from '../writes';

const toJson = (id: number, types: number[]) => ({
  toObjectId: String(id),
  associationTypes: types.map((t) => ({ category: 'HUBSPOT_DEFINED', typeId: t })),
});

/** The id of a batch input's `from` or `to` ('' when absent). */
const refId = (ref: unknown) => String((ref as { id?: unknown } | undefined)?.id ?? '');

/** One side of a default (HUBSPOT_DEFINED) association, as the v4 default endpoints answer it. */
const defaultSpec = (from: string, to: string, typeId: number) => ({
  from: { id: from },
  to: { id: to },
  associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
});

function pair(from: ObjectTypeInfo, to: ObjectTypeInfo): number {
  const typeId = defaultTypeId(from.name, to.name);
  if (typeId === undefined)
    throw validation(`No association is defined between ${from.name} and ${to.name}.`);
  return typeId;
}

export function registerAssociations(app: Express, ctx: Ctx): void {
  crm(
    app,
    ctx,
    'get',
    '/crm/v4/objects/:objectType/:objectId/associations/:toObjectType',
    objectScope('read'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      if (!state.stores[from.name].get(req.params.objectId)) throw objectNotFound();
      const limit = intParam(req.query.limit, 'limit', 500, 500);
      const start = decodeCursor(req.query.after);
      const all = state.associations
        .list(from.name, Number(req.params.objectId), to.name)
        .filter(([id]) => id >= start);
      const body: Record<string, unknown> = {
        results: all.slice(0, limit).map(([id, t]) => toJson(id, t)),
      };
      if (all.length > limit) {
        const after = encodeCursor(all[limit][0]);
        body.paging = { next: { after, link: `?after=${after}` } };
      }
      json(res, 200, body);
    },
  );

  crm(
    app,
    ctx,
    'put',
    '/crm/v4/objects/:objectType/:objectId/associations/default/:toObjectType/:toObjectId',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      const startedAt = new Date().toISOString();
      if (
        !state.stores[from.name].get(req.params.objectId) ||
        !state.stores[to.name].get(req.params.toObjectId)
      )
        throw objectNotFound();
      const typeId = pair(from, to);
      state.associations.add(
        from.name,
        Number(req.params.objectId),
        to.name,
        Number(req.params.toObjectId),
        typeId,
      );
      json(
        res,
        200,
        batchResult(startedAt, [
          defaultSpec(req.params.objectId, req.params.toObjectId, typeId),
          defaultSpec(req.params.toObjectId, req.params.objectId, ASSOC_TYPES.get(typeId)!.inverse),
        ]),
      );
    },
  );

  crm(
    app,
    ctx,
    'put',
    '/crm/v4/objects/:objectType/:objectId/associations/:toObjectType/:toObjectId',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      if (
        !state.stores[from.name].get(req.params.objectId) ||
        !state.stores[to.name].get(req.params.toObjectId)
      )
        throw objectNotFound();
      const specs = Array.isArray(req.body)
        ? (req.body as Array<{ associationTypeId?: number }>)
        : [];
      if (!specs.length)
        throw validation('Body must be an array of {associationCategory, associationTypeId}.');
      for (const s of specs) {
        const t = ASSOC_TYPES.get(Number(s.associationTypeId));
        if (!t || t.from !== from.name || t.to !== to.name)
          throw validation(
            `associationTypeId ${s.associationTypeId} does not link ${from.name} to ${to.name}.`,
          );
        state.associations.add(
          from.name,
          Number(req.params.objectId),
          to.name,
          Number(req.params.toObjectId),
          t.typeId,
        );
      }
      json(res, 201, {
        fromObjectTypeId: from.typeId,
        fromObjectId: req.params.objectId,
        toObjectTypeId: to.typeId,
        toObjectId: req.params.toObjectId,
        labels: [],
      });
    },
  );

  crm(
    app,
    ctx,
    'delete',
    '/crm/v4/objects/:objectType/:objectId/associations/:toObjectType/:toObjectId',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      stateOf(res).associations.remove(
        from.name,
        Number(req.params.objectId),
        to.name,
        Number(req.params.toObjectId),
      );
      res.status(204).end();
    },
  );

  crm(
    app,
    ctx,
    'post',
    '/crm/v4/associations/:objectType/:toObjectType/batch/read',
    objectScope('read'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      const startedAt = new Date().toISOString();
      const results: unknown[] = [];
      const errors: unknown[] = [];
      // 1000 ids per request since 2025-02-10 (changelog: batch read limit for associations API).
      for (const input of batchInputs(req, 1000)) {
        const id = String(input.id ?? '');
        const list = state.stores[from.name].get(id)
          ? state.associations.list(from.name, Number(id), to.name)
          : [];
        if (!list.length)
          errors.push(
            standardError(
              'OBJECT_NOT_FOUND',
              `No ${to.singular} is associated with ${from.singular} ${id}.`,
              { fromObjectId: [id] },
            ),
          );
        else results.push({ from: { id }, to: list.map(([tid, t]) => toJson(tid, t)) });
      }
      json(res, errors.length ? 207 : 200, batchResult(startedAt, results, errors));
    },
    'exempt',
  );

  crm(
    app,
    ctx,
    'post',
    '/crm/v4/associations/:objectType/:toObjectType/batch/create',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      const startedAt = new Date().toISOString();
      const results: unknown[] = [];
      const missing: string[] = [];
      for (const input of batchInputs(req, 2000)) {
        const f = refId(input.from);
        const t = refId(input.to);
        if (!state.stores[from.name].get(f) || !state.stores[to.name].get(t)) {
          missing.push(state.stores[from.name].get(f) ? t : f);
          continue;
        }
        const types = Array.isArray(input.types)
          ? (input.types as Array<{ associationTypeId?: number }>)
          : [];
        if (!types.length)
          throw validation('Each input needs "types": [{associationCategory, associationTypeId}].');
        for (const ty of types) {
          const def = ASSOC_TYPES.get(Number(ty.associationTypeId));
          if (!def || def.from !== from.name || def.to !== to.name)
            throw validation(
              `associationTypeId ${ty.associationTypeId} does not link ${from.name} to ${to.name}.`,
            );
          state.associations.add(from.name, Number(f), to.name, Number(t), def.typeId);
        }
        results.push({
          fromObjectTypeId: from.typeId,
          fromObjectId: f,
          toObjectTypeId: to.typeId,
          toObjectId: t,
          labels: [],
        });
      }
      const errors = missing.length
        ? [
            standardError('OBJECT_NOT_FOUND', 'Some objects to associate do not exist.', {
              ids: missing,
            }),
          ]
        : [];
      json(res, missing.length ? 207 : 201, batchResult(startedAt, results, errors));
    },
    'exempt',
  );

  crm(
    app,
    ctx,
    'post',
    '/crm/v4/associations/:objectType/:toObjectType/batch/associate/default',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      const startedAt = new Date().toISOString();
      const typeId = pair(from, to);
      const results: unknown[] = [];
      for (const input of batchInputs(req, 2000)) {
        const f = refId(input.from);
        const t = refId(input.to);
        if (!state.stores[from.name].get(f) || !state.stores[to.name].get(t)) continue;
        state.associations.add(from.name, Number(f), to.name, Number(t), typeId);
        results.push(defaultSpec(f, t, typeId));
      }
      json(res, 200, batchResult(startedAt, results));
    },
    'exempt',
  );

  crm(
    app,
    ctx,
    'post',
    '/crm/v4/associations/:objectType/:toObjectType/batch/archive',
    objectScope('write'),
    (req, res) => {
      const from = typeOf(req.params.objectType);
      const to = typeOf(req.params.toObjectType);
      const state = stateOf(res);
      for (const input of batchInputs(req, 2000)) {
        const f = Number((input.from as { id?: unknown } | undefined)?.id);
        const targets = Array.isArray(input.to) ? (input.to as Array<{ id?: unknown }>) : [];
        for (const t of targets) state.associations.remove(from.name, f, to.name, Number(t.id));
      }
      res.status(204).end();
    },
    'exempt',
  );
}
