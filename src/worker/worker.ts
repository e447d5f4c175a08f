/**
 * `leadlens worker`: runs the pipeline's jobs from pg-boss for every installed portal. Any
 * number of workers share one PostgreSQL database; each job takes its portal's run lease, runs
 * one slice of its resumable job and queues its continuation.
 *
 * pg-boss 10 has no heartbeat: a job whose worker died stays 'active' until it expires. Each
 * job runs under a claim its worker keeps fresh (`liveness.ts`); each worker's watchdog fails
 * every active job whose claim went stale, whatever moment its worker died at, and pg-boss
 * retries it on whichever worker fetches it next, which resumes from the store's checkpoints.
 */
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { describeError, errorBody, isLeadLensError, LeadLensError } from '../errors';
import {
  dealsPipelineJob,
  makeBudget,
  runJob,
  runPipelineJob,
  scoreAndWriteJob,
  syncJob,
  trainJob,
  withRunLease,
  writebackJob,
  type JobDefinition,
  type Logger,
} from '../pipeline';
import { composeForPortal } from '../server/compose';
import type { HubSpotOAuthApi } from '../server/oauth/hubspot-oauth';
import { OAuthTokens } from '../server/oauth/tokens';
import type { StoreEngine } from '../store/port';
import {
  cancelPortalJobs,
  capRetryDelays,
  ensureQueues,
  holderForJob,
  openBoss,
  PIPELINE_QUEUE,
  PipelineJobSchema,
  SCHEDULE_QUEUE,
  sendPipelineJob,
  type PipelineJob,
  type QueueConfig,
} from './queue';
import { JobLiveness } from './liveness';
import { isDue } from './schedule';

export interface WorkerOptions {
  databaseUrl: string;
  /** A PostgreSQL engine on the same database. */
  engine: StoreEngine;
  log: Logger;
  /** Pipeline jobs this process runs at once. */
  concurrency: number;
  /** Time budget of one slice; the job then queues its continuation. */
  sliceMs: number;
  leaseTtlMs: number;
  pollSeconds: number;
  watchdogSeconds: number;
  queue: QueueConfig;
  /** Run pg-boss's cron monitor here (any number of workers may; one sends each tick). */
  schedule: boolean;
  maintenanceSeconds?: number;
  /** The pipeline's clock (LEADLENS_NOW pins it). */
  now?: () => number;
  /** Marketplace installs: HubSpot's OAuth API, to refresh their access tokens. */
  oauth?: { api: HubSpotOAuthApi; apiBaseUrl: string };
}

export interface RunningWorker {
  boss: PgBoss;
  stop(): Promise<void>;
}

type AnyJob = JobDefinition<Record<string, unknown>>;

