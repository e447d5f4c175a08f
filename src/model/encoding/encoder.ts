/**
 * Turns raw rows into the encoded column-major matrix every model reads. Fitting learns the
 * statistics (clip bounds, means, frequent categories); the fitted state is plain JSON, and
 * `transform` writes straight into one Float64Array, field by field, without per-cell objects.
 */
import { ModelError } from '../errors';
import {
  isMissing,
  parseBool,
  parseDate,
  parseNumber,
  placeholderSet,
  DEFAULT_PLACEHOLDERS,
  splitMulti,
  type FeatureSchema,
  type PlaceholderSet,
} from './schema';
import type {
  Cell,
  ColumnInfo,
  EncodedMatrix,
  FieldInfo,
  FittedEncoderLike,
  RawRow,
} from '../types';

const DAY_MS = 86_400_000;

/**
 * 'impute': missing → the training mean (0 after standardising) plus an indicator column, for
 * linear models. 'nan': missing numbers stay NaN so a GBDT learns a default branch.
 */
export type MissingMode = 'impute' | 'nan';

export interface EncoderOptions {
  missing?: MissingMode;
  placeholders?: readonly string[];
  /** Categories / multi values seen fewer times go to "other". Default: 0.5 % of rows, in [5, 20]. */
  minFrequency?: number;
  /** Most frequent categories kept per field, at most. */
  maxCategories?: number;
  /** Outlier clipping quantiles for numbers and dates. */
  clip?: readonly [number, number];
  /** Epoch ms that date ages are measured from; default: the latest date in the training rows. */
  referenceTime?: number;
  multiSeparator?: string;
}

interface NumericState {
  name: string;
  label: string;
  type: 'number' | 'date';
  lo: number;
  hi: number;
  mean: number;
  scale: number;
  indicator: boolean;
  /** Dates: the reference time (epoch ms) ages in days are measured from. */
  reference?: number;
}
interface BoolState {
  name: string;
  label: string;
  type: 'bool';
  mean: number;
  indicator: boolean;
}
interface CategoryState {
  name: string;
  label: string;
  type: 'category' | 'multi';
  values: string[];
  indicator: boolean;
}
export type FieldState = NumericState | BoolState | CategoryState;

/** The serialisable fitted state of an encoder (stored in the model artifact). */
export interface EncoderState {
  missing: MissingMode;
  placeholders: string[];
  multiSeparator: string;
  fields: FieldState[];
}

function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function mismatch(field: FieldInfo, row: number, what: string): ModelError {
  return new ModelError(
    'SCHEMA_MISMATCH',
    `Field "${field.name}" on row ${row + 1} ${what}; the model expects a ${field.type}.`,
    `Send "${field.name}" in the same type as at training time, or retrain with the new schema.`,
    { field: field.name, row: row + 1, expected: field.type },
  );
}

/** Reads a number/date/bool cell to a number; NaN when missing; throws when of the wrong type. */
function readScalar(
  field: FieldInfo,
  v: Cell,
  row: number,
  ph: PlaceholderSet,
  reference: number,
): number {
  if (isMissing(v, ph)) return NaN;
  if (field.type === 'number') {
    const x = parseNumber(v);
    if (Number.isNaN(x)) throw mismatch(field, row, 'is not a number');
    return x;
  }
  if (field.type === 'bool') {
    const x = parseBool(v);
    if (Number.isNaN(x)) throw mismatch(field, row, 'is not a yes/no value');
    return x;
  }
  const t = parseDate(v);
  if (Number.isNaN(t)) throw mismatch(field, row, 'is not a date');
  return (reference - t) / DAY_MS;
}

function requirePresent(rows: readonly RawRow[], field: FieldInfo): void {
  for (let i = 0; i < rows.length; i++) {
    if (!(field.name in rows[i]!)) {
      throw new ModelError(
        'SCHEMA_MISMATCH',
        `Field "${field.name}" is missing from row ${i + 1}; the model was trained with it.`,
        `Include "${field.name}" (empty is fine) in every row, or retrain without it.`,
        { field: field.name, row: i + 1 },
      );
    }
  }
}

