/**
 * Reading a frame column as a field type. A value that is not of the field's type (text in a
 * number field, "maybe" in a yes/no field) is read as missing and counted, never fatal: one odd
 * value in a later batch must not stop a scoring job. Text columns are read through their
 * dictionary, so each distinct value is parsed once.
 */
import { dayMonthOrder, type DateOrder, type DayMonthOrder } from './dates';
import type { FrameColumn } from '../frame';
import type { Cell } from '../types';
import {
  isMissing,
  parseBool,
  parseDate,
  parseNumber,
  splitMulti,
  type PlaceholderSet,
} from './schema';

export type ScalarType = 'number' | 'bool' | 'date';

export interface ReadCounts {
  /** Cells holding a value that is not of the field's type (read as missing). */
  wrongType: number;
}

function parseAs(type: ScalarType, v: Cell, order?: DateOrder | null): number {
  if (type === 'number') return parseNumber(v);
  if (type === 'bool') return parseBool(v);
  return parseDate(v, order);
}

/**
 * The column as numbers (NaN = missing or wrong type). Dates are epoch ms; `dateOrder` is how
 * the field reads `a/b/yyyy` texts (decided at training, stored with the model). May return the
 * column's own array: callers read it, never write it.
 */
export function readScalars(
  col: FrameColumn,
  type: ScalarType,
  ph: PlaceholderSet,
  counts?: ReadCounts,
  dateOrder?: DateOrder | null,
): Float64Array {
  if (col.kind === 'number') {
    if (type !== 'bool') return col.values;
    const out = new Float64Array(col.values.length);
    for (let i = 0; i < out.length; i++) {
      const v = col.values[i]!;
      out[i] = v === 1 ? 1 : v === 0 ? 0 : NaN;
      if (v === v && v !== 1 && v !== 0) note(counts);
    }
    return out;
  }
  if (col.kind === 'text') {
    const d = col.dict.length;
    const parsed = new Float64Array(d);
    const wrong = new Uint8Array(d);
    for (let c = 0; c < d; c++) {
      const s = col.dict[c]!;
      if (isMissing(s, ph)) {
        parsed[c] = NaN;
        continue;
      }
      parsed[c] = parseAs(type, s, dateOrder);
      if (Number.isNaN(parsed[c]!)) wrong[c] = 1;
    }
    const n = col.codes.length;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = col.codes[i]!;
      if (c < 0) out[i] = NaN;
      else {
        out[i] = parsed[c]!;
        if (wrong[c] === 1) note(counts);
      }
    }
    return out;
  }
  const n = col.values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if (isMissing(v, ph)) {
      out[i] = NaN;
      continue;
    }
    const x = Array.isArray(v) ? NaN : parseAs(type, v, dateOrder);
    if (Number.isNaN(x)) note(counts);
    out[i] = x;
  }
  return out;
}

/**
 * The day/month order of a date column's `a/b/yyyy` texts, decided once over all of them (a
 * CSV column's dictionary: the whole file's values); null for a column of numbers.
 */
export function columnDateOrder(col: FrameColumn): DayMonthOrder | null {
  if (col.kind === 'number') return null;
  const texts =
    col.kind === 'text' ? col.dict : col.values.filter((v): v is string => typeof v === 'string');
  return dayMonthOrder(texts);
}

// Only counted: the values themselves may be personal data and are never echoed.
function note(counts: ReadCounts | undefined): void {
  if (counts) counts.wrongType++;
}

/** Integers below this are read as categories through a table (readCategories). */
const SMALL_INT = 1 << 16;

/** Canonical text of a number used as a category ("3", not "3.0"). */
const numberKey = (x: number): string => String(x);

/**
 * The column as category codes: `values[codes[i]]` is row i's value, trimmed; -1 = missing.
 * Every distinct value is trimmed and checked for placeholders once.
 */
