/**
 * The leakage guard. A field that on its own separates converted from not converted almost
 * perfectly, or that is filled in (almost) only for one outcome, was most likely written after
 * the outcome was known (a rep's tag, a "closed" reason). It would make the model look great in
 * testing and useless on new leads, so it is flagged and, by default, left out.
 */
import { selectKth } from '../order-statistics';
import { rocAuc } from './metrics';
import { readCategories, readMulti, readScalars } from '../encoding/read';
import { placeholderSet, DEFAULT_PLACEHOLDERS, type PlaceholderSet } from '../encoding/schema';
import { asFrame, type FrameColumn, type TableInput } from '../frame';
import type { FieldInfo } from '../types';

export interface LeakageOptions {
  /** Flag when the single-field validation AUC (either direction) exceeds this. */
  aucThreshold?: number;
  /** Flag when the field is present for under this share of one class… */
  presenceRareMax?: number;
  /** …and for at least this share of the other class. */
  presenceCommonMin?: number;
  /**
   * Flag when at least this share of the training rows carry a value that settles the outcome:
   * a value (seen on ≥ 20 rows) whose conversion rate is within 10 % of the base rate from 0, or
   * within 10 % of (1 − base rate) from 1 — "Closed by …" or "Wrong number" style tags.
   */
  decisiveShareMin?: number;
  placeholders?: readonly string[];
}

export interface LeakageFinding {
  field: string;
  reason: 'single-field-auc' | 'presence' | 'decisive-values';
  /** Human-readable: why, with the numbers. */
  detail: string;
  auc?: number;
  presentWhenConverted?: number;
  presentWhenNotConverted?: number;
  /** decisive-values: the share of training rows whose value settles the outcome. */
  decisiveShare?: number;
  /** decisive-values: the values, their training row counts and conversion rates. */
  decisiveValues?: Array<{ value: string; rows: number; conversionRate: number }>;
}

const DECISIVE_MIN_ROWS = 20;
const DECISIVE_FACTOR = 0.1;
/**
 * A value only "settles" the outcome when chance could not explain it: its rate must stay
 * past the threshold even with 3 more rows of the side it lacks (3 / n is the 95 % upper
 * bound for 0 events in n, the "rule of three"). Without it, with rare positives (3 %) bins
 * of a few hundred rows show 0 % by chance and the strongest genuine field is thrown out as
 * a leak.
 */
const CHANCE_ROWS = 3;

const BINS = 20;
/** Pseudo-rows of the overall rate mixed into each value's rate, so rare values are not extreme. */
const SMOOTHING = 5;

/**
 * One key per row — a category value's code, a quantile bin (numbers, dates), -1 when missing —
 * and what each key reads as in a finding.
 */
function rowKeys(
  col: FrameColumn,
  f: FieldInfo,
  trainIdx: Int32Array,
  ph: PlaceholderSet,
): { keys: Int32Array; names: string[] } {
  if (f.type === 'number' || f.type === 'date') {
    const vals = readScalars(col, f.type, ph);
    const train = new Float64Array(trainIdx.length);
    let m = 0;
    for (let t = 0; t < trainIdx.length; t++) {
      const v = vals[trainIdx[t]!]!;
      if (v === v) train[m++] = v;
    }
    // The bin edges are the order statistics a sorted copy would give, placed by quickselect
    // (ascending positions: each search starts where the previous one stopped).
    const present = train.subarray(0, m);
    const edges: number[] = [];
    let from = 0;
    for (let b = 1; b < BINS && m > 0; b++) {
      const at = Math.floor((b * m) / BINS);
      selectKth(present, at, from, m);
      from = at;
      const e = present[at]!;
      if (e !== edges[edges.length - 1]) edges.push(e);
    }
    const keys = new Int32Array(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (v !== v) {
        keys[i] = -1;
        continue;
      }
      // Binary search: the number of edges ≤ v.
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v >= edges[mid]!) lo = mid + 1;
        else hi = mid;
      }
      keys[i] = lo;
    }
    return { keys, names: Array.from({ length: edges.length + 1 }, (_, b) => `${b}`) };
  }
  if (f.type === 'multi') {
    // The set of values, order-free: each distinct sorted list is one key.
    const { offsets, items, values } = readMulti(col, ph, ';');
    const keys = new Int32Array(offsets.length - 1);
    const index = new Map<string, number>();
    const names: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (offsets[i + 1] === offsets[i]) {
        keys[i] = -1;
        continue;
      }
      const name = Array.from(items.subarray(offsets[i]!, offsets[i + 1]!), (c) => values[c]!)
        .sort()
        .join(';');
      let k = index.get(name);
      if (k === undefined) {
        k = names.length;
        names.push(name);
        index.set(name, k);
      }
      keys[i] = k;
    }
    return { keys, names };
  }
  // Categories compared case-insensitively ("Yes" and "yes" are one value to a rep).
  const { codes, values } = readCategories(col, ph);
  const index = new Map<string, number>();
  const names: string[] = [];
  const remap = Int32Array.from(values, (v) => {
    const low = v.toLowerCase();
    let k = index.get(low);
    if (k === undefined) {
      k = names.length;
      names.push(low);
      index.set(low, k);
    }
    return k;
  });
  const keys = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) keys[i] = codes[i]! < 0 ? -1 : remap[codes[i]!]!;
  return { keys, names };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Checks every field: the single-field AUC on the validation rows (each value scored by its
 * conversion rate on the training rows) and the presence rates per class on train + valid.
 */