function definitionOf(job: PipelineJob): AnyJob {
  const any = <S extends Record<string, unknown>>(d: JobDefinition<S>) => d as unknown as AnyJob;
  switch (job.task) {
    // Scheduled runs score deals too (skipped, saying why, where the CRM or portal has none).
    case 'run':
      return any(runPipelineJob({ retrain: 'auto', fullSync: job.full, deals: true }));
    case 'retrain':
      return any(runPipelineJob({ retrain: 'always', fullSync: job.full, deals: true }));
    case 'sync':
      return any(syncJob({ full: job.full }));
    case 'train':
      return any(trainJob());
    case 'score':
      return any(scoreAndWriteJob());
    case 'writeback':
      return any(writebackJob());
    case 'deals':
      return any(dealsPipelineJob({ retrain: 'auto' }));
  }
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { engine, log } = opts;
  const host = hostname();
  const boss = await openBoss(opts.databaseUrl, {
    schedule: opts.schedule,
    supervise: true,
    maintenanceSeconds: opts.maintenanceSeconds,
    onError: (e) => log.error('job engine error', { error: e.message }),
  });
  await ensureQueues(boss, opts.queue, opts.databaseUrl);
  // One token source per process: a portal's refreshes are single-flight across its jobs.
  const oauth = opts.oauth
    ? new OAuthTokens({
        api: opts.oauth.api,
        engine,
        apiBaseUrl: opts.oauth.apiBaseUrl,
        log,
        onRevoked: async (portalId) => {
          await cancelPortalJobs(boss, portalId);
        },
      })
    : undefined;
  if (opts.schedule) await boss.schedule(SCHEDULE_QUEUE, '* * * * *', {}, { tz: 'UTC' });
  const liveness = new JobLiveness({
    boss,
    databaseUrl: opts.databaseUrl,
    holder: `worker ${host}:${process.pid}`,
    // A claim is as patient as the run lease: long enough for the longest blocking step.
    ttlMs: opts.leaseTtlMs,
    queues: [PIPELINE_QUEUE, SCHEDULE_QUEUE],
    log,
  });

  async function runSlice(job: PgBoss.JobWithMetadata<unknown>) {
    const parsed = PipelineJobSchema.safeParse(job.data);
    if (!parsed.success) {
      // Retrying a malformed job cannot help: finish it with the reason.
      log.error('job rejected', { jobId: job.id, issue: parsed.error.issues[0]?.message });
      return { rejected: parsed.error.issues[0]?.message ?? 'invalid job data' };
    }
    const data = parsed.data;
    const store = engine.forPortal(data.portalId);
    const install = await store.getInstall();
    if (install?.status !== 'installed') {
      log.info('job skipped: portal not installed', { portal: data.portalId, task: data.task });
      return { skipped: 'portal not installed' };
    }
    const deps = await composeForPortal(engine, data.portalId, { log, now: opts.now, oauth });
    const res = await withRunLease(
      deps,
      {
        purpose: data.task,
        holder: holderForJob(host, process.pid, job.id),
        ttlMs: opts.leaseTtlMs,
      },
      (d) =>
        runJob(d, definitionOf(data), {
          budget: makeBudget(opts.sliceMs, d.now),
          // A retried attempt resumes what the first one started.
          restart: data.restart && job.retryCount === 0,
        }),
    );
    const next = { ...data, restart: false };
    if (res.status === 'continue') await sendPipelineJob(boss, next);
    if (res.status === 'paused' && res.resumeAt) {
      await sendPipelineJob(boss, next, { startAfter: new Date(res.resumeAt) });
    }
    log.info('job slice', {
      portal: data.portalId,
      task: data.task,
      jobId: job.id,
      status: res.status,
      progress: res.progress,
    });
    return { status: res.status, progress: res.progress, runId: res.runId };
  }

  const handle = async ([job]: PgBoss.JobWithMetadata<unknown>[]) => {
    try {
      // The claim first: a worker that dies from here on leaves a job some watchdog hands on.
      return await liveness.run(job, () => runSlice(job));
    } catch (e) {
      const { message, code } = errorBody(e);
      // JOB_LOCKED (another run holds the portal) and CRM/store faults: pg-boss retries with
      // back-off; the next attempt resumes from the checkpoint.
      (isLeadLensError(e, 'JOB_LOCKED') ? log.info : log.warn)('job slice failed', {
        jobId: job.id,
        code,
        message,
      });
      throw e instanceof LeadLensError ? new Error(`${message} [${code}]`) : e;
    }
  };

  for (let i = 0; i < opts.concurrency; i++) {
    await boss.work(
      PIPELINE_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: opts.pollSeconds, includeMetadata: true },
      handle,
    );
  }

  await boss.work(
    SCHEDULE_QUEUE,
    { batchSize: 1, pollingIntervalSeconds: Math.max(opts.pollSeconds, 2), includeMetadata: true },
    async ([tick]) =>
      liveness.run(tick, async () => {
        // The minute the tick stands for is when pg-boss created it, not when it is handled.
        const at = new Date(tick.createdOn).getTime();
        let sent = 0;
        for (const inst of await engine.listInstalls({ status: 'installed' })) {
          try {
            const settings = await engine.forPortal(inst.portalId).getSettings();
            if (!isDue(settings.schedule, at)) continue;
            const id = await sendPipelineJob(
              boss,
              { portalId: inst.portalId, task: 'run', restart: false, full: false },
              { singletonSeconds: 60 },
            );
            if (id) sent++;
          } catch (e) {
            log.warn('schedule skipped', { portal: inst.portalId, error: describeError(e) });
          }
        }
        return { sent };
      }),
  );

  // Heartbeats apart from the watchdog's pass: a slow pass (or a long watchdog interval) must
  // not make this worker's own jobs look dead.
  let beating = false;
  const heartbeat = setInterval(() => {
    if (beating) return;
    beating = true;
    void liveness
      .heartbeat()
      .catch((e: unknown) => log.warn('job heartbeat failed', { error: describeError(e) }))
      .finally(() => {
        beating = false;
      });
  }, liveness.heartbeatMs);
  heartbeat.unref();

  let watching = false;
  const watchdog = setInterval(() => {
    if (watching) return;
    watching = true;
    void (async () => {
      const capped = await capRetryDelays(boss, opts.queue.retryDelayMaxSeconds);
      if (capped > 0) log.info('job retries brought forward to the cap', { jobs: capped });
      for (const h of await liveness.sweep()) {
        log.warn('job of a dead worker handed on', {
          portal: h.portal,
          jobId: h.jobId,
          queue: h.queue,
          holder: h.holder,
          lastSeen: h.lastSeen,
        });
      }
    })()
      .catch((e: unknown) => log.warn('watchdog failed', { error: describeError(e) }))
      .finally(() => {
        watching = false;
      });
  }, opts.watchdogSeconds * 1000);
  watchdog.unref();

  return {
    boss,
    async stop() {
      clearInterval(watchdog);
      // Graceful: no new jobs; running slices finish (they are short) or are retried later.
      // Heartbeats go on until they have: a slice still finishing is alive.
      await boss.stop({ graceful: true, wait: true, timeout: Math.max(10_000, opts.sliceMs * 2) });
      clearInterval(heartbeat);
      await liveness.close();
    },
  };
}
