/**
 * Turns a frame (or raw rows, made one) into the encoded column-major matrix every model reads.
 * Fitting learns the statistics (clip bounds, means, frequent categories); the fitted state is
 * plain JSON, and `transform` writes straight into one Float64Array, field by field, column by
 * column: per-value work (parsing, trimming, the category lookup) is done once per distinct
 * text value, the per-row loop only gathers.
 */
import { ModelError } from '../errors';
import { quantiles } from '../order-statistics';
import { asFrame, type Frame, type FrameColumn, type TableInput } from '../frame';
import { layoutMatrix } from '../linear/dense';
import type { DateOrder } from './dates';
import { columnDateOrder, countCategories, readCategories, readMulti, readScalars } from './read';
import {
  placeholderSet,
  DEFAULT_PLACEHOLDERS,
  type FeatureSchema,
  type PlaceholderSet,
} from './schema';
import type {
  ColumnInfo,
  EncodedMatrix,
  FieldInfo,
  FieldQuality,
  FittedEncoderLike,
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
  /**
   * Category and multi-select fields: a placeholder ("Select", "unknown", "N/A"…) is a level of
   * its own, and only an absent value (empty, null) is missing. Default true. Which "no answer"
   * a lead left is information: a form's default "Select" and a field never shown differ, and
   * merging them into one missing level throws that away (docs/model.md, "Placeholders").
   * Numbers, booleans and dates always read placeholders as missing.
   */
  placeholderLevels?: boolean;
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
  /**
   * Dates written `a/b/yyyy`: the day/month order read from the training column, so a later
   * file is read the same way whatever its own values suggest. Absent for ISO-only columns (and
   * older artifacts: such texts were then not dates).
   */
  dateOrder?: DateOrder;
  /** True when no training value had a part above 12: `dateOrder` was a guess. */
  dateOrderGuessed?: boolean;
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
  /**
   * Values seen in training too rarely for a column of their own ("(other)"). Absent in older
   * artifacts and when there were too many: every value not in `values` is then "(other)".
   */
  rare?: string[];
}
export type FieldState = NumericState | BoolState | CategoryState;

/** The serialisable fitted state of an encoder (stored in the model artifact). */
export interface EncoderState {
  missing: MissingMode;
  placeholders: string[];
  /** Placeholders are category levels (absent in older artifacts: they were missing). */
  placeholderLevels?: boolean;
  multiSeparator: string;
  fields: FieldState[];
}

/** What is missing in a category field when placeholders are levels: no value at all. */
const ABSENT_ONLY: PlaceholderSet = placeholderSet(['']);

function absent(field: { name: string }): ModelError {
  return new ModelError(
    'SCHEMA_MISMATCH',
    `Field "${field.name}" is missing from the input; the model was trained with it.`,
    `Include a "${field.name}" column (empty values are fine), or retrain without it.`,
    { field: field.name },
  );
}

function columnFor(frame: Frame, field: { name: string }): FrameColumn {
  const col = frame.columns.get(field.name);
  if (!col) throw absent(field);
  return col;
}

/** Values seen in training but too rare for a column of their own (they go to "(other)"). */
const MAX_RARE = 2000;

