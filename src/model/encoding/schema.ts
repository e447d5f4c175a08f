/**
 * Feature schemas: which source fields become features and as what type. Inferred from a
 * bounded sample of the rows when not given, so a CSV export trains as is; the user's
 * `--categorical` / `--numeric` (or the settings' per-property types) override it.
 */
import { ModelError } from '../errors';
import { asFrame, takeRows, type FrameColumn, type TableInput } from '../frame';
import { dayMonthOrder, parseDateText, type DateOrder } from './dates';
import { readCategories } from './read';
import type { Cell, FieldInfo } from '../types';

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
  // Spreadsheet errors: a failed lookup or formula exported as its error text.
  '#n/a',
  'n.a.',
  '#value!',
  '#div/0!',
  '#ref!',
  '#num!',
  '#name?',
  '#null!',
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
/**
 * Numbers as spreadsheets and CRM exports format them: thousands separators (`1,532`), a
 * currency sign (`$2.50`, `€ 1,200`) or a percent sign (`12%`, kept as 12 — only the order
 * matters to the model). Comma groups must be exactly three digits, so `1,5` (a European
 * decimal) is not misread as 15; it stays text.
 */
const FORMATTED_NUMBER_RE = /^([+-]?)[$€£¥]?\s?([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?%?$/;

/** A formatted number cell as a plain one (`$1,532.50` → 1532.5); NaN when it is not one. */
function parseFormatted(s: string): number {
  const m = FORMATTED_NUMBER_RE.exec(s);
  if (!m || (m[1] && m[2])) return NaN;
  const v = Number(`${m[3]!.replace(/,/g, '')}${m[4] ?? ''}`);
  return m[1] === '-' || m[2] === '-' ? -v : v;
}

const isNumberText = (d: string): boolean => NUMBER_RE.test(d) || !Number.isNaN(parseFormatted(d));

const DATE_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', '0']);

/** Parses a number cell; NaN when it is not one. */
export function parseNumber(v: Cell): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    return NUMBER_RE.test(s) ? Number(s) : parseFormatted(s);
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

/**
 * Parses a date cell (ISO string, epoch milliseconds, or `a/b/yyyy` in the column's `order`,
 * decided once for the column: see dates.ts) to epoch ms; NaN when it is not one.
 */
export function parseDate(v: Cell, order?: DateOrder | null): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseDateText(v.trim(), order);
  return NaN;
}

/**
 * Whether a field's distinct texts are all dates: ISO, or day/month dates whose order the column
 * settles one way (a column with both `25/12/…` and `12/25/…` is not read as dates).
 */
function allDates(distinct: readonly string[]): boolean {
  if (distinct.every((d) => DATE_RE.test(d))) return true;
  const { order, mixed } = dayMonthOrder(distinct);
  return !mixed && distinct.every((d) => !Number.isNaN(parseDateText(d.trim(), order)));
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
  /** Types decided by the user (`--categorical`, `--numeric`, settings): never inferred. */
  types?: Readonly<Record<string, FieldType>>;
  /** Rows inference looks at, spread evenly over the input (default 20,000). */
  sampleSize?: number;
}

export interface SkippedField {
  name: string;
  reason: string;
}

export const DEFAULT_SAMPLE_SIZE = 20_000;

/** Row indices spread evenly over n rows, at most `size` of them (all rows when n ≤ size). */
export function sampleIndices(n: number, size: number): Int32Array {
  if (n <= size) return Int32Array.from({ length: n }, (_, i) => i);
  const idx = new Int32Array(size);
  for (let k = 0; k < size; k++) idx[k] = Math.floor((k * n) / size);
  return idx;
}

/** Name words that say "this number is a code, not an amount" (region 1–9, browser id 1–13). */
const CODE_WORDS = new Set([
  'id',
  'code',
  'type',
  'kind',
  'region',
  'zip',
  'postal',
  'postcode',
  'status',
  'category',
  'class',
  'group',
  'segment',
  'country',
  'state',
  'city',
  'browser',
  'os',
  'channel',
  'source',
  'campaign',
  'industry',
  'level',
  'tier',
  'cluster',
]);
/** Name words that say "this number is an amount" (counts, durations, money, sizes). */
const AMOUNT_WORDS = new Set([
  'count',
  'num',
  'number',
  'visits',
  'views',
  'clicks',
  'opens',
  'age',
  'days',
  'hours',
  'minutes',
  'seconds',
  'duration',
  'time',
  'score',
  'amount',
  'total',
  'revenue',
  'price',
  'size',
  'employees',
  'rate',
  'pct',
  'percent',
  'ratio',
  'avg',
  'mean',
  'sum',
]);

/** Lower-case words of a field name: `browserId`, `browser_id`, `Browser ID` → browser, id. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+|(?<=[a-z])(?=\d)/)
    .filter(Boolean);
}

/**
 * Weighs the evidence that an integer field with few distinct values is a code (a category)
 * rather than an amount: its name, whether its values run 1..k like codes or start at 0 and
 * thin out like counts, and leading zeros ("007" is a label, not seven).
 */
function looksLikeCode(
  name: string,
  distinct: readonly string[],
  counts: readonly number[],
): boolean {
  const nums = distinct.map((d) => parseNumber(d));
  if (!nums.every((x) => Number.isInteger(x))) return false;
  if (distinct.some((d) => /^[+-]?0\d/.test(d))) return true;
  if (distinct.length > 20) return false;
  const words = nameWords(name);
  let score = 0;
  if (words.some((w) => CODE_WORDS.has(w))) score += 2;
  if (words.some((w) => AMOUNT_WORDS.has(w))) score -= 2;
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  // Codes number their values 1..k (or 0..k-1) with no gaps and no single value dominating the
  // rest the way zero does in a count.
  if (min >= 0 && max - min + 1 === nums.length && nums.length >= 3) score += 1;
  const zero = nums.indexOf(0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (zero >= 0 && counts[zero]! > 0.5 * total) score -= 1;
  if (min < 0) score -= 2;
  return score >= 2;
}

interface Evidence {
  present: number;
  /** Distinct non-missing values (trimmed) and their counts in the sample. */
  distinct: string[];
  counts: number[];
  lists: number;
  withSep: number;
}

function evidenceOf(col: FrameColumn, ph: PlaceholderSet, sep: string): Evidence {
  if (col.kind === 'cells' && col.values.some((v) => Array.isArray(v))) {
    const lists = col.values.filter((v) => Array.isArray(v)).length;
    const present = col.values.filter((v) => !isMissing(v, ph)).length;
    return { present, distinct: [], counts: [], lists, withSep: 0 };
  }
  const { codes, values } = readCategories(col, ph);
  const counts = new Array<number>(values.length).fill(0);
  let present = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c < 0) continue;
    present++;
    counts[c]!++;
  }
  let withSep = 0;
  values.forEach((v, k) => {
    if (v.includes(sep)) withSep += counts[k]!;
  });
  // Booleans in typed rows read as "true"/"false", which parseBool takes.
  return { present, distinct: values, counts, lists: 0, withSep };
}

