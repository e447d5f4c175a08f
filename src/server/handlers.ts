/**
 * The serverless functions' bodies, shared by functions/*.ts (HubSpot) and the express host
 * (POST /functions/:name): parse the context once with zod → call a use case → return.
 * Errors are thrown as LeadLensError; each host maps them to its own error shape.
 */
import { z } from 'zod';
import { LeadLensError } from '../contracts/errors';
import {
  FeedbackRequestSchema,
  ScoreRecordRequestSchema,
  SettingsRequestSchema,
  type FunctionContext,
} from '../contracts/functions';
import {
  FUNCTION_BUDGET_MS,
  makeBudget,
  provisionJob,
  recordFeedback,
  runJob,
  runPipelineJob,
  scoreAndWriteJob,
  scoreRecord,
  settingsAction,
  syncJob,
  trainJob,
  withRunLease,
  writebackJob,
  type PipelineDeps,
} from '../pipeline';

/** What differs between the hosts that run these bodies (a HubSpot function, the express host). */
export interface HandlerOptions {
  /**
   * How long the run lease outlives its last renewal (default DEFAULT_LEASE_TTL_MS). HubSpot
   * ends a function call after 10 s, so a function's lease needs little more: a call killed
   * mid-job frees its portal within seconds instead of minutes.
   */
  leaseTtlMs?: number;
  /** A job's time budget when the caller gives none (default FUNCTION_BUDGET_MS). */
  budgetMs?: number;
  /** Contacts scored per unit of work (default SCORE_CHUNK): smaller where calls are short. */
  scoreChunk?: number;
}

export type Handler = (
  deps: PipelineDeps,
  context: FunctionContext,
  opts?: HandlerOptions,
) => Promise<unknown>;

const JobParamsSchema = z.object({
  /** Time budget of this call (default: the host's); HubSpot ends a function after ~10 s. */
  budgetMs: z.number().int().min(100).max(600_000).optional(),
  /** Start over instead of resuming an unfinished run. */
  restart: z.boolean().default(false),
  full: z.boolean().default(false),
  retrain: z.enum(['auto', 'always', 'never']).default('auto'),
  /**
   * `run`: score deals after the contacts. Off unless asked here: a function call has ~10 s and
   * the deal stages are a run of their own size (the CLI and the worker score deals by default).
   */
  deals: z.boolean().default(false),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, fn: string): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LeadLensError(
      'INPUT_INVALID',
      `Function ${fn}: parameter ${issue.path.join('.') || '(body)'} is invalid: ${issue.message}.`,
      { hint: 'Check the parameters the caller sends (see src/contracts/functions.ts).' },
    );
  }
  return r.data;
}

/** Parameters may come from the card (parameters) or from propertiesToSend (hs_object_id). */
function recordParams(context: FunctionContext): Record<string, unknown> {
  const p = { ...(context.parameters ?? {}) };
  const fromRecord = context.propertiesToSend?.hs_object_id;
  if (p.objectId === undefined && fromRecord) p.objectId = fromRecord;
  if (typeof p.objectId === 'number') p.objectId = String(p.objectId);
  return p;
}

/** Everything that runs a pipeline job holds the portal's run lease while it does. */
const leased = <T>(
  deps: PipelineDeps,
  fn: string,
  opts: HandlerOptions | undefined,
  body: (d: PipelineDeps) => Promise<T>,
) =>
  withRunLease(
    deps,
    {
      purpose: fn,
      role: `function ${fn}`,
      ...(opts?.leaseTtlMs ? { ttlMs: opts.leaseTtlMs } : {}),
    },
    body,
  );

/** The time budget of a job call: the caller's, else the host's. */
const budgetOf = (p: { budgetMs?: number }, opts: HandlerOptions | undefined, now: () => number) =>
  makeBudget(p.budgetMs ?? opts?.budgetMs ?? FUNCTION_BUDGET_MS, now);

export const handlers: Record<string, Handler> = {
  async provision(deps, context, opts) {
    const p = parse(JobParamsSchema, context.parameters, 'provision');
    // The database's tables are created when the store opens; this creates or updates the
    // leadlens_* properties in the portal, with the tier options from the settings.
    return leased(deps, 'provision', opts, (d) =>
      runJob(d, provisionJob(), { budget: budgetOf(p, opts, d.now), restart: true }),
    );
  },
  async sync(deps, context, opts) {
    const p = parse(JobParamsSchema, context.parameters, 'sync');
    return leased(deps, 'sync', opts, (d) =>
      runJob(d, syncJob({ full: p.full }), {
        budget: budgetOf(p, opts, d.now),
        restart: p.restart,
      }),
    );
  },
  async train(deps, context, opts) {
    const p = parse(JobParamsSchema, context.parameters, 'train');
    // Training is a sequence of persisted units (src/pipeline/train.ts): a portal of any size
    // trains over as many calls as it needs.
    return leased(deps, 'train', opts, (d) =>
      runJob(d, trainJob(), { budget: budgetOf(p, opts, d.now), restart: p.restart }),
    );
  },
  async score(deps, context, opts) {
    const p = parse(JobParamsSchema, context.parameters, 'score');
    return leased(deps, 'score', opts, (d) =>
      runJob(d, scoreAndWriteJob({ scoreChunk: opts?.scoreChunk }), {
        budget: budgetOf(p, opts, d.now),
        restart: p.restart,
      }),
    );
  },
  async run(deps, context, opts) {
    const p = parse(JobParamsSchema, context.parameters, 'run');
    return leased(deps, 'run', opts, (d) =>
      runJob(d, runPipelineJob({ retrain: p.retrain, fullSync: p.full, deals: p.deals }), {
        budget: budgetOf(p, opts, d.now),
        restart: p.restart,
      }),
    );
  },
  async 'score-record'(deps, context) {
    const ref = parse(ScoreRecordRequestSchema, recordParams(context), 'score-record');
    return scoreRecord(deps, ref);
  },
  async settings(deps, context, opts) {
    const req = parse(SettingsRequestSchema, context.parameters, 'settings');
    if (req.action !== 'save') return settingsAction(deps, req);
    // Saving re-tiers the stored scores and writes the changed tiers back: a run of its own.
    return leased(deps, 'settings', opts, async (d) => {
      const result = await settingsAction(d, req);
      if (!result.retiered) return result;
      // New thresholds reach the CRM at once: only the tiers that changed are written.
      const wb = await runJob(d, writebackJob(), { budget: budgetOf({}, opts, d.now) });
      return {
        ...result,
        writeback: { status: wb.status, written: Number(wb.summary.written ?? 0) },
      };
    });
  },
  async feedback(deps, context) {
    const req = parse(FeedbackRequestSchema, recordParams(context), 'feedback');
    return recordFeedback(deps, req);
  },
};

export const FUNCTION_NAMES = Object.keys(handlers);

/**
 * The handler named `name`, looked up as an own property only: `constructor`, `__proto__`,
 * `toString` and friends are inherited from Object.prototype and must answer "no such
 * function", not run.
 */
export function findHandler(name: string): Handler | undefined {
  return Object.hasOwn(handlers, name) ? handlers[name] : undefined;
}
