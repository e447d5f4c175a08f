/**
 * The pipeline's jobs on pg-boss (10.x: the newest release whose engines allow Node 20).
 *
 * One queue, `leadlens-pipeline`, carries every portal's work: { portalId, task }. Its policy is
 * 'short' with singletonKey "<portal>:<task>": at most one such job waits per portal and task,
 * so a cron tick, a user's request and a continuation never pile up. At most one *runs* per
 * portal because every job takes the portal's run lease in the store (shared with the CLI and
 * HTTP); pg-boss's 'singleton'/'stately' policies are not used — in 10.x a blocked singleton
 * job can stall fetching for the whole queue (timgit/pg-boss#535, #492).
 *
 * A job runs one slice (a time budget) of its resumable pipeline job and sends its own
 * continuation, so any worker can pick up the next slice and a killed worker loses one slice.
 */
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { LeadLensError } from '../contracts/errors';
import { PORTAL_ID_PATTERN } from '../store/port';

export const PIPELINE_QUEUE = 'leadlens-pipeline';
/** The once-a-minute tick that sends each portal's scheduled runs. */
export const SCHEDULE_QUEUE = 'leadlens-schedule';
/** pg-boss's tables live apart from LeadLens's (schema 'leadlens'). */
export const JOBS_SCHEMA = 'leadlens_jobs';

export const TASKS = ['run', 'retrain', 'sync', 'train', 'score', 'writeback', 'deals'] as const;
export type Task = (typeof TASKS)[number];

export const PipelineJobSchema = z
  .object({
    portalId: z.string().regex(PORTAL_ID_PATTERN),
    task: z.enum(TASKS),
    /** Start the task's run over instead of resuming it (first attempt only). */
    restart: z.boolean().default(false),
    /** sync/run: read every record again instead of the changes since the last sync. */
    full: z.boolean().default(false),
  })
  .strict();
export type PipelineJob = z.infer<typeof PipelineJobSchema>;

export interface QueueConfig {
  retryLimit: number;
  retryDelaySeconds: number;
  /**
   * The longest wait before a retry (`capRetryDelays`): pg-boss 10 doubles `retryDelaySeconds`
   * per attempt with no ceiling of its own.
   */
  retryDelayMaxSeconds: number;
  /** pg-boss fails a job still active after this long (a hung worker); slices end far sooner. */
  expireSeconds: number;
}

export const DEFAULT_QUEUE_CONFIG: QueueConfig = {
  retryLimit: 10,
  retryDelaySeconds: 30,
  retryDelayMaxSeconds: 300,
  expireSeconds: 3600,
};

export interface BossOptions {
  /** Run pg-boss's cron monitor (schedules) in this process. */
  schedule: boolean;
  /** Run pg-boss's maintenance (expiry, archiving) in this process. */
  supervise: boolean;
  maintenanceSeconds?: number;
  onError?: (e: Error) => void;
}

export async function openBoss(databaseUrl: string, opts: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    application_name: 'leadlens-jobs',
    max: 4,
    schedule: opts.schedule,
    supervise: opts.supervise,
    ...(opts.maintenanceSeconds ? { maintenanceIntervalSeconds: opts.maintenanceSeconds } : {}),
  });
  boss.on('error', (e) => opts.onError?.(e));
  try {
    await boss.start();
  } catch (e) {
    throw new LeadLensError(
      'STORE_ERROR',
      'Could not start the job engine (pg-boss) on DATABASE_URL.',
      {
        hint: 'Check that PostgreSQL is reachable and the user may create the leadlens_jobs schema.',
        cause: e,
      },
    );
  }
  return boss;
}

/**
 * Which worker runs which job, and when it was last seen alive (`liveness.ts`). Beside
 * pg-boss's own tables: the rows describe its jobs, and the watchdog locks a job's row and
 * fails it through pg-boss in the transaction that reads them.
 */
export const CLAIMS_TABLE = `${JOBS_SCHEMA}.job_claim`;

const CREATE_CLAIMS_TABLE = `CREATE TABLE IF NOT EXISTS ${CLAIMS_TABLE} (
  job_id uuid PRIMARY KEY,
  attempt integer NOT NULL,
  holder text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
)`;

/** Any fixed 64-bit number distinct from the store's migration lock. */
const QUEUE_SETUP_LOCK = '5494771541204551233';

/**
 * Creates the queues (and the workers' claims table) if missing and applies the current
 * retry/expiry settings. Idempotent; serialised across processes, because creating a queue's
 * partition while another process does the same deadlocks in PostgreSQL (and two concurrent
 * CREATE TABLE IF NOT EXISTS can both try to create it).
 */
