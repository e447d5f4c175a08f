/**
 * A killed worker's pg-boss job is handed on whatever moment it died at (`liveness.ts`), and a
 * live worker's is not. Dead workers are simulated deterministically: a pg-boss instance fetches
 * the job (and maybe claims it and takes the portal's run lease) and then does nothing more —
 * no heartbeat, no lease renewal, no completion — exactly what a SIGKILLed process leaves.
 * Another worker's watchdog (`sweep`) must fail it once the TTL has passed since its last sign
 * of life, and only then. Real PostgreSQL (127.0.0.1:5432), a database of its own.
 */
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres';
import { DEFAULT_SETTINGS } from '../contracts/settings';
import type { Logger } from '../pipeline';
import { openStoreEngine } from '../store/open';
import type { StoreEngine } from '../store/port';
import { createSecretBox } from '../store/secrets';
import { JobLiveness } from './liveness';
import {
  CLAIMS_TABLE,
  ensureQueues,
  holderForJob,
  JOBS_SCHEMA,
  openBoss,
  PIPELINE_QUEUE,
  sendPipelineJob,
} from './queue';

jest.setTimeout(30_000);

const TTL_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('job liveness: a dead worker’s job is handed on, a live one’s is not', () => {
  let db: TestDatabase;
  let engine: StoreEngine;
  /** The dead worker's pg-boss (it fetched jobs and then "died"). */
  let dead: PgBoss;
  /** The surviving worker's pg-boss. */
  let boss: PgBoss;
  const livenesses: JobLiveness[] = [];
  let portalSeq = 0;

  const liveness = (holder: string, ttlMs = TTL_MS, on: PgBoss = boss) => {
    const l = new JobLiveness({
      boss: on,
      databaseUrl: db.url,
      holder,
      ttlMs,
      queues: [PIPELINE_QUEUE],
      log: quiet,
    });
    livenesses.push(l);
    return l;
  };

  const sql = async <T>(text: string, values: unknown[] = []) =>
    ((await boss.getDb().executeSql(text, values)) as { rows: T[] }).rows;
  const stateOf = async (id: string) =>
    (
      await sql<{ state: string; retry_count: number; output: { reason?: string } | null }>(
        `SELECT state, retry_count, output FROM ${JOBS_SCHEMA}.job WHERE id = $1`,
        [id],
      )
    )[0];
  const claimsOf = (id: string) =>
    sql<{ attempt: number; holder: string }>(
      `SELECT attempt, holder FROM ${CLAIMS_TABLE} WHERE job_id = $1`,
      [id],
    );

  /** A portal's `run` job, fetched by `on` (now 'active'); each test its own portal. */
  const fetchedJob = async (on: PgBoss = dead) => {
    const portalId = String(9100 + ++portalSeq);
    const id = (await sendPipelineJob(boss, {
      portalId,
      task: 'run',
      restart: false,
      full: false,
    }))!;
    const [job] = await on.fetch(PIPELINE_QUEUE, { includeMetadata: true });
    expect(job.id).toBe(id);
    return { job, portalId, store: engine.forPortal(portalId) };
  };

  /** The handed-on job once its retry is due (pg-boss's back-off: 1–2 s at least). */
  const fetchRetry = async (on: PgBoss) => {
    for (let i = 0; i < 40; i++) {
      const [job] = await on.fetch(PIPELINE_QUEUE, { includeMetadata: true });
      if (job) return job;
      await sleep(100);
    }
    throw new Error('the handed-on job was not retried within 4 s');
  };

  /** A claim written by the "dead" worker, whose handler then never returns. */
  const claimAndDie = (l: JobLiveness, job: PgBoss.JobWithMetadata<unknown>) => {
    let claimed!: () => void;
    const written = new Promise<void>((r) => (claimed = r));
    void l.run(job, () => {
      claimed();
      return new Promise<never>(() => undefined);
    });
    return written;
  };

  /** What the survivors' watchdogs see before and after the TTL. */
  const expectHandedOnAfterTtl = async (jobId: string) => {
    // A watchdog whose TTL has not passed yet leaves the job alone …
    expect(await liveness('worker patient:3', 60_000).sweep()).toEqual([]);
    expect((await stateOf(jobId)).state).toBe('active');
    // … and the first pass after the TTL hands it on (pg-boss retries it).
    await sleep(TTL_MS + 300);
    const handed = await liveness('worker survivor:2').sweep();
    expect(handed.map((h) => h.jobId)).toEqual([jobId]);
    const after = await stateOf(jobId);
    expect(after.state).toBe('retry');
    expect(after.output?.reason).toBe(handed[0].reason);
    // Its stale claim went with it.
    expect(await claimsOf(jobId)).toEqual([]);
    return handed[0];
  };

  beforeAll(async () => {
    db = await createTestDatabase('liveness');
    engine = await openStoreEngine({
      databaseUrl: db.url,
      sqliteFile: 'unused',
      secrets: createSecretBox(`k1:${randomBytes(32).toString('base64')}`),
    });
    boss = await openBoss(db.url, { schedule: false, supervise: false });
    dead = await openBoss(db.url, { schedule: false, supervise: false });
    // No retry delay: a handed-on job can be fetched again at once.
    await ensureQueues(
      boss,
      { retryLimit: 5, retryDelaySeconds: 0, retryDelayMaxSeconds: 1, expireSeconds: 600 },
      db.url,
    );
  }, 60_000);

  afterEach(async () => {
    // Nothing of one case is fetched by the next.
    const rows = await sql<{ id: string }>(
      `SELECT id FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state < 'completed'`,
      [PIPELINE_QUEUE],
    );
    if (rows.length > 0)
      await boss.cancel(
        PIPELINE_QUEUE,
        rows.map((r) => r.id),
      );
  });

  afterAll(async () => {
    await Promise.all(livenesses.map((l) => l.close()));
    await dead?.stop({ graceful: false, wait: true });
    await boss?.stop({ graceful: false, wait: true });
    await engine?.close();
    await db?.drop();
  });

  it('died between fetching the job and its first sign of life: handed on, "no worker has claimed it"', async () => {
    const { job, portalId } = await fetchedJob();
    const h = await expectHandedOnAfterTtl(job.id);
    expect(h.holder).toBeNull();
    expect(h.reason).toMatch(/no worker has claimed it since it started at/);
    expect(h.portal).toBe(portalId);
  });

  it('died after claiming, before taking the lease: handed on, naming the worker and its last sign of life', async () => {
    const { job, store } = await fetchedJob();
    await claimAndDie(liveness('worker deadhost:1', TTL_MS, dead), job);
    expect(await claimsOf(job.id)).toEqual([{ attempt: 0, holder: 'worker deadhost:1' }]);
    const h = await expectHandedOnAfterTtl(job.id);
    expect(h.holder).toBe('worker deadhost:1');
    expect(h.reason).toMatch(/its worker \(worker deadhost:1\) stopped: last seen at \S+Z/);
    expect(await store.getLease()).toBeNull();
  });

  it('died after releasing the lease, before pg-boss completed the job: handed on', async () => {
    const { job, store } = await fetchedJob();
    await claimAndDie(liveness('worker deadhost:1', TTL_MS, dead), job);
    const lease = await store.acquireLease({
      holder: holderForJob('deadhost', 1, job.id),
      purpose: 'run',
      ttlMs: TTL_MS,
    });
    await store.releaseLease(lease.token);
    expect((await engine.listLeases()).map((l) => l.portalId)).not.toContain(store.portalId);
    await expectHandedOnAfterTtl(job.id);
  });

  it('died holding the lease, which another run took over before any watchdog saw it lapse: handed on', async () => {
    const { job, store } = await fetchedJob();
    await claimAndDie(liveness('worker deadhost:1', TTL_MS, dead), job);
    await store.acquireLease({
      holder: holderForJob('deadhost', 1, job.id),
      purpose: 'run',
      ttlMs: TTL_MS,
    });
    await sleep(TTL_MS + 300);
    // The second `run` job's retry takes the lapsed lease: the lease now names a live job.
    const other = '00000000-0000-4000-8000-000000000001';
    await store.acquireLease({
      holder: holderForJob('livehost', 2, other),
      purpose: 'run',
      ttlMs: 60_000,
    });
    const leases = await engine.listLeases();
    expect(leases.find((l) => l.portalId === store.portalId)).toMatchObject({
      live: true,
      holder: holderForJob('livehost', 2, other),
    });
    const handed = await liveness('worker survivor:2').sweep();
    expect(handed.map((h) => h.jobId)).toEqual([job.id]);
    expect((await stateOf(job.id)).state).toBe('retry');
  });

  it('a live worker’s long job is not handed on: its heartbeats keep the claim fresh past the TTL', async () => {
    const ttlMs = 3000;
    const live = liveness('worker livehost:4', ttlMs, dead);
    const watcher = liveness('worker survivor:2', ttlMs);
    const { job } = await fetchedJob();
    const beat = setInterval(() => void live.heartbeat(), live.heartbeatMs);
    const handed: string[] = [];
    let sweeps = 0;
    try {
      // The slice runs 2.5 TTLs while the other worker's watchdog sweeps every 250 ms.
      const result = await live.run(job, async () => {
        const end = Date.now() + 2.5 * ttlMs;
        while (Date.now() < end) {
          handed.push(...(await watcher.sweep()).map((h) => h.jobId));
          sweeps++;
          await sleep(250);
        }
        return 'slice done';
      });
      expect(result).toBe('slice done');
      expect((await stateOf(job.id)).state).toBe('active');
      // What pg-boss does when the handler returns.
      await dead.complete(PIPELINE_QUEUE, job.id);
    } finally {
      clearInterval(beat);
    }
    expect(sweeps).toBeGreaterThan(10);
    expect(handed).toEqual([]);
    expect((await stateOf(job.id)).state).toBe('completed');
    // The handler ended: its claim is gone (pg-boss would now complete the job).
    expect(await claimsOf(job.id)).toEqual([]);
    // The worker never hands on its own running job, even with its own claim stale.
    const { job: own } = await fetchedJob();
    let release!: () => void;
    const running = live.run(own, () => new Promise<void>((r) => (release = r)));
    await sleep(ttlMs + 300);
    expect(await live.sweep()).toEqual([]);
    release();
    await running;
  });

  it('several watchdogs at once hand a job on once, and only while it is active', async () => {
    const { job } = await fetchedJob();
    await claimAndDie(liveness('worker deadhost:1', TTL_MS, dead), job);
    await sleep(TTL_MS + 300);
    const watchdogs = [1, 2, 3].map((i) => liveness(`worker survivor:${i}`));
    const handed = (await Promise.all(watchdogs.map((w) => w.sweep()))).flat();
    expect(handed.map((h) => h.jobId)).toEqual([job.id]);
    const after = await stateOf(job.id);
    expect(after).toMatchObject({ state: 'retry', retry_count: 0 });
    // A later pass finds nothing: the job is waiting for its retry, not active.
    expect(await watchdogs[0].sweep()).toEqual([]);
    // Fetched again, it is a fresh attempt: its start is the fetch's, so the TTL counts anew.
    const startOf = async () =>
      (
        await sql<{ started_on: Date }>(`SELECT started_on FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [
          job.id,
        ])
      )[0].started_on.getTime();
    const firstStart = await startOf();
    const again = await fetchRetry(boss);
    expect(again).toMatchObject({ id: job.id, retryCount: 1 });
    expect(await startOf()).toBeGreaterThan(firstStart + TTL_MS);
  });

  it('a starved worker (no heartbeat, no lease renewal past the TTL) is handed on, and nothing it writes afterwards lands', async () => {
    const { job, store } = await fetchedJob();
    const starved = liveness('worker slowhost:5', TTL_MS, dead);
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    let leaseToken = 0;
    let writeAfterWaking: unknown = null;
    let claimed!: () => void;
    const written = new Promise<void>((r) => (claimed = r));
    const stalled = starved.run(job, async () => {
      leaseToken = (
        await store.acquireLease({
          holder: holderForJob('slowhost', 5, job.id),
          purpose: 'run',
          ttlMs: TTL_MS,
        })
      ).token;
      claimed();
      // The event loop "blocked" (a long model fit): no heartbeat, no renewal.
      await woken;
      writeAfterWaking = await store
        .withFence(leaseToken)
        .saveSettings(DEFAULT_SETTINGS, new Date().toISOString())
        .then(
          () => 'written',
          (e: unknown) => e,
        );
    });
    await written;
    await expectHandedOnAfterTtl(job.id);

    // The retry runs on the survivor: a new attempt with its own claim, and the lapsed lease.
    const survivor = liveness('worker survivor:2');
    const retry = await fetchRetry(boss);
    expect(retry).toMatchObject({ id: job.id, retryCount: 1 });
    let finish!: () => void;
    let leased!: () => void;
    const tookLease = new Promise<void>((r) => (leased = r));
    const retried = survivor.run(retry, async () => {
      const lease = await store.acquireLease({
        holder: holderForJob('survivor', 2, retry.id),
        purpose: 'run',
        ttlMs: 60_000,
      });
      const finished = new Promise<void>((r) => (finish = r));
      leased();
      await finished;
      await store.releaseLease(lease.token);
    });
    await tookLease;
    expect(await claimsOf(job.id)).toEqual([{ attempt: 1, holder: 'worker survivor:2' }]);

    // The starved worker wakes: its write is fenced out, its heartbeat and its clean-up touch
    // nothing of the new attempt.
    expect(await starved.heartbeat()).toBe(0);
    wake();
    await stalled;
    expect(writeAfterWaking).toMatchObject({ code: 'JOB_LOCKED' });
    expect(String((writeAfterWaking as Error).message)).toMatch(/lost portal \S+'s lease/);
    expect(await claimsOf(job.id)).toEqual([{ attempt: 1, holder: 'worker survivor:2' }]);
    expect(await survivor.heartbeat()).toBe(1);
    finish();
    await retried;
  });

  it('a starved worker that wakes before anyone took its lease keeps it: the retry is refused JOB_LOCKED', async () => {
    const { job, store } = await fetchedJob();
    await claimAndDie(liveness('worker slowhost:5', TTL_MS, dead), job);
    const lease = await store.acquireLease({
      holder: holderForJob('slowhost', 5, job.id),
      purpose: 'run',
      ttlMs: TTL_MS,
    });
    await expectHandedOnAfterTtl(job.id);
    // It wakes and renews (its token still holds the lease) before the retry is fetched.
    expect(await store.renewLease(lease.token, 60_000)).not.toBeNull();
    await expect(
      store.acquireLease({
        holder: holderForJob('survivor', 2, job.id),
        purpose: 'run',
        ttlMs: 60_000,
      }),
    ).rejects.toMatchObject({ code: 'JOB_LOCKED' });
    await store.releaseLease(lease.token);
  });

  it('removes stale claims of jobs that ended without their worker removing them', async () => {
    const { job } = await fetchedJob();
    await claimAndDie(liveness('worker deadhost:1', TTL_MS, dead), job);
    // The job ended some other way (here: completed; pg-boss's expiry or a cancel alike).
    await boss.complete(PIPELINE_QUEUE, job.id);
    // Within the TTL: kept (its worker may still be finishing).
    expect(await liveness('worker patient:3', 60_000).sweep()).toEqual([]);
    expect(await claimsOf(job.id)).toHaveLength(1);
    await sleep(TTL_MS + 300);
    expect(await liveness('worker survivor:2').sweep()).toEqual([]);
    expect(await claimsOf(job.id)).toEqual([]);
  });
});
