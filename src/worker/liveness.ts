/**
 * Which running job still has a live worker. pg-boss 10 has no heartbeat (pg-boss 11's needs
 * Node 22): a job whose worker died stays 'active' until `expireSeconds` (an hour by default).
 *
 * Each worker writes a claim row for every job it runs — the first thing its handler does — and
 * refreshes the row's `seen_at` while the handler runs; the row goes when the handler ends. Any
 * worker's watchdog fails (`boss.fail`: pg-boss retries it, and the retry resumes from the
 * store's checkpoints) every job that is `active`, started more than the TTL ago, and has no
 * claim of its current attempt seen within the TTL. That covers every moment a worker can die:
 * between pg-boss's fetch and the run lease, holding the lease, after releasing it but before
 * pg-boss completed the job, or after another run took its lapsed lease over.
 *
 * This replaced the rule "fail the job of a lapsed lease still visible": a lease names one job
 * only while it is held, so the job of a worker killed after releasing it, before taking it, or
 * whose lapsed lease another run took first stayed active for the hour. The claim rule finds
 * all of those, and it loses nothing the lease rule found: a dead worker's claim goes stale
 * after the same TTL as its lease, and a live worker renews both from one event loop.
 *
 * A starved but alive worker (its event loop blocked, say, by a long model fit) misses its
 * heartbeats too: after the TTL its job is handed on like a dead worker's. Nothing is written
 * twice: its lease lapses in the same TTL, so the retry takes the lease over and the stalled
 * slice's next write is refused by the lease's fence (JOB_LOCKED: "this run lost portal …'s
 * lease"); if the stalled worker wakes before anyone took the lease, it renews it and the retry
 * is refused JOB_LOCKED until the slice ends. Either way one slice's time is wasted and no record
 * is written twice (`liveness.test.ts`). One pg-boss quirk remains: when the stalled handler
 * returns, pg-boss completes (or fails) the job by id, which may by then be the retry's attempt
 * on another worker; that slice still ends under its lease and queues its continuation. The TTL
 * is the lease's, long enough for the longest blocking step.
 *
 * All times are the database's `now()`: workers' clocks never meet.
 *
 * The claims live beside pg-boss's tables (schema `leadlens_jobs`), not in the store: they
 * describe pg-boss's jobs, the hand-on locks the job's row and fails it through pg-boss in one
 * transaction, and the store's port also serves SQLite, which has no workers.
 */
import { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from '../pipeline';
import { CLAIMS_TABLE, JOBS_SCHEMA } from './queue';

/** The job as pg-boss hands it to a handler (`includeMetadata: true`). */
export interface ClaimedJob {
  id: string;
  retryCount: number;
}

/** A job a watchdog handed on. */
export interface HandedOn {
  jobId: string;
  queue: string;
  portal: string | null;
  /** The worker of the last claim of this attempt, if any. */
  holder: string | null;
  /** ISO time of its last sign of life (its claim's, else the job's start). */
  lastSeen: string;
  reason: string;
}

export interface LivenessOptions {
  boss: PgBoss;
  /** The database pg-boss runs on (the hand-on's transactions have their own connection). */
  databaseUrl: string;
  /** Names this process in claims and reasons, e.g. "host:pid". */
  holder: string;
  /** A claim not seen for this long is dead (the run lease's TTL). */
  ttlMs: number;
  /** The queues whose jobs are claimed and watched. */
  queues: readonly string[];
  log: Logger;
}

interface StaleRow {
  id: string;
  name: string;
  portal: string | null;
  retry_count: number;
  started_on: Date;
  holder: string | null;
  attempt: number | null;
  seen_at: Date | null;
}

export class JobLiveness {
  /** The jobs this process runs now: job id → attempt (pg-boss's retryCount). */
  private readonly running = new Map<string, number>();
  private readonly pool: Pool;

  constructor(private readonly opts: LivenessOptions) {
    this.pool = new Pool({
      connectionString: opts.databaseUrl,
      application_name: 'leadlens-jobs',
      max: 1,
    });
    // An idle connection's error (server restart) must not crash the worker; the next use
    // reconnects.
    this.pool.on('error', (e) =>
      opts.log.warn('job liveness connection lost', { error: e.message }),
    );
  }

  /** How often a worker refreshes its claims: four times per TTL, as the lease is renewed. */
  get heartbeatMs(): number {
    return Math.max(50, Math.floor(this.opts.ttlMs / 4));
  }

  /**
   * Runs a job's handler under a claim. A claim that cannot be written fails the job (pg-boss
   * retries it): a job nobody can vouch for is not started.
   */
  async run<T>(job: ClaimedJob, fn: () => Promise<T>): Promise<T> {
    this.running.set(job.id, job.retryCount);
    try {
      await this.sql(
        `INSERT INTO ${CLAIMS_TABLE} (job_id, attempt, holder, claimed_at, seen_at)
         VALUES ($1, $2, $3, now(), now())
         ON CONFLICT (job_id) DO UPDATE SET attempt = EXCLUDED.attempt, holder = EXCLUDED.holder,
           claimed_at = EXCLUDED.claimed_at, seen_at = EXCLUDED.seen_at`,
        [job.id, job.retryCount, this.opts.holder],
      );
      return await fn();
    } finally {
      this.running.delete(job.id);
      // Only this attempt's row: a newer attempt (this job handed on while this process was
      // stalled) keeps its own. A row left by a failed delete is swept once stale.
      await this.sql(
        `DELETE FROM ${CLAIMS_TABLE} WHERE job_id = $1 AND attempt = $2 AND holder = $3`,
        [job.id, job.retryCount, this.opts.holder],
      ).catch((e: unknown) =>
        this.opts.log.warn('job claim not removed (swept once stale)', {
          jobId: job.id,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
    }
  }

  /** Refreshes this process's claims; returns how many rows it refreshed. */
  async heartbeat(): Promise<number> {
    if (this.running.size === 0) return 0;
    const ids = [...this.running.keys()];
    const attempts = ids.map((id) => this.running.get(id)!);
    const res = await this.sql(
      `UPDATE ${CLAIMS_TABLE} c SET seen_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS r(id, attempt)
        WHERE c.job_id = r.id AND c.attempt = r.attempt AND c.holder = $3`,
      [ids, attempts, this.opts.holder],
    );
    return res.rowCount;
  }

  /**
   * Fails every watched job that is active, started more than the TTL ago and has no claim of
   * its attempt seen within the TTL; removes stale claims of jobs no longer running. Safe with
   * any number of workers sweeping at once: each job's row is locked (SKIP LOCKED) and failed
   * in the same transaction, so a job is handed on once, and only while it is still active.
   */
  async sweep(): Promise<HandedOn[]> {
    const { ttlMs, queues, boss } = this.opts;
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const stale = await client.query<StaleRow>(
        `SELECT j.id, j.name, j.data->>'portalId' AS portal, j.retry_count, j.started_on,
                c.holder, c.attempt, c.seen_at
           FROM ${JOBS_SCHEMA}.job j
           LEFT JOIN ${CLAIMS_TABLE} c ON c.job_id = j.id
          WHERE j.name = ANY($1::text[]) AND j.state = 'active'
            AND j.started_on < now() - $2 * interval '1 millisecond'
            AND (c.job_id IS NULL OR c.attempt <> j.retry_count
                 OR c.seen_at < now() - $2 * interval '1 millisecond')
            -- This process's own jobs are alive: it is running this code.
            AND NOT (j.id = ANY($3::uuid[]))
          FOR UPDATE OF j SKIP LOCKED`,
        [queues, ttlMs, [...this.running.keys()]],
      );
      const out: HandedOn[] = [];
      const db = { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
      for (const r of stale.rows) {
        const own = r.attempt === r.retry_count && r.seen_at !== null;
        const lastSeen = (own ? r.seen_at! : r.started_on).toISOString();
        const reason = own
          ? `its worker (${r.holder}) stopped: last seen at ${lastSeen}, more than ${ttlMs} ms ago`
          : `no worker has claimed it since it started at ${lastSeen} (its worker stopped before its first sign of life)`;
        await boss.fail(r.name, r.id, { reason }, { db });
        out.push({
          jobId: r.id,
          queue: r.name,
          portal: r.portal,
          holder: own ? r.holder : null,
          lastSeen,
          reason,
        });
      }
      // Claims whose job ended without its worker removing them (the worker died, or it was
      // handed on above): nothing reads them again.
      await client.query(
        `DELETE FROM ${CLAIMS_TABLE} c
          WHERE c.seen_at < now() - $1 * interval '1 millisecond'
            AND NOT EXISTS (SELECT 1 FROM ${JOBS_SCHEMA}.job j
                             WHERE j.id = c.job_id AND j.state = 'active'
                               AND j.retry_count = c.attempt)`,
        [ttlMs],
      );
      await client.query('COMMIT');
      return out;
    } catch (e) {
      broken = e;
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      // A connection whose transaction failed is discarded, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async sql(text: string, values: unknown[]): Promise<{ rowCount: number }> {
    const res = (await this.opts.boss.getDb().executeSql(text, values)) as {
      rowCount?: number | null;
    };
    return { rowCount: res.rowCount ?? 0 };
  }
}
