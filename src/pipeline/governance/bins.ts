/**
 * Distributions kept small: the bins of each feature and of the score, decided on the training
 * rows and stored with the model (its training report's `baseline`), so every scoring run can
 * count its records into the same bins and compare (PSI) without keeping any row.
 */
import { z } from 'zod';
import type { FeatureField } from '../../features';

/** Bins per numeric field: deciles (fewer when values repeat). */
const QUANTILES = 10;
/** Categories kept by name; the rest fall into "(other)". */
const TOP_CATEGORIES = 12;
/** Proportions are floored here so an empty bin does not make PSI infinite. */
const FLOOR = 1e-4;

export const FieldBinsSchema = z.discriminatedUnion('kind', [
  /** Bins (-∞, e0), [e0, e1), …, [en, ∞), then "missing". */
  z.object({ kind: z.literal('numeric'), name: z.string(), edges: z.array(z.number()) }),
  /** One bin per value, then "(other)", then "missing". */
  z.object({ kind: z.literal('category'), name: z.string(), values: z.array(z.string()) }),
]);
export type FieldBins = z.infer<typeof FieldBinsSchema>;

export const BaselineSchema = z.object({
  rows: z.number(),
  fields: z.array(z.object({ bins: FieldBinsSchema, expected: z.array(z.number()) })),
  /** Bins of the calibrated probability. */
  score: z.object({ bins: FieldBinsSchema, expected: z.array(z.number()) }),
});
export type Baseline = z.infer<typeof BaselineSchema>;

export const binCount = (b: FieldBins): number =>
  b.kind === 'numeric' ? b.edges.length + 2 : b.values.length + 2;

function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** The category a value reads as: multi-selects by their number of values (0, 1, 2, 3+). */
function asCategory(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) return v.length === 0 ? null : String(Math.min(v.length, 3));
  return String(v);
}

