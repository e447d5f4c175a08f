/**
 * A frame: the input table column by column, each column stored once in the cheapest form that
 * holds it — numbers in a Float64Array, text as dictionary codes, anything else (lists, booleans,
 * mixed cells) as the cells themselves. Schema inference, the encoder and the leakage guard read
 * frames, so their work is linear in rows and per-value work (parsing a date, trimming a
 * category, splitting a multi-select) happens once per distinct text value, not once per cell.
 *
 * A CSV becomes a frame straight from its bytes (src/crm/csv/columns.ts); row objects (feature
 * rows built from CRM records, tests) become one with `frameFromRows`.
 */
import type { Cell, RawRow } from './types';

export type FrameColumn =
  /** Numbers; NaN where the cell was empty. */
  | { readonly kind: 'number'; readonly values: Float64Array }
  /** Text as it came (untrimmed): `dict[codes[i]]`, code -1 where there was no cell at all. */
  | { readonly kind: 'text'; readonly codes: Int32Array; readonly dict: readonly string[] }
  /** The general case: typed CRM values, lists, mixed cells. */
  | { readonly kind: 'cells'; readonly values: readonly Cell[] };

export interface Frame {
  readonly kind: 'frame';
  readonly n: number;
  /** Column names in input order. */
  readonly names: readonly string[];
  readonly columns: ReadonlyMap<string, FrameColumn>;
}

export type TableInput = Frame | readonly RawRow[];

export function isFrame(x: unknown): x is Frame {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'frame';
}

export function makeFrame(n: number, columns: ReadonlyArray<[string, FrameColumn]>): Frame {
  return { kind: 'frame', n, names: columns.map(([k]) => k), columns: new Map(columns) };
}

/** Row objects → a frame. Names are the union of the rows' keys; a key absent from a row is null. */
export function frameFromRows(rows: readonly RawRow[]): Frame {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k in row) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const n = rows.length;
  return makeFrame(
    n,
    names.map((name) => [name, columnOf(rows, name)]),
  );
}

function columnOf(rows: readonly RawRow[], name: string): FrameColumn {
  const n = rows.length;
  let numbers = true;
  let strings = true;
  for (let i = 0; i < n && (numbers || strings); i++) {
    const v = rows[i]![name];
    if (v === null || v === undefined) continue;
    if (typeof v !== 'number') numbers = false;
    if (typeof v !== 'string') strings = false;
  }
  if (numbers) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i]![name];
      values[i] = typeof v === 'number' ? v : NaN;
    }
    return { kind: 'number', values };
  }
  if (strings) {
    const codes = new Int32Array(n);
    const dict: string[] = [];
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const v = rows[i]![name];
      if (typeof v !== 'string') {
        codes[i] = -1;
        continue;
      }
      let c = index.get(v);
      if (c === undefined) {
        c = dict.length;
        dict.push(v);
        index.set(v, c);
      }
      codes[i] = c;
    }
    return { kind: 'text', codes, dict };
  }
  return { kind: 'cells', values: rows.map((r) => r[name]) };
}

export function asFrame(input: TableInput): Frame {
  return isFrame(input) ? input : frameFromRows(input as readonly RawRow[]);
}

/** The rows at `idx`, in that order (a copy of each column's slice; text dictionaries shared). */
export function takeRows(frame: Frame, idx: ArrayLike<number>): Frame {
  const m = idx.length;
  // Every row in order (the shipped model's fit when all rows are labelled and in time order):
  // the frame itself — frames are never written — not a copy of every column (on the 1M × 32
  // bench file, 224 MB allocated and written for nothing).
  if (m === frame.n && isIdentity(idx)) return frame;
  const cols: Array<[string, FrameColumn]> = [];
  for (const name of frame.names) {
    const col = frame.columns.get(name)!;
    if (col.kind === 'number') {
      const values = new Float64Array(m);
      for (let k = 0; k < m; k++) values[k] = col.values[idx[k]!]!;
      cols.push([name, { kind: 'number', values }]);
    } else if (col.kind === 'text') {
      const codes = new Int32Array(m);
      for (let k = 0; k < m; k++) codes[k] = col.codes[idx[k]!]!;
      cols.push([name, { kind: 'text', codes, dict: col.dict }]);
    } else {
      const values = new Array<Cell>(m);
      for (let k = 0; k < m; k++) values[k] = col.values[idx[k]!];
      cols.push([name, { kind: 'cells', values }]);
    }
  }
  return makeFrame(m, cols);
}

function isIdentity(idx: ArrayLike<number>): boolean {
  for (let k = 0; k < idx.length; k++) if (idx[k] !== k) return false;
  return true;
}

/** One cell as a value (for messages and displays; not for hot loops). */
export function cellAt(col: FrameColumn, i: number): Cell {
  if (col.kind === 'number') {
    const v = col.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  if (col.kind === 'text') {
    const c = col.codes[i]!;
    return c < 0 ? null : col.dict[c]!;
  }
  return col.values[i];
}

/** Rows of a frame as objects — only for small outputs (tests, displays), never a hot path. */
export function rowAt(frame: Frame, i: number): Record<string, Cell> {
  const row: Record<string, Cell> = {};
  for (const name of frame.names) row[name] = cellAt(frame.columns.get(name)!, i);
  return row;
}
