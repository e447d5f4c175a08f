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

export type Handler = (deps: PipelineDeps, context: FunctionContext) => Promise<unknown>;

const JobParamsSchema = z.object({
  /** Time budget of this call; HubSpot ends a function after ~10 s. */
  budgetMs: z.number().int().min(100).max(600_000).default(FUNCTION_BUDGET_MS),
  /** Start over instead of resuming an unfinished run. */
  restart: z.boolean().default(false),
  full: z.boolean().default(false),
  retrain: z.enum(['auto', 'always', 'never']).default('auto'),
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
const leased = <T>(deps: PipelineDeps, fn: string, body: (d: PipelineDeps) => Promise<T>) =>
  withRunLease(deps, { purpose: fn, role: `function ${fn}` }, body);

export const handlers: Record<string, Handler> = {
  async sync(deps, context) {
    const p = parse(JobParamsSchema, context.parameters, 'sync');
    return leased(deps, 'sync', (d) =>
      runJob(d, syncJob({ full: p.full }), {
        budget: makeBudget(p.budgetMs, d.now),
        restart: p.restart,
      }),
    );
  },
  async train(deps, context) {
    const p = parse(JobParamsSchema, context.parameters, 'train');
    return leased(deps, 'train', (d) =>
      runJob(d, trainJob(), { budget: makeBudget(p.budgetMs, d.now), restart: p.restart }),
    );
  },
  async score(deps, context) {
    const p = parse(JobParamsSchema, context.parameters, 'score');
    return leased(deps, 'score', (d) =>
      runJob(d, scoreAndWriteJob(), {
        budget: makeBudget(p.budgetMs, d.now),
        restart: p.restart,
      }),
    );
  },
  async run(deps, context) {
    const p = parse(JobParamsSchema, context.parameters, 'run');
    return leased(deps, 'run', (d) =>
      runJob(d, runPipelineJob({ retrain: p.retrain, fullSync: p.full }), {
        budget: makeBudget(p.budgetMs, d.now),
        restart: p.restart,
      }),
    );
  },
  async 'score-record'(deps, context) {
    const ref = parse(ScoreRecordRequestSchema, recordParams(context), 'score-record');
    return scoreRecord(deps, ref);
  },
  async settings(deps, context) {
    const req = parse(SettingsRequestSchema, context.parameters, 'settings');
    if (req.action !== 'save') return settingsAction(deps, req);
    // Saving re-tiers the stored scores and writes the changed tiers back: a run of its own.
    return leased(deps, 'settings', async (d) => {
      const result = await settingsAction(d, req);
      if (!result.retiered) return result;
      // New thresholds reach the CRM at once: only the tiers that changed are written.
      const wb = await runJob(d, writebackJob(), {
        budget: makeBudget(FUNCTION_BUDGET_MS, d.now),
      });
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
