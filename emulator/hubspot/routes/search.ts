/**
 * Objects v3 search: OR of AND filter groups with typed comparisons, one sort, limit ≤200,
 * numeric `after`, `total`, and HubSpot's hard cap of 10,000 reachable results.
 */
import { type Express } from 'express';
import { validation } from '../errors';
import { crm, json, objectScope, stateOf, storeOf, type Ctx } from '../routing';
import { serialize } from '../serialize';
import { type ObjectStore, type Rec } from '../state/records';
import { type PropertyDef } from '../state/schema';

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
type Operator = (typeof OPERATORS)[number];
const MAX_RESULTS = 10_000;
// "five filterGroups with up to six filters in each", 18 in all (search guide); the 2024
// changelog raised it to 10 per group / 25 in all. The stricter numbers are kept.
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;
/** "If the body of your request exceeds 3,000 characters, a 400 error will be returned." */
export const MAX_SEARCH_BODY = 3000;

interface Filter {
  propertyName: string;
  operator: Operator;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}
type Test = (store: ObjectStore, rec: Rec) => boolean;

/** Comparable form of a value for a property type: numbers for number/date/datetime. */
function typed(def: PropertyDef, v: string): number | string {
  if (def.type === 'number') return Number(v);
  if (def.type === 'datetime' || def.type === 'date')
    return /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  return v.toLowerCase();
}

