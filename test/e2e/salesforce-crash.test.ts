/**
 * SIGKILL `leadlens run --crm salesforce` in the middle of write-back, run it again: the run
 * resumes, the batch in flight at the kill is read back instead of being sent twice, and every
 * open lead ends with its score — nothing lost, nothing written twice.
 */
import { control, stats, callsOn } from '../support/salesforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { openStoreEngine } from '../../src/store/open';
import { killLeftovers, leadlens } from '../support/child';
import { tempDb } from './helpers';

const LEASE_TTL_MS = 4_000;

/** `leadlens run --crm salesforce` with a deadline (a hung run is SIGKILLed: `hung`). */
function cli(emu: SalesforceEmulator, db: string, env: Record<string, string> = {}) {
  return leadlens(['run', '--crm', 'salesforce', '--instance-url', emu.url, '--db', db, '--json'], {
    SALESFORCE_ACCESS_TOKEN: emu.accessToken,
    DATABASE_URL: '',
    LEADLENS_NOW: '2026-11-01T00:00:00.000Z',
    LEADLENS_LEASE_TTL_MS: String(LEASE_TTL_MS),
    ...env,
  });
}

describe('crash in the middle of Salesforce write-back', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 2000, seed: 'crash' });
  }, 60_000);
  afterAll(async () => {
    await killLeftovers();
    await emu?.close();
  });

  it('resumes with every open lead written exactly once', async () => {
    const db = tempDb('sf-crash');
    await control(emu.url, '/__emulator/faults', { latencyMs: 150 });
    const child = cli(emu, db);
    let patches = 0;
    for (let i = 0; i < 3000 && patches < 2 && child.running(); i++) {
      await new Promise((r) => setTimeout(r, 20));
      patches = callsOn(await stats(emu.url), /composite\/sobjects$/);
    }
    expect(patches).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    expect((await child.done).killed).toBe(true);
    // The run scores Opportunities after the leads: the lead checks read the Lead writes.
    const leadWrites = () => emu.writes.filter((w) => w.object === 'Lead');
    const writtenAtKill = leadWrites().length;
    await control(emu.url, '/__emulator/faults', { latencyMs: 0 });
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 500));

    const again = cli(emu, db);
    const { code, stderr: err, stdout: out, hung } = await again.done;
    expect({ code, hung, err: code === 0 ? '' : err }).toEqual({ code: 0, hung: false, err: '' });
    expect(JSON.parse(out).status).toBe('done');

    const open = [...emu.org.table('Lead').values()].filter((l) => l.IsConverted !== true);
    expect(open.every((l) => typeof l.LeadLens_Score__c === 'number')).toBe(true);
    const ids = leadWrites().map((w) => w.id);
    expect(writtenAtKill).toBeGreaterThan(0);
    expect(writtenAtKill).toBeLessThan(open.length);
    expect(new Set(ids).size).toBe(ids.length); // never twice
    expect(ids.length).toBe(open.length); // never lost
    // The deal stages that ran after the kill wrote each Opportunity once at most.
    const opps = emu.writes.filter((w) => w.object === 'Opportunity').map((w) => w.id);
    expect(new Set(opps).size).toBe(opps.length);
  }, 240_000);

  it('a Bulk API 2.0 job running at the kill is waited for, and nothing is lost or doubled', async () => {
    await control(emu.url, '/__emulator/reset', {});
    const db = tempDb('sf-crash-bulk');
    const bulkEnv = { SALESFORCE_BULK_THRESHOLD: '100' };
    // Each 10,000-record chunk waits 3 s: the job is still InProgress when the run dies.
    await control(emu.url, '/__emulator/faults', { bulkDelayMs: 3000 });
    const child = cli(emu, db, bulkEnv);
    let closed = 0;
    for (let i = 0; i < 6000 && closed < 1 && child.running(); i++) {
      await new Promise((r) => setTimeout(r, 20));
      closed = callsOn(await stats(emu.url), /^PATCH .*jobs\/ingest\/:id$/);
    }
    expect(closed).toBe(1);
    child.kill('SIGKILL');
    expect((await child.done).killed).toBe(true);
    expect(emu.writes.length).toBe(0); // the job had not written yet
    await control(emu.url, '/__emulator/faults', { bulkDelayMs: 20 });
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 500));

    const again = cli(emu, db, bulkEnv);
    const { code, stderr: err, hung } = await again.done;
    expect({ code, hung, err: code === 0 ? '' : err }).toEqual({ code: 0, hung: false, err: '' });

    const open = [...emu.org.table('Lead').values()].filter((l) => l.IsConverted !== true);
    // Lead writes (Opportunities, scored after the leads, go by Collections).
    const leads = emu.writes.filter((w) => w.object === 'Lead');
    const ids = leads.map((w) => w.id);
    expect(new Set(ids).size).toBe(ids.length); // never twice: the orphaned job was waited for
    expect(ids.length).toBe(open.length); // never lost
    expect(leads.every((w) => w.via === 'bulk2')).toBe(true);
    // The ledger holds what Salesforce holds.
    const engine = await openStoreEngine({ sqliteFile: db });
    try {
      const ledger = await engine.forPortal('salesforce').getWritten(
        'contact',
        open.map((l) => String(l.Id)),
      );
      expect(ledger.size).toBe(open.length);
      const off = open.filter(
        (l) => Number(ledger.get(String(l.Id))?.leadlens_score) !== l.LeadLens_Score__c,
      );
      expect(off.map((l) => l.Id)).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 240_000);
});
