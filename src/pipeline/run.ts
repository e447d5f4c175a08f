/**
 * Chains of jobs as one resumable job: `run` = provision → sync → train (when due) → score →
 * monitor → write back → spike tasks; `score-and-write` = score → monitor → write back → spike
 * tasks (the `score` function). Each call advances
 * as far as its budget allows; sub-jobs keep their own checkpoints, so a chain resumes inside
 * whichever step was interrupted.
 */
import type { JobResult } from '../contracts/functions';
import { LeadLensError } from '../contracts/errors';
import type { PipelineDeps } from './deps';
import { alertAsksForRetrain, monitorJob } from './governance/monitor';
import { spikeTasksJob } from './governance/spikes';
import { runJob, runJobToEnd, type JobDefinition, type StepContext } from './jobs';
import { accountScoresJob, accountScoresSkipReason } from './objects/account-job';
import { dealScoresJob, dealScoresUnavailable } from './objects/job';
import { memberScoresJob, memberScoresUnavailable } from './objects/member-scores';
import { isScopeSkip, scopeSkipOf, type ScopeSkip } from './objects/stage-skip';
import { scoreJob } from './score';
import { syncJob } from './sync';
import { trainJob } from './train';
import { writebackJob } from './writeback';

type AnyJob = JobDefinition<Record<string, unknown>>;
const asAny = <S extends Record<string, unknown>>(j: JobDefinition<S>) => j as unknown as AnyJob;

interface Stage {
  name: string;
  job(): AnyJob;
  /**
   * A reason to skip this stage (or a permission skip carried over from an earlier stage), or
   * null to run it; `results` are the earlier stages' summaries.
   */
  skip?(
    deps: PipelineDeps,
    results: Record<string, Record<string, unknown>>,
  ): Promise<string | ScopeSkip | null>;
  /**
   * Deal and account stages: a CRM_SCOPES refusal (an install from before the app asked for
   * these objects' scopes) skips the stage with the reason instead of failing the run.
   */
  skipOnMissingScopes?: 'deals' | 'accounts';
}

export interface ChainState extends Record<string, unknown> {
  stage: number;
  results: Record<string, Record<string, unknown>>;
}

/** One stage's job, as far as the budget goes; a permission refusal of an object stage skips it. */
async function runStage(
  stage: Stage,
  state: ChainState,
  ctx: StepContext<ChainState>,
): Promise<{ summary: Record<string, unknown>; finished: boolean; progress: string }> {
  let res: JobResult;
  try {
    res = await runJob(ctx.deps, stage.job(), { budget: ctx.budget, parentRunId: ctx.runId });
  } catch (e) {
    const scope = stage.skipOnMissingScopes ? scopeSkipOf(e, stage.skipOnMissingScopes) : null;
    if (!scope) throw e;
    ctx.deps.log.warn('stage skipped: missing CRM permission', {
      stage: stage.name,
      missingScopes: scope.missingScopes,
    });
    return {
      summary: scope,
      finished: true,
      progress: `${stage.name}: skipped (${scope.skipped})`,
    };
  }
  if (res.status === 'paused') {
    // The CRM's daily limit stops the whole chain cleanly, with the time it may resume —
    // and with what the stage did so far (what was written before the pause).
    await ctx.commit({
      stage: state.stage,
      results: { ...state.results, [stage.name]: res.summary },
    });
    throw new LeadLensError('CRM_DAILY_LIMIT', res.progress, {
      details: { resumeAt: res.resumeAt },
    });
  }
  return {
    summary: res.summary,
    finished: res.status === 'done',
    progress: `${stage.name}: ${res.progress}`,
  };
}

function chainJob(name: string, stages: readonly Stage[]): JobDefinition<ChainState> {
  return {
    name,
    init: () => ({ stage: 0, results: {} }),
    async step(state, ctx) {
      const stage = stages[state.stage];
      if (!stage) return { state, done: true, progress: 'done' };
      const skipped = (await stage.skip?.(ctx.deps, state.results)) ?? null;
      const ran = skipped
        ? {
            summary: typeof skipped === 'string' ? { skipped } : skipped,
            finished: true,
            progress: `${stage.name}: skipped (${typeof skipped === 'string' ? skipped : skipped.skipped})`,
          }
        : await runStage(stage, state, ctx);
      const { summary, finished, progress } = ran;
      const next: ChainState = {
        stage: finished ? state.stage + 1 : state.stage,
        results: { ...state.results, [stage.name]: summary },
      };
      await ctx.commit(next);
      return { state: next, done: next.stage >= stages.length, progress };
    },
    summary: (s) => ({ stage: stages[s.stage]?.name ?? 'done', ...s.results }),
  };
}

