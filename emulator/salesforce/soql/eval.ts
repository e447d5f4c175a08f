/**
 * Runs a parsed SOQL query over the org's records: resolves every field path against the
 * schema (only fields the integration user may see), type-checks filter values the way
 * Salesforce does (dates unquoted, strings quoted), filters, orders, and shapes each row as the
 * REST API returns it (attributes first, fields in SELECT order, parents nested or null).
 */
import { type FieldDef, type SObjectDef } from '../schema';
import { caret, parseSoql, SoqlError, type Cond, type Literal, type Query } from './parse';

export type Value = string | number | boolean | null;
export type Rec = Record<string, Value>;

export interface DataSource {
  object(name: string): SObjectDef | undefined;
  records(object: string): Iterable<Rec>;
  get(object: string, id: string): Rec | undefined;
  /** The org's clock (date literals). */
  now(): number;
  apiVersion: string;
}

interface Resolved {
  /** Relationship hops: reference field and the object it points to. */
  hops: Array<{ ref: FieldDef; target: SObjectDef }>;
  field: FieldDef;
  raw: string[];
}

export interface Prepared {
  query: Query;
  object: SObjectDef;
  select: Resolved[];
  /** Matching record ids in result order (the cursor's snapshot). */
  ids: string[];
}

const DAY = 86_400_000;

