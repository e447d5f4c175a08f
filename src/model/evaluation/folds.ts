/**
 * Rolling-origin folds (expanding window). Labelled rows in time order; the oldest share is
 * only ever training history, the rest is cut into K consecutive test blocks. Fold k's model
 * learns from rows strictly before its block's first moment (minus an embargo the length of
 * the label horizon, so no training row's outcome could still be unknown at the origin) and
 * is scored on the block. Never shuffled: every score comes from a model that saw only the
 * past.
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
  if (!(share > 0 && share < 1) || !(embargo >= 0)) {
    throw new ModelError(
      'INVALID_OPTIONS',
      `Backtest options initialShare=${share}, embargo=${embargo} are not usable.`,
      'Use 0 < initialShare < 1 and embargo ≥ 0.',
    );
  }
  const order = timeOrder(labels.length, times);
  const labelled = order.filter((i) => labels[i] !== null);
  const censored = order.filter((i) => labels[i] === null);
  const n = labelled.length;
  const start = Math.round(n * share);
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
  const when = (row: number, rank: number): number => (times ? times[row]! : rank);
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const from = start + Math.round((f * (n - start)) / k);
    const to = start + Math.round(((f + 1) * (n - start)) / k);
    const origin = when(labelled[from]!, from);
    const train: number[] = [];
    let embargoed = 0;
    // Strictly before the origin; with an embargo, the outcome must also be known by then.
    for (let r = 0; r < from; r++) {
      const row = labelled[r]!;
      if (when(row, r) + embargo < origin) train.push(row);
      else embargoed++;
    }
    folds.push({ fold: f + 1, train, embargoed, test: labelled.slice(from, to), origin });
  }
  return { folds, labelled, censored };
}
