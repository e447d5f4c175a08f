/** Objects v3: list, get, create, update, archive one record. */
import { type Express } from 'express';
import { validation } from '../errors';
import {
  boolParam,
  crm,
  decodeCursor,
  encodeCursor,
  intParam,
  json,
  objectScope,
  stateOf,
  storeOf,
  type Ctx,
} from '../routing';
import { readShape, serialize } from '../serialize';
import { validateProperties } from '../validate';
import { tokenOf } from '../auth';
import {
  apiSourceOf,
  checkUnique,
  commitArchive,
  commitCreate,
  commitUpdate,
  lookup,
  objectNotFound,
  prepareCreate,
} from '../writes';

const BASE = '/crm/v3/objects/:objectType';
export const MAX_HISTORY_PAGE = 50;

export function registerObjects(app: Express, ctx: Ctx): void {
  crm(app, ctx, 'get', BASE, objectScope('read'), (req, res) => {
    const store = storeOf(res, req.params.objectType);
    const shape = readShape(req);
    // History caps a page at 50 records: the contacts spec says propertiesWithHistory "will
    // reduce the maximum number of contacts that can be read by a single request"; asking for
    // more answers 400 (HubSpot/hubspot-api-python#143), the stricter reading of the two.
    const max = shape.history.length ? MAX_HISTORY_PAGE : 100;
    const limit = intParam(req.query.limit, 'limit', 10, max);
    const archived = boolParam(req.query.archived);
    const results: unknown[] = [];
    let next: number | undefined;
    for (let i = store.positionOf(decodeCursor(req.query.after)); i < store.ids.length; i++) {
      const rec = store.byId.get(store.ids[i])!;
      if (rec.archived !== archived) continue;
      if (results.length === limit) {
        next = rec.id;
        break;
      }
      results.push(serialize(stateOf(res), store, rec, shape));
    }
    const body: Record<string, unknown> = { results };
    if (next !== undefined) {
      const after = encodeCursor(next);
      body.paging = { next: { after, link: `?after=${after}` } };
    }
    json(res, 200, body);
  });

  crm(app, ctx, 'post', BASE, objectScope('write'), (req, res) => {
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const rec = commitCreate(
      state,
      store,
      prepareCreate(state, store, req.body),
      apiSourceOf(tokenOf(res)),
    );
    json(
      res,
      201,
      serialize(state, store, rec, { properties: null, history: [], associations: [] }),
    );
  });

  crm(app, ctx, 'get', `${BASE}/:objectId`, objectScope('read'), (req, res) => {
    const store = storeOf(res, req.params.objectType);
    const idProperty =
      req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const rec = lookup(store, req.params.objectId, idProperty, boolParam(req.query.archived));
    if (!rec) throw objectNotFound();
    json(res, 200, serialize(stateOf(res), store, rec, readShape(req)));
  });

  crm(app, ctx, 'patch', `${BASE}/:objectId`, objectScope('write'), (req, res) => {
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const idProperty =
      req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const rec = lookup(store, req.params.objectId, idProperty);
    if (!rec) throw objectNotFound();
    if (!req.body || typeof req.body !== 'object')
      throw validation('Body must be {"properties":{…}}.');
    const props = validateProperties(store, (req.body as { properties?: unknown }).properties);
    checkUnique(store, props, rec);
    commitUpdate(state, store, rec, props, apiSourceOf(tokenOf(res), rec));
    json(
      res,
      200,
      serialize(state, store, rec, {
        properties: Object.keys(props),
        history: [],
        associations: [],
      }),
    );
  });

  crm(app, ctx, 'delete', `${BASE}/:objectId`, objectScope('write'), (req, res) => {
    const state = stateOf(res);
    const store = storeOf(res, req.params.objectType);
    const rec = lookup(store, req.params.objectId);
    // HubSpot answers 204 for an id that is already gone, too.
    if (rec) commitArchive(state, store, rec, apiSourceOf(tokenOf(res), rec));
    res.status(204).end();
  });
}
