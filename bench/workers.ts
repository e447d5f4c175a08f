/**
 * Workers bench (not part of npm test): N emulated portals (one HubSpot emulator each, its own
 * token, HubSpot's Pro/Enterprise rate limits on), one PostgreSQL database, and 1, 2, 4
 * `leadlens worker` processes (one job at a time each). Every portal gets one `run` job
 * (provision → sync → train → score → write-back); the clock runs from sending the jobs until
 * every portal's run is done. Reported: contacts scored and written per second overall and per
 * portal, the HubSpot requests they took, and what HubSpot's per-portal ceiling (190 requests
 * per 10 s) would allow, to see which limit binds: the workers' CPU or HubSpot.
 *
 *   npm run bench:workers -- [portals=10] [contacts=600] [workers=1,2,4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { startHubSpotEmulator } from '../emulator/hubspot';
import { DEFAULT_SETTINGS } from '../src/contracts/settings';
import { openStoreEngine } from '../src/store/open';
import { createSecretBox, Secret } from '../src/store/secrets';
import { openBoss, sendPipelineJob } from '../src/worker/queue';
import { createTestDatabase } from '../test/support/postgres';

const ROOT = path.resolve(__dirname, '..');
const KEYS = `k1:${randomBytes(32).toString('base64')}`;
/** HubSpot's burst limit for Pro/Enterprise private apps: requests per 10 s per portal. */
const CEILING_PER_10S = 190;

type Stats = { total: number; byRoute: Record<string, Record<string, number>> };

function startWorker(databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/leadlens.js'), 'worker', '--concurrency', '1', '--no-schedule'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        LEADLENS_ENCRYPTION_KEYS: KEYS,
        LEADLENS_LOG_LEVEL: 'warn',
        LEADLENS_WORKER_POLL_SECONDS: '0.5',
        LEADLENS_JOB_RETRY_DELAY_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker exited ${code}`)));
  });
}

async function round(portals: number, contacts: number, workers: number) {
  const pg = await createTestDatabase('benchworkers');
  const engine = await openStoreEngine({
    databaseUrl: pg.url,
    sqliteFile: 'unused',
    secrets: createSecretBox(KEYS),
  });
  const emus: Array<Awaited<ReturnType<typeof startHubSpotEmulator>>> = [];
  const children: ChildProcess[] = [];
  try {
    const ids: string[] = [];
    for (let i = 0; i < portals; i++) {
      const token = `pat-bench-${i}-${randomBytes(6).toString('hex')}`;
      // HubSpot's limits on (the emulator's Pro defaults): the per-portal ceiling is real.
      const emu = await startHubSpotEmulator({ port: 0, token, seed: `bench-${i}`, contacts });
      emus.push(emu);
      const id = String(7000 + i);
      ids.push(id);
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
      await store.saveSettings(
        { ...DEFAULT_SETTINGS, schedule: { ...DEFAULT_SETTINGS.schedule, enabled: false } },
        new Date().toISOString(),
      );
    }
    for (let w = 0; w < workers; w++) children.push(await startWorker(pg.url));
    const boss = await openBoss(pg.url, { schedule: false, supervise: false });
    const t0 = Date.now();
    for (const id of ids) {
      await sendPipelineJob(boss, { portalId: id, task: 'run', restart: false, full: false });
    }
    const doneAt = new Map<string, number>();
    while (doneAt.size < ids.length) {
      for (const id of ids) {
        if (doneAt.has(id)) continue;
        const job = await engine.forPortal(id).getJob('run');
        if (job?.status === 'done') doneAt.set(id, Date.now() - t0);
        if (job?.status === 'failed') throw new Error(`portal ${id}: ${job.message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallS = (Date.now() - t0) / 1000;
    await boss.stop({ graceful: false, wait: true });

    let written = 0;
    let scored = 0;
    let requests = 0;
    for (const [i, id] of ids.entries()) {
      scored += await engine.forPortal(id).countScores('contact');
      const writes = (await (
        await fetch(`${emus[i].url}/__emulator/writes?objectType=contacts`)
      ).json()) as { writes: Record<string, unknown[]> };
      written += Object.keys(writes.writes).length;
      const stats = (await (await fetch(`${emus[i].url}/__emulator/stats`)).json()) as Stats;
      requests += stats.total;
    }
    const perPortalS = [...doneAt.values()].map((v) => v / 1000);
    return {
      workers,
      wallS,
      scored,
      written,
      requests,
      perSecond: written / wallS,
      portalRunS: perPortalS.reduce((a, b) => a + b, 0) / perPortalS.length,
      // The least time HubSpot's ceiling allows one portal's run: its requests at 19/s.
      ceilingRunS: requests / portals / (CEILING_PER_10S / 10),
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))),
    );
    await engine.close();
    await Promise.all(emus.map((e) => e.close()));
    await pg.drop();
  }
}

async function main(): Promise<void> {
  const portals = Number(process.argv[2] ?? 10);
  const contacts = Number(process.argv[3] ?? 600);
  const counts = (process.argv[4] ?? '1,2,4').split(',').map(Number);
  console.log(
    `${portals} portals × ${contacts} contacts; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(
    '| workers | wall | contacts scored | contacts written | written / s | HubSpot requests | mean portal run | one portal at the ceiling |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let base = 0;
  for (const w of counts) {
    const r = await round(portals, contacts, w);
    base ||= r.perSecond;
    console.log(
      `| ${r.workers} | ${r.wallS.toFixed(1)} s | ${r.scored} | ${r.written} | ${r.perSecond.toFixed(1)} (×${(r.perSecond / base).toFixed(2)}) | ${r.requests} | ${r.portalRunS.toFixed(1)} s | ${r.ceilingRunS.toFixed(1)} s |`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
