/**
 * `leadlens accounts` as one call: read the deals and companies into the mirror, train the
 * account model when due (a company model version of its own), score every company with a
 * committee as of now, write back what changed to `leadlens_account_*` — the same account stages
 * `leadlens run` ends with, run to their end and summed up.
 */
import type { JobResult } from '../../contracts/functions';
import type { PipelineDeps } from '../deps';
import { accountsPipelineJob } from '../run';
import { accountSummaryOf, type AccountStageSummary } from './account-job';
import { runObjectChain, type ObjectRunOptions } from './run';

export interface AccountsCommandSummary extends AccountStageSummary {
  status: JobResult['status'];
  resumeAt?: string;
  /** Deals and companies read into the mirror by this run (0 when the read was skipped). */
  deals: number;
  companies: number;
  /** CRM calls this run made. */
  calls: number;
}

export async function runAccountStages(
  deps: PipelineDeps,
  opts: ObjectRunOptions = {},
): Promise<AccountsCommandSummary> {
  const { res, calls } = await runObjectChain(
    deps,
    () => accountsPipelineJob({ retrain: opts.retrain }),
    opts,
  );
  const read = (res.summary.read ?? {}) as Record<string, unknown>;
  const accounts = accountSummaryOf(res.summary) ?? {
    // The chain stopped before the account stages (paused in the read).
    scored: 0,
    written: 0,
    modelVersion: null,
    trained: false,
    auc: null,
    byTier: {},
    skipped: typeof read.skipped === 'string' ? read.skipped : null,
    missingScopes: [],
  };
  return {
    ...accounts,
    status: res.status,
    ...(res.resumeAt ? { resumeAt: res.resumeAt } : {}),
    deals: typeof read.deals === 'number' ? read.deals : 0,
    companies: typeof read.companies === 'number' ? read.companies : 0,
    calls,
  };
}
