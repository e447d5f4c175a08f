/**
 * The worker's wiring of job liveness (`liveness.ts`, tested there window by window): a running
 * `startWorker` hands on the job of a worker that died right after pg-boss's fetch — here a
 * pg-boss instance that fetched it and never did anything more — logs the line the fault
 * matrix counts, runs the retry itself and leaves no claim behind. Real PostgreSQL
 * (127.0.0.1:5432), a database of its own.
 */
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres';
import type { Logger } from '../pipeline';
import { openStoreEngine } from '../store/open';
import type { StoreEngine } from '../store/port';
import { createSecretBox } from '../store/secrets';
import {
  CLAIMS_TABLE,
  ensureQueues,
  JOBS_SCHEMA,
  openBoss,
  PIPELINE_QUEUE,
  sendPipelineJob,
  type QueueConfig,
} from './queue';
import { startWorker, type RunningWorker } from './worker';

jest.setTimeout(30_000);

const QUEUE: QueueConfig = {
  retryLimit: 3,
  retryDelaySeconds: 1,
  retryDelayMaxSeconds: 1,
  expireSeconds: 600,
};

describe('startWorker: the job of a worker that died is handed on and run', () => {
  let db: TestDatabase;
  let engine: StoreEngine;
  let dead: PgBoss;
  let worker: RunningWorker | undefined;
  const lines: Array<{ msg: string } & Record<string, unknown>> = [];
  const log: Logger = {
    info: (msg, fields) => lines.push({ msg, ...fields }),
    warn: (msg, fields) => lines.push({ msg, ...fields }),
    error: (msg, fields) => lines.push({ msg, ...fields }),
  };

  beforeAll(async () => {
    db = await createTestDatabase('workerwatch');
    engine = await openStoreEngine({
      databaseUrl: db.url,
      sqliteFile: 'unused',
      secrets: createSecretBox(`k1:${randomBytes(32).toString('base64')}`),
    });
    dead = await openBoss(db.url, { schedule: false, supervise: false });
    await ensureQueues(dead, QUEUE, db.url);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await dead?.stop({ graceful: false, wait: true });
    await engine?.close();
    await db?.drop();
  });

  it('fails the orphaned active job once the TTL passed, then runs its retry', async () => {
    // Fetched before the live worker starts, by a "worker" that then dies: no claim, no lease.
    const id = (await sendPipelineJob(dead, {
      portalId: '9301',
      task: 'run',
      restart: false,
      full: false,
    }))!;
    const [job] = await dead.fetch(PIPELINE_QUEUE);
    expect(job.id).toBe(id);

    worker = await startWorker({
      databaseUrl: db.url,
      engine,
      log,
      concurrency: 1,
      sliceMs: 1000,
      leaseTtlMs: 1500,
      pollSeconds: 0.5,
      watchdogSeconds: 0.25,
      queue: QUEUE,
      schedule: false,
    });

    const state = async () =>
      (
        (await worker!.boss
          .getDb()
          .executeSql(`SELECT state FROM ${JOBS_SCHEMA}.job WHERE id = $1`, [id])) as {
          rows: Array<{ state: string }>;
        }
      ).rows[0]?.state;
    // TTL + a tick + the retry's delay: ~3 s on a quiet machine. Left 'active' (the bug this
    // guards against: pg-boss would keep it so for `expireSeconds`), it fails here, saying so.
    const until = Date.now() + 20_000;
    while ((await state()) !== 'completed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await state()).toBe('completed');

    const handedOn = lines.filter((l) => l.msg === 'job of a dead worker handed on');
    expect(handedOn).toEqual([
      expect.objectContaining({ jobId: id, portal: '9301', queue: PIPELINE_QUEUE, holder: null }),
    ]);
    // The retry ran here (the portal is not installed: skipped, saying why) …
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'job skipped: portal not installed', portal: '9301' }),
    );
    // … under a claim it removed when it ended.
    const claims = (await worker.boss
      .getDb()
      .executeSql(`SELECT job_id FROM ${CLAIMS_TABLE}`, [])) as { rows: unknown[] };
    expect(claims.rows).toEqual([]);
    expect(
      lines.filter((l) => l.msg === 'watchdog failed' || l.msg === 'job heartbeat failed'),
    ).toEqual([]);
  });
});
