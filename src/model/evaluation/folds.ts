/**
 * Rolling-origin folds (expanding window). Labelled rows in time order; the oldest share is
 * only ever training history, the rest is cut into K consecutive test blocks. Fold k's model
 * learns from rows strictly before its block's first moment (minus an embargo the length of
 * the label horizon, so no training row's outcome could still be unknown at the origin) and
 * is scored on the block. Never shuffled: every score comes from a model that saw only the
 * past.
 *
 * The first origin sits after the oldest 40 % unless that window (less the embargo) holds only
 * one outcome — a young or small history whose oldest leads never converted, or a long label
 * horizon that embargoes most of it. Then, and only then, it moves later, to the earliest row
 * where the window holds `minTrainPerClass` of each outcome and the rows after it still do,
 * and the fold count is chosen again for the shorter tail. A layout that had both outcomes in
 * its first window is never changed (the benches' evidence rests on it).
 */
import { ModelError } from '../errors';
import { timeOrder, type Label } from './split';

export interface Fold {
  /** 1-based, oldest first. */
  fold: number;
  /** Row indices the fold's model is fitted on (all before the origin). */
  train: number[];
  /** Rows before the origin left out because their outcome was not yet known at the origin. */
  embargoed: number;
  /** Row indices scored by the fold's model (the block starting at the origin). */
  test: number[];
  /** First moment of the block (time, or labelled position without times). */
  origin: number;
}

export interface FoldPlan {
  folds: Fold[];
  /** Labelled rows in time order. */
  labelled: number[];
  censored: number[];
  /**
   * Set when the first origin moved later than the initial share (the default window held one
   * outcome only): the labelled position it would have had, and the one it has.
   */
  moved?: { from: number; to: number };
}

export interface FoldOptions {
  /** Number of folds; chosen from the data size when absent. */
  folds?: number;
  /** Share of the labelled rows that is only ever training history (default 0.4). */
  initialShare?: number;
  /** Time units between a training row and the origin (the label horizon); 0 without one. */
  embargo?: number;
  /** Fewer folds when a test block would hold fewer of the rarer class than this (default 20). */
  minMinorityPerFold?: number;
  /**
   * When the default first window holds one outcome only: each outcome's rows the moved first
   * window, and the rows tested after it, must hold (default 10).
   */
  minTrainPerClass?: number;
}

/**
 * More rows, fewer folds: each fold costs a fit, and with many rows one block is already a
 * steady estimate. Then fewer folds until each block holds enough of the rarer class for an
 * AUC (never fewer than two, so there is always a spread to weigh differences against).
 */
export function chooseFoldCount(
  nLabelled: number,
  minorityInTail: number,
  minPerFold = 20,
): number {
  let k = nLabelled <= 5_000 ? 5 : nLabelled <= 10_000 ? 4 : 3;
  while (k > 2 && minorityInTail / k < minPerFold) k--;
  return k;
}

