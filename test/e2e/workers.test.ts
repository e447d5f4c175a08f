/**
 * The marketplace deployment's job engine: three portals (one HubSpot emulator each, each with
 * its own token), two `leadlens worker` processes on one PostgreSQL database. One worker is
 * SIGKILLed in the middle of a portal's write-back: the other worker's watchdog sees its job's
 * claim go stale (src/worker/liveness.ts), pg-boss hands it the job, and it resumes from the
 * checkpoint. Every portal ends fully scored, every record written exactly once, no job stays
 * active or waiting, and no portal's token or data reaches another.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type PgBoss from 'pg-boss';
import { openStoreEngine } from '../../src/store/open';
import type { StoreEngine } from '../../src/store/port';
import { createSecretBox, Secret } from '../../src/store/secrets';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { JOBS_SCHEMA, openBoss, PIPELINE_QUEUE, sendPipelineJob } from '../../src/worker/queue';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { killLeftovers, leadlens } from '../support/child';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { allContacts, emulatorJson, writesOf, type Emulator } from './helpers';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const LEASE_TTL_MS = 4000;

interface Portal {
  id: string;
  token: string;
  emu: Emulator;
}

interface Worker {
  child: ChildProcess;
  readonly log: string;
  exited: Promise<number | null>;
}

type Stats = { total: number; byRoute: Record<string, Record<string, number>> };

/** A worker with a deadline (SIGKILLed after 10 min: a hung worker cannot hold jest). */
function startWorker(databaseUrl: string, now: string, all: Worker[]): Promise<Worker> {
  const proc = leadlens(
    ['worker', '--concurrency', '2', '--no-schedule'],
    {
      DATABASE_URL: databaseUrl,
      LEADLENS_ENCRYPTION_KEYS: KEYS,
      LEADLENS_NOW: now,
      LEADLENS_LOG_LEVEL: 'info',
      LEADLENS_JOB_SLICE_MS: '1500',
      LEADLENS_LEASE_TTL_MS: String(LEASE_TTL_MS),
      LEADLENS_WORKER_POLL_SECONDS: '0.5',
      LEADLENS_WATCHDOG_SECONDS: '1',
      LEADLENS_JOB_RETRY_DELAY_SECONDS: '1',
      LEADLENS_JOB_RETRY_LIMIT: '50',
      LEADLENS_JOB_EXPIRE_SECONDS: '300',
    },
    { deadlineMs: 10 * 60_000 },
  );
  const w: Worker = {
    child: proc.child,
    get log() {
      return proc.stderr;
    },
    exited: proc.done.then((r) => r.code),
  };
  all.push(w);
  return new Promise((resolve, reject) => {
    proc.child.stdout!.on('data', () => {
      if (proc.stdout.includes('ready')) resolve(w);
    });
    void proc.done.then((r) => reject(new Error(`worker exited ${r.code}: ${r.stderr}`)));
  });
}

