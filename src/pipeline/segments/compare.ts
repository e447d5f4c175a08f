/**
 * Does a segment's own model beat the global model on the segment's rows? Both are judged on
 * the same held-out rows: each segment fold's test block (rows after the segment fold's origin,
 * scored by a segment model fitted only on the segment's past) against the global model's
 * out-of-fold scores of exactly those rows (each from a global fold model that never saw the row
 * or its future). The per-fold AUC differences are paired; the segment model is kept when their
 * mean reaches `minGain` and is at least twice its standard error — the folds must support it,
 * not one lucky block.
 */
import { rocAuc } from '../../model';

export interface SegmentFold {
  fold: number;
  rows: number;
  positives: number;
  segmentAuc: number;
  globalAuc: number;
}

export interface SegmentComparison {
  folds: SegmentFold[];
  /** Mean AUC over the folds judged (both outcomes present), each model. */
  segmentAuc: number | null;
  globalAuc: number | null;
  gain: number | null;
  seGain: number | null;
  beats: boolean;
  why: string;
}

export interface OutOfFold {
  /** Row indices (in the set the model was trained on), their probability and fold. */
  index: readonly number[];
  probability: ArrayLike<number>;
  fold: readonly number[];
}

/**
 * `segment` indexes the segment's own rows; `toGlobal[i]` is the global row index of segment row
 * i; `global` is the global model's out-of-fold output.
 */
export function compareWithGlobal(
  segment: OutOfFold,
  toGlobal: readonly number[],
  global: OutOfFold,
  labelOf: (globalIndex: number) => number,
  minGain: number,
): SegmentComparison {
  const globalProb = new Map<number, number>();
  global.index.forEach((g, j) => globalProb.set(g, global.probability[j]!));
  const byFold = new Map<number, { s: number[]; g: number[]; y: number[] }>();
  segment.index.forEach((i, j) => {
    const gi = toGlobal[i]!;
    const gp = globalProb.get(gi);
    // A row the global backtests never held out (before their first origin) is not compared.
    if (gp === undefined) return;
    const f = segment.fold[j]!;
    const b = byFold.get(f) ?? { s: [], g: [], y: [] };
    b.s.push(segment.probability[j]!);
    b.g.push(gp);
    b.y.push(labelOf(gi));
    byFold.set(f, b);
  });
  const folds: SegmentFold[] = [];
  for (const [fold, b] of [...byFold].sort((a, c) => a[0] - c[0])) {
    const positives = b.y.reduce((a, v) => a + v, 0);
    if (positives === 0 || positives === b.y.length) continue;
    folds.push({
      fold,
      rows: b.y.length,
      positives,
      segmentAuc: rocAuc(b.y, b.s),
      globalAuc: rocAuc(b.y, b.g),
    });
  }
  if (folds.length < 2) {
    return {
      folds,
      segmentAuc: folds[0]?.segmentAuc ?? null,
      globalAuc: folds[0]?.globalAuc ?? null,
      gain: null,
      seGain: null,
      beats: false,
      why: `only ${folds.length} backtest fold${folds.length === 1 ? '' : 's'} with both outcomes to compare on (2 needed)`,
    };
  }
  const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
  const d = folds.map((f) => f.segmentAuc - f.globalAuc);
  const gain = mean(d);
  const sd = Math.sqrt(d.reduce((a, v) => a + (v - gain) ** 2, 0) / (d.length - 1));
  const se = sd / Math.sqrt(d.length);
  const segmentAuc = mean(folds.map((f) => f.segmentAuc));
  const globalAuc = mean(folds.map((f) => f.globalAuc));
  const beats = gain >= minGain && gain >= 2 * se;
  const g = (x: number) => x.toFixed(3);
  const why = beats
    ? `its own model beats the global model on its rows by ${g(gain)} AUC (± ${g(se)} over ${folds.length} folds; needs ≥ ${g(minGain)} and ≥ 2 standard errors)`
    : gain < minGain
      ? `its own model gains ${g(gain)} AUC over the global model on its rows, below the ${g(minGain)} required`
      : `its own model gains ${g(gain)} AUC, but the folds disagree (standard error ${g(se)}; 2 standard errors needed)`;
  return { folds, segmentAuc, globalAuc, gain, seGain: se, beats, why };
}
