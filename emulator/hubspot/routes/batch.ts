/** Objects v3 batch endpoints: ≤100 inputs, 200 COMPLETE vs 207 with OBJECT_NOT_FOUND errors. */
import { type Express, type Request } from 'express';
import { standardError, validation } from '../errors';
import { tokenOf } from '../auth';
import {
  batchInputs,
  batchResult,
  boolParam,
  crm,
  json,
  objectScope,
  stateOf,
  storeOf,
  type Ctx,
} from '../routing';
import { serialize } from '../serialize';
import { type ObjectStore, type Rec } from '../state/records';
import { validateProperties } from '../validate';
import {
  apiSourceOf,
  checkUnique,
  commitArchive,
  commitCreate,
  commitUpdate,
  lookup,
  prepareCreate,
} from '../writes';

const BASE = '/crm/v3/objects/:objectType/batch';
const MAX_INPUTS = 100;
/** With propertiesWithHistory a batch read takes at most 50 inputs (activepieces PR #9359). */
export const MAX_HISTORY_INPUTS = 50;
export const HISTORY_BATCH_MESSAGE =
  'The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again';

function inputsOf(req: Request): Array<Record<string, unknown>> {
  return batchInputs(req, MAX_INPUTS, 'inputs per request');
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function batchBody(
  startedAt: string,
  results: unknown[],
  missing: string[],
  store: ObjectStore,
  verb: string,
  more: unknown[] = [],
) {
  const notFound = missing.length
    ? [
        standardError(
          'OBJECT_NOT_FOUND',
          `Could not ${verb} some ${store.info.upper} objects, they may be deleted or not exist. Check that ids are valid.`,
          { ids: missing },
        ),
      ]
    : [];
  return batchResult(startedAt, results, [...notFound, ...more]);
}

export function registerBatch(app: Express, ctx: Ctx): void {
  crm(app, ctx, 'post', `${BASE}/read`, objectScope('read'), (req, res) => {
    const startedAt = new Date().toISOString();
    const store = storeOf(res, req.params.objectType);
    const inputs = inputsOf(req);
    const body = req.body as Record<string, unknown>;
    // Both lists are `required` in BatchReadInputSimplePublicObjectId (objects.v3.json); the
    // stricter reading: a request without them is refused, not guessed at.
    for (const field of ['properties', 'propertiesWithHistory']) {
      if (!Array.isArray(body[field])) throw validation(`${field} is required (an array).`);
    }
    const props = stringList(body.properties);
    const shape = {
      properties: props.length ? props : null,
      history: stringList(body.propertiesWithHistory),
      associations: [],
    };
    if (shape.history.length && inputs.length > MAX_HISTORY_INPUTS)
      throw validation(HISTORY_BATCH_MESSAGE);
    const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
    const results: unknown[] = [];
    const missing: string[] = [];
    const seen = new Set<number>();
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const rec = lookup(store, id, idProperty, boolParam(req.query.archived));
      if (!rec) missing.push(id);
      else if (!seen.has(rec.id)) {
        seen.add(rec.id);
        results.push(serialize(stateOf(res), store, rec, shape));
      }
    }
    json(res, missing.length ? 207 : 200, batchBody(startedAt, results, missing, store, 'get'));
  });

  crm(app, ctx, 'post', `${BASE}/create`, objectScope('write'), (req, res) => {
    const startedAt = new Date().toISOString();
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const prepared = inputsOf(req).map((i) => prepareCreate(state, store, i));
    const emails = prepared.map((p) => p.props.email?.toLowerCase()).filter(Boolean);
    if (store.info.name === 'contacts' && new Set(emails).size !== emails.length)
      throw validation('Duplicate email values in the batch inputs.');
    const results = prepared.map((p) =>
      serialize(state, store, commitCreate(state, store, p, apiSourceOf(tokenOf(res))), {
        properties: null,
        history: [],
        associations: [],
      }),
    );
    json(res, 201, batchBody(startedAt, results, [], store, 'create'));
  });

  crm(app, ctx, 'post', `${BASE}/update`, objectScope('write'), (req, res) => {
    const startedAt = new Date().toISOString();
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const inputs = inputsOf(req);
    const ids = inputs.map((i) => String(i.id ?? ''));
    if (new Set(ids).size !== ids.length) throw validation('Duplicate IDs found in batch input.');
    const planned: Array<[Rec, Record<string, string>]> = [];
    const missing: string[] = [];
    // Injected per-input failures (control plane `itemErrors`, `itemRetryableRate`): unapplied.
    const itemFailed = new Map<string, { message: string; ids: string[] }>();
    for (const input of inputs) {
      const props = validateProperties(store, input.properties);
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      const rec = lookup(store, String(input.id ?? ''), idProperty);
      const fault = rec ? ctx.faults.itemFault(String(input.id ?? '')) : null;
      if (!rec) missing.push(String(input.id ?? ''));
      else if (fault) {
        const group = itemFailed.get(fault.category) ?? { message: fault.message, ids: [] };
        group.ids.push(String(input.id ?? ''));
        itemFailed.set(fault.category, group);
      } else {
        checkUnique(store, props, rec);
        planned.push([rec, props]);
      }
    }
    const results = planned.map(([rec, props]) => {
      commitUpdate(state, store, rec, props, apiSourceOf(tokenOf(res), rec));
      return serialize(state, store, rec, {
        properties: Object.keys(props),
        history: [],
        associations: [],
      });
    });
    const failed = [...itemFailed].map(([category, g]) =>
      standardError(category, g.message, { ids: g.ids }),
    );
    json(
      res,
      missing.length || itemFailed.size ? 207 : 200,
      batchBody(startedAt, results, missing, store, 'update', failed),
    );
  });

  crm(app, ctx, 'post', `${BASE}/upsert`, objectScope('write'), (req, res) => {
    const startedAt = new Date().toISOString();
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const planned = inputsOf(req).map((input) => {
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      if (!idProperty)
        throw validation('Each upsert input needs "idProperty" (a unique property such as email).');
      const id = String(input.id ?? '');
      const props = validateProperties(store, input.properties);
      const rec = lookup(store, id, idProperty);
      if (rec) checkUnique(store, props, rec);
      return { rec, props: rec ? props : { ...props, [idProperty]: id }, id };
    });
    const results = planned.map(({ rec, props }) => {
      const isNew = !rec;
      const src = apiSourceOf(tokenOf(res), rec ?? undefined);
      const target = rec ?? commitCreate(state, store, { props, assocs: [] }, src);
      if (rec) commitUpdate(state, store, rec, props, src);
      return {
        ...serialize(state, store, target, {
          properties: Object.keys(props),
          history: [],
          associations: [],
        }),
        new: isNew,
      };
    });
    json(res, 200, batchBody(startedAt, results, [], store, 'upsert'));
  });

  crm(app, ctx, 'post', `${BASE}/archive`, objectScope('write'), (req, res) => {
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    for (const input of inputsOf(req)) {
      const rec = lookup(store, String(input.id ?? ''));
      if (rec) commitArchive(state, store, rec, apiSourceOf(tokenOf(res), rec));
    }
    res.status(204).end();
  });
}
