/**
 * The fault matrix's third way of running (issue 12): two `leadlens worker` processes on one
 * PostgreSQL database (pg-boss), one portal. A `run` job is sent, and a second one while the
 * first is running (the lease makes it wait: JOB_LOCKED, retried by pg-boss); slices of the run
 * pass between the workers. The fault strikes as in the CLI modes; the "operator" answers as a
 * supervisor would: a SIGKILLed worker is replaced, an expired token renewed in the install.
 * The case ends when the portal's run is done, no lease is held and no job waits; then the same
 * checks as the CLI modes (`judge`), the failures listed from the store, the run's summary from
 * its write-back checkpoint.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DEFAULT_APP_ID } from '../../emulator/hubspot/hub';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { openStoreEngine } from '../../src/store/open';
import { createSecretBox, Secret } from '../../src/store/secrets';
import { JOBS_SCHEMA, openBoss, PIPELINE_QUEUE, sendPipelineJob } from '../../src/worker/queue';
import { PORTAL, TOKEN, type ContactState } from '../e2e/helpers';
import {
  armFault,
  caseDeadlineMs,
  judge,
  killMoment,
  listingProblems,
  newResult,
  permanentIdsFor,
  peekStats,
  post,
  runEnv,
  sleep,
  startPortal,
  countStatus,
  type CaseResult,
  type FaultKind,
  type MatrixOptions,
} from './fault-matrix';
import { leadlens, type BoundedChild } from './child';
import { createTestDatabase } from './postgres';

interface WorkerProc {
  proc: BoundedChild;
  pid: number;
}

/** A worker ends at the case's deadline at the latest (SIGKILLed, reported when the case ends). */
function startWorker(
  env: Record<string, string>,
  deadlineMs: number,
  started: WorkerProc[],
): Promise<WorkerProc> {
  const proc = leadlens(['worker', '--concurrency', '1', '--no-schedule'], env, { deadlineMs });
  const w: WorkerProc = { proc, pid: proc.child.pid ?? -1 };
  started.push(w);
  return new Promise((resolve, reject) => {
    const ready = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`worker not ready in 120 s: ${proc.stderr.slice(-500)}`));
    }, 120_000);
    const poll = setInterval(() => {
      if (proc.stdout.includes('ready')) {
        clearInterval(poll);
        clearTimeout(ready);
        resolve(w);
      } else if (!proc.running()) {
        clearInterval(poll);
        clearTimeout(ready);
        reject(new Error(`worker exited: ${proc.stderr.slice(-500)}`));
      }
    }, 50);
  });
}

const logLines = (w: WorkerProc) =>
  w.proc.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });

export async function runWorkersCase(
  fault: FaultKind,
  opts: MatrixOptions,
  clean: readonly ContactState[],
  now: number,
): Promise<CaseResult> {
  const started = Date.now();
  const result = newResult(fault, 'two-workers');
  const permanentIds = permanentIdsFor(fault, opts, clean);
  result.permanent = permanentIds.size;
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const emu = await startPortal(opts);
  const pg = await createTestDatabase(`matrix${fault}`);
  const engine = await openStoreEngine({
    databaseUrl: pg.url,
    sqliteFile: 'unused',
    secrets: createSecretBox(keys),
  });
  const store = engine.forPortal(PORTAL);
  const boss = await openBoss(pg.url, { schedule: false, supervise: false });
  const workers: WorkerProc[] = [];
  const retired: WorkerProc[] = [];
  /** Every worker process of the case, for the finally's clean-up. */
  const spawned: WorkerProc[] = [];
  const caseMs = caseDeadlineMs(opts);
  const deadline = started + caseMs;
  // A worker lives the whole case: its deadline is the case's (plus the clean-up's minute).
  const spawnWorker = () =>
    startWorker(workerEnv, Math.max(1_000, deadline - Date.now()) + 60_000, spawned);
  let token = TOKEN;
  const install = (t: string) =>
    store.saveInstall({
      auth: 'private_app',
      hubId: PORTAL,
      scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
      apiBaseUrl: emu.url,
      accessToken: new Secret(t),
      accessTokenExpiresAt: null,
      refreshToken: null,
      installedAt: new Date(now).toISOString(),
    });
  const workerEnv = {
    ...runEnv(opts, now),
    // Not below 10 s: a lease shorter than a starved worker's pause is handed on while its
    // holder still runs (production: 120 s).
    LEADLENS_LEASE_TTL_MS: String(Math.max(opts.leaseTtlMs, 10_000)),
    DATABASE_URL: pg.url,
    LEADLENS_ENCRYPTION_KEYS: keys,
    LEADLENS_LOG_LEVEL: 'info',
    LEADLENS_JOB_SLICE_MS: '1500',
    LEADLENS_WORKER_POLL_SECONDS: '0.5',
    LEADLENS_WATCHDOG_SECONDS: '1',
    LEADLENS_JOB_RETRY_DELAY_SECONDS: '1',
    LEADLENS_JOB_RETRY_LIMIT: '50',
    // A job refused JOB_LOCKED waits pg-boss's doubling back-off, capped by the workers'
    // watchdog (src/worker/queue.ts capRetryDelays) at this: the case waits no minutes on it.
    LEADLENS_JOB_RETRY_DELAY_MAX_SECONDS: '3',
    LEADLENS_JOB_EXPIRE_SECONDS: '900',
  };
  const sql = async <T extends Record<string, unknown>>(text: string) => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      return (await c.query<T>(text, [PIPELINE_QUEUE])).rows;
    } finally {
      await c.end();
    }
  };
  /** Jobs of the queue not finished yet (waiting, retrying or running). */
  const pendingJobs = async () =>
    Number(
      (
        await sql<{ n: string }>(
          `SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
        )
      )[0].n,
    );

  try {
    await install(token);
    // Only the jobs sent here run: no scheduled run.
    await store.saveSettings(
      { ...DEFAULT_SETTINGS, schedule: { ...DEFAULT_SETTINGS.schedule, enabled: false } },
      new Date(now).toISOString(),
    );
    workers.push(...(await Promise.all([spawnWorker(), spawnWorker()])));
    let finished = false;
    const running = () => !finished;
    if (fault !== 'sigkill') await armFault(fault, emu.url, opts, permanentIds, token);
    const job = { portalId: PORTAL, task: 'run' as const, restart: false, full: false };
    await sendPipelineJob(boss, job);

    // The kill: at a random moment, the worker holding the portal's lease.
    const kill = (async () => {
      if (fault !== 'sigkill' || !(await killMoment(emu.url, opts, running))) return;
      let victim: WorkerProc | undefined;
      for (let i = 0; i < 400 && !victim && running(); i++) {
        const lease = await store.getLease();
        victim = lease ? workers.find((w) => lease.holder.includes(`:${w.pid} job `)) : undefined;
        if (!victim) await sleep(25);
      }
      if (!victim) return;
      victim.proc.kill('SIGKILL');
      await victim.proc.done;
      result.kills++;
      // The supervisor starts a new one.
      workers.splice(workers.indexOf(victim), 1);
      retired.push(victim);
      workers.push(await spawnWorker());
    })();

    // A second run asked for while the first runs: it waits on the lease.
    let secondSent = false;
    // Minutes on a quiet machine; a loaded shared one (load 30 on 2 cores) takes ten times that:
    // the case's wall deadline (`caseDeadlineMs`) ends it with a problem, not a hung hook.
    while (Date.now() < deadline) {
      const lease = await store.getLease();
      let run = await store.getJob('run');
      if (!secondSent && (lease || run?.status === 'done')) {
        await sendPipelineJob(boss, job);
        secondSent = true;
      }
      // The token-expiry answer: a renewed token in the install (the operator's or OAuth's).
      if (fault === 'token-expiry' && token === TOKEN) {
        const s = await peekStats(emu.url);
        if (countStatus(s, (_r, status) => status === '401') > 0) {
          token = `${TOKEN}-renewed`;
          await post(emu.url, '/__emulator/tokens', { token, appId: DEFAULT_APP_ID });
          await install(token);
        }
      }
      run = await store.getJob('run');
      if (secondSent && run?.status === 'done' && !lease && (await pendingJobs()) === 0) {
        finished = true;
        break;
      }
      await sleep(250);
    }
    if (!finished) {
      const lease = await store.getLease();
      result.problems.push(
        `timed out after ${Math.round(caseMs / 1000)} s: run ${(await store.getJob('run'))?.status ?? 'none'}, lease ${lease ? lease.holder : 'none'}, ${await pendingJobs()} jobs pending`,
      );
    }
    finished = true;
    await kill;
    if ((await store.getJob('run'))?.status !== 'done')
      result.problems.push('the run did not reach done');

    // Slices run and slices that failed (JOB_LOCKED apart: the second run waiting its turn);
    // a job handed on by a watchdog (its claim went stale: the worker was killed, or starved of
    // CPU past the lease's TTL; src/worker/liveness.ts) is an interruption too.
    let handedOn = 0;
    for (const w of [...workers, ...retired]) {
      for (const l of logLines(w)) {
        if (l.msg === 'job slice') result.runs++;
        if (l.msg === 'job of a dead worker handed on') handedOn++;
        if (l.msg === 'job slice failed' && l.code !== 'JOB_LOCKED') {
          result.runs++;
          result.interruptions++;
        }
      }
    }
    result.runs += result.kills;
    result.interruptions += Math.max(result.kills, handedOn);

    await judge(emu.url, token, clean, permanentIds, result);
    // Every permanent failure listed by the store (what `leadlens status` shows) …
    const listed = (await store.listWriteFailures({ limit: 100 })).rows;
    result.permanentListed = [...permanentIds].filter(([id, code]) =>
      listed.some((f) => f.id === id && f.code === code),
    ).length;
    // … and in the summary of the write-back that finished the run.
    const wb = await store.getJob('writeback');
    const failed = ((wb?.state.failed ?? []) as Array<{ id: string }>).map((f) => f.id);
    result.permanentInSummary = [...permanentIds.keys()].filter((id) => failed.includes(id)).length;
  } finally {
    // SIGTERM (a worker's graceful stop), SIGKILL 20 s later; one its deadline killed is reported.
    for (const w of spawned) w.proc.kill('SIGTERM');
    const grace = setTimeout(() => spawned.forEach((w) => w.proc.kill('SIGKILL')), 20_000);
    const ends = await Promise.all(spawned.map((w) => w.proc.done));
    clearTimeout(grace);
    ends.forEach((e, i) => e.hung && result.problems.push(spawned[i].proc.describeHang()));
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await engine.close();
    await emu.close();
    await pg.drop();
    result.wallMs = Date.now() - started;
  }
  listingProblems(result);
  return result;
}
