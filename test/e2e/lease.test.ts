/**
 * One run per portal, across processes, on each engine: while `leadlens run` works, a second
 * `leadlens run` on the same portal is refused with JOB_LOCKED naming the holder (its pid) and
 * since when, and another portal in the same database runs meanwhile. SIGKILL the holder: its
 * lease outlives it until the TTL, then the next run resumes and finishes the portal.
 */
import { killLeftovers, leadlens } from '../support/child';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { allContacts, emulatorJson, startPortal, tempDb, TOKEN, type Emulator } from './helpers';

/** Longer than two CLI starts on a busy machine, short enough to wait for. */
const LEASE_TTL_MS = 20_000;

interface Target {
  databaseUrl: string;
  db: string;
}

/** `leadlens run` with a deadline (a hung run is SIGKILLed: its result says `hung`). */
function run(url: string, portal: string, target: Target) {
  const proc = leadlens(
    ['run', '--base-url', url, '--portal', portal, '--db', target.db, '--json'],
    {
      HUBSPOT_ACCESS_TOKEN: TOKEN,
      DATABASE_URL: target.databaseUrl,
      LEADLENS_NOW: new Date(Date.now() + 3_600_000).toISOString(),
      LEADLENS_LEASE_TTL_MS: String(LEASE_TTL_MS),
    },
  );
  return { child: proc.child, exit: proc.done };
}

async function calls(url: string): Promise<number> {
  return (await emulatorJson<{ total: number }>(url, '/__emulator/stats')).total;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const setLatency = (url: string, latencyMs: number) =>
  emulatorJson(url, '/__emulator/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs }),
  });

describe.each(['sqlite', 'postgres'] as const)('the run lease across processes on %s', (kind) => {
  let emu: Emulator;
  let other: Emulator;
  let pg: TestDatabase | null = null;
  let target: Target;

  beforeAll(async () => {
    [emu, other] = await Promise.all([startPortal(500, 'lease'), startPortal(300, 'lease-b')]);
    if (kind === 'postgres') pg = await createTestDatabase('lease');
    target = { databaseUrl: pg?.url ?? '', db: tempDb('lease') };
  });
  afterAll(async () => {
    await killLeftovers();
    await Promise.all([emu?.close(), other?.close()]);
    await pg?.drop();
  });

  it('refuses a second run, lets another portal run, and resumes after the holder is killed', async () => {
    // Slow calls (~0.6 s each) keep the first run busy for many seconds.
    await setLatency(emu.url, 600);
    const first = run(emu.url, '7001', target);
    await until(async () => (await calls(emu.url)) > 1, 'the first run to start');

    const second = run(emu.url, '7001', target);
    const refused = await second.exit;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[JOB_LOCKED]');
    expect(refused.stderr).toContain(`:${first.child.pid} has been running "run" since `);
    expect(refused.stderr).toContain('its lease expires at');

    // Kill the holder mid-run; its lease outlives it until the TTL.
    expect(first.child.exitCode).toBeNull();
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exit;
    await setLatency(emu.url, 0);
    const third = run(emu.url, '7001', target);
    // When the refusal came, not when the neighbour's whole run ended: only the refusal has to
    // fall inside the TTL (a loaded machine may take longer than the TTL for the neighbour).
    const thirdEnded = third.exit.then(() => Date.now());
    // Meanwhile another portal in the same database runs: the lease is per portal.
    const neighbour = run(other.url, '7002', target);
    const [refusedAgain, n] = await Promise.all([third.exit, neighbour.exit]);
    expect((await thirdEnded) - killedAt).toBeLessThan(LEASE_TTL_MS);
    expect(refusedAgain.code).toBe(1);
    expect(refusedAgain.stderr).toContain(`:${first.child.pid} has been running`);
    expect(n.code).toBe(0);
    expect(JSON.parse(n.stdout).status).toBe('done');

    // After the TTL the same command resumes the killed run and finishes the portal.
    await new Promise((r) =>
      setTimeout(r, Math.max(0, LEASE_TTL_MS + 500 - (Date.now() - killedAt))),
    );
    const fourth = run(emu.url, '7001', target);
    const resumed = await fourth.exit;
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).status).toBe('done');

    const scored = (await allContacts(emu.url, ['leadlens_score', 'lifecyclestage'])).filter(
      (c) => c.properties.leadlens_score !== null,
    );
    expect(scored.length).toBeGreaterThan(100);
  });
});