export function fitEncoder(
  rows: readonly RawRow[],
  schema: FeatureSchema,
  opts: EncoderOptions = {},
): FittedEncoder {
  if (rows.length === 0) {
    throw new ModelError('EMPTY_INPUT', 'No rows to fit the encoder on.', 'Provide training rows.');
  }
  const placeholders = [...(opts.placeholders ?? DEFAULT_PLACEHOLDERS)];
  const ph = placeholderSet(placeholders);
  const sep = opts.multiSeparator ?? ';';
  const n = rows.length;
  const minFreq = opts.minFrequency ?? Math.max(5, Math.min(20, Math.ceil(0.005 * n)));
  const maxCats = opts.maxCategories ?? 100;
  const [qLo, qHi] = opts.clip ?? [0.005, 0.995];
  const fields: FieldState[] = [];

  for (const f of schema) {
    requirePresent(rows, f);
    if (f.type === 'category' || f.type === 'multi') {
      const counts = new Map<string, number>();
      let missing = 0;
      for (let i = 0; i < n; i++) {
        const v = rows[i]![f.name];
        if (isMissing(v, ph)) {
          missing++;
          continue;
        }
        const vals = f.type === 'multi' ? splitMulti(v, sep) : [String(v).trim()];
        for (const s of vals) counts.set(s, (counts.get(s) ?? 0) + 1);
      }
      // Sorted by count then name, so the column order is deterministic.
      const values = [...counts.entries()]
        .filter(([, c]) => c >= minFreq)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, maxCats)
        .map(([v]) => v);
      fields.push({ name: f.name, label: f.label, type: f.type, values, indicator: missing > 0 });
      continue;
    }
    let reference = opts.referenceTime ?? 0;
    if (f.type === 'date' && opts.referenceTime === undefined) {
      let latest = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = rows[i]![f.name];
        if (isMissing(v, ph)) continue;
        const t = parseDate(v);
        if (Number.isNaN(t)) throw mismatch(f, i, 'is not a date');
        if (t > latest) latest = t;
      }
      reference = Number.isFinite(latest) ? latest : 0;
    }
    const vals = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const x = readScalar(f, rows[i]![f.name], i, ph, reference);
      if (!Number.isNaN(x)) vals[m++] = x;
    }
    const present = vals.subarray(0, m);
    const indicator = m < n;
    if (f.type === 'bool') {
      let s = 0;
      for (let i = 0; i < m; i++) s += present[i]!;
      fields.push({ name: f.name, label: f.label, type: 'bool', mean: m ? s / m : 0, indicator });
      continue;
    }
    present.sort();
    const lo = m ? quantileSorted(present, qLo) : 0;
    const hi = m ? quantileSorted(present, qHi) : 0;
    let sum = 0;
    for (let i = 0; i < m; i++) sum += Math.min(hi, Math.max(lo, present[i]!));
    const mean = m ? sum / m : 0;
    let ss = 0;
    for (let i = 0; i < m; i++) {
      const d = Math.min(hi, Math.max(lo, present[i]!)) - mean;
      ss += d * d;
    }
    const sd = m ? Math.sqrt(ss / m) : 0;
    const state: NumericState = {
      name: f.name,
      label: f.label,
      type: f.type,
      lo,
      hi,
      mean,
      scale: sd > 1e-12 ? sd : 1,
      indicator,
    };
    if (f.type === 'date') state.reference = reference;
    fields.push(state);
  }
  return new FittedEncoder({
    missing: opts.missing ?? 'impute',
    placeholders,
    multiSeparator: sep,
    fields,
  });
}

function columnsOf(state: EncoderState): ColumnInfo[] {
  const cols: ColumnInfo[] = [];
  for (const f of state.fields) {
    if (f.type === 'category' || f.type === 'multi') {
      const kind = f.type === 'category' ? 'onehot' : 'multi';
      for (const v of f.values)
        cols.push({ name: `${f.name}=${v}`, field: f.name, kind, category: v });
      cols.push({ name: `${f.name}=(other)`, field: f.name, kind: 'other' });
    } else {
      const kind = f.type === 'number' ? 'numeric' : f.type;
      cols.push({ name: f.name, field: f.name, kind });
    }
    if (f.indicator) cols.push({ name: `${f.name} (missing)`, field: f.name, kind: 'missing' });
  }
  return cols;
}