function invalidField(src: string, path: string[], entity: string, why?: string): SoqlError {
  const raw = path.join('.');
  const pos = Math.max(0, src.toLowerCase().indexOf(raw.toLowerCase()));
  return new SoqlError(
    'INVALID_FIELD',
    caret(
      src,
      pos,
      why ??
        `No such column '${path[path.length - 1]}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    ),
  );
}

function resolve(ds: DataSource, src: string, root: SObjectDef, path: string[]): Resolved {
  let obj = root;
  const hops: Resolved['hops'] = [];
  for (const rel of path.slice(0, -1)) {
    const ref = obj.byRelationship.get(rel.toLowerCase());
    const target = ref?.referenceTo?.[0] ? ds.object(ref.referenceTo[0]) : undefined;
    if (!ref || !ref.visible || !target)
      throw invalidField(
        src,
        path,
        obj.name,
        `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    hops.push({ ref, target });
    obj = target;
  }
  const field = obj.byName.get(path[path.length - 1].toLowerCase());
  if (!field || !field.visible) throw invalidField(src, path, obj.name);
  return { hops, field, raw: path };
}

function valueOf(ds: DataSource, rec: Rec, r: Resolved): Value {
  let cur: Rec | undefined = rec;
  for (const h of r.hops) {
    const id: Value = cur[h.ref.name];
    cur = typeof id === 'string' ? ds.get(h.target.name, id) : undefined;
    if (!cur) return null;
  }
  return cur[r.field.name] ?? null;
}

const isText = (f: FieldDef) =>
  ['id', 'string', 'email', 'phone', 'picklist', 'reference', 'textarea'].includes(f.type);
const isNumber = (f: FieldDef) => ['int', 'double', 'currency', 'percent'].includes(f.type);

/** [start, end) in epoch ms of a date literal, relative to `now` (UTC). */
export function literalRange(name: string, n: number | null, now: number): [number, number] {
  const d0 = Math.floor(now / DAY) * DAY;
  const date = new Date(d0);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const month = (k: number) => Date.UTC(y, m + k, 1);
  const q = Math.floor(m / 3) * 3;
  const quarter = (k: number) => Date.UTC(y, q + 3 * k, 1);
  const year = (k: number) => Date.UTC(y + k, 0, 1);
  const week = (k: number) => d0 - date.getUTCDay() * DAY + 7 * k * DAY;
  const c = n ?? 0;
  switch (name) {
    case 'TODAY':
      return [d0, d0 + DAY];
    case 'YESTERDAY':
      return [d0 - DAY, d0];
    case 'TOMORROW':
      return [d0 + DAY, d0 + 2 * DAY];
    case 'LAST_WEEK':
      return [week(-1), week(0)];
    case 'THIS_WEEK':
      return [week(0), week(1)];
    case 'NEXT_WEEK':
      return [week(1), week(2)];
    case 'LAST_MONTH':
      return [month(-1), month(0)];
    case 'THIS_MONTH':
      return [month(0), month(1)];
    case 'NEXT_MONTH':
      return [month(1), month(2)];
    case 'LAST_90_DAYS':
      return [d0 - 90 * DAY, d0 + DAY];
    case 'NEXT_90_DAYS':
      return [d0 + DAY, d0 + 91 * DAY];
    case 'THIS_QUARTER':
      return [quarter(0), quarter(1)];
    case 'LAST_QUARTER':
      return [quarter(-1), quarter(0)];
    case 'NEXT_QUARTER':
      return [quarter(1), quarter(2)];
    case 'THIS_YEAR':
      return [year(0), year(1)];
    case 'LAST_YEAR':
      return [year(-1), year(0)];
    case 'NEXT_YEAR':
      return [year(1), year(2)];
    case 'LAST_N_DAYS':
      return [d0 - c * DAY, d0 + DAY];
    case 'NEXT_N_DAYS':
      return [d0 + DAY, d0 + (c + 1) * DAY];
    case 'N_DAYS_AGO':
      return [d0 - c * DAY, d0 - (c - 1) * DAY];
    case 'LAST_N_WEEKS':
      return [week(-c), week(0)];
    case 'NEXT_N_WEEKS':
      return [week(1), week(c + 1)];
    case 'LAST_N_MONTHS':
      return [month(-c), month(0)];
    case 'NEXT_N_MONTHS':
      return [month(1), month(c + 1)];
    case 'LAST_N_QUARTERS':
      return [quarter(-c), quarter(0)];
    case 'NEXT_N_QUARTERS':
      return [quarter(1), quarter(c + 1)];
    case 'LAST_N_YEARS':
      return [year(-c), year(0)];
    case 'NEXT_N_YEARS':
      return [year(1), year(c + 1)];
  }
  throw new SoqlError('MALFORMED_QUERY', `unknown date literal ${name}`);
}

type Typed =
  | { kind: 'null' }
  | { kind: 'scalar'; v: string | number | boolean }
  | { kind: 'range'; lo: number; hi: number };

/** Checks a filter value against the field's type, as Salesforce does before running anything. */
function typed(ds: DataSource, f: FieldDef, lit: Literal): Typed {
  const bad = (what: string, quotes: boolean): never => {
    throw new SoqlError(
      'INVALID_QUERY_FILTER_OPERATOR',
      `value of filter criterion for field '${f.name}' must be of type ${what} and ${quotes ? 'should be enclosed in quotes' : 'should not be enclosed in quotes'}`,
    );
  };
  if (lit.kind === 'null') return { kind: 'null' };
  if (isText(f)) return lit.kind === 'string' ? { kind: 'scalar', v: lit.v } : bad('string', true);
  if (isNumber(f))
    return lit.kind === 'number'
      ? { kind: 'scalar', v: lit.v }
      : bad(f.type === 'int' ? 'integer' : 'double', false);
  if (f.type === 'boolean')
    return lit.kind === 'bool' ? { kind: 'scalar', v: lit.v } : bad('boolean', false);
  if (f.type === 'date') {
    if (lit.kind === 'date') return { kind: 'scalar', v: Date.parse(`${lit.v}T00:00:00Z`) };
    if (lit.kind === 'dateLiteral') {
      const [lo, hi] = literalRange(lit.name, lit.n, ds.now());
      return { kind: 'range', lo, hi };
    }
    return bad('date', false);
  }
  if (f.type === 'datetime') {
    if (lit.kind === 'datetime') return { kind: 'scalar', v: lit.ms };
    if (lit.kind === 'dateLiteral') {
      const [lo, hi] = literalRange(lit.name, lit.n, ds.now());
      return { kind: 'range', lo, hi };
    }
    return bad('dateTime', false);
  }
  return bad(f.type, false);
}

/** A stored value as a comparable: dates become epoch ms, text compares case-insensitively. */
function comparable(f: FieldDef, v: Value): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (f.type === 'date') return Date.parse(`${String(v)}T00:00:00Z`);
  if (typeof v === 'string' && f.type !== 'id' && f.type !== 'reference') return v.toLowerCase();
  return v;
}