export async function ensureQueues(
  boss: PgBoss,
  cfg: QueueConfig,
  databaseUrl: string,
): Promise<void> {
  const options = {
    policy: 'short' as const,
    retryLimit: cfg.retryLimit,
    retryDelay: cfg.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: cfg.expireSeconds,
  };
  const lock = new Client({ connectionString: databaseUrl, application_name: 'leadlens-jobs' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [QUEUE_SETUP_LOCK]);
    await lock.query(CREATE_CLAIMS_TABLE);
    for (const name of [PIPELINE_QUEUE, SCHEDULE_QUEUE]) {
      const q = await boss.getQueue(name);
      if (!q) await boss.createQueue(name, { name, ...options });
      else if (
        q.policy !== options.policy ||
        q.retryLimit !== options.retryLimit ||
        q.retryDelay !== options.retryDelay ||
        q.retryBackoff !== options.retryBackoff ||
        q.expireInSeconds !== options.expireInSeconds
      ) {
        await boss.updateQueue(name, { name, ...options });
      }
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [QUEUE_SETUP_LOCK]).catch(() => undefined);
    await lock.end();
  }
}

export const singletonKeyOf = (job: Pick<PipelineJob, 'portalId' | 'task'>) =>
  `${job.portalId}:${job.task}`;

/**
 * Queues `job`; null when the same portal already has the same task waiting (it will do the
 * work: jobs resume their checkpoints).
 */
export function sendPipelineJob(
  boss: PgBoss,
  job: PipelineJob,
  opts: { startAfter?: Date; singletonSeconds?: number } = {},
): Promise<string | null> {
  const data = PipelineJobSchema.parse(job);
  return boss.send(PIPELINE_QUEUE, data, {
    singletonKey: singletonKeyOf(data),
    ...(opts.startAfter ? { startAfter: opts.startAfter } : {}),
    ...(opts.singletonSeconds ? { singletonSeconds: opts.singletonSeconds } : {}),
  });
}

/** The holder name a worker's lease carries: the watchdog reads the job id back from it. */
export const holderForJob = (host: string, pid: number, jobId: string) =>
  `worker ${host}:${pid} job ${jobId}`;

export function jobIdOfHolder(holder: string): string | null {
  return /^worker \S+ job ([0-9a-f-]{36})$/.exec(holder)?.[1] ?? null;
}

/**
 * Caps the wait of every retrying pipeline job at `maxSeconds` from now. pg-boss 10 schedules a
 * retry at retry_delay × 2^min(16, n) (±50 %) and has no maximum (`retryDelayMax` came with
 * pg-boss 11, which needs Node 22): with the default 30 s, a job refused JOB_LOCKED while a
 * long run held its portal waited 8 min after 5 refusals, over 4 h after 10. The worker's
 * watchdog runs this on each pass, so no retry waits much more than `maxSeconds`. Only jobs in
 * `retry` state: a job sent to start later on purpose (a paused run's resumeAt) keeps its time.
 * Returns how many jobs it moved.
 */
export async function capRetryDelays(boss: PgBoss, maxSeconds: number): Promise<number> {
  const res = (await boss
    .getDb()
    .executeSql(
      `UPDATE ${JOBS_SCHEMA}.job SET start_after = now() + $2 * interval '1 second' WHERE name = $1 AND state = 'retry' AND start_after > now() + $2 * interval '1 second' RETURNING id`,
      [PIPELINE_QUEUE, maxSeconds],
    )) as { rows: unknown[] };
  return res.rows.length;
}

/**
 * Cancels every job of `portalId` that has not started (waiting, retrying, scheduled for
 * later): an uninstalled portal keeps nothing queued. A slice already running finishes or
 * fails on its own (its tokens are gone). pg-boss has no query by job data, so the ids come
 * from its job table; the cancel itself goes through pg-boss.
 */
export async function cancelPortalJobs(boss: PgBoss, portalId: string): Promise<number> {
  const db = boss.getDb();
  const rows = (await db.executeSql(
    `SELECT id FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND data->>'portalId' = $2 AND state IN ('created', 'retry')`,
    [PIPELINE_QUEUE, portalId],
  )) as { rows: Array<{ id: string }> };
  const ids = rows.rows.map((r) => r.id);
  if (ids.length > 0) await boss.cancel(PIPELINE_QUEUE, ids);
  return ids.length;
}