const logLines = (w: Worker) =>
  w.log
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function until(cond: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('two workers, three portals, one PostgreSQL database', () => {
  let pg: TestDatabase;
  let engine: StoreEngine;
  let boss: PgBoss;
  const portals: Portal[] = [];
  const workers: Worker[] = [];
  const now = new Date(Date.now() + 3_600_000).toISOString();

  beforeAll(async () => {
    pg = await createTestDatabase('workers');
    engine = await openStoreEngine({
      databaseUrl: pg.url,
      sqliteFile: 'unused',
      secrets: createSecretBox(KEYS),
    });
    for (const [i, contacts] of [700, 400, 400].entries()) {
      const token = `pat-portal-${i + 1}-${randomBytes(6).toString('hex')}`;
      const emu = await startHubSpotEmulator({
        port: 0,
        token,
        seed: `workers-${i + 1}`,
        contacts,
        rateLimit: { tenSecondly: null, secondly: null, daily: null },
      });
      const id = `90${i + 1}`;
      portals.push({ id, token, emu });
      const store = engine.forPortal(id);
      await store.saveInstall({
        auth: 'private_app',
        hubId: id,
        scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
        apiBaseUrl: emu.url,
        accessToken: new Secret(token),
        accessTokenExpiresAt: null,
        refreshToken: null,
        installedAt: new Date().toISOString(),
      });
      // Only the jobs this test sends run: no scheduled run may write a second time.
      await store.saveSettings(
        { ...DEFAULT_SETTINGS, schedule: { ...DEFAULT_SETTINGS.schedule, enabled: false } },
        new Date().toISOString(),
      );
    }
    boss = await openBoss(pg.url, { schedule: false, supervise: false });
  });

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    // A graceful stop gets 20 s, then SIGKILL.
    const grace = setTimeout(() => void killLeftovers(), 20_000);
    await Promise.all(workers.map((w) => w.exited));
    clearTimeout(grace);
    await boss?.stop({ graceful: false, wait: true });
    await engine?.close();
    await Promise.all(portals.map((p) => p.emu.close()));
    await pg?.drop();
  });

  it('scores every portal; a worker killed mid-write-back hands its job to the other', async () => {
    await Promise.all([startWorker(pg.url, now, workers), startWorker(pg.url, now, workers)]);
    // Portal 1's calls are slowed so its write-back is still going when we strike.
    const [p1] = portals;
    await emulatorJson(p1.emu.url, '/__emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 80 }),
    });
    for (const p of portals) {
      expect(
        await sendPipelineJob(boss, { portalId: p.id, task: 'run', restart: false, full: false }),
      ).not.toBeNull();
    }

    // Wait until portal 1 is writing back, then kill whichever worker holds it.
    const batchUpdates = async () => {
      const stats = await emulatorJson<Stats>(p1.emu.url, '/__emulator/stats');
      return Object.entries(stats.byRoute)
        .filter(([route]) => route.startsWith('POST') && route.endsWith('/batch/update'))
        .reduce((n, [, s]) => n + Object.values(s).reduce((a, b) => a + b, 0), 0);
    };
    await until(async () => (await batchUpdates()) >= 2, 'portal 1 write-back', 240_000);
    const lease = await engine.forPortal(p1.id).getLease();
    expect(lease?.purpose).toBe('run');
    const victim = workers.find((w) => lease!.holder.includes(`:${w.child.pid} job `))!;
    const survivor = workers.find((w) => w !== victim)!;
    expect(victim).toBeDefined();
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedJob = /job (\S+)$/.exec(lease!.holder)![1];
    await emulatorJson(p1.emu.url, '/__emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 0 }),
    });

    // Every portal's run finishes (on the survivor, for whatever the victim held).
    await until(
      async () => {
        for (const p of portals) {
          const s = engine.forPortal(p.id);
          if ((await s.getJob('run'))?.status !== 'done' || (await s.getLease())) return false;
        }
        return true;
      },
      'every portal done',
      240_000,
    );

    // No job of the killed worker stays 'active' (pg-boss's expiry is 300 s here, an hour in
    // production): the survivor's watchdog handed it on once its claim went stale.
    const pending = async () => {
      const c = new Client({ connectionString: pg.url });
      await c.connect();
      try {
        const { rows } = await c.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
          [PIPELINE_QUEUE],
        );
        return Number(rows[0].n);
      } finally {
        await c.end();
      }
    };
    await until(async () => (await pending()) === 0, 'no job left active or waiting', 60_000);

    // The dead worker's job went on. Usually the survivor's watchdog hands it on (its claim went
    // stale) and the survivor runs the retry. Under load a worker can also be starved past the
    // 4 s TTL while alive (its claim and lease both late): its job is handed on by the other
    // worker's watchdog, the retry is refused JOB_LOCKED until the stalled slice ends, and
    // pg-boss ends whichever attempt is active when a handler returns. Seen on 2026-12-03 (load
    // 8–10): the victim starved before it was killed; and one run where the survivor ran the
    // killed job but logged no hand-on of it (read as the survivor starved, the hand-on in the
    // victim's log). Either way a hand-on of that job in either log, or the survivor's slice
    // of it, shows; the job's trail in both logs explains a failure.
    const lines = logLines(survivor);
    const both = [...logLines(victim), ...lines];
    const handedOn = both.some(
      (l) => l.msg === 'job of a dead worker handed on' && l.jobId === killedJob,
    );
    const ranKilledJob = lines.some((l) => l.msg === 'job slice' && l.jobId === killedJob);
    const trail = [victim, survivor].flatMap((w) =>
      logLines(w)
        .filter((l) => l.jobId === killedJob)
        .map(
          (l) =>
            `${w === victim ? 'victim' : 'survivor'}: ${String(l.time ?? '')} ${String(l.msg)} ${String(l.code ?? l.status ?? '')} ${String(l.message ?? l.lastSeen ?? '')}`,
        ),
    );
    expect({ handedOn, ranKilledJob, trail }).not.toMatchObject({
      handedOn: false,
      ranKilledJob: false,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'job slice', portal: p1.id, status: 'done' }),
    );

    for (const p of portals) {
      const store = engine.forPortal(p.id);
      // Fully scored: every open contact carries a score, exactly the store's.
      const contacts = await allContacts(p.emu.url, ['email', 'leadlens_score'], p.token);
      const scored = contacts.filter((c) => c.properties.leadlens_score !== null);
      expect(scored.length).toBe(await store.countScores('contact'));
      expect(scored.length).toBeGreaterThan(100);
      // Nothing lost, nothing twice: each record written once, with its stored score.
      const writes = await writesOf(p.emu.url);
      expect(Object.entries(writes).filter(([, sets]) => sets.length !== 1)).toEqual([]);
      expect(Object.keys(writes).sort()).toEqual(scored.map((c) => c.id).sort());
      for (const c of scored.slice(0, 50)) {
        expect(c.properties.leadlens_score).toBe(
          String((await store.getScore('contact', c.id))!.score),
        );
      }
      // Its own data only: the mirror holds exactly this portal's contacts.
      const mirrored = new Set<string>();
      for (let after: string | null = null; ;) {
        const page = await store.listRecords('contact', { afterId: after, limit: 1000 });
        if (page.length === 0) break;
        for (const r of page) mirrored.add(String(r.properties.email));
        after = page[page.length - 1].id;
      }
      expect([...mirrored].sort()).toEqual(contacts.map((c) => String(c.properties.email)).sort());
      // Its own token only: no request to this portal's emulator was refused for its token.
      const stats = await emulatorJson<Stats>(p.emu.url, '/__emulator/stats');
      for (const byStatus of Object.values(stats.byRoute)) expect(byStatus['401']).toBeUndefined();
    }

    // Tokens are never logged and never stored in the clear.
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      const raw = JSON.stringify((await c.query('SELECT * FROM leadlens.installs')).rows);
      for (const p of portals) {
        expect(raw).not.toContain(p.token);
        for (const w of workers) expect(w.log).not.toContain(p.token);
      }
    } finally {
      await c.end();
    }
  }, 600_000); // bounded by its own waits (240 s each); jest's 60 s default cuts it short
});
