/**
 * `leadlens worker` (run pipeline jobs from pg-boss for every installed portal) and
 * `leadlens jobs send` (queue one). Both need PostgreSQL: DATABASE_URL=postgres://…
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LeadLensError } from '../../contracts/errors';
import { openEngine } from '../../server/compose';
import { createLogger } from '../../server/logger';
import { isPostgresUrl } from '../../store/open';
import { DEFAULT_LEASE_TTL_MS } from '../../pipeline';
import {
  DEFAULT_QUEUE_CONFIG,
  ensureQueues,
  openBoss,
  sendPipelineJob,
  TASKS,
  type Task,
} from '../../worker/queue';
import { startWorker } from '../../worker/worker';
import { oauthConfigFromEnv } from '../../server/oauth/config';
import { hubspotOAuthApi } from '../../server/oauth/hubspot-oauth';
import { secretFrom } from '../secrets';
import { clockFromEnv, leaseTtlFromEnv, printJson } from '../context';

function requirePostgres(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL;
  if (!isPostgresUrl(url)) {
    throw new LeadLensError('CONFIG_INVALID', 'Workers and queued jobs need PostgreSQL.', {
      hint: 'Set DATABASE_URL=postgres://user@host:5432/db (the same database as the server). With SQLite, use `leadlens run` instead.',
    });
  }
  return url;
}

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}.`);
  return n;
};

/** Tunables from the environment (tests shorten them; operators rarely need to). */
function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    throw new LeadLensError('CONFIG_INVALID', `${name} must be a number ≥ ${min}.`, {
      hint: `Unset it for the default (${fallback}).`,
    });
  }
  return n;
}

/** Marketplace installs' token refresh: the app's client id and secret from the environment. */
function oauthFromEnv(env: NodeJS.ProcessEnv = process.env) {
  if (!env.HUBSPOT_CLIENT_ID) return null;
  const secret = secretFrom({
    what: 'client secret',
    flagName: '--client-secret',
    fileFlagName: '--client-secret-file',
    envVar: 'HUBSPOT_CLIENT_SECRET',
    env,
  });
  if (!secret) {
    throw new LeadLensError('CONFIG_INVALID', 'HUBSPOT_CLIENT_ID is set but no client secret.', {
      hint: "Set HUBSPOT_CLIENT_SECRET (or HUBSPOT_CLIENT_SECRET_FILE): OAuth installs' access tokens are refreshed with it.",
    });
  }
  const config = oauthConfigFromEnv(env, {
    clientSecret: secret.value,
    publicUrl: undefined,
    needsRedirect: false,
  })!;
  return { api: hubspotOAuthApi(config), apiBaseUrl: config.apiBaseUrl };
}

export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'Run the pipeline jobs (sync, train, score, write-back, scheduled runs) of every installed portal from the PostgreSQL job queue (pg-boss). Start as many as you like on one database; stop with SIGTERM. Marketplace (OAuth) installs need HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET to refresh their access tokens.',
    )
    .option(
      '--concurrency <n>',
      'pipeline jobs at once in this process',
      int('--concurrency', 1),
      2,
    )
    .option('--no-schedule', 'do not send the once-a-minute schedule tick from this process')
    .action(async (flags: { concurrency: number; schedule: boolean }) => {
      const databaseUrl = requirePostgres();
      const log = createLogger({ level: process.env.LEADLENS_LOG_LEVEL ?? 'info' });
      const engine = await openEngine({ databaseUrl });
      const oauth = oauthFromEnv();
      const worker = await startWorker({
        ...(oauth ? { oauth } : {}),
        databaseUrl,
        engine,
        log,
        concurrency: flags.concurrency,
        sliceMs: envInt('LEADLENS_JOB_SLICE_MS', 30_000, 100),
        leaseTtlMs: leaseTtlFromEnv() ?? DEFAULT_LEASE_TTL_MS,
        pollSeconds: envInt('LEADLENS_WORKER_POLL_SECONDS', 2, 0.5),
        watchdogSeconds: envInt('LEADLENS_WATCHDOG_SECONDS', 15, 0.2),
        maintenanceSeconds: envInt('LEADLENS_JOB_MAINTENANCE_SECONDS', 120, 1),
        queue: {
          retryLimit: envInt('LEADLENS_JOB_RETRY_LIMIT', DEFAULT_QUEUE_CONFIG.retryLimit, 0),
          retryDelaySeconds: envInt(
            'LEADLENS_JOB_RETRY_DELAY_SECONDS',
            DEFAULT_QUEUE_CONFIG.retryDelaySeconds,
            0,
          ),
          retryDelayMaxSeconds: envInt(
            'LEADLENS_JOB_RETRY_DELAY_MAX_SECONDS',
            DEFAULT_QUEUE_CONFIG.retryDelayMaxSeconds,
            1,
          ),
          expireSeconds: envInt(
            'LEADLENS_JOB_EXPIRE_SECONDS',
            DEFAULT_QUEUE_CONFIG.expireSeconds,
            1,
          ),
        },
        schedule: flags.schedule,
        now: clockFromEnv(),
      });
      log.info('worker started', { pid: process.pid, concurrency: flags.concurrency });
      process.stdout.write(`worker ${process.pid} ready\n`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        void worker
          .stop()
          .then(() => engine.close())
          .finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const jobs = program.command('jobs').description('Queue pipeline jobs for the workers.');
  jobs
    .command('send <task>')
    .description(
      `Queue one job for a portal: ${TASKS.join(', ')}. A worker runs it; the same task already waiting for that portal is not queued twice.`,
    )
    .requiredOption('--portal <id>', 'portal (hub) id')
    .addOption(new Option('--restart', 'start the task over instead of resuming it'))
    .option('--full', 'sync/run: read every record again')
    .action(async (task: string, flags: { portal: string; restart?: boolean; full?: boolean }) => {
      if (!(TASKS as readonly string[]).includes(task)) {
        throw new LeadLensError('INPUT_INVALID', `"${task}" is not a task.`, {
          hint: `Use one of: ${TASKS.join(', ')}.`,
        });
      }
      const databaseUrl = requirePostgres();
      const boss = await openBoss(databaseUrl, { schedule: false, supervise: false });
      try {
        await ensureQueues(boss, DEFAULT_QUEUE_CONFIG, databaseUrl);
        const id = await sendPipelineJob(boss, {
          portalId: flags.portal,
          task: task as Task,
          restart: !!flags.restart,
          full: !!flags.full,
        });
        printJson(
          id
            ? { queued: true, id, portal: flags.portal, task }
            : {
                queued: false,
                portal: flags.portal,
                task,
                reason: 'the same task is already waiting for this portal; it will do the work',
              },
        );
      } finally {
        await boss.stop({ graceful: false, wait: true });
      }
    });
}