export function fitEncoder(
  input: TableInput,
  schema: FeatureSchema,
  opts: EncoderOptions = {},
): FittedEncoder {
  const frame = asFrame(input);
  const n = frame.n;
  if (n === 0) {
    throw new ModelError('EMPTY_INPUT', 'No rows to fit the encoder on.', 'Provide training rows.');
  }
  const placeholders = [...(opts.placeholders ?? DEFAULT_PLACEHOLDERS)];
  const ph = placeholderSet(placeholders);
  const levels = opts.placeholderLevels ?? true;
  const phCat = levels ? ABSENT_ONLY : ph;
  const sep = opts.multiSeparator ?? ';';
  const minFreq = opts.minFrequency ?? Math.max(5, Math.min(20, Math.ceil(0.005 * n)));
  const maxCats = opts.maxCategories ?? 100;
  const [qLo, qHi] = opts.clip ?? [0.005, 0.995];
  const fields: FieldState[] = [];

  for (const f of schema) {
    const col = columnFor(frame, f);
    if (f.type === 'category' || f.type === 'multi') {
      let counts: Float64Array;
      let names: string[];
      let missing = 0;
      if (f.type === 'category') {
        ({ values: names, counts, missing } = countCategories(col, phCat));
      } else {
        const { offsets, items, values } = readMulti(col, phCat, sep);
        names = values;
        counts = new Float64Array(values.length);
        for (let i = 0; i < n; i++) if (offsets[i + 1] === offsets[i]) missing++;
        for (let k = 0; k < items.length; k++) counts[items[k]!]!++;
      }
      // Sorted by count then name, so the column order is deterministic.
      const order = names
        .map((v, k) => [v, counts[k]!] as const)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const kept = order.filter(([, c]) => c >= minFreq).slice(0, maxCats);
      const rare = order.slice(kept.length).map(([v]) => v);
      const state: CategoryState = {
        name: f.name,
        label: f.label,
        type: f.type,
        values: kept.map(([v]) => v),
        indicator: missing > 0,
      };
      // With the rare values known, a value never seen in training is told apart from a rare one
      // at scoring time (missing, counted) — unless there are too many to keep.
      if (rare.length <= MAX_RARE) state.rare = rare;
      fields.push(state);
      continue;
    }
    const order = f.type === 'date' ? columnDateOrder(col) : null;
    const raw = readScalars(col, f.type, ph, undefined, order?.order);
    let reference = opts.referenceTime ?? 0;
    if (f.type === 'date' && opts.referenceTime === undefined) {
      let latest = -Infinity;
      for (let i = 0; i < n; i++) if (raw[i]! > latest) latest = raw[i]!;
      reference = Number.isFinite(latest) ? latest : 0;
    }
    const vals = new Float64Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const x = raw[i]!;
      if (x === x) vals[m++] = f.type === 'date' ? (reference - x) / DAY_MS : x;
    }
    const present = vals.subarray(0, m);
    const indicator = m < n;
    if (f.type === 'bool') {
      let s = 0;
      for (let i = 0; i < m; i++) s += present[i]!;
      fields.push({ name: f.name, label: f.label, type: 'bool', mean: m ? s / m : 0, indicator });
      continue;
    }
    const [lo, hi] = m ? quantiles(present, [qLo, qHi]) : [0, 0];
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
    if (order?.order) {
      state.dateOrder = order.order;
      if (order.ambiguous) state.dateOrderGuessed = true;
    }
    fields.push(state);
  }
  return new FittedEncoder({
    missing: opts.missing ?? 'impute',
    placeholders,
    ...(levels ? { placeholderLevels: true } : {}),
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
  /** The placeholder set category and multi fields read with. */
  private readonly phCat: PlaceholderSet;
  private readonly lookups: ReadonlyArray<Map<string, number> | null>;
  /** Per category field: values rare in training; null when unknown (older artifacts). */
  private readonly rares: ReadonlyArray<ReadonlySet<string> | null>;

  constructor(state: EncoderState) {
    this.state = state;
    this.ph = placeholderSet(state.placeholders);
    this.phCat = state.placeholderLevels ? ABSENT_ONLY : this.ph;
    this.fields = state.fields.map((f) => ({ name: f.name, label: f.label, type: f.type }));
    this.columns = columnsOf(state);
    this.lookups = state.fields.map((f) =>
      f.type === 'category' || f.type === 'multi'
        ? new Map(f.values.map((v, k) => [v, k] as const))
        : null,
    );
    this.rares = state.fields.map((f) =>
      (f.type === 'category' || f.type === 'multi') && f.rare ? new Set(f.rare) : null,
    );
  }

  get missingMode(): MissingMode {
    return this.state.missing;
  }

  toJSON(): EncoderState {
    return this.state;
  }

  /**
   * Encodes rows with the fitted statistics. Frequent values get their own column, rare ones
   * "(other)"; a value training never saw and a value of the wrong type are read as missing and
   * counted in `quality`. A field absent from the input throws SCHEMA_MISMATCH naming it.
   * `referenceTime` (epoch ms) overrides the training reference for date ages.
   */
  transform(input: TableInput, opts: { referenceTime?: number } = {}): EncodedMatrix {
    const frame = asFrame(input);
    const n = frame.n;
    const p = this.columns.length;
    // Column by column: numbers as their n values, 0/1 columns (levels, "(other)", missing
    // indicators) as the rows where they are 1. The dense matrix is made only if a model reads
    // `data` (trees, explanations); the logistic kernels read this layout (linear/dense.ts).
    const dense: Array<Float64Array | null> = new Array<Float64Array | null>(p).fill(null);
    const ones: Array<Uint32Array | null> = new Array<Uint32Array | null>(p).fill(null);
    const nanMode = this.state.missing === 'nan';
    const quality: FieldQuality[] = [];
    let col = 0;
    this.state.fields.forEach((f, fi) => {
      const source = columnFor(frame, f);
      const counts = { wrongType: 0 };
      let unseen = 0;
      if (f.type === 'category' || f.type === 'multi') {
        const lookup = this.lookups[fi]!;
        const rare = this.rares[fi];
        const nLevels = f.values.length + 1;
        const other = col + f.values.length;
        // Local target: 0..nLevels-1 the field's own columns ("(other)" last), nLevels its
        // missing indicator, -1 none.
        const indLocal = f.indicator ? nLevels : -1;
        const width = nLevels + (f.indicator ? 1 : 0);
        // Each distinct value's target column, found once: its own, "(other)" when it was rare
        // in training, -1 when training never saw it (then it is missing).
        const target = (v: string): number => {
          const k = lookup.get(v);
          if (k !== undefined) return k;
          return !rare || rare.has(v) ? nLevels - 1 : -1;
        };
        // Rows per target column: counted, then filled in row order (so ascending).
        const sizes = new Int32Array(width);
        let rowsOf: Uint32Array[];
        if (f.type === 'category') {
          const { codes, values } = readCategories(source, this.phCat, counts);
          // Each code's target column, missing and unseen values sent to the indicator (or
          // nowhere); two passes over the codes (count, then fill) and no per-row target array.
          const to = Int32Array.from(values, target);
          let indRows = 0;
          for (let c = 0; c < to.length; c++) if (to[c]! < 0) to[c] = indLocal;
          for (let i = 0; i < n; i++) {
            const c = codes[i]!;
            if (c < 0) indRows++;
            else {
              const j = to[c]!;
              if (j >= 0) sizes[j]!++;
              if (j === indLocal) unseen++;
            }
          }
          if (indLocal >= 0) sizes[indLocal]! += indRows;
          rowsOf = Array.from(sizes, (m) => new Uint32Array(m));
          const fill = new Int32Array(width);
          for (let i = 0; i < n; i++) {
            const c = codes[i]!;
            const j = c < 0 ? indLocal : to[c]!;
            if (j >= 0) rowsOf[j]![fill[j]!++] = i;
          }
        } else {
          const { offsets, items, values } = readMulti(
            source,
            this.phCat,
            this.state.multiSeparator,
          );
          const to = Int32Array.from(values, target);
          // A row naming one value twice still sets its column once (as the dense write did).
          const last = new Int32Array(width).fill(-1);
          const pass = (write: Uint32Array[] | null, fill: Int32Array | null): void => {
            last.fill(-1);
            for (let i = 0; i < n; i++) {
              let any = false;
              for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
                const j = to[items[k]!]!;
                if (j < 0) {
                  if (!write) unseen++;
                  continue;
                }
                any = true;
                if (last[j] === i) continue;
                last[j] = i;
                if (write) write[j]![fill![j]!++] = i;
                else sizes[j]!++;
              }
              if (!any && indLocal >= 0) {
                if (write) write[indLocal]![fill![indLocal]!++] = i;
                else sizes[indLocal]!++;
              }
            }
          };
          pass(null, null);
          rowsOf = Array.from(sizes, (m) => new Uint32Array(m));
          pass(rowsOf, new Int32Array(width));
        }
        for (let j = 0; j < width; j++) ones[col + j] = rowsOf[j]!;
        col = other + 1 + (f.indicator ? 1 : 0);
      } else {
        const raw = readScalars(
          source,
          f.type,
          this.ph,
          counts,
          f.type === 'date' ? f.dateOrder : undefined,
        );
        const out = new Float64Array(n);
        dense[col] = out;
        let nMissing = 0;
        if (f.type === 'bool') {
          for (let i = 0; i < n; i++) {
            const x = raw[i]!;
            if (x !== x) {
              out[i] = nanMode ? NaN : f.mean;
              nMissing++;
            } else out[i] = x;
          }
        } else {
          // Narrowed by the branches above; TypeScript loses it inside the loop closure.
          const nf = f as NumericState;
          const isDate = nf.type === 'date';
          const ref = isDate ? (opts.referenceTime ?? nf.reference ?? 0) : 0;
          const { lo, hi, mean, scale } = nf;
          for (let i = 0; i < n; i++) {
            let x = raw[i]!;
            if (x !== x) {
              // The mean of the standardised column is 0.
              out[i] = nanMode ? NaN : 0;
              nMissing++;
              continue;
            }
            if (isDate) x = (ref - x) / DAY_MS;
            const c = x < lo ? lo : x > hi ? hi : x;
            out[i] = (c - mean) / scale;
          }
        }
        if (f.indicator) {
          const rows = new Uint32Array(nMissing);
          let t = 0;
          for (let i = 0; i < n; i++) if (raw[i] !== raw[i]) rows[t++] = i;
          ones[col + 1] = rows;
        }
        col += f.indicator ? 2 : 1;
      }
      if (counts.wrongType > 0 || unseen > 0) {
        quality.push({ field: f.name, expected: f.type, wrongType: counts.wrongType, unseen });
      }
    });
    return layoutMatrix(n, p, { dense, ones }, { columns: this.columns, quality });
  }
}