export function rollingOriginFolds(
  labels: readonly Label[],
  times?: readonly number[],
  opts: FoldOptions = {},
): FoldPlan {
  const share = opts.initialShare ?? 0.4;
  const embargo = opts.embargo ?? 0;
  const perClass = opts.minTrainPerClass ?? 10;
  if (!(share > 0 && share < 1) || !(embargo >= 0) || !(perClass >= 1)) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Backtest options initialShare=${share}, embargo=${embargo}, minTrainPerClass=${perClass} are not usable.`,
      'Use 0 < initialShare < 1, embargo ≥ 0 and minTrainPerClass ≥ 1.',
    );
  }
  const order = timeOrder(labels.length, times);
  const labelled = order.filter((i) => labels[i] !== null);
  const censored = order.filter((i) => labels[i] === null);
  const n = labelled.length;
  const when = (r: number): number => (times ? times[labelled[r]!]! : r);
  // cum[r]: converted rows among the first r labelled rows (time order).
  const cum = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) cum[r + 1] = cum[r]! + (labels[labelled[r]!] === 1 ? 1 : 0);
  // Rows in time order, so the window of an origin at position p (rows strictly before its
  // moment less the embargo) is a prefix: its length is the count of rows with
  // when + embargo < when(p), non-decreasing in p.
  const windowEnd = (p: number, from = 0): number => {
    let q = from;
    while (q < p && when(q) + embargo < when(p)) q++;
    return q;
  };
  let start = Math.round(n * share);
  let moved: FoldPlan['moved'];
  const q0 = start < n ? windowEnd(start) : 0;
  if (start < n && (cum[q0] === 0 || cum[q0] === q0)) {
    const from = start;
    let q = q0;
    let found = -1;
    for (let p = start; p < n; p++) {
      q = windowEnd(p, q);
      const pos = cum[q]!;
      const tailPos = cum[n]! - cum[p]!;
      const ok =
        pos >= perClass &&
        q - pos >= perClass &&
        tailPos >= perClass &&
        n - p - tailPos >= perClass;
      if (ok) {
        found = p;
        break;
      }
      // The tail only shrinks from here: no later origin can do better on it.
      if (tailPos < perClass || n - p - tailPos < perClass) break;
    }
    if (found < 0) throw shortHistory(labels, labelled, cum, n, perClass, embargo);
    start = found;
    moved = { from, to: start };
  }
  let pos = 0;
  for (let r = start; r < n; r++) pos += labels[labelled[r]!] === 1 ? 1 : 0;
  const minority = Math.min(pos, n - start - pos);
  const k = opts.folds ?? chooseFoldCount(n, minority, opts.minMinorityPerFold);
  if (!Number.isInteger(k) || k < 1 || n - start < k) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Cannot cut ${n - start} rows into ${k} backtest folds.`,
      'Use fewer folds, or provide more labelled history.',
      { rows: n, folds: k },
    );
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const from = start + Math.round((f * (n - start)) / k);
    const to = start + Math.round(((f + 1) * (n - start)) / k);
    const origin = when(from);
    const train: number[] = [];
    let embargoed = 0;
    // Strictly before the origin; with an embargo, the outcome must also be known by then.
    for (let r = 0; r < from; r++) {
      const row = labelled[r]!;
      if (when(r) + embargo < origin) train.push(row);
      else embargoed++;
    }
    folds.push({ fold: f + 1, train, embargoed, test: labelled.slice(from, to), origin });
  }
  return { folds, labelled, censored, ...(moved ? { moved } : {}) };
}

/**
 * No origin leaves `perClass` of each outcome both before it (less the embargo) and after it:
 * say how many of each there are, and how many are needed.
 */
function shortHistory(
  labels: readonly Label[],
  labelled: readonly number[],
  cum: Int32Array,
  n: number,
  perClass: number,
  embargo: number,
): ModelError {
  const pos = cum[n]!;
  const neg = n - pos;
  // The first converted / non-converted rows in time order: where the history starts to help.
  const firstPos = labelled.findIndex((i) => labels[i] === 1);
  const firstNeg = labelled.findIndex((i) => labels[i] === 0);
  const days = embargo > 0 ? Math.round(embargo / 86_400_000) : 0;
  return new ModelError(
    'SHORT_HISTORY',
    `Not enough history in time order to backtest: ${pos} converted and ${neg} non-converted labelled leads, ` +
      `but no point in time has ${perClass} of each before it${days ? ` (leaving out the ${days} days before it, while outcomes were still open)` : ''} ` +
      `and ${perClass} of each after it to test on (the first converted lead is #${firstPos + 1} of ${n} in time order, the first non-converted #${firstNeg + 1}).`,
    `Add older history with both outcomes (${perClass} or more of each before and after some point in time), or check the time column and the label.`,
    {
      positives: pos,
      negatives: neg,
      neededPerClass: perClass,
      embargo,
      firstPositive: firstPos,
      firstNegative: firstNeg,
    },
  );
}