export function provisionJob(): JobDefinition<{ done: boolean }> {
  return {
    name: 'provision',
    init: () => ({ done: false }),
    async step(_state, ctx) {
      await ctx.deps.crm.provision((await ctx.deps.store.getSettings()).tiers);
      const next = { done: true };
      await ctx.commit(next);
      return { state: next, done: true, progress: 'LeadLens properties ready' };
    },
    summary: () => ({}),
  };
}

export interface RunOptions {
  /** 'auto' retrains when there is no model or the cadence is due; 'always'/'never' force it. */
  retrain?: 'auto' | 'always' | 'never';
  fullSync?: boolean;
  /**
   * Score deals after the contacts; skipped where the CRM has no deal history. The CLI and the
   * worker ask for it unless told not to (`--no-deals`); library callers opt in.
   */
  deals?: boolean;
}

/** The deal-score stages: read, train when due, score (one job), then the one write-back. */
function dealStages(opts: RunOptions): Stage[] {
  const off = async (deps: PipelineDeps) =>
    opts.deals !== true ? 'deal scores turned off (--no-deals)' : dealScoresUnavailable(deps);
  return [
    {
      name: 'deals',
      job: () => asAny(dealScoresJob({ retrain: opts.retrain })),
      skip: off,
      skipOnMissingScopes: 'deals',
    },
    {
      name: 'deal-writeback',
      job: () => asAny(writebackJob({ name: 'deal-writeback', objectTypes: ['deal'] })),
      skip: async (deps, results) =>
        (await off(deps)) ?? (isScopeSkip(results.deals) ? results.deals : null),
      skipOnMissingScopes: 'deals',
    },
  ];
}

/**
 * The account-score stages of a run, after the deal stages (whose read mirrors the companies):
 * train when due and score (one job), then the one write-back over companies.
 */
function accountStages(opts: RunOptions): Stage[] {
  const accountsOff = async (
    deps: PipelineDeps,
    results: Record<string, Record<string, unknown>>,
  ) => {
    if (opts.deals !== true) return 'account scores run with deal scores (--no-deals)';
    // The deal stage reads the companies; without its permission nothing was mirrored.
    // `leadlens accounts` reads them in its own stage, with the account label already.
    if (isScopeSkip(results.read)) return results.read;
    if (isScopeSkip(results.deals) && results.deals.mirrored !== true)
      return {
        ...results.deals,
        skipped: `account scores need the companies the deal stage reads and its deals (their outcomes) — ${results.deals.skipped}`,
      };
    // Deals were read and scored, the companies refused: only the account stages skip.
    const companies = results.deals?.companiesSkipped as Record<string, unknown> | undefined;
    if (isScopeSkip(companies)) return companies;
    return dealScoresUnavailable(deps) ?? (await accountScoresSkipReason(deps));
  };
  return [
    {
      name: 'accounts',
      job: () => asAny(accountScoresJob({ retrain: opts.retrain })),
      skip: accountsOff,
      skipOnMissingScopes: 'accounts',
    },
    {
      name: 'account-writeback',
      job: () => asAny(writebackJob({ name: 'account-writeback', objectTypes: ['company'] })),
      skip: async (deps, results) =>
        (await accountsOff(deps, results)) ??
        (isScopeSkip(results.accounts) ? results.accounts : null),
      skipOnMissingScopes: 'accounts',
    },
  ];
}

/**
 * Own scores of account-only committee members (Salesforce Contacts made on an Account), after
 * the account stages: the deal stage's company read mirrors them, the lead model scores them,
 * the one write-back writes them. Skipped where the companies were not read, with that reason.
 */
