/**
 * `leadlens deals` as one call: the deal chain (read deals and companies, train the deal model
 * when due and keep it as a deal model version, score every open deal as of now, then the one
 * write-back job over `leadlens_deal_*`) run to its end, summed up. A portal with too few closed
 * deals, or a model without signal, scores nothing and says why.
 */
import type { JobResult } from '../../contracts/functions';
import type { PipelineDeps } from '../deps';
import { runJobToEnd, type JobDefinition } from '../jobs';
import { dealsPipelineJob, type ChainState } from '../run';
import type { WriteFailure } from '../writeback';
import { isScopeSkip } from './stage-skip';

export interface DealRunSummary {
  deals: number;
  companies: number;
  closed: number;
  /** The deal model version that scored, null when none did. */
  modelVersion: number | null;
  trained: boolean;
  /** Mean AUC of the backtest folds of a model trained in this run (the honest estimate). */
  auc: number | null;
  /** The stage baseline's mean AUC on the same folds. */
  stageAuc: number | null;
  /** The verdict of a model trained in this run ('OK', 'NO_SIGNAL', …), null when none was. */
  verdict: string | null;
  /** Why nothing (new) scored: too few closed deals, no signal, a missing CRM permission. */
  skipped: string | null;
  /** The scopes a permission skip needs (stage-skip.ts); empty otherwise. */
  missingScopes: string[];
  scored: number;
  written: number;
  unchanged: number;
  failed: WriteFailure[];
  /** CRM calls this run made. */
  calls: number;
}

/** The deal part of a chain's summary (`run` with deals, or `deals-run`); null when skipped. */
export function dealSummaryOf(
  summary: Record<string, unknown>,
  calls: number,
): DealRunSummary | null {
  const d = (summary.deals ?? {}) as Record<string, unknown>;
  const w = (summary['deal-writeback'] ?? {}) as Record<string, unknown>;
  if (!('deals' in summary)) return null;
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const orNull = <T>(v: unknown) => (v === undefined ? null : (v as T));
  return {
    deals: num(d.deals),
    companies: num(d.companies),
    closed: num(d.closed),
    modelVersion: orNull<number>(d.modelVersion),
    trained: d.trained === true,
    auc: orNull<number>(d.auc),
    stageAuc: orNull<number>(d.stageAuc),
    verdict: orNull<string>(d.verdict),
    skipped: orNull<string>(d.skipped),
    missingScopes: isScopeSkip(d) ? d.missingScopes : [],
    scored: num(d.scored),
    written: num(w.written),
    unchanged: num(w.unchanged),
    failed: (w.failures as WriteFailure[] | undefined) ?? [],
    calls,
  };
}

/** Options of `leadlens deals` / `leadlens accounts` runs (src/cli/run-options.ts). */
export interface ObjectRunOptions {
  retrain?: 'auto' | 'always' | 'never';
  restart?: boolean;
  stepBudgetMs?: number;
  onProgress?: (r: JobResult) => void;
}

/** A deal or account chain run to its end, with the CRM calls it made. */
export async function runObjectChain(
  deps: PipelineDeps,
  make: () => JobDefinition<ChainState>,
  opts: ObjectRunOptions,
): Promise<{ res: JobResult; calls: number }> {
  const before = deps.crm.usage().calls;
  const res = await runJobToEnd(deps, make, {
    stepBudgetMs: opts.stepBudgetMs ?? 5000,
    restart: opts.restart,
    onProgress: opts.onProgress,
  });
  return { res, calls: deps.crm.usage().calls - before };
}

export async function runDealScores(
  deps: PipelineDeps,
  opts: ObjectRunOptions = {},
): Promise<DealRunSummary & { status: JobResult['status']; resumeAt?: string }> {
  const { res, calls } = await runObjectChain(
    deps,
    () => dealsPipelineJob({ retrain: opts.retrain }),
    opts,
  );
  const summary = dealSummaryOf(res.summary, calls)!;
  return { ...summary, status: res.status, ...(res.resumeAt ? { resumeAt: res.resumeAt } : {}) };
}
