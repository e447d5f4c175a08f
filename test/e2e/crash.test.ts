/**
 * Kill `leadlens run` with SIGKILL in the middle of write-back, run it again: while the killed
 * run's lease lasts the new run is refused (JOB_LOCKED, naming the dead holder); once it lapses
 * the run resumes, the CRM ends as a clean run leaves it, and every record was written once.
 */
import { LEADLENS_PROPERTY_NAMES } from '../../src/contracts/properties';
import { runToCompletion } from '../../src/pipeline';
import { killLeftovers, leadlens } from '../support/child';
import {
  allContacts,
  depsFor,
  emulatorJson,
  startPortal,
  tempDb,
  TOKEN,
  type Emulator,
  writesOf,
} from './helpers';

/**
 * Short (the default is 2 min), yet well past a CLI start on a busy machine: the refused run
 * must reach the lease while the killed holder's last renewal (every TTL / 4) still stands, and
 * `leadlens --help` alone took 4.3 s at load 9 on the shared 2-core machine (12 s left ~5 s of
 * margin; with two jest workers a start is slower still).
 */
const LEASE_TTL_MS = 20_000;
type Stats = { byRoute: Record<string, Record<string, number>> };

/** `leadlens run` with a deadline (a hung run is SIGKILLed: its result says `hung`). */
function cli(url: string, db: string, now: number) {
  return leadlens(['run', '--base-url', url, '--db', db, '--json'], {
    HUBSPOT_ACCESS_TOKEN: TOKEN,
    DATABASE_URL: '',
    LEADLENS_NOW: new Date(now).toISOString(),
    LEADLENS_LEASE_TTL_MS: String(LEASE_TTL_MS),
  });
}

function batchUpdates(stats: Stats): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => route.startsWith('POST') && route.endsWith('/batch/update'))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

describe('crash in the middle of write-back', () => {
  let killed: Emulator;
  let clean: Emulator;
  const now = Date.now() + 3_600_000;

  beforeAll(async () => {
    [killed, clean] = await Promise.all([startPortal(1200, 'crash'), startPortal(1200, 'crash')]);
  });
  afterAll(async () => {
    await killLeftovers();
    await Promise.all([killed?.close(), clean?.close()]);
  });

  it('resumes to the same CRM state as a clean run, never writing a record two values', async () => {
    const db = tempDb('crash');
    // Slow every call down so the kill lands inside write-back, not after it.
    await emulatorJson(killed.url, '/__emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 60 }),
    });
    const child = cli(killed.url, db, now);
    let updates = 0;
    for (let i = 0; i < 3000 && updates < 3 && child.running(); i++) {
      await new Promise((r) => setTimeout(r, 20));
      updates = batchUpdates(await emulatorJson<Stats>(killed.url, '/__emulator/stats'));
    }
    expect(updates).toBeGreaterThanOrEqual(3);
    child.kill('SIGKILL');
    expect((await child.done).killed).toBe(true);
    await emulatorJson(killed.url, '/__emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 0 }),
    });

    // At once: the dead run still holds the portal.
    const refusedAt = Date.now();
    const refused = await cli(killed.url, db, now).done;
    expect(refused).toMatchObject({ code: 1, hung: false });
    const err = refused.stderr;
    expect(err).toMatch(/busy: leadlens run \(cli\) on .+:\d+ has been running "run" since \S+Z/);
    expect(err).toContain('[JOB_LOCKED]');
    expect(err).toContain('If that process died, its lease expires at');
    // After its TTL the lease lapses; the same command resumes.
    await new Promise((r) =>
      setTimeout(r, Math.max(0, LEASE_TTL_MS + 500 - (Date.now() - refusedAt))),
    );
    const again = await cli(killed.url, db, now).done;
    expect(again).toMatchObject({ code: 0, hung: false });
    expect(JSON.parse(again.stdout).status).toBe('done');

    // A clean run on an identical portal.
    const deps = await depsFor(clean.url, tempDb('clean'), now);
    try {
      expect((await runToCompletion(deps, { retrain: 'auto' })).status).toBe('done');
    } finally {
      await deps.close();
    }

    const props = ['lifecyclestage', ...LEADLENS_PROPERTY_NAMES];
    const a = await allContacts(killed.url, props);
    const b = await allContacts(clean.url, props);
    expect(a.length).toBe(b.length);
    expect(a.filter((c) => c.properties.leadlens_score !== null).length).toBeGreaterThan(300);
    expect(a).toEqual(b);

    // Every record was written exactly once: the batch in flight at the kill was read back,
    // not sent again.
    const writes = await writesOf(killed.url);
    const twice = Object.entries(writes).filter(([, sets]) => sets.length > 1);
    expect(twice).toEqual([]);
    expect(Object.keys(writes).length).toBe(
      b.filter((c) => c.properties.leadlens_score !== null).length,
    );
    // (and so) no record was written two different values for the same property.
    for (const [id, sets] of Object.entries(writes)) {
      const seen: Record<string, string> = {};
      for (const set of sets) {
        for (const [k, v] of Object.entries(set)) {
          if (!k.startsWith('leadlens_')) continue;
          if (k in seen) expect(`${id}.${k}=${v}`).toBe(`${id}.${k}=${seen[k]}`);
          seen[k] = v;
        }
      }
    }
  });
});