/**
 * Share of a field's present values that may be something other than a number for it still to
 * be a number field. Real exports sprinkle a measure with stray text — `inf`, `#N/A` from a
 * spreadsheet, `n.a.`, "unknown" spelled some new way — on a few rows; reading the whole column
 * as a category for that throws its order away (X Education with 1.3 % such cells: AUC 0.77
 * instead of 0.87). The stray values are read as missing (counted as wrong-type when scoring).
 */
const STRAY_TEXT_MAX = 0.05;

/**
 * Whether a field is numbers: every value is one, or all but a few stray texts (at most
 * `STRAY_TEXT_MAX` of the present values, and fewer distinct texts than distinct numbers) are.
 */
function mostlyNumbers(ev: Evidence): boolean {
  let text = 0;
  let textDistinct = 0;
  ev.distinct.forEach((d, k) => {
    if (isNumberText(d.trim())) return;
    text += ev.counts[k]!;
    textDistinct++;
  });
  if (text === 0) return true;
  const numDistinct = ev.distinct.length - textDistinct;
  return numDistinct >= 2 && textDistinct < numDistinct && text <= STRAY_TEXT_MAX * ev.present;
}

/**
 * Infers a type for every field from a bounded sample of rows spread over the input, weighing
 * the evidence: the distinct values, whether integers look like codes, and the field's name.
 * A field with no value, a single value, or a distinct value on nearly every row (an
 * identifier) carries nothing to learn and is skipped. Types given in `types` are kept as given.
 */