function compileFilter(store: ObjectStore, f: Filter): Test {
  if (!f || typeof f.propertyName !== 'string')
    throw validation('Each filter needs a propertyName.');
  if (!OPERATORS.includes(f.operator))
    throw validation(`Unknown operator ${String(f.operator)}; use one of ${OPERATORS.join(', ')}.`);
  const def = store.schema.get(f.propertyName);
  if (!def)
    throw validation(
      `There was a problem with the request: property ${f.propertyName} does not exist.`,
    );
  const name = f.propertyName;
  const get = (s: ObjectStore, r: Rec) => s.value(r, name);
  const need = (v: unknown, what: string) => {
    if (v === undefined || v === null)
      throw validation(`Operator ${f.operator} on ${name} needs ${what}.`);
    return typed(def, String(v));
  };
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  const on =
    (pred: (x: number | string) => boolean): Test =>
    (s, r) => {
      const v = get(s, r);
      if (v === null || v === '') return false;
      const x = typed(def, v);
      return typeof x === 'number' && Number.isNaN(x) ? false : pred(x);
    };
  switch (f.operator) {
    case 'EQ': {
      const b = need(f.value, 'a value');
      return on((x) => cmp(x, b) === 0);
    }
    case 'NEQ': {
      const b = need(f.value, 'a value');
      return (s, r) => {
        const v = get(s, r);
        return v === null || v === '' || cmp(typed(def, v), b) !== 0;
      };
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      const b = need(f.value, 'a value');
      const ok = {
        LT: (c: number) => c < 0,
        LTE: (c: number) => c <= 0,
        GT: (c: number) => c > 0,
        GTE: (c: number) => c >= 0,
      }[f.operator];
      return on((x) => ok(cmp(x, b)));
    }
    case 'BETWEEN': {
      const lo = need(f.value, 'value'),
        hi = need(f.highValue, 'highValue');
      return on((x) => cmp(x, lo) >= 0 && cmp(x, hi) <= 0);
    }
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(f.values))
        throw validation(`Operator ${f.operator} on ${name} needs "values".`);
      const set = new Set(f.values.map((v) => typed(def, String(v))));
      return f.operator === 'IN'
        ? on((x) => set.has(x))
        : (s, r) => {
            const v = get(s, r);
            return v === null || v === '' || !set.has(typed(def, v));
          };
    }
    case 'HAS_PROPERTY':
      return (s, r) => {
        const v = get(s, r);
        return v !== null && v !== '';
      };
    case 'NOT_HAS_PROPERTY':
      return (s, r) => {
        const v = get(s, r);
        return v === null || v === '';
      };
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const token = String(need(f.value, 'a token'));
      const re = new RegExp(
        `^${token.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
        'i',
      );
      const has = (v: string) =>
        re.test(v) || v.split(/[^\p{L}\p{N}@._-]+/u).some((t) => re.test(t));
      return (s, r) => {
        const v = get(s, r);
        const found = v !== null && has(v);
        return f.operator === 'CONTAINS_TOKEN' ? found : !found;
      };
    }
  }
}

function parseSort(
  store: ObjectStore,
  raw: unknown,
): { name: string; desc: boolean; def: PropertyDef } | undefined {
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return undefined;
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  let name: string;
  let desc = false;
  if (typeof first === 'string') {
    desc = first.startsWith('-');
    name = desc ? first.slice(1) : first;
  } else if (first && typeof first === 'object' && 'propertyName' in first) {
    const s = first as { propertyName: string; direction?: string };
    name = s.propertyName;
    desc = s.direction === 'DESCENDING';
  } else throw validation('sorts must be ["prop"], ["-prop"] or [{propertyName, direction}].');
  const def = store.schema.get(name);
  if (!def) throw validation(`Cannot sort by unknown property ${name}.`);
  return { name, desc, def };
}

export function registerSearch(app: Express, ctx: Ctx): void {
  crm(
    app,
    ctx,
    'post',
    '/crm/v3/objects/:objectType/search',
    objectScope('read'),
    (req, res) => {
      const store = storeOf(res, req.params.objectType);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const size = Number(res.locals.rawBodyLength ?? 0);
      if (size > MAX_SEARCH_BODY)
        throw validation(
          `The request body is ${size} characters; a search request may have at most ${MAX_SEARCH_BODY}.`,
        );
      const limit = body.limit === undefined ? 10 : Number(body.limit);
      if (!Number.isInteger(limit) || limit < 0 || limit > 200)
        throw validation(`limit must be between 0 and 200, got ${String(body.limit)}`);
      const after = body.after === undefined || body.after === '' ? 0 : Number(body.after);
      if (!Number.isInteger(after) || after < 0)
        throw validation(`after must be a numeric offset, got ${String(body.after)}`);
      // Real clients receive a cursor at 10,000 and then this 400 when they follow it.
      if (after + Math.max(limit, 1) > MAX_RESULTS)
        throw validation(
          `Search results are capped at ${MAX_RESULTS}; paging past that is not allowed (after=${after}). Narrow the filters, e.g. by lastmodifieddate.`,
        );
      const groups = Array.isArray(body.filterGroups)
        ? (body.filterGroups as Array<{ filters?: Filter[] }>)
        : [];
      const nFilters = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
      if (
        groups.length > MAX_GROUPS ||
        groups.some((g) => (g.filters?.length ?? 0) > MAX_FILTERS_PER_GROUP) ||
        nFilters > MAX_FILTERS
      )
        throw validation(
          `Too many filters: at most ${MAX_GROUPS} groups, ${MAX_FILTERS_PER_GROUP} filters per group, ${MAX_FILTERS} in total.`,
        );
      const compiled = groups.map((g) => (g.filters ?? []).map((f) => compileFilter(store, f)));
      const query = typeof body.query === 'string' ? body.query.trim().toLowerCase() : '';
      const sort = parseSort(store, body.sorts);
      const matches: Rec[] = [];
      for (const id of store.ids) {
        const rec = store.byId.get(id)!;
        if (rec.archived) continue;
        if (compiled.length && !compiled.some((g) => g.every((t) => t(store, rec)))) continue;
        if (
          query &&
          !store.info.queryable.some((p) =>
            (store.value(rec, p) ?? '').toLowerCase().includes(query),
          )
        )
          continue;
        matches.push(rec);
      }
      if (sort) {
        const key = (r: Rec) => {
          const v = store.value(r, sort.name);
          return v === null || v === '' ? null : typed(sort.def, v);
        };
        const keyed = matches.map((r) => [key(r), r] as const);
        keyed.sort((a, b) => {
          if (a[0] === null || b[0] === null)
            return a[0] === b[0] ? a[1].id - b[1].id : a[0] === null ? 1 : -1;
          const c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1].id - b[1].id;
          return sort.desc ? -c : c;
        });
        keyed.forEach(([, r], i) => (matches[i] = r));
      }
      const props = Array.isArray(body.properties) ? body.properties.map(String) : [];
      const shape = { properties: props.length ? props : null, history: [], associations: [] };
      const page = matches
        .slice(after, after + limit)
        .map((r) => serialize(stateOf(res), store, r, shape));
      const out: Record<string, unknown> = { total: matches.length, results: page };
      const nextAfter = after + limit;
      if (limit > 0 && nextAfter < matches.length)
        out.paging = { next: { after: String(nextAfter), link: `?after=${nextAfter}` } };
      json(res, 200, out);
    },
    'search',
  );
}