function memberStages(opts: RunOptions): Stage[] {
  const off = async (deps: PipelineDeps, results: Record<string, Record<string, unknown>>) => {
    if (opts.deals !== true)
      return 'scores on Contacts created on Accounts run with deal scores (--no-deals)';
    const unavailable = memberScoresUnavailable(deps) ?? dealScoresUnavailable(deps);
    if (unavailable) return unavailable;
    const companies = results.deals?.companiesSkipped as Record<string, unknown> | undefined;
    const refused =
      isScopeSkip(results.deals) && results.deals.mirrored !== true
        ? results.deals
        : isScopeSkip(companies)
          ? companies
          : null;
    // The Accounts (and their Contacts) were not read: what is missing is what the read met.
    return refused
      ? {
          ...refused,
          skipped: `scores on Contacts created on Accounts need the Accounts and Contacts the deal stage reads — ${refused.skipped}`,
        }
      : null;
  };
  return [
    { name: 'member-scores', job: () => asAny(memberScoresJob()), skip: off },
    {
      name: 'member-writeback',
      job: () =>
        asAny(writebackJob({ name: 'member-writeback', objectTypes: ['account_contact'] })),
      skip: async (deps, results) => {
        const why = await off(deps, results);
        if (why) return why;
        const scored = results['member-scores'];
        return typeof scored?.skipped === 'string'
          ? isScopeSkip(scored)
            ? scored
            : scored.skipped
          : null;
      },
    },
  ];
}

/** `leadlens deals` and the worker's `deals` task: deal scores on their own. */
export function dealsPipelineJob(opts: RunOptions = {}): JobDefinition<ChainState> {
  return chainJob('deals-run', dealStages({ ...opts, deals: true }));
}

/**
 * `leadlens accounts`: read the deals and companies into the mirror (no deal model), then the
 * account stages — train when due, score, write back.
 */
export function accountsPipelineJob(opts: RunOptions = {}): JobDefinition<ChainState> {
  return chainJob('accounts-run', [
    {
      name: 'read',
      job: () => asAny(dealScoresJob({ readOnly: true })),
      skip: async (deps) => dealScoresUnavailable(deps),
      skipOnMissingScopes: 'accounts',
    },
    ...accountStages({ ...opts, deals: true }),
  ]);
}

async function trainSkipReason(
  deps: PipelineDeps,
  mode: RunOptions['retrain'],
): Promise<string | null> {
  const published = await deps.store.getPublishedModel();
  if (mode === 'never') return published ? 'retraining disabled' : null;
  if (mode === 'always' || !published) return null;
  if (await alertAsksForRetrain(deps)) return null;
  const cadence = (await deps.store.getSettings()).retrainCadenceDays * 86_400_000;
  // The cadence counts from the newest model that is in use: the published one, or a
  // challenger scoring in shadow beside it — else every run after the cadence would train a
  // new challenger and none would live long enough to be judged.
  const newest = (await deps.store.listModels())
    .filter((m) => m.status === 'published' || m.status === 'shadow')
    .reduce((t, m) => Math.max(t, Date.parse(m.trainedAt)), Date.parse(published.trainedAt));
  return deps.now() - newest < cadence ? 'model is recent enough' : null;
}

export function runPipelineJob(opts: RunOptions = {}): JobDefinition<ChainState> {
  return chainJob('run', [
    { name: 'provision', job: () => asAny(provisionJob()) },
    { name: 'sync', job: () => asAny(syncJob({ full: opts.fullSync })) },
    {
      name: 'train',
      job: () => asAny(trainJob()),
      skip: (deps) => trainSkipReason(deps, opts.retrain ?? 'auto'),
    },
    { name: 'score', job: () => asAny(scoreJob()) },
    { name: 'monitor', job: () => asAny(monitorJob()) },
    { name: 'writeback', job: () => asAny(writebackJob()) },
    { name: 'spikes', job: () => asAny(spikeTasksJob()) },
    ...dealStages(opts),
    ...accountStages(opts),
    ...memberStages(opts),
  ]);
}

export function scoreAndWriteJob(opts: { scoreChunk?: number } = {}): JobDefinition<ChainState> {
  return chainJob('score-and-write', [
    { name: 'score', job: () => asAny(scoreJob({ chunk: opts.scoreChunk })) },
    { name: 'monitor', job: () => asAny(monitorJob()) },
    { name: 'writeback', job: () => asAny(writebackJob()) },
    { name: 'spikes', job: () => asAny(spikeTasksJob()) },
  ]);
}

/** Run the chain until it finishes (the CLI's local loop), reporting between calls. */
export function runToCompletion(
  deps: PipelineDeps,
  opts: RunOptions & {
    stepBudgetMs?: number;
    onProgress?: (r: JobResult) => void;
    restart?: boolean;
  },
): Promise<JobResult> {
  // By default an interrupted run is resumed, never restarted: a restart would rescore and
  // could send a record different values than the batch in flight when it stopped.
  return runJobToEnd(deps, () => runPipelineJob(opts), opts);
}
