/**
 * Evaluation of probabilistic predictions against 0/1 labels. Every function takes the labels
 * and scores as parallel typed arrays and is exact (ties handled), so the tests can hand-compute.
 */
import { ModelError } from '../errors';

type Num = ArrayLike<number>;

function checkPair(y: Num, s: Num): void {
  if (y.length !== s.length) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Labels (${y.length}) and scores (${s.length}) differ in length.`,
      'Pass one score per label.',
    );
  }
}

/** Indices sorted by score descending; ties keep row order so results are deterministic. */
function orderDesc(s: Num): Uint32Array {
  const idx = new Uint32Array(s.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => s[b]! - s[a]! || a - b);
}

/**
 * ROC AUC as the Mann–Whitney statistic with average ranks: a tied positive/negative pair
 * counts ½. NaN when one class is absent.
 */
export function rocAuc(y: Num, s: Num): number {
  checkPair(y, s);
  const n = y.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => s[a]! - s[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (y[idx[k]!] === 1) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Area under the precision–recall curve as average precision (scikit-learn's definition):
 * Σ (Rₖ − Rₖ₋₁)·Pₖ over distinct score thresholds, from the highest down.
 */
export function prAuc(y: Num, s: Num): number {
  checkPair(y, s);
  const idx = orderDesc(s);
  let totalPos = 0;
  for (let i = 0; i < y.length; i++) totalPos += y[i] === 1 ? 1 : 0;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && s[idx[j + 1]!] === s[idx[i]!]) j++;
    for (let k = i; k <= j; k++) tp += y[idx[k]!] === 1 ? 1 : 0;
    seen = j + 1;
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

/** Mean negative log-likelihood; probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(y: Num, p: Num): number {
  checkPair(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

export function brier(y: Num, p: Num): number {
  checkPair(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return s / y.length;
}

export interface ThresholdStats {
  threshold: number;
  precision: number;
  recall: number;
  predictedPositive: number;
}

/** Precision and recall when every row with p ≥ threshold is called positive. */
export function precisionRecallAt(y: Num, p: Num, threshold: number): ThresholdStats {
  checkPair(y, p);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const called = p[i]! >= threshold;
    if (called && y[i] === 1) tp++;
    else if (called) fp++;
    else if (y[i] === 1) fn++;
  }
  return {
    threshold,
    precision: tp + fp ? tp / (tp + fp) : NaN,
    recall: tp + fn ? tp / (tp + fn) : NaN,
    predictedPositive: tp + fp,
  };
}

/** Conversion rate among the top ⌈frac·n⌉ rows by score (ties broken by row order). */
export function precisionAtTop(y: Num, s: Num, frac: number): number {
  checkPair(y, s);
  const k = Math.max(1, Math.ceil(frac * y.length));
  const idx = orderDesc(s);
  let hits = 0;
  for (let i = 0; i < k; i++) hits += y[idx[i]!] === 1 ? 1 : 0;
  return hits / k;
}

export interface DecileRow {
  decile: number;
  count: number;
  conversionRate: number;
  lift: number;
}

/**
 * Rows sorted by score descending and cut into 10 groups of (near) equal size; decile 1 is the
 * top. Lift = the group's conversion rate / the overall rate.
 */
export function liftByDecile(y: Num, s: Num): DecileRow[] {
  checkPair(y, s);
  const n = y.length;
  const idx = orderDesc(s);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] === 1 ? 1 : 0;
  const base = n ? pos / n : NaN;
  const out: DecileRow[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    let hits = 0;
    for (let i = from; i < to; i++) hits += y[idx[i]!] === 1 ? 1 : 0;
    const count = to - from;
    const rate = count ? hits / count : NaN;
    out.push({ decile: d + 1, count, conversionRate: rate, lift: rate / base });
  }
  return out;
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Equal-width probability bins (the last one closed) and the expected calibration error. */
export function calibrationTable(
  y: Num,
  p: Num,
  bins = 10,
): { bins: CalibrationBin[]; ece: number } {
  checkPair(y, p);
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    cnt[b]!++;
    sp[b]! += p[i]!;
    sy[b]! += y[i]!;
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = cnt[b]!;
    const mp = c ? sp[b]! / c : NaN;
    const or = c ? sy[b]! / c : NaN;
    if (c) ece += (c / y.length) * Math.abs(or - mp);
    out.push({ lo: b / bins, hi: (b + 1) / bins, count: c, meanPredicted: mp, observedRate: or });
  }
  return { bins: out, ece };
}

export interface Tier {
  name: string;
  /** Lowest score (0–100) in the tier, inclusive. */
  min: number;
}

export interface TierRow {
  tier: string;
  count: number;
  conversions: number;
  conversionRate: number;
}

/** Conversion rate per tier; a row belongs to the tier with the highest `min` ≤ its score. */
export function conversionByTier(y: Num, score: Num, tiers: readonly Tier[]): TierRow[] {
  checkPair(y, score);
  const sorted = [...tiers].sort((a, b) => b.min - a.min);
  const rows = sorted.map((t) => ({ tier: t.name, count: 0, conversions: 0, conversionRate: NaN }));
  for (let i = 0; i < y.length; i++) {
    const k = sorted.findIndex((t) => score[i]! >= t.min);
    if (k < 0) continue;
    rows[k]!.count++;
    rows[k]!.conversions += y[i] === 1 ? 1 : 0;
  }
  for (const r of rows) r.conversionRate = r.count ? r.conversions / r.count : NaN;
  return rows;
}

export interface EvaluationMetrics {
  rows: number;
  positives: number;
  auc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  ece: number;
  liftTopDecile: number;
  precisionTop10: number;
  atHalf: ThresholdStats;
  liftByDecile: DecileRow[];
  calibrationTable: CalibrationBin[];
  byTier?: TierRow[];
  /** Precision and recall when every lead at or above a tier's floor is called (best tier first). */
  atTiers?: TierCut[];
}

export interface TierCut extends ThresholdStats {
  tier: string;
  /** The tier's floor on the 0–100 score scale. */
  min: number;
}

/** Every metric at once, on calibrated probabilities. */
export function evaluate(y: Num, p: Num, tiers?: readonly Tier[]): EvaluationMetrics {
  checkPair(y, p);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  const lift = liftByDecile(y, p);
  const cal = calibrationTable(y, p);
  const m: EvaluationMetrics = {
    rows: y.length,
    positives,
    auc: rocAuc(y, p),
    prAuc: prAuc(y, p),
    logLoss: logLoss(y, p),
    brier: brier(y, p),
    ece: cal.ece,
    liftTopDecile: lift[0]!.lift,
    precisionTop10: precisionAtTop(y, p, 0.1),
    atHalf: precisionRecallAt(y, p, 0.5),
    liftByDecile: lift,
    calibrationTable: cal.bins,
  };
  if (tiers) {
    const score = Float64Array.from(p as ArrayLike<number>, (q) => 100 * q);
    m.byTier = conversionByTier(y, score, tiers);
    m.atTiers = [...tiers]
      .sort((a, b) => b.min - a.min)
      .map((t) => ({ tier: t.name, min: t.min, ...precisionRecallAt(y, score, t.min) }));
  }
  return m;
}