export function inferSchema(
  input: TableInput,
  opts: InferOptions = {},
): { schema: FieldInfo[]; skipped: SkippedField[] } {
  const frame = asFrame(input);
  if (frame.n === 0) {
    throw new ModelError(
      'EMPTY_INPUT',
      'There are no rows to infer a feature schema from.',
      'Provide at least one row with values.',
    );
  }
  const ph = placeholderSet(opts.placeholders);
  const exclude = new Set(opts.exclude ?? []);
  const sep = opts.multiSeparator ?? ';';
  const sampled = sampleIndices(frame.n, opts.sampleSize ?? DEFAULT_SAMPLE_SIZE);
  const sample = sampled.length === frame.n ? frame : takeRows(frame, sampled);
  const rows = sample.n;
  const ofSample = sample.n < frame.n ? ` in a sample of ${rows} rows` : '';
  const schema: FieldInfo[] = [];
  const skipped: SkippedField[] = [];
  for (const name of frame.names) {
    if (exclude.has(name)) continue;
    const label = opts.labels?.[name] ?? name;
    const forced = opts.types?.[name];
    if (forced) {
      schema.push({ name, label, type: forced });
      continue;
    }
    const ev = evidenceOf(sample.columns.get(name)!, ph, sep);
    const { present, distinct } = ev;
    if (present === 0) {
      skipped.push({ name, reason: `no values (every row is empty or a placeholder${ofSample})` });
      continue;
    }
    if (ev.lists === 0 && distinct.length < 2 && present === rows) {
      skipped.push({ name, reason: `a single value on every row${ofSample}` });
      continue;
    }
    let type: FieldType;
    const numeric = mostlyNumbers(ev);
    const bools = distinct.every((d) => !Number.isNaN(parseBool(d)));
    if (ev.lists > 0) type = 'multi';
    else if (bools && distinct.length <= 2) type = 'bool';
    else if (numeric) {
      const nums = distinct.filter((d) => isNumberText(d.trim()));
      const integers = nums.every((d) => Number.isInteger(parseNumber(d)));
      if (integers && present >= 50 && nums.length > 0.9 * present) {
        const words = nameWords(name);
        if (words.some((w) => w === 'id' || w === 'key' || w === 'uuid')) {
          skipped.push({
            name,
            reason: `looks like an identifier (${nums.length} distinct whole numbers${ofSample})`,
          });
          continue;
        }
      }
      const numCounts = ev.counts.filter((_, k) => isNumberText(distinct[k]!.trim()));
      type = looksLikeCode(name, nums, numCounts) ? 'category' : 'number';
    } else if (allDates(distinct)) type = 'date';
    else if (ev.withSep >= Math.max(1, 0.05 * present)) type = 'multi';
    else type = 'category';
    if (type === 'category' && !numeric && present >= 50 && distinct.length > 0.9 * present) {
      skipped.push({
        name,
        reason: `looks like an identifier (${distinct.length} distinct values${ofSample})`,
      });
      continue;
    }
    schema.push({ name, label, type });
  }
  return { schema, skipped };
}
