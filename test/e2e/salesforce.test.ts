/**
 * The whole pipeline on Salesforce: real jsforce, the emulated org, the same jobs as HubSpot.
 * The demo org's ground truth, the daily limit stopping a run cleanly and resuming it, a
 * session expiring mid-run, row locks retried, converted leads never written.
 */
import { control, stats } from '../support/salesforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { rocAuc } from '../../src/model';
import { readReport, runToCompletion } from '../../src/pipeline';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import type { SalesforceCrmOptions } from '../../src/crm/salesforce';
import { tempDb } from './helpers';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');
const HOUR = 3_600_000;

function depsFor(
  emu: SalesforceEmulator,
  name: string,
  opts: { now?: () => number; auth?: Partial<SalesforceCrmOptions>; db?: string } = {},
): Promise<AppDeps> {
  return composeDeps({
    baseUrl: '',
    token: '',
    portalId: 'sf-e2e',
    databaseUrl: null,
    dbFile: opts.db ?? tempDb(name),
    now: opts.now ?? (() => NOW),
    salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken, ...opts.auth },
  });
}

interface LeadRow {
  Id: string;
  IsConverted: boolean;
  LeadLens_Score__c: number | null;
  LeadLens_Tier__c: string | null;
}

async function leadsOf(emu: SalesforceEmulator): Promise<LeadRow[]> {
  const out: LeadRow[] = [];
  for (const rec of emu.org.table('Lead').values())
    out.push({
      Id: String(rec.Id),
      IsConverted: rec.IsConverted === true,
      LeadLens_Score__c: (rec.LeadLens_Score__c as number | null) ?? null,
      LeadLens_Tier__c: (rec.LeadLens_Tier__c as string | null) ?? null,
    });
  return out;
}

describe('Salesforce demo org: the model against the hidden truth', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 10_000, seed: 'demo' });
  }, 120_000);
  afterAll(() => emu?.close());

  it('trains on the org and lands within 0.02 AUC of the true propensity on held-out leads', async () => {
    const deps = await depsFor(emu, 'sf-truth');
    try {
      const res = await runToCompletion(deps, { retrain: 'always' });
      expect(res.status).toBe('done');
      const published = await deps.store.getPublishedModel();
      const report = readReport(published!)!;
      expect(report.conversion.kind).toBe('lead_converted');
      // The time-held-out comparison: the newest backtest block (held-out scores are in fold
      // order, oldest first), scored by a model fitted only on the leads before it — the
      // block nearest to what the shipped model, fitted on all history, will see.
      const folds = report.backtest!.folds;
      const newest = folds[folds.length - 1]!;
      const from = report.heldOut.ids.length - newest.test;
      const ids = report.heldOut.ids.slice(from);
      const labels = report.heldOut.labels.slice(from);
      const truthAuc = rocAuc(
        labels,
        ids.map((id) => emu.truth(id)!.propensity),
      );
      const modelAuc = rocAuc(labels, report.heldOut.scores.slice(from));
      expect(newest.auc).toBeCloseTo(modelAuc, 2);
      expect(ids.length).toBeGreaterThan(500);
      process.stdout.write(
        `Salesforce demo org, newest block (${ids.length} leads): model AUC ${modelAuc.toFixed(4)}, true propensity ${truthAuc.toFixed(4)}; all folds pooled ${Number(report.metrics.auc).toFixed(4)}\n`,
      );
      expect(Math.abs(modelAuc - truthAuc)).toBeLessThan(0.02);

      // Every open lead has a score; no converted lead was written (or even tried).
      const leads = await leadsOf(emu);
      const open = leads.filter((l) => !l.IsConverted);
      expect(open.every((l) => l.LeadLens_Score__c !== null && l.LeadLens_Tier__c !== null)).toBe(
        true,
      );
      expect(leads.filter((l) => l.IsConverted).every((l) => l.LeadLens_Score__c === null)).toBe(
        true,
      );
      const summary = res.summary as { writeback: { failed: number; written: number } };
      expect(summary.writeback.failed).toBe(0);
      expect(summary.writeback.written).toBe(open.length);
      // Above the Bulk threshold (2,000 by default) one Bulk API 2.0 ingest job per 10,000
      // leads and no Collections call; below it, Collections chunks of 200.
      const s = await stats(emu.url);
      const collections = s.byRoute['PATCH /services/data/:version/composite/sobjects']?.['200'];
      const jobs = s.byRoute['POST /services/data/:version/jobs/ingest']?.['200'];
      expect(open.length).toBeGreaterThan(2000);
      expect({ jobs, collections }).toEqual({
        jobs: Math.ceil(open.length / 10_000),
        collections: undefined,
      });
    } finally {
      await deps.close();
    }
  }, 300_000);
});