export function findLeakage(
  input: TableInput,
  schema: readonly FieldInfo[],
  labels: ArrayLike<number | null>,
  split: { train: readonly number[]; valid: readonly number[] },
  opts: LeakageOptions = {},
): LeakageFinding[] {
  const aucMax = opts.aucThreshold ?? 0.95;
  const rareMax = opts.presenceRareMax ?? 0.01;
  const commonMin = opts.presenceCommonMin ?? 0.2;
  const decisiveMin = opts.decisiveShareMin ?? 0.1;
  const ph = placeholderSet(opts.placeholders ?? DEFAULT_PLACEHOLDERS);
  // Typed once for every field's loops: the rows, and each row's label (1, 0, -1 unlabelled).
  const train = Int32Array.from(split.train);
  const valid = Int32Array.from(split.valid);
  const y = Int8Array.from({ length: labels.length }, (_, i) =>
    labels[i] === 1 ? 1 : labels[i] === 0 ? 0 : -1,
  );
  let trainPos = 0;
  for (let t = 0; t < train.length; t++) trainPos += y[train[t]!] === 1 ? 1 : 0;
  const prior = train.length ? trainPos / train.length : 0.5;
  const yValid = Float64Array.from(valid, (i) => (y[i] === 1 ? 1 : 0));
  const findings: LeakageFinding[] = [];
  const frame = asFrame(input);

  for (const f of schema) {
    const col = frame.columns.get(f.name);
    if (!col) continue;
    const { keys, names } = rowKeys(col, f, train, ph);
    // Per key (slot 0 = missing): training rows and conversions.
    const seen = new Float64Array(names.length + 1);
    const conv = new Float64Array(names.length + 1);
    for (let t = 0; t < train.length; t++) {
      const i = train[t]!;
      const k = keys[i]! + 1;
      seen[k]!++;
      if (y[i] === 1) conv[k]!++;
    }
    const score = Float64Array.from(valid, (i) => {
      const k = keys[i]! + 1;
      return seen[k]! > 0 ? (conv[k]! + SMOOTHING * prior) / (seen[k]! + SMOOTHING) : prior;
    });
    const decisive: NonNullable<LeakageFinding['decisiveValues']> = [];
    let decisiveRows = 0;
    for (let k = 1; k < seen.length; k++) {
      const n = seen[k]!;
      if (n < DECISIVE_MIN_ROWS) continue;
      const rate = conv[k]! / n;
      const high = (conv[k]! - CHANCE_ROWS) / n >= 1 - DECISIVE_FACTOR * (1 - prior);
      const low = (conv[k]! + CHANCE_ROWS) / n <= DECISIVE_FACTOR * prior;
      if (high || low) {
        decisive.push({ value: names[k - 1]!, rows: n, conversionRate: rate });
        decisiveRows += n;
      }
    }
    const decisiveShare = train.length ? decisiveRows / train.length : 0;
    const raw = rocAuc(yValid, score);
    const auc = Number.isNaN(raw) ? NaN : Math.max(raw, 1 - raw);

    let posN = 0;
    let negN = 0;
    let posPresent = 0;
    let negPresent = 0;
    for (const rows of [train, valid]) {
      for (let t = 0; t < rows.length; t++) {
        const i = rows[t]!;
        const present = keys[i] !== -1;
        const yi = y[i];
        if (yi === 1) {
          posN++;
          posPresent += present ? 1 : 0;
        } else if (yi === 0) {
          negN++;
          negPresent += present ? 1 : 0;
        }
      }
    }
    const pPos = posN ? posPresent / posN : 0;
    const pNeg = negN ? negPresent / negN : 0;

    if (auc > aucMax) {
      findings.push({
        field: f.name,
        reason: 'single-field-auc',
        detail: `On its own it predicts the outcome with validation AUC ${auc.toFixed(3)} (limit ${aucMax}); it is probably filled in after the outcome is known.`,
        auc,
        presentWhenConverted: pPos,
        presentWhenNotConverted: pNeg,
      });
    } else if (decisiveShare >= decisiveMin) {
      decisive.sort((a, b) => b.rows - a.rows);
      const shown = decisive
        .slice(0, 3)
        .map((d) => `"${d.value}" ${pct(d.conversionRate)} of ${d.rows}`)
        .join(', ');
      findings.push({
        field: f.name,
        reason: 'decisive-values',
        detail: `${pct(decisiveShare)} of training leads have a value that all but settles the outcome (${shown}); such values are usually set after contact.`,
        auc,
        decisiveShare,
        decisiveValues: decisive,
      });
    } else if ((pNeg < rareMax && pPos >= commonMin) || (pPos < rareMax && pNeg >= commonMin)) {
      const [only, other] =
        pNeg < rareMax ? ['converted', 'not converted'] : ['not converted', 'converted'];
      findings.push({
        field: f.name,
        reason: 'presence',
        detail: `It is filled in for ${pct(Math.max(pPos, pNeg))} of ${only} leads but only ${pct(Math.min(pPos, pNeg))} of ${other} ones; it is probably set when the outcome is decided.`,
        auc,
        presentWhenConverted: pPos,
        presentWhenNotConverted: pNeg,
      });
    }
  }
  return findings;
}
