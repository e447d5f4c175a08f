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
  storeOf,
  type Ctx,
} from '../routing';
import { readShape, serialize } from '../serialize';
import { validateProperties } from '../validate';
import {
  checkUnique,
  commitCreate,
  commitUpdate,
  lookup,
  objectNotFound,
  prepareCreate,
} from '../writes';

const BASE = '/crm/v3/objects/:objectType';

export function registerObjects(app: Express, ctx: Ctx): void {
  crm(app, ctx, 'get', BASE, objectScope('read'), (req, res) => {
    const store = storeOf(ctx, req.params.objectType);
    const limit = intParam(req.query.limit, 'limit', 10, 100);
    const archived = boolParam(req.query.archived);
    const shape = readShape(req);
    const results: unknown[] = [];
    let next: number | undefined;
    for (let i = store.positionOf(decodeCursor(req.query.after)); i < store.ids.length; i++) {
      const rec = store.byId.get(store.ids[i])!;
      if (rec.archived !== archived) continue;
      if (results.length === limit) {
        next = rec.id;
        break;
      }
      results.push(serialize(ctx.state(), store, rec, shape));
    }
    const body: Record<string, unknown> = { results };
    if (next !== undefined) {
      const after = encodeCursor(next);
      body.paging = { next: { after, link: `?after=${after}` } };
    }
    json(res, 200, body);
  });

  crm(app, ctx, 'post', BASE, objectScope('write'), (req, res) => {
    const state = ctx.state();
    const store = storeOf(ctx, req.params.objectType);
    const rec = commitCreate(state, store, prepareCreate(state, store, req.body));
    json(
      res,
      201,
      serialize(state, store, rec, { properties: null, history: [], associations: [] }),
    );
  });

  crm(app, ctx, 'get', `${BASE}/:objectId`, objectScope('read'), (req, res) => {
    const store = storeOf(ctx, req.params.objectType);
    const idProperty =
      req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const rec = lookup(store, req.params.objectId, idProperty, boolParam(req.query.archived));
    if (!rec) throw objectNotFound();
    json(res, 200, serialize(ctx.state(), store, rec, readShape(req)));
  });

  crm(app, ctx, 'patch', `${BASE}/:objectId`, objectScope('write'), (req, res) => {
    const state = ctx.state();
    const store = storeOf(ctx, req.params.objectType);
    const idProperty =
      req.query.idProperty === undefined ? undefined : String(req.query.idProperty);
    const rec = lookup(store, req.params.objectId, idProperty);
    if (!rec) throw objectNotFound();
    if (!req.body || typeof req.body !== 'object')
      throw validation('Body must be {"properties":{…}}.');
    const props = validateProperties(store, (req.body as { properties?: unknown }).properties);
    checkUnique(store, props, rec);
    commitUpdate(state, store, rec, props);
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
    const state = ctx.state();
    const store = storeOf(ctx, req.params.objectType);
    const rec = lookup(store, req.params.objectId);
    // HubSpot answers 204 for an id that is already gone, too.
    if (rec) {
      store.archive(rec, Date.now());
      state.associations.dropRecord(store.info.name, rec.id);
    }
    res.status(204).end();
  });
}
