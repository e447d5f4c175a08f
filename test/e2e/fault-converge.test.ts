/**
 * Write-back converges on the store's desired values, whatever came before (issue 12, item 3):
 * a write-back that failed half-way, then a `--restart` run with new values, used to resume the
 * old write-back from its cursor and skip every record before it — 747 of 1,657 contacts left
 * with old values after a run that said `done`. Here the same sequence must end with the CRM
 * equal to the store (`verifyWriteback`, what `leadlens verify` runs), and a run right after a
 * complete one must write nothing.
 */
import { DEFAULT_SETTINGS, type Settings } from '../../src/contracts/settings';
import { isLeadLensError } from '../../src/errors';
import {
  makeBudget,
  runJob,
  runPipelineJob,
  runToCompletion,
  verifyWriteback,
} from '../../src/pipeline';
import { publishedModel, silentLogger } from '../../src/pipeline';
import { scoringAsOf } from '../../src/pipeline/score';
import { scoreRecords } from '../../src/pipeline/score-records';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import {
  allContacts,
  depsFor,
  emulatorJson,
  PORTAL,
  startPortal,
  tempDb,
  TOKEN,
  type Emulator,
} from './helpers';

type Stats = { byRoute: Record<string, Record<string, number>> };

const faults = (url: string, body: Record<string, unknown>) =>
  emulatorJson(url, '/__emulator/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function batchUpdates(stats: Stats): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => route.startsWith('POST') && route.endsWith('/batch/update'))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

async function setTiers(deps: AppDeps, mins: [number, number, number]) {
  const s = await deps.store.getSettings();
  const tiers = DEFAULT_SETTINGS.tiers.map((t, i) => ({ ...t, minScore: i < 3 ? mins[i] : 0 }));
  await deps.store.saveSettings({ ...s, tiers } as Settings, new Date().toISOString());
}

// Whole pipeline runs against an emulator: minutes on a loaded shared machine, not seconds.
jest.setTimeout(5 * 60_000);

describe('write-back converges on the store, not on a cursor', () => {
  let emu: Emulator;
  let deps: AppDeps;
  const now = Date.now() + 3_600_000;
  const env = { ...process.env };

  beforeAll(async () => {
    // A CRM that stays down must fail the run quickly here (the default patience is 10 min).
    process.env.LEADLENS_CRM_PATIENCE_MS = '300';
    process.env.LEADLENS_CRM_RETRY_BASE_MS = '20';
    emu = await startPortal(700, 'converge');
    deps = await depsFor(emu.url, tempDb('converge'), now);
  });
  afterAll(async () => {
    process.env = env;
    await deps?.close();
    await emu?.close();
  });

  it('a --restart run after a failed write-back leaves every record equal to its stored score', async () => {
    expect((await runToCompletion(deps, { retrain: 'auto' })).status).toBe('done');
    expect((await verifyWriteback(deps)).mismatchCount).toBe(0);

    // New values for many records (a re-tier), and a CRM that goes down half-way through
    // writing them.
    await setTiers(deps, [45, 12, 4]);
    let restart = true;
    let failed: unknown = null;
    let writtenBeforeOutage = 0;
    for (let i = 0; i < 10_000 && !failed; i++) {
      try {
        const res = await runJob(deps, runPipelineJob({ retrain: 'never' }), {
          budget: makeBudget(1, Date.now),
          restart,
        });
        restart = false;
        if (res.status !== 'continue') throw new Error(`the run ended ${res.status}`);
      } catch (e) {
        failed = e;
      }
      const wb = await deps.store.getJob('writeback');
      const written = Number((wb?.state as { written?: number }).written ?? 0);
      if (wb?.status === 'running' && written >= 50 && writtenBeforeOutage === 0) {
        writtenBeforeOutage = written;
        await faults(emu.url, { failNextN: 100_000, failWith: '503' });
      }
    }
    if (writtenBeforeOutage === 0) throw failed;
    expect(writtenBeforeOutage).toBeGreaterThanOrEqual(50);
    expect(isLeadLensError(failed, 'CRM_UNAVAILABLE')).toBe(true);
    await faults(emu.url, { failNextN: 0 });
    const stale = await verifyWriteback(deps);
    expect(stale.mismatchCount).toBeGreaterThan(0);

    // Other values again — also for the records written before the outage — and a restart.
    await setTiers(deps, [85, 60, 25]);
    const res = await runToCompletion(deps, { retrain: 'never', restart: true });
    expect(res.status).toBe('done');

    const report = await verifyWriteback(deps);
    expect(report.mismatches).toEqual([]);
    expect(report.checked).toBeGreaterThan(300);
    // Verification reads 100 records a call: the fewest calls HubSpot allows.
    expect(report.calls).toBe(
      Math.ceil((await deps.store.countScores('contact')) / 100) +
        Math.ceil((await deps.store.countScores('lead')) / 100),
    );
    // And the CRM agrees with the store tier by tier, read independently through the SDK.
    const held = new Map(
      (await allContacts(emu.url, ['leadlens_tier'])).map((c) => [c.id, c.properties]),
    );
    for (const row of await deps.store.listScores('contact', { limit: 10_000 })) {
      expect(`${row.id}=${held.get(row.id)?.leadlens_tier}`).toBe(`${row.id}=${row.tier}`);
    }
  });

  it('a run right after a complete one writes nothing, and does not re-read what it wrote', async () => {
    const stats0 = await emulatorJson<Stats>(emu.url, '/__emulator/stats');
    const calls0 = deps.crm.usage().byKind;
    const res = await runToCompletion(deps, { retrain: 'never' });
    expect(res.status).toBe('done');
    const stats1 = await emulatorJson<Stats>(emu.url, '/__emulator/stats');
    expect(batchUpdates(stats1) - batchUpdates(stats0)).toBe(0);
    // The contacts the last run wrote come back from the incremental sync (our write changed
    // them), but their last change is our write: no history is read again for them.
    const calls1 = deps.crm.usage().byKind;
    const delta = (k: string) => (calls1[k] ?? 0) - (calls0[k] ?? 0);
    process.stdout.write(
      `second run calls: ${JSON.stringify(Object.keys(calls1).map((k) => [k, delta(k)]))}\n`,
    );
    expect(delta('contacts.search')).toBeGreaterThan(0);
    expect(delta('contacts.batchRead')).toBe(0);
    expect((await verifyWriteback(deps)).mismatchCount).toBe(0);
  });
});

describe('a second run hours after a complete one', () => {
  const HOUR = 3_600_000;
  let emu: Emulator;
  let deps: AppDeps;
  // 02:00 UTC tomorrow: after every write the emulator makes today, and a day with room for
  // a second run seven hours later.
  const day = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 24 * HOUR;
  let clock = day + 2 * HOUR;

  beforeAll(async () => {
    emu = await startPortal(400, 'hours-later');
    deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      portalId: PORTAL,
      databaseUrl: null,
      dbFile: tempDb('hours-later'),
      log: silentLogger,
      now: () => clock,
    });
  });
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('writes nothing: features are computed as of the scoring day, not the clock', async () => {
    const first = await runToCompletion(deps, { retrain: 'auto' });
    expect(first.status).toBe('done');
    const stats0 = await emulatorJson<Stats>(emu.url, '/__emulator/stats');
    expect(batchUpdates(stats0)).toBeGreaterThan(0);

    const earlier = clock;
    clock += 7 * HOUR + 13 * 60_000;
    // The hazard is real for these records: scored as of the clock itself, seven hours move
    // day counts and decayed activity enough to change some records' factor text or score.
    const lm = await publishedModel(deps.store);
    const settings = await deps.store.getSettings();
    const records = await deps.store.listRecords('contact', { afterId: null, limit: 1000 });
    const at = (t: number) =>
      scoreRecords(lm, records, {
        objectType: 'contact',
        asOf: t,
        tiers: settings.tiers,
        scoredAt: 'x',
      }).map((r) => `${r.score}|${r.factors}`);
    const [a, b] = [at(earlier), at(clock)];
    expect(a.filter((v, i) => v !== b[i]).length).toBeGreaterThan(0);
    // As of the scoring day, both moments are one.
    expect(scoringAsOf(clock)).toBe(scoringAsOf(earlier));

    const second = await runToCompletion(deps, { retrain: 'auto' });
    expect(second.status).toBe('done');
    const stats1 = await emulatorJson<Stats>(emu.url, '/__emulator/stats');
    expect(batchUpdates(stats1) - batchUpdates(stats0)).toBe(0);
    expect((await verifyWriteback(deps)).mismatchCount).toBe(0);
  });
});