describe('Salesforce pipeline under limits and faults', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 1500, seed: 'limits' });
  }, 60_000);
  beforeEach(() => control(emu.url, '/__emulator/reset', {}));
  afterAll(() => emu?.close());

  it('stops cleanly at REQUEST_LIMIT_EXCEEDED and resumes where it stopped', async () => {
    await control(emu.url, '/__emulator/limits', { max: 40 });
    const db = tempDb('sf-limit');
    let now = NOW;
    const first = await depsFor(emu, 'sf-limit', {
      db,
      now: () => now,
      auth: { dailyBudgetShare: 1 },
    });
    let resumeAt: string | undefined;
    try {
      const res = await runToCompletion(first, { retrain: 'always' });
      expect(res.status).toBe('paused');
      resumeAt = res.resumeAt;
      expect(Date.parse(resumeAt!)).toBe(NOW + HOUR);
      const s = await stats(emu.url);
      expect(s.apiUsage.used).toBe(40);
      // Stopped part-way (here inside write-back): some leads written, not all.
      const open = (await leadsOf(emu)).filter((l) => !l.IsConverted);
      expect(emu.writes.length).toBeLessThan(open.length);
    } finally {
      await first.close();
    }
    // Before resumeAt the run stays paused without calling Salesforce.
    const early = await depsFor(emu, 'sf-limit', { db, now: () => now });
    try {
      const before = (await stats(emu.url)).total;
      expect((await runToCompletion(early, {})).status).toBe('paused');
      expect((await stats(emu.url)).total).toBe(before);
    } finally {
      await early.close();
    }
    // A day later the rolling window has emptied.
    await control(emu.url, '/__emulator/clock', { advanceMs: 25 * HOUR });
    now = NOW + 2 * HOUR;
    const again = await depsFor(emu, 'sf-limit', { db, now: () => now });
    try {
      const res = await runToCompletion(again, {});
      expect(res.status).toBe('done');
      const summary = res.summary as { sync: { contacts: number } };
      expect(summary.sync.contacts).toBe(1500);
      const open = (await leadsOf(emu)).filter((l) => !l.IsConverted);
      expect(open.every((l) => l.LeadLens_Score__c !== null)).toBe(true);
      const ids = emu.writes.map((w) => w.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await again.close();
    }
  }, 240_000);

  it('survives a session expiring mid-run and retries row locks in its second pass', async () => {
    const refreshed: string[] = [];
    const deps = await depsFor(emu, 'sf-faults', {
      auth: {
        accessToken: 'expired-at-start',
        refreshToken: emu.refreshToken,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        onTokenRefresh: (t) => refreshed.push(t),
      },
    });
    try {
      const open = (await leadsOf(emu)).filter((l) => !l.IsConverted).map((l) => l.Id);
      await control(emu.url, '/__emulator/faults', {
        expireTokensAfter: 25,
        lockIds: [open[3], open[700]],
        lockTimes: 1,
      });
      const res = await runToCompletion(deps, { retrain: 'always' });
      expect(res.status).toBe('done');
      expect(refreshed.length).toBe(2);
      const summary = res.summary as { writeback: { failed: number; written: number } };
      expect(summary.writeback.failed).toBe(0);
      expect(summary.writeback.written).toBe(open.length);
      const lockedWrites = emu.writes.filter((w) => w.id === open[3] || w.id === open[700]);
      expect(lockedWrites.length).toBe(2);
    } finally {
      await deps.close();
    }
  }, 240_000);
});
