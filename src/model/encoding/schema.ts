/**
 * Feature schemas: which source fields become features and as what type. Inferred from the
 * rows when not given (later also from CRM property metadata), so a CSV export trains as is.
 */
import { ModelError } from '../errors';
import type { Cell, FieldInfo, RawRow } from '../types';

export type FieldType = FieldInfo['type'];
export type FeatureSchema = readonly FieldInfo[];

/** Form defaults and export artefacts that mean "no value" (compared trimmed, case-insensitive). */
export const DEFAULT_PLACEHOLDERS: readonly string[] = [
  '',
  'select',
  'unknown',
  'na',
  'n/a',
  'nan',
  'null',
  'none',
  'undefined',
  '-',
  '--',
];

export type PlaceholderSet = ReadonlySet<string>;

export function placeholderSet(values: readonly string[] = DEFAULT_PLACEHOLDERS): PlaceholderSet {
  return new Set(values.map((v) => v.trim().toLowerCase()));
}

/** True when a cell carries no value: null/undefined, NaN, an empty list or a placeholder. */
export function isMissing(v: Cell, placeholders: PlaceholderSet): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (typeof v === 'boolean') return false;
  if (typeof v === 'string') return placeholders.has(v.trim().toLowerCase());
  return v.length === 0;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', '0']);

/** Parses a number cell; NaN when it is not one. */
export function parseNumber(v: Cell): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    return NUMBER_RE.test(s) ? Number(s) : NaN;
  }
  return NaN;
}

/** Parses a boolean cell to 1/0; NaN when it is not one. */
export function parseBool(v: Cell): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v === 1 ? 1 : v === 0 ? 0 : NaN;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return TRUE_WORDS.has(s) ? 1 : FALSE_WORDS.has(s) ? 0 : NaN;
  }
  return NaN;
}

/** Parses a date cell (ISO string or epoch milliseconds) to epoch ms; NaN when it is not one. */
export function parseDate(v: Cell): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    return DATE_RE.test(s) ? Date.parse(s) : NaN;
  }
  return NaN;
}

/** Splits a multi-select cell (`a;b` or a list) into trimmed values. */
export function splitMulti(v: Cell, separator: string): string[] {
  const parts = Array.isArray(v) ? (v as readonly string[]) : String(v).split(separator);
  const out: string[] = [];
  for (const p of parts) {
    const s = p.trim();
    if (s !== '') out.push(s);
  }
  return out;
}

export interface InferOptions {
  placeholders?: readonly string[];
  /** Fields never used as features (id, label, time, explicit excludes). */
  exclude?: readonly string[];
  multiSeparator?: string;
  /** Human labels by field name (e.g. CRM property labels); the name is used otherwise. */
  labels?: Readonly<Record<string, string>>;
}

export interface SkippedField {
  name: string;
  reason: string;
}

/**
 * Infers a type for every field from the values present. A field with no value, a single value,
 * or a distinct value on nearly every row (an identifier) carries nothing to learn and is skipped.
 */
export function inferSchema(
  rows: readonly RawRow[],
  opts: InferOptions = {},
): { schema: FieldInfo[]; skipped: SkippedField[] } {
  if (rows.length === 0) {
    throw new ModelError(
      'EMPTY_INPUT',
      'There are no rows to infer a feature schema from.',
      'Provide at least one row with values.',
    );
  }
  const ph = placeholderSet(opts.placeholders);
  const exclude = new Set(opts.exclude ?? []);
  const sep = opts.multiSeparator ?? ';';
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const schema: FieldInfo[] = [];
  const skipped: SkippedField[] = [];
  for (const name of names) {
    if (exclude.has(name)) continue;
    let present = 0;
    let nums = 0;
    let bools = 0;
    let dates = 0;
    let lists = 0;
    let withSep = 0;
    const distinct = new Set<string>();
    for (const row of rows) {
      const v = row[name];
      if (isMissing(v, ph)) continue;
      present++;
      if (Array.isArray(v)) {
        lists++;
        distinct.add(v.join(sep));
        continue;
      }
      const s = String(v).trim();
      if (distinct.size <= rows.length) distinct.add(s);
      if (!Number.isNaN(parseBool(v as Cell)) && typeof v !== 'number') bools++;
      else if (typeof v === 'number' || NUMBER_RE.test(s)) nums++;
      if (typeof v === 'string' && DATE_RE.test(s)) dates++;
      if (typeof v === 'string' && s.includes(sep)) withSep++;
    }
    const label = opts.labels?.[name] ?? name;
    if (present === 0) {
      skipped.push({ name, reason: 'no values (every row is empty or a placeholder)' });
      continue;
    }
    if (distinct.size < 2 && present === rows.length) {
      skipped.push({ name, reason: 'a single value on every row' });
      continue;
    }
    let type: FieldType;
    const numericStrings = [...distinct].every((d) => NUMBER_RE.test(d));
    if (lists > 0) type = 'multi';
    else if (bools === present) type = 'bool';
    else if (
      numericStrings &&
      distinct.size <= 2 &&
      [...distinct].every((d) => d === '0' || d === '1')
    )
      type = 'bool';
    else if (nums + bools === present && numericStrings) type = 'number';
    else if (dates === present) type = 'date';
    else if (withSep >= Math.max(1, 0.05 * present)) type = 'multi';
    else type = 'category';
    if (type === 'category' && present >= 50 && distinct.size > 0.9 * present) {
      skipped.push({ name, reason: `looks like an identifier (${distinct.size} distinct values)` });
      continue;
    }
    schema.push({ name, label, type });
  }
  return { schema, skipped };
}
