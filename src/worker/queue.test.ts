/**
 * pg-boss 10's retry back-off has no ceiling (retry_delay × 2^n): capRetryDelays brings every
 * retrying pipeline job forward to at most `maxSeconds` from now, and leaves alone what is not
 * a retry (a job sent to start later on purpose) and what already starts sooner. Real
 * PostgreSQL (127.0.0.1:5432), a database of its own.
 */
import type PgBoss from 'pg-boss';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres';
import {
  capRetryDelays,
  ensureQueues,
  JOBS_SCHEMA,
  openBoss,
  PIPELINE_QUEUE,
  sendPipelineJob,
} from './queue';

describe('capRetryDelays', () => {
  let db: TestDatabase;
  let boss: PgBoss;

  beforeAll(async () => {
    db = await createTestDatabase('retrycap');
    boss = await openBoss(db.url, { schedule: false, supervise: false });
    await ensureQueues(
      boss,
      { retryLimit: 20, retryDelaySeconds: 30, retryDelayMaxSeconds: 300, expireSeconds: 60 },
      db.url,
    );
  }, 60_000);
  afterAll(async () => {
    await boss?.stop({ graceful: false, wait: true });
    await db?.drop();
  });

  /** Seconds from now until the job may start. */
  const waitOf = async (id: string) => {
    const res = (await boss
      .getDb()
      .executeSql(
        `SELECT state, extract(epoch FROM start_after - now())::float AS wait FROM ${JOBS_SCHEMA}.job WHERE id = $1`,
        [id],
      )) as { rows: Array<{ state: string; wait: number }> };
    return res.rows[0];
  };

  it('caps a doubled-up retry at the maximum, leaves short waits and scheduled jobs alone', async () => {
    const job = (portalId: string) =>
      ({ portalId, task: 'run', restart: false, full: false }) as const;
    // Its 9th attempt failed: pg-boss puts the next 30 × 2^9 / 2 … 30 × 2^9 s (2–4 h) away.
    // (pg-boss counts attempts as workers fetch them; the count is set, the failure is real.)
    const long = (await sendPipelineJob(boss, job('9001')))!;
    await boss
      .getDb()
      .executeSql(`UPDATE ${JOBS_SCHEMA}.job SET retry_count = 8 WHERE id = $1`, [long]);
    await boss.fail(PIPELINE_QUEUE, long, { message: 'JOB_LOCKED' });
    // Failed once: 30–60 s away, under the cap.
    const short = (await sendPipelineJob(boss, job('9002')))!;
    await boss.fail(PIPELINE_QUEUE, short, { message: 'JOB_LOCKED' });
    // Not a retry: a paused run resuming tomorrow.
    const later = (await sendPipelineJob(boss, job('9003'), {
      startAfter: new Date(Date.now() + 86_400_000),
    }))!;
    const before = await waitOf(long);
    expect(before.state).toBe('retry');
    expect(before.wait).toBeGreaterThan(3_000);
    const shortBefore = (await waitOf(short)).wait;
    expect(shortBefore).toBeLessThan(61);

    expect(await capRetryDelays(boss, 300)).toBe(1);
    const after = await waitOf(long);
    expect(after.state).toBe('retry');
    expect(after.wait).toBeGreaterThan(290);
    expect(after.wait).toBeLessThanOrEqual(300);
    expect((await waitOf(short)).wait).toBeCloseTo(shortBefore, 0);
    expect((await waitOf(later)).wait).toBeGreaterThan(86_000);
    // Idempotent: a second pass moves nothing.
    expect(await capRetryDelays(boss, 300)).toBe(0);
  });
});
