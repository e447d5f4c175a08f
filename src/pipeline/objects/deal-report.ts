/**
 * What a deal model version keeps as its report: the backtest folds with, beside the model's AUC
 * on each fold's block, the naive baseline's — each deal stage's won rate learned from the same
 * fold's training rows (only deals closed before the fold's origin, as the model saw them) —
 * so the report can say by how much the model beats "the stage alone" on the same rows.
 */
import { rocAuc, rollingOriginFolds, type EvaluationMetrics, type Verdict } from '../../model';
import type { DealModel } from './deals';
import { DEAL_EMBARGO_DAYS } from './deals';

const DAY = 86_400_000;

export interface DealFoldReport {
  fold: number;
  train: number;
  test: number;
  testPositives: number;
  /** Start of the fold's block (epoch ms). */
  origin: number;
  auc: number;
  /** The stage baseline on the same block. */
  stageAuc: number;
}

export interface DealModelReport {
  kind: 'deal';
  closedDeals: number;
  won: number;
  lost: number;
  /** Closed deals seen at their snapshot ages while open. */
  trainingRows: number;
  chosen: string;
  verdict: Verdict;
  backtest: { meanAuc: number; seAuc: number; folds: DealFoldReport[] };
  stageBaseline: { meanAuc: number; method: string };
  /** Out-of-fold metrics of the chosen model. */
  metrics: EvaluationMetrics | null;
  /** The fields the shipped model uses. */
  features: Array<{ name: string; label: string }>;
}

export const STAGE_BASELINE_METHOD =
  "each deal stage's won rate among the fold's training rows (add-one smoothed), scored on the fold's block";

/** Each stage's won rate among `train`, applied to `test`. */
export function stageBaselineAuc(
  stages: readonly string[],
  labels: readonly (0 | 1)[],
  train: readonly number[],
  test: readonly number[],
): number {
  const rate = new Map<string, [number, number]>();
  for (const i of train) {
    const k = stages[i]!;
    const [w, n] = rate.get(k) ?? [0, 0];
    rate.set(k, [w + labels[i]!, n + 1]);
  }
  const score = test.map((i) => {
    const [w, n] = rate.get(stages[i]!) ?? [0, 0];
    return (w + 1) / (n + 2);
  });
  return rocAuc(
    test.map((i) => labels[i]!),
    score,
  );
}

export function dealModelReport(
  model: DealModel,
  counts: { closed: number; won: number },
): DealModelReport {
  const r = model.result.report;
  const { set } = model;
  // The same folds the core cut (same labels, times and embargo, no fold count forced).
  const { folds } = rollingOriginFolds(set.labels, set.times, {
    embargo: DEAL_EMBARGO_DAYS * DAY,
  });
  const stages = set.rows.map((row) => String(row.deal_stage ?? ''));
  const byFold = new Map(r.backtest.folds.map((f) => [f.fold, f]));
  const reported: DealFoldReport[] = folds.map((f) => ({
    fold: f.fold,
    train: f.train.length,
    test: f.test.length,
    testPositives: f.test.reduce((s, i) => s + set.labels[i]!, 0),
    origin: f.origin,
    auc: byFold.get(f.fold)?.auc ?? Number.NaN,
    stageAuc: stageBaselineAuc(stages, set.labels, f.train, f.test),
  }));
  const finite = reported.map((f) => f.stageAuc).filter(Number.isFinite);
  return {
    kind: 'deal',
    closedDeals: counts.closed,
    won: counts.won,
    lost: counts.closed - counts.won,
    trainingRows: set.ids.length,
    chosen: r.chosen,
    verdict: r.verdict,
    backtest: { meanAuc: r.backtest.meanAuc, seAuc: r.backtest.seAuc, folds: reported },
    stageBaseline: {
      meanAuc: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN,
      method: STAGE_BASELINE_METHOD,
    },
    metrics: r.metrics,
    features: model.loaded.features.map((f) => ({ name: f.name, label: f.label })),
  };
}