/** The bin a value falls in. */
export function binOf(b: FieldBins, v: unknown): number {
  if (b.kind === 'numeric') {
    const x = asNumber(v);
    if (x === null) return b.edges.length + 1;
    let lo = 0;
    let hi = b.edges.length;
    // First edge greater than x: the bin index.
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (b.edges[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  const c = asCategory(v);
  if (c === null) return b.values.length + 1;
  const i = b.values.indexOf(c);
  return i < 0 ? b.values.length : i;
}

/** Decides bins from training values. */
export function fitBins(name: string, numeric: boolean, values: readonly unknown[]): FieldBins {
  if (numeric) {
    const xs = values.map(asNumber).filter((x): x is number => x !== null);
    xs.sort((a, b) => a - b);
    const edges: number[] = [];
    for (let q = 1; q < QUANTILES && xs.length > 0; q++) {
      const e = xs[Math.min(xs.length - 1, Math.floor((q * xs.length) / QUANTILES))]!;
      if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
    }
    return { kind: 'numeric', name, edges };
  }
  const freq = new Map<string, number>();
  for (const v of values) {
    const c = asCategory(v);
    if (c !== null) freq.set(c, (freq.get(c) ?? 0) + 1);
  }
  const top = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_CATEGORIES)
    .map(([k]) => k);
  return { kind: 'category', name, values: top };
}

export function countInto(b: FieldBins, values: Iterable<unknown>, counts?: number[]): number[] {
  const out = counts ?? new Array<number>(binCount(b)).fill(0);
  for (const v of values) out[binOf(b, v)]! += 1;
  return out;
}

export const proportions = (counts: readonly number[]): number[] => {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (n > 0 ? c / n : 0));
};

/** Population stability index of `actual` counts against `expected` proportions. */
export function psi(expected: readonly number[], actual: readonly number[]): number | null {
  const n = actual.reduce((a, b) => a + b, 0);
  if (n === 0 || expected.length !== actual.length) return null;
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, FLOOR);
    const a = Math.max(actual[i]! / n, FLOOR);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

const isNumericType = (f: FeatureField) =>
  f.type === 'number' || f.type === 'date' || f.type === 'bool';

/** The training baseline of a model: its fields' bins and proportions, and its score's. */
export function buildBaseline(
  fields: readonly FeatureField[],
  rows: ReadonlyArray<Record<string, unknown>>,
  probabilities: readonly number[],
): Baseline {
  return {
    rows: rows.length,
    fields: fields.map((f) => {
      const values = rows.map((r) => r[f.name]);
      const bins = fitBins(f.name, isNumericType(f), values);
      return { bins, expected: proportions(countInto(bins, values)) };
    }),
    score: (() => {
      const bins = fitBins('score', true, probabilities);
      return { bins, expected: proportions(countInto(bins, probabilities)) };
    })(),
  };
}

/**
 * Outcomes by predicted probability, per class, in 1,001 bins of 0.1 score point: enough to
 * compute AUC (ties within a bin count ½, an error below 0.001 for any realistic spread),
 * precision in a tier and calibration without keeping rows.
 */
export const PROB_BINS = 1001;
export interface OutcomeHistogram {
  /** Sparse: bin → [negatives, positives, Σp]. */
  bins: Record<string, [number, number, number]>;
  /** Per tier value: [negatives, positives]. */
  tiers: Record<string, [number, number]>;
}

export const emptyHistogram = (): OutcomeHistogram => ({ bins: {}, tiers: {} });

export function addOutcome(h: OutcomeHistogram, p: number, tier: string, y: 0 | 1): void {
  const k = String(Math.min(PROB_BINS - 1, Math.max(0, Math.round(p * (PROB_BINS - 1)))));
  const b = (h.bins[k] ??= [0, 0, 0]);
  b[y] += 1;
  b[2] += p;
  const t = (h.tiers[tier] ??= [0, 0]);
  t[y] += 1;
}

export function mergeHistograms(a: OutcomeHistogram, b: OutcomeHistogram): OutcomeHistogram {
  const out: OutcomeHistogram = JSON.parse(JSON.stringify(a)) as OutcomeHistogram;
  for (const [k, v] of Object.entries(b.bins)) {
    const t = (out.bins[k] ??= [0, 0, 0]);
    t[0] += v[0];
    t[1] += v[1];
    t[2] += v[2];
  }
  for (const [k, v] of Object.entries(b.tiers)) {
    const t = (out.tiers[k] ??= [0, 0]);
    t[0] += v[0];
    t[1] += v[1];
  }
  return out;
}

export interface RealisedMetrics {
  negatives: number;
  positives: number;
  auc: number | null;
  /** Conversion rate among records the model put in the top tier. */
  precisionTopTier: number | null;
  /** Expected calibration error over ten equal-width probability bins. */
  ece: number | null;
  /** Per tier: records and conversions. */
  byTier: Array<{ tier: string; count: number; conversions: number }>;
  /**
   * The live calibration: the ten probability bins of `ece` that hold outcomes, mean predicted
   * against observed. Absent in monitoring runs stored before it was kept.
   */
  calibration?: Array<{
    lo: number;
    hi: number;
    count: number;
    meanPredicted: number;
    observedRate: number;
  }>;
}

export function metricsOf(h: OutcomeHistogram, topTier: string): RealisedMetrics {
  const keys = Object.keys(h.bins)
    .map(Number)
    .sort((a, b) => a - b);
  let neg = 0;
  let pos = 0;
  for (const k of keys) {
    neg += h.bins[String(k)]![0];
    pos += h.bins[String(k)]![1];
  }
  let auc: number | null = null;
  if (neg > 0 && pos > 0) {
    // Mann–Whitney over the bins: each positive beats every negative in a lower bin, ties ½.
    let negBelow = 0;
    let s = 0;
    for (const k of keys) {
      const [n, p] = h.bins[String(k)]!;
      s += p * (negBelow + n / 2);
      negBelow += n;
    }
    auc = s / (neg * pos);
  }
  let ece: number | null = null;
  const calibration: NonNullable<RealisedMetrics['calibration']> = [];
  if (neg + pos > 0) {
    const cnt = new Array<number>(10).fill(0);
    const sp = new Array<number>(10).fill(0);
    const sy = new Array<number>(10).fill(0);
    for (const k of keys) {
      const [n, p, sum] = h.bins[String(k)]!;
      const b = Math.min(9, Math.floor((k / (PROB_BINS - 1)) * 10));
      cnt[b]! += n + p;
      sp[b]! += sum;
      sy[b]! += p;
    }
    ece = 0;
    for (let b = 0; b < 10; b++) {
      if (cnt[b]! === 0) continue;
      ece += (cnt[b]! / (neg + pos)) * Math.abs(sy[b]! / cnt[b]! - sp[b]! / cnt[b]!);
      calibration.push({
        lo: b / 10,
        hi: (b + 1) / 10,
        count: cnt[b]!,
        meanPredicted: sp[b]! / cnt[b]!,
        observedRate: sy[b]! / cnt[b]!,
      });
    }
  }
  const top = h.tiers[topTier];
  const precisionTopTier = top && top[0] + top[1] > 0 ? top[1] / (top[0] + top[1]) : null;
  const byTier = Object.entries(h.tiers)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([tier, [n, p]]) => ({ tier, count: n + p, conversions: p }));
  return { negatives: neg, positives: pos, auc, precisionTopTier, ece, byTier, calibration };
}
