/**
 * Choosing among backtested candidates, and deciding whether the choice is worth shipping.
 * Pure functions over per-fold numbers, so the rules are stated once and tested on their own.
 */
import { selectKth } from '../order-statistics';

/** Mean and standard error of the mean; SE is NaN with fewer than two finite values. */
export function meanSe(xs: readonly number[]): { mean: number; se: number; n: number } {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, se: NaN, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, se: NaN, n };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, se: Math.sqrt(ss / (n - 1) / n), n };
}

export interface Scored {
  /** Per-fold AUC, NaN where a fold could not be scored (one class only). */
  foldAuc: readonly number[];
}

/**
 * Which of the tied candidates wins: 'simplest' (the default: the first listed) or 'best'
 * (the best mean, whatever the noise; an experiment for bench/small.ts, docs/robustness.md).
 */
export type TiePreference = 'simplest' | 'best';

/**
 * The tie rule. The candidate with the best mean fold AUC is the reference. Every candidate
 * is compared with it fold by fold (paired differences, so a fold that is hard for everyone
 * does not count as noise); a candidate whose mean shortfall is smaller than the standard
 * error of those differences is tied with the best. Of the tied, the one listed first wins:
 * callers list candidates simplest first. With one usable fold there is no noise estimate and
 * only exact ties count.
 */
export function pickWithTieRule<T extends Scored>(
  cands: readonly T[],
  prefer: TiePreference = 'simplest',
): { index: number; best: number; tied: number[] } {
  if (cands.length === 0) throw new Error('pickWithTieRule: no candidates');
  const means = cands.map((c) => meanSe(c.foldAuc).mean);
  let best = -1;
  for (let i = 0; i < cands.length; i++) {
    if (Number.isFinite(means[i]) && (best < 0 || means[i]! > means[best]!)) best = i;
  }
  if (best < 0) return { index: 0, best: 0, tied: [0] };
  const tied: number[] = [];
  for (let i = 0; i < cands.length; i++) {
    if (i === best) {
      tied.push(i);
      continue;
    }
    const d: number[] = [];
    const a = cands[best]!.foldAuc;
    const b = cands[i]!.foldAuc;
    for (let f = 0; f < Math.min(a.length, b.length); f++) {
      if (Number.isFinite(a[f]) && Number.isFinite(b[f])) d.push(a[f]! - b[f]!);
    }
    const { mean, se } = meanSe(d);
    if (!Number.isFinite(mean)) continue;
    if (mean <= 0 || (Number.isFinite(se) && mean < se)) tied.push(i);
  }
  return { index: prefer === 'best' ? best : Math.min(...tied), best, tied };
}

/**
 * Standard error of one AUC from its class counts (Hanley & McNeil 1982). Used beside the
 * spread across folds: with three folds that spread can be small by luck.
 */
export function aucStandardError(auc: number, positives: number, negatives: number): number {
  if (!(positives > 0 && negatives > 0) || !Number.isFinite(auc)) return NaN;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  return Math.sqrt(Math.max(v, 0));
}

export type VerdictCode = 'OK' | 'NO_SIGNAL' | 'CONSTANT_SCORES';

export interface Verdict {
  ok: boolean;
  code: VerdictCode;
  /** One sentence for the CLI, the report and the settings page. */
  message: string;
  details: Record<string, number>;
}

export interface VerdictOptions {
  /** Mean fold AUC must exceed 0.5 by at least this much (default 0.02). */
  minLift?: number;
  /** How many standard errors above 0.5 the mean fold AUC must be (default 2). */
  z?: number;
  /** Scores (0–100) whose 5th–95th percentile spread is below this are near constant (default 1). */
  minSpread?: number;
}

/** 5th–95th percentile spread and distinct count of scores on the 0–100 scale. */
export function scoreSpread(scores: ArrayLike<number>): { spread: number; distinct: number } {
  const n = scores.length;
  if (n === 0) return { spread: 0, distinct: 0 };
  // The two order statistics by quickselect and the distinct tenths counted as they are met:
  // on 1M scores a sort, a 1M-element array and a Set of it were most of the verdict's time.
  const s = Float64Array.from(scores);
  const tenths = new Set<number>();
  let nan = false;
  for (let i = 0; i < n; i++) {
    const x = s[i]!;
    if (x !== x) nan = true;
    tenths.add(Math.round(x * 10));
  }
  // NaN (not expected from a model) sorts last in a typed-array sort; quickselect cannot order it.
  if (nan) s.sort();
  const at = (q: number): number => {
    const k = Math.min(n - 1, Math.floor(q * (n - 1)));
    if (!nan) selectKth(s, k, 0, n);
    return s[k]!;
  };
  const lo = at(0.05);
  return { spread: at(0.95) - lo, distinct: tenths.size };
}

/**
 * Worth shipping? Constant scores are never worth it (every lead in one tier). Otherwise the
 * chosen candidate must beat chance by a margin the folds support: mean fold AUC above
 * 0.5 + minLift and above 0.5 + z·SE, where SE is the larger of the spread across folds and
 * the sampling error of the folds' AUCs.
 */
export function signalVerdict(
  folds: ReadonlyArray<{ auc: number; positives: number; negatives: number }>,
  scores: ArrayLike<number>,
  opts: VerdictOptions = {},
): Verdict {
  const minLift = opts.minLift ?? 0.02;
  const z = opts.z ?? 2;
  const minSpread = opts.minSpread ?? 1;
  const { spread, distinct } = scoreSpread(scores);
  const usable = folds.filter((f) => Number.isFinite(f.auc));
  const { mean, se: between } = meanSe(usable.map((f) => f.auc));
  const within =
    usable.length > 0
      ? Math.sqrt(
          usable.reduce((a, f) => a + aucStandardError(f.auc, f.positives, f.negatives) ** 2, 0),
        ) / usable.length
      : NaN;
  const se = Math.max(Number.isFinite(between) ? between : 0, Number.isFinite(within) ? within : 0);
  const details = { meanAuc: mean, se, folds: usable.length, spread, distinct };
  if (distinct <= 1 || spread < minSpread) {
    return {
      ok: false,
      code: 'CONSTANT_SCORES',
      message:
        distinct <= 1
          ? 'The model gives every lead the same score: it cannot rank leads.'
          : `The model's scores hardly vary (90 % of leads within ${spread.toFixed(1)} points): it cannot rank leads.`,
      details,
    };
  }
  const floor = 0.5 + Math.max(minLift, z * se);
  if (!(mean > floor)) {
    return {
      ok: false,
      code: 'NO_SIGNAL',
      message: Number.isFinite(mean)
        ? `No candidate beats chance by a margin the backtests support: mean AUC ${mean.toFixed(3)} over ${usable.length} folds (needs > ${floor.toFixed(3)}).`
        : 'No backtest fold could be scored (each held only one outcome).',
      details,
    };
  }
  return {
    ok: true,
    code: 'OK',
    message: `Mean AUC ${mean.toFixed(3)} ± ${se.toFixed(3)} over ${usable.length} backtest folds.`,
    details,
  };
}