export function readCategories(
  col: FrameColumn,
  ph: PlaceholderSet,
  counts?: ReadCounts,
): { codes: Int32Array; values: string[] } {
  const values: string[] = [];
  const index = new Map<string, number>();
  const code = (s: string): number => {
    let c = index.get(s);
    if (c === undefined) {
      c = values.length;
      values.push(s);
      index.set(s, c);
    }
    return c;
  };
  if (col.kind === 'number') {
    const n = col.values.length;
    const codes = new Int32Array(n);
    const byNumber = new Map<number, number>();
    // Small non-negative integers — the usual number read as a category (a region 1–9, a
    // browser id 1–13) — are looked up in a table (code + 1, 0 = not seen yet), not a Map keyed
    // by doubles: on 1M rows that was most of the read. Codes are given in order of first
    // appearance either way, so the result is the same.
    let table = new Int32Array(64);
    for (let i = 0; i < n; i++) {
      const v = col.values[i]!;
      if (v !== v) {
        codes[i] = -1;
        continue;
      }
      if (v >= 0 && v < SMALL_INT && (v | 0) === v) {
        if (v >= table.length) {
          const t = new Int32Array(Math.min(SMALL_INT, 2 ** Math.ceil(Math.log2(v + 1))));
          t.set(table);
          table = t;
        }
        let c1 = table[v]!;
        if (c1 === 0) {
          // Through the Map too, so 3 and 3.0 from another path share one code.
          let c = byNumber.get(v);
          if (c === undefined) {
            c = code(numberKey(v));
            byNumber.set(v, c);
          }
          c1 = c + 1;
          table[v] = c1;
        }
        codes[i] = c1 - 1;
        continue;
      }
      let c = byNumber.get(v);
      if (c === undefined) {
        c = code(numberKey(v));
        byNumber.set(v, c);
      }
      codes[i] = c;
    }
    return { codes, values };
  }
  if (col.kind === 'text') {
    const remap = new Int32Array(col.dict.length);
    for (let c = 0; c < col.dict.length; c++) {
      const s = col.dict[c]!;
      remap[c] = isMissing(s, ph) ? -1 : code(s.trim());
    }
    const n = col.codes.length;
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = col.codes[i]!;
      codes[i] = c < 0 ? -1 : remap[c]!;
    }
    return { codes, values };
  }
  const n = col.values.length;
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = col.values[i];
    if (isMissing(v, ph)) codes[i] = -1;
    else if (Array.isArray(v)) {
      note(counts);
      codes[i] = -1;
    } else codes[i] = code(typeof v === 'number' ? numberKey(v) : String(v).trim());
  }
  return { codes, values };
}

/**
 * How many rows hold each category value (`values` as `readCategories` codes them) and how many
 * are missing — what fitting an encoder needs, without a code per row: a text column is counted
 * per dictionary entry in one pass over its codes, and each entry is trimmed once.
 */
export function countCategories(
  col: FrameColumn,
  ph: PlaceholderSet,
): { values: string[]; counts: Float64Array; missing: number } {
  if (col.kind !== 'text') {
    const { codes, values } = readCategories(col, ph);
    const counts = new Float64Array(values.length);
    let missing = 0;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c < 0) missing++;
      else counts[c]!++;
    }
    return { values, counts, missing };
  }
  const d = col.dict.length;
  const perEntry = new Float64Array(d);
  let missing = 0;
  for (let i = 0; i < col.codes.length; i++) {
    const c = col.codes[i]!;
    if (c < 0) missing++;
    else perEntry[c]!++;
  }
  const values: string[] = [];
  const index = new Map<string, number>();
  const remap = new Int32Array(d);
  for (let c = 0; c < d; c++) {
    const s = col.dict[c]!;
    if (isMissing(s, ph)) {
      remap[c] = -1;
      continue;
    }
    const t = s.trim();
    let k = index.get(t);
    if (k === undefined) {
      k = values.length;
      values.push(t);
      index.set(t, k);
    }
    remap[c] = k;
  }
  const counts = new Float64Array(values.length);
  for (let c = 0; c < d; c++) {
    if (remap[c]! < 0) missing += perEntry[c]!;
    else counts[remap[c]!]! += perEntry[c]!;
  }
  return { values, counts, missing };
}

/**
 * A multi-select column as lists of value codes in CSR form: row i holds
 * `items[offsets[i] .. offsets[i + 1])`; an empty list = missing.
 */
export function readMulti(
  col: FrameColumn,
  ph: PlaceholderSet,
  sep: string,
): { offsets: Int32Array; items: Int32Array; values: string[] } {
  const values: string[] = [];
  const index = new Map<string, number>();
  const codesOf = (v: Cell): number[] => {
    if (isMissing(v, ph)) return [];
    return splitMulti(typeof v === 'number' ? numberKey(v) : v, sep).map((s) => {
      let c = index.get(s);
      if (c === undefined) {
        c = values.length;
        values.push(s);
        index.set(s, c);
      }
      return c;
    });
  };
  let lists: Array<readonly number[]>;
  let n: number;
  if (col.kind === 'text') {
    const perEntry = col.dict.map((s) => codesOf(s));
    n = col.codes.length;
    lists = new Array<readonly number[]>(n);
    for (let i = 0; i < n; i++) {
      const c = col.codes[i]!;
      lists[i] = c < 0 ? [] : perEntry[c]!;
    }
  } else if (col.kind === 'number') {
    n = col.values.length;
    lists = Array.from(col.values, (v) => (v !== v ? [] : codesOf(v)));
  } else {
    n = col.values.length;
    lists = col.values.map((v) => codesOf(v));
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lists[i]!.length;
  const items = new Int32Array(offsets[n]!);
  for (let i = 0; i < n; i++) items.set(lists[i]!, offsets[i]!);
  return { offsets, items, values };
}