/** A typed filter value in the form `comparable` gives stored values. */
function literalComparable(f: FieldDef, v: string | number | boolean): string | number | boolean {
  return typeof v === 'string' && f.type !== 'id' && f.type !== 'reference' ? v.toLowerCase() : v;
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += `\\${pattern[++i]}`;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

type Pred = (rec: Rec) => boolean;

function compile(ds: DataSource, src: string, root: SObjectDef, c: Cond): Pred {
  switch (c.kind) {
    case 'and': {
      const ps = c.items.map((i) => compile(ds, src, root, i));
      return (r) => ps.every((p) => p(r));
    }
    case 'or': {
      const ps = c.items.map((i) => compile(ds, src, root, i));
      return (r) => ps.some((p) => p(r));
    }
    case 'not': {
      const p = compile(ds, src, root, c.item);
      return (r) => !p(r);
    }
    default:
  }
  const res = resolve(ds, src, root, c.path);
  const f = res.field;
  if (!f.filterable)
    throw new SoqlError(
      'INVALID_FIELD',
      caret(
        src,
        Math.max(0, src.toLowerCase().indexOf(c.path.join('.').toLowerCase())),
        `field '${f.name}' can not be filtered in a query call`,
      ),
    );
  const get = (r: Rec) => comparable(f, valueOf(ds, r, res));
  if (c.kind === 'like') {
    if (!isText(f) || f.type === 'id' || f.type === 'reference')
      throw new SoqlError(
        'INVALID_QUERY_FILTER_OPERATOR',
        `invalid operator on ${f.type} field '${f.name}': LIKE`,
      );
    const re = likeRegex(c.pattern);
    return (r) => {
      const v = valueOf(ds, r, res);
      return typeof v === 'string' && re.test(v);
    };
  }
  if (c.kind === 'in') {
    const vals = c.values.map((l) => typed(ds, f, l));
    if (vals.some((v) => v.kind === 'range'))
      throw new SoqlError('MALFORMED_QUERY', 'date literals are not allowed in an IN list');
    const set = new Set(vals.map((v) => (v.kind === 'scalar' ? literalComparable(f, v.v) : null)));
    const setHasNull = set.has(null);
    return (r) => {
      const v = get(r);
      const hit = v === null ? setHasNull : set.has(v);
      return c.not ? !hit : hit;
    };
  }
  // cmp
  const t = typed(ds, f, c.value);
  const op = c.op;
  if (t.kind === 'null') {
    if (op !== '=' && op !== '!=')
      throw new SoqlError('MALFORMED_QUERY', caret(src, 0, `invalid operator '${op}' with null`));
    return (r) => (get(r) === null) === (op === '=');
  }
  if (f.type === 'boolean' && op !== '=' && op !== '!=')
    throw new SoqlError(
      'INVALID_QUERY_FILTER_OPERATOR',
      `invalid operator on boolean field '${f.name}': ${op}`,
    );
  if (t.kind === 'range') {
    const { lo, hi } = t;
    return (r) => {
      const v = get(r) as number | null;
      if (v === null) return op === '!=';
      switch (op) {
        case '=':
          return v >= lo && v < hi;
        case '!=':
          return v < lo || v >= hi;
        case '<':
          return v < lo;
        case '<=':
          return v < hi;
        case '>':
          return v >= hi;
        case '>=':
          return v >= lo;
      }
    };
  }
  const want = literalComparable(f, t.v);
  return (r) => {
    const v = get(r);
    if (v === null) return op === '!=';
    switch (op) {
      case '=':
        return v === want;
      case '!=':
        return v !== want;
      case '<':
        return v < want;
      case '<=':
        return v <= want;
      case '>':
        return v > want;
      case '>=':
        return v >= want;
    }
  };
}

export function prepare(ds: DataSource, src: string, opts: { includeDeleted: boolean }): Prepared {
  const query = parseSoql(src);
  const object = ds.object(query.from);
  if (!object || !object.queryable)
    throw new SoqlError(
      'INVALID_TYPE',
      caret(
        src,
        Math.max(0, src.toLowerCase().lastIndexOf(query.from.toLowerCase())),
        `sObject type '${query.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      ),
    );
  const select = query.fields.map((p) => resolve(ds, src, object, p));
  const seen = new Set<string>();
  for (const s of select) {
    const key = [...s.hops.map((h) => h.ref.name), s.field.name].join('.').toLowerCase();
    if (seen.has(key))
      throw new SoqlError(
        'MALFORMED_QUERY',
        caret(src, 0, `duplicate field selected: ${s.raw.join('.')}`),
      );
    seen.add(key);
  }
  const pred = query.where ? compile(ds, src, object, query.where) : () => true;
  const order = query.orderBy.map((o) => {
    const r = resolve(ds, src, object, o.path);
    if (!r.field.filterable)
      throw new SoqlError(
        'INVALID_FIELD',
        `field '${r.field.name}' can not be sorted in a query call`,
      );
    return { r, desc: o.desc, nullsLast: o.nullsLast };
  });
  const matched: Rec[] = [];
  for (const rec of ds.records(object.name)) {
    if (!opts.includeDeleted && rec.IsDeleted === true) continue;
    if (pred(rec)) matched.push(rec);
  }
  if (order.length > 0) {
    const keys = matched.map((rec) =>
      order.map((o) => comparable(o.r.field, valueOf(ds, rec, o.r))),
    );
    const idx = matched.map((_, i) => i);
    idx.sort((a, b) => {
      for (let j = 0; j < order.length; j++) {
        const x = keys[a][j];
        const y = keys[b][j];
        if (x === y) continue;
        if (x === null) return order[j].nullsLast ? 1 : -1;
        if (y === null) return order[j].nullsLast ? -1 : 1;
        const cmp = x < y ? -1 : 1;
        return order[j].desc ? -cmp : cmp;
      }
      return a - b;
    });
    const sorted = idx.map((i) => matched[i]);
    matched.length = 0;
    matched.push(...sorted);
  }
  let rows = matched;
  if (query.offset !== null) rows = rows.slice(query.offset);
  if (query.limit !== null) rows = rows.slice(0, query.limit);
  return { query, object, select, ids: rows.map((r) => String(r.Id)) };
}

export function formatValue(f: FieldDef, v: Value): Value {
  if (v === null || v === undefined) return null;
  if (f.type === 'datetime') return formatDateTime(Number(v));
  return v;
}

/** Salesforce's REST date-time form: `2013-05-20T20:49:32.000+0000`. */
export const formatDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export function recordUrl(ds: DataSource, type: string, id: string): string {
  return `/services/data/v${ds.apiVersion}/sobjects/${type}/${id}`;
}

/** One row as the REST query resource returns it. */
export function shapeRow(ds: DataSource, p: Prepared, rec: Rec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type: p.object.name, url: recordUrl(ds, p.object.name, String(rec.Id)) },
  };
  for (const s of p.select) {
    if (s.hops.length === 0) {
      out[s.field.name] = formatValue(s.field, rec[s.field.name] ?? null);
      continue;
    }
    let holder: Record<string, unknown> = out;
    let cur: Rec | undefined = rec;
    for (const h of s.hops) {
      const key = h.ref.relationshipName as string;
      const id: Value | undefined = cur?.[h.ref.name];
      cur = typeof id === 'string' ? ds.get(h.target.name, id) : undefined;
      if (!cur) {
        if (!(key in holder)) holder[key] = null;
        holder = {};
        break;
      }
      let nested = holder[key] as Record<string, unknown> | null | undefined;
      if (!nested) {
        nested = {
          attributes: { type: h.target.name, url: recordUrl(ds, h.target.name, String(cur.Id)) },
        };
        holder[key] = nested;
      }
      holder = nested;
    }
    if (cur) holder[s.field.name] = formatValue(s.field, cur[s.field.name] ?? null);
  }
  return out;
}

export { SoqlError };
