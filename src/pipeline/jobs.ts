/**
 * Resumable jobs. A job's state lives in the store's checkpoint; each step does one unit of work
 * and commits the work and the new state in one transaction, so a crash at any point resumes
 * from the last committed unit: nothing finished is repeated and nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import type { JobResult } from '../contracts/functions';
import { isLeadLensError, LeadLensError } from '../errors';
import type { JobCheckpoint, StoreOps } from '../store/port';
import { makeBudget, type Budget } from './budget';
import type { PipelineDeps } from './deps';

export interface StepContext<S> {
  deps: PipelineDeps;
  budget: Budget;
  runId: string;
  /** Commit `work` (done through `tx`) and the job's next state atomically. */
  commit(state: S, work?: (tx: StoreOps) => Promise<unknown>): Promise<void>;
}

export interface StepOutcome<S> {
  state: S;
  done: boolean;
  progress: string;
  /**
   * End this call now (it returns `continue`) although the budget is not spent: the step saw
   * that its next unit would not fit in the time left.
   */
  yield?: boolean;
}

export interface JobDefinition<S extends Record<string, unknown>> {
  name: string;
  init(deps: PipelineDeps): S | Promise<S>;
  /** One unit of work. Must call `ctx.commit` for anything it wants kept. */
  step(state: S, ctx: StepContext<S>): Promise<StepOutcome<S>>;
  summary(state: S): Record<string, unknown>;
}

export interface RunJobOptions {
  budget: Budget;
  /** Start a new run even if the last one did not finish. */
  restart?: boolean;
  /**
   * A chain's run id: a sub-job's checkpoint left by another chain run is not resumed but
   * started over (an old run's cursor must not carry into this run), and one this chain run
   * already finished is not run again.
   */
  parentRunId?: string;
}

export async function runJob<S extends Record<string, unknown>>(
  deps: PipelineDeps,
  def: JobDefinition<S>,
  opts: RunJobOptions,
): Promise<JobResult> {
  const { store } = deps;
  const iso = () => new Date(deps.now()).toISOString();
  let cp = await store.getJob(def.name);
  const parent = opts.parentRunId;
  if (cp?.status === 'done' && parent !== undefined && cp.parentRunId === parent && !opts.restart) {
    return result(def, cp, 'done', 'done');
  }
  const otherRun = parent !== undefined && cp?.parentRunId !== parent;
  if (!cp || cp.status === 'done' || opts.restart || otherRun) {
    cp = {
      job: def.name,
      runId: randomUUID(),
      status: 'running',
      state: await def.init(deps),
      startedAt: iso(),
      updatedAt: iso(),
      ...(parent !== undefined ? { parentRunId: parent } : {}),
    };
    await store.saveJob(cp);
  }
  if (cp.status === 'paused' && cp.resumeAt && Date.parse(cp.resumeAt) > deps.now()) {
    return result(def, cp, 'paused', cp.message ?? 'paused');
  }
  let current: JobCheckpoint = {
    ...cp,
    status: 'running',
    message: undefined,
    resumeAt: undefined,
  };
  const ctx: StepContext<S> = {
    deps,
    budget: opts.budget,
    runId: current.runId,
    async commit(state, work) {
      const next: JobCheckpoint = { ...current, state, updatedAt: iso() };
      await store.transaction(async (tx) => {
        await work?.(tx);
        await tx.saveJob(next);
      });
      current = next;
    },
  };

  let progress = '';
  try {
    // Always do at least one unit, so a tiny budget still makes progress.
    do {
      const out = await def.step(current.state as S, ctx);
      progress = out.progress;
      if (out.done) {
        current = { ...current, state: out.state, status: 'done', updatedAt: iso() };
        await store.saveJob(current);
        return result(def, current, 'done', progress);
      }
      if (out.yield) break;
    } while (opts.budget.hasTime());
    return result(def, current, 'continue', progress);
  } catch (e) {
    if (isLeadLensError(e, 'CRM_DAILY_LIMIT')) {
      const resumeAt = typeof e.details?.resumeAt === 'string' ? e.details.resumeAt : undefined;
      current = { ...current, status: 'paused', message: e.describe(), resumeAt, updatedAt: iso() };
      await store.saveJob(current);
      return result(def, current, 'paused', e.describe());
    }
    // Every error of the family (the model's included) goes up as it is, hint and all; only
    // what is not ours becomes INTERNAL.
    const message = isLeadLensError(e) ? e.describe() : e instanceof Error ? e.message : String(e);
    current = { ...current, status: 'failed', message, updatedAt: iso() };
    // A run that lost its lease must not write even its failure: the new holder owns the row.
    if (!isLeadLensError(e, 'JOB_LOCKED')) {
      // The original error is what the caller must see, even when the store is what failed.
      await store.saveJob(current).catch(() => undefined);
    }
    throw isLeadLensError(e)
      ? e
      : new LeadLensError('INTERNAL', `${def.name} failed: ${message}`, {
          cause: e,
          hint: 'Run it again: the job resumes from its last checkpoint.',
        });
  }
}

function result<S extends Record<string, unknown>>(
  def: JobDefinition<S>,
  cp: JobCheckpoint,
  status: JobResult['status'],
  progress: string,
): JobResult {
  return {
    status,
    job: def.name,
    runId: cp.runId,
    continuation: status === 'continue' || status === 'paused' ? cp.runId : null,
    progress,
    ...(cp.resumeAt ? { resumeAt: cp.resumeAt } : {}),
    summary: def.summary(cp.state as S),
  };
}

/**
 * Calls a job again and again until it is no longer 'continue' (the CLI's local loop; HubSpot
 * makes the calls itself). Only the first call may restart; the rest resume.
 */
export async function runJobToEnd<S extends Record<string, unknown>>(
  deps: PipelineDeps,
  make: () => JobDefinition<S>,
  opts: { stepBudgetMs?: number; onProgress?: (r: JobResult) => void; restart?: boolean } = {},
): Promise<JobResult> {
  let restart = opts.restart ?? false;
  for (;;) {
    const budget = makeBudget(opts.stepBudgetMs ?? 1000, deps.now);
    const res = await runJob(deps, make(), { budget, restart });
    restart = false;
    opts.onProgress?.(res);
    if (res.status !== 'continue') return res;
  }
}
