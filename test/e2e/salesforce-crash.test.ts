/**
 * SIGKILL `leadlens run --crm salesforce` in the middle of write-back, run it again: the run
 * resumes, the batch in flight at the kill is read back instead of being sent twice, and every
 * open lead ends with its score — nothing lost, nothing written twice.
 */
import { control, stats, callsOn } from '../support/salesforce';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { tempDb } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const LEASE_TTL_MS = 4_000;

function cli(emu: SalesforceEmulator, db: string) {
  return spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/leadlens.js'),
      'run',
      '--crm',
      'salesforce',
      '--instance-url',
      emu.url,
      '--db',
      db,
      '--json',
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        SALESFORCE_ACCESS_TOKEN: emu.accessToken,
        DATABASE_URL: '',
        LEADLENS_NOW: '2026-11-01T00:00:00.000Z',
        LEADLENS_LEASE_TTL_MS: String(LEASE_TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

describe('crash in the middle of Salesforce write-back', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 2000, seed: 'crash' });
  }, 60_000);
  afterAll(() => emu?.close());

  it('resumes with every open lead written exactly once', async () => {
    const db = tempDb('sf-crash');
    await control(emu.url, '/__emulator/faults', { latencyMs: 150 });
    const child = cli(emu, db);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    let patches = 0;
    for (let i = 0; i < 3000 && patches < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      patches = callsOn(await stats(emu.url), /composite\/sobjects$/);
    }
    expect(patches).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await exited;
    const writtenAtKill = emu.writes.length;
    await control(emu.url, '/__emulator/faults', { latencyMs: 0 });
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 500));

    const again = cli(emu, db);
    let out = '';
    let err = '';
    again.stdout.on('data', (d) => (out += d));
    again.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => again.on('exit', (c) => resolve(c)));
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out).status).toBe('done');

    const open = [...emu.org.table('Lead').values()].filter((l) => l.IsConverted !== true);
    expect(open.every((l) => typeof l.LeadLens_Score__c === 'number')).toBe(true);
    const ids = emu.writes.map((w) => w.id);
    expect(writtenAtKill).toBeGreaterThan(0);
    expect(writtenAtKill).toBeLessThan(open.length);
    expect(new Set(ids).size).toBe(ids.length); // never twice
    expect(ids.length).toBe(open.length); // never lost
  }, 240_000);
});
