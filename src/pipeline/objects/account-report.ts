/**
 * The baselines an account model version keeps beside its backtest: on each fold's block, the
 * AUC of the best contact score among the committee's prospects alone and of the committee size
 * alone (the naive answers the account model must beat, test/e2e/account-scores.test.ts), on the
 * same rows and folds the core cut — so the report page can show by how much the model beats them.
 */
import { rocAuc, rollingOriginFolds } from '../../model';
import type { AccountModel } from './accounts';
import { ACCOUNT_HORIZON_DAYS } from './accounts';

const DAY = 86_400_000;

export interface AccountFoldReport {
  fold: number;
  test: number;
  testPositives: number;
  /** Start of the fold's block (epoch ms). */
  origin: number;
  auc: number | null;
  bestContactAuc: number | null;
  committeeSizeAuc: number | null;
}

/** The baseline columns, as the account rows name them (accounts.ts `accountRow`). */
export const ACCOUNT_BASELINES = {
  bestContactAuc: 'committee_best_score',
  committeeSizeAuc: 'committee_size',
} as const;

const mean = (xs: Array<number | null>): number | null => {
  const f = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : null;
};

export function accountFoldReports(model: AccountModel): {
  folds: AccountFoldReport[];
  bestContactAuc: number | null;
  committeeSizeAuc: number | null;
} {
  const { set } = model;
  let plan: ReturnType<typeof rollingOriginFolds>;
  try {
    // The folds trainAccountModel asked the core for (same embargo and first origin).
    plan = rollingOriginFolds(set.labels, set.times, {
      embargo: ACCOUNT_HORIZON_DAYS * DAY,
      initialShare: 0.5,
    });
  } catch {
    return { folds: [], bestContactAuc: null, committeeSizeAuc: null };
  }
  const column = (name: string) =>
    set.rows.map((r) => (typeof r[name] === 'number' ? (r[name] as number) : 0));
  const best = column(ACCOUNT_BASELINES.bestContactAuc);
  const size = column(ACCOUNT_BASELINES.committeeSizeAuc);
  const byFold = new Map(model.result.report.backtest.folds.map((f) => [f.fold, f.auc]));
  const auc = (xs: number[], test: readonly number[]) => {
    try {
      const a = rocAuc(
        test.map((i) => set.labels[i]!),
        test.map((i) => xs[i]!),
      );
      return Number.isFinite(a) ? a : null;
    } catch {
      return null; // a block with one outcome only has no AUC
    }
  };
  const folds = plan.folds.map((f) => ({
    fold: f.fold,
    test: f.test.length,
    testPositives: f.test.reduce((s, i) => s + set.labels[i]!, 0),
    origin: f.origin,
    auc: byFold.get(f.fold) ?? null,
    bestContactAuc: auc(best, f.test),
    committeeSizeAuc: auc(size, f.test),
  }));
  return {
    folds,
    bestContactAuc: mean(folds.map((f) => f.bestContactAuc)),
    committeeSizeAuc: mean(folds.map((f) => f.committeeSizeAuc)),
  };
}