export class FittedEncoder implements FittedEncoderLike {
  readonly fields: readonly FieldInfo[];
  readonly columns: readonly ColumnInfo[];
  private readonly state: EncoderState;
  private readonly ph: PlaceholderSet;
  private readonly lookups: ReadonlyArray<Map<string, number> | null>;

  constructor(state: EncoderState) {
    this.state = state;
    this.ph = placeholderSet(state.placeholders);
    this.fields = state.fields.map((f) => ({ name: f.name, label: f.label, type: f.type }));
    this.columns = columnsOf(state);
    this.lookups = state.fields.map((f) =>
      f.type === 'category' || f.type === 'multi'
        ? new Map(f.values.map((v, k) => [v, k] as const))
        : null,
    );
  }

  get missingMode(): MissingMode {
    return this.state.missing;
  }

  toJSON(): EncoderState {
    return this.state;
  }

  /**
   * Encodes rows with the fitted statistics. Unseen categories go to "other"; a field absent
   * from a row or of the wrong type throws SCHEMA_MISMATCH naming it. `referenceTime` (epoch
   * ms) overrides the training reference for date ages, e.g. "now" at scoring time.
   */
  transform(rows: readonly RawRow[], opts: { referenceTime?: number } = {}): EncodedMatrix {
    const n = rows.length;
    const p = this.columns.length;
    const data = new Float64Array(n * p);
    const nanMode = this.state.missing === 'nan';
    let col = 0;
    this.state.fields.forEach((f, fi) => {
      requirePresent(rows, f);
      const info: FieldInfo = this.fields[fi]!;
      if (f.type === 'category' || f.type === 'multi') {
        const lookup = this.lookups[fi]!;
        const other = col + f.values.length;
        const ind = f.indicator ? other + 1 : -1;
        for (let i = 0; i < n; i++) {
          const v = rows[i]![f.name];
          if (isMissing(v, this.ph)) {
            if (ind >= 0) data[ind * n + i] = 1;
            continue;
          }
          if (f.type === 'category') {
            if (Array.isArray(v)) throw mismatch(info, i, 'is a list');
            const k = lookup.get(String(v).trim());
            data[(k === undefined ? other : col + k) * n + i] = 1;
          } else {
            for (const s of splitMulti(v, this.state.multiSeparator)) {
              const k = lookup.get(s);
              data[(k === undefined ? other : col + k) * n + i] = 1;
            }
          }
        }
        col = other + 1 + (f.indicator ? 1 : 0);
        return;
      }
      const ind = f.indicator ? col + 1 : -1;
      const base = col * n;
      if (f.type === 'bool') {
        for (let i = 0; i < n; i++) {
          const x = readScalar(info, rows[i]![f.name], i, this.ph, 0);
          if (Number.isNaN(x)) {
            data[base + i] = nanMode ? NaN : f.mean;
            if (ind >= 0) data[ind * n + i] = 1;
          } else data[base + i] = x;
        }
      } else {
        // Narrowed by the branches above; TypeScript loses it inside the loop closure.
        const nf = f as NumericState;
        const ref = nf.type === 'date' ? (opts.referenceTime ?? nf.reference ?? 0) : 0;
        for (let i = 0; i < n; i++) {
          const x = readScalar(info, rows[i]![f.name], i, this.ph, ref);
          if (Number.isNaN(x)) {
            // The mean of the standardised column is 0.
            data[base + i] = nanMode ? NaN : 0;
            if (ind >= 0) data[ind * n + i] = 1;
          } else {
            const c = x < nf.lo ? nf.lo : x > nf.hi ? nf.hi : x;
            data[base + i] = (c - nf.mean) / nf.scale;
          }
        }
      }
      col += f.indicator ? 2 : 1;
    });
    return { n, p, data, columns: this.columns };
  }
}
