/**
 * The search schedule for large data (docs/model.md, "Search schedule"). With few labelled rows
 * the backtests fit every fold on its whole training window and score its whole block, as
 * always. Above a threshold each fold is fitted on a uniform, time-stratified, seeded
 * subsample of its window and scored on one of its block, capped by two stated rules:
 *
 * - **Test cap** — from the statistical noise of AUC. A block of m rows with a share p of
 *   converted leads gives an AUC whose standard error is about √(1 / (12·m·p·(1−p))) (Hanley &
 *   McNeil at no signal, the widest case). Past the m where that is below `aucSe` (0.005, the
 *   tolerance the accuracy goal itself uses), more rows no longer change which candidate wins.
 * - **Train cap** — from the cost of one final fit: all the fits over all the folds together
 *   fit no more rows than the shipped model's one fit on all N rows, i.e. N / (folds × fits)
 *   per fold and fit (a fit: one family setting's model, one GBDT depth's boosting run); never fewer than the test cap (a model fitted on fewer rows than it is
 *   judged on would be judged on its own noise).
 *
 * A sample is drawn per fold: the window (time order) is cut into m equal strata and one row is
 * drawn from each with an RNG seeded by the run's seed and the fold, so every period keeps its
 * share and the same input gives the same sample in any process (resumable runs).
 */
import type { Fold, FoldPlan } from './folds';
import type { Label } from './split';
import { makeRng } from '../rng';

export interface BudgetOptions {
  /** Labelled rows above which the search is budgeted (default 50,000; Infinity = never). */
  threshold?: number;
  /** Target standard error of one fold's AUC, which sets the test cap (default 0.005). */
  aucSe?: number;
  /** Check a GBDT winner's round count at growing sizes (default true; false to measure it). */
  ladder?: boolean;
  /**
   * Try a GBDT winner whose round count sits at the grid's maximum once more at a faster
   * learning rate (default true; false to measure it). See docs/model.md, "Search schedule".
   */
  rate?: boolean;
  /**
   * Stop a row weighting after a fold on which it is not ahead of the unweighted winner
   * (default true; false to measure it).
   */
  prune?: boolean;
}

export const DEFAULT_BUDGET_THRESHOLD = 50_000;
export const DEFAULT_AUC_SE = 0.005;

/** What the schedule did, for the report. */
export interface ScheduleReport {
  budgeted: boolean;
  /** Labelled rows above which the search is budgeted. */
  threshold: number;
  /** Most training rows one fold's fit used (null: no cap). */
  trainCap: number | null;
  /** Most rows one fold's block was scored on (null: no cap). */
  testCap: number | null;
  rule: string;
}

export interface SearchSchedule {
  report: ScheduleReport;
  /** The folds the backtests fit and score: subsampled when budgeted, else the plan's own. */
  folds: Fold[];
}

export const SCHEDULE_RULE =
  'Above the threshold, each fold is fitted on a time-stratified seeded sample of its training window of at most max(test cap, N ÷ (folds × fits per fold)) rows (a GBDT depth counts one fit) — all the backtest fits together no more rows than the one final fit — and scored on a sample of its block of at most 1 ÷ (12·SE²·p·(1−p)) rows, where the AUC standard error SE is 0.005 and p the converted share. When the first fold’s best GBDT sits at the most rounds allowed, each depth still running is boosted once more on that fold at the learning rate 0.3, which is kept for every later GBDT fit (other folds, weightings, round checks, the final fit) unless it is behind by more than one AUC standard error of the fold’s block. A GBDT winner’s round count is then checked on the newest fold at 4× more rows per step up to its whole window, and raised while it grows. A row weighting (second stage) is run fold by fold and stopped as soon as its mean AUC difference to the unweighted winner over the folds done is not above 0, and a deeper GBDT depth (first stage) as soon as its best mean AUC over the folds done is not above the shallower depths’; a stopped candidate is never chosen. The verdict’s score spread is read on a time-stratified sample of folds × test cap labelled rows.';

/** Rows of a block past which a fold's AUC error is below `se` (p: converted share). */
export function testCapFor(p: number, se = DEFAULT_AUC_SE): number | null {
  const v = p * (1 - p);
  if (!(v > 0)) return null;
  return Math.ceil(1 / (12 * se * se * v));
}

/**
 * `m` of `idx` (time order), one per equal stratum, in time order; all of `idx` when m ≥ its
 * length. Deterministic for a given seed.
 */
export function stratifiedSample(idx: readonly number[], m: number, seed: number): number[] {
  const n = idx.length;
  if (m >= n) return idx.slice();
  const rng = makeRng(seed);
  const out = new Array<number>(m);
  for (let j = 0; j < m; j++) {
    const lo = Math.floor((j * n) / m);
    const hi = Math.floor(((j + 1) * n) / m);
    out[j] = idx[lo + rng.int(Math.max(1, hi - lo))]!;
  }
  return out;
}

/** A seed per fold and purpose, derived from the run's seed (never the clock). */
export const sampleSeed = (seed: number, fold: number, purpose: number): number =>
  (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(fold + 1, 0x85ebca6b) ^ (purpose * 0x27d4eb2f)) >>>
  0;

/**
 * The schedule for a fold plan. `sweeps`: how many fits (family × weighting, one per GBDT
 * depth) run over every fold — the train cap's divisor.
 */
export function scheduleSearch(
  plan: FoldPlan,
  labels: readonly Label[],
  sweeps: number,
  seed: number,
  opts: BudgetOptions = {},
): SearchSchedule {
  const threshold = opts.threshold ?? DEFAULT_BUDGET_THRESHOLD;
  const n = plan.labelled.length;
  const off = (): SearchSchedule => ({
    report: { budgeted: false, threshold, trainCap: null, testCap: null, rule: SCHEDULE_RULE },
    folds: plan.folds,
  });
  if (!(n > threshold)) return off();
  let pos = 0;
  for (const i of plan.labelled) pos += labels[i] === 1 ? 1 : 0;
  const testCap = testCapFor(pos / n, opts.aucSe);
  if (testCap === null) return off();
  const k = plan.folds.length;
  const trainCap = Math.max(testCap, Math.ceil(n / (k * Math.max(1, sweeps))));
  const folds = plan.folds.map((f, j) => ({
    ...f,
    train: stratifiedSample(f.train, trainCap, sampleSeed(seed, j, 1)),
    test: stratifiedSample(f.test, testCap, sampleSeed(seed, j, 2)),
  }));
  return {
    report: { budgeted: true, threshold, trainCap, testCap, rule: SCHEDULE_RULE },
    folds,
  };
}

/**
 * Row counts of the GBDT round-count ladder on the newest fold's window (`window` rows): the
 * train cap, then 4× more per step, ending at the whole window. Empty when the window is not
 * larger than the cap (the backtests already saw it whole).
 */
export function ladderSizes(window: number, trainCap: number): number[] {
  if (window <= trainCap) return [];
  const out: number[] = [];
  for (let m = trainCap; m < window; m *= 4) out.push(m);
  out.push(window);
  return out;
}
