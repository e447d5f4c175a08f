/**
 * Deal scores on Salesforce (issue 16): Opportunities with their OpportunityFieldHistory read
 * through real jsforce from the emulated org, the deal model trained on closed ones as they
 * stood while open, the LeadLens fields provisioned on Opportunity (Tooling API + permission
 * set) and written to every open Opportunity with factors that add up; nothing written twice.
 */
import type { SalesforceEmulator } from '../../emulator/salesforce';
import { parseFactors } from '../../src/contracts/factors';
import { rocAuc } from '../../src/model';
import type { DealModelReport } from '../../src/pipeline/objects/deal-report';
import { dealTrainingSet } from '../../src/pipeline/objects/deals';
import { worldFromStore } from '../../src/pipeline/objects/job';
import { runDealScores } from '../../src/pipeline/objects/run';
import type { AppDeps } from '../../src/server/compose';
import { callsOn, stats } from '../support/salesforce';
import { startSyncedOrg } from '../support/salesforce-org';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');
/** The model must beat the stage baseline's mean fold AUC by this much. */
const MARGIN = 0.05;

describe('Salesforce Opportunity scores', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;

  beforeAll(async () => {
    ({ emu, deps } = await startSyncedOrg({
      emulator: { leads: 1500, seed: 'opps' },
      portalId: 'sf-deals',
      now: NOW,
    }));
  }, 120_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('trains on closed Opportunities, writes every open one, and writes nothing twice', async () => {
    const before = await stats(emu.url);
    const first = await runDealScores(deps);
    const after = await stats(emu.url);
    expect(first.status).toBe('done');
    expect(first.verdict).toBe('OK');
    expect(first.failed).toEqual([]);

    // Every open Opportunity has a score whose factors add up; closed ones have none.
    const opps = [...emu.org.table('Opportunity').values()];
    const open = opps.filter((o) => o.IsClosed !== true);
    expect(first.deals).toBe(opps.length);
    expect(first.scored).toBe(open.length);
    expect(first.written).toBe(open.length);
    for (const o of opps) {
      if (o.IsClosed === true) {
        expect(o.LeadLens_Score__c ?? null).toBeNull();
        continue;
      }
      const f = parseFactors(String(o.LeadLens_Factors__c))!;
      expect(o.LeadLens_Score__c).toBe(f.score);
      expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(f.score);
      expect(o.LeadLens_Model_Version__c).toBe(String(first.modelVersion));
    }

    // The deal model is a deal model version with its folds; it beats the stage alone.
    const stored = await deps.store.getPublishedObjectModel('deal');
    const report = JSON.parse(stored!.report) as DealModelReport;
    expect(report.backtest.folds.length).toBeGreaterThanOrEqual(2);
    expect(report.backtest.meanAuc).toBeGreaterThan(report.stageBaseline.meanAuc + MARGIN);

    // Leakage-free rows: no closed stage in any training row.
    const world = await worldFromStore(deps);
    const set = dealTrainingSet(world, NOW);
    expect(set.rows.every((r) => !/^Closed/.test(String(r.deal_stage)))).toBe(true);
    // The generator's hidden P(won) of each closed deal ranks the outcomes too (the ceiling
    // of what was knowable when the deal opened).
    const truthOf = new Map<string, number>();
    for (const l of emu.org.table('Lead').values()) {
      const t = emu.truth(String(l.Id));
      if (l.ConvertedOpportunityId && t?.dealWin !== undefined)
        truthOf.set(String(l.ConvertedOpportunityId), t.dealWin);
    }
    const truthAuc = rocAuc(
      set.labels,
      set.ids.map((id) => truthOf.get(id)!),
    );
    process.stdout.write(
      `Salesforce deals: ${first.deals} opportunities (${first.closed} closed), model ${report.backtest.meanAuc.toFixed(3)} vs stage ${report.stageBaseline.meanAuc.toFixed(3)} (mean fold AUC), truth ${truthAuc.toFixed(3)} on the training rows; ${first.calls} calls\n`,
    );

    // The calls: a page of Opportunities is four queries (records, field history, converted
    // Leads, contact roles), a page of Accounts 2 + ⌈names / 150⌉ (objects.ts); the
    // Opportunities written in Collections of 200.
    const oppWrites =
      callsOn(after, /^PATCH .*composite\/sobjects/) -
      callsOn(before, /^PATCH .*composite\/sobjects/);
    expect(oppWrites).toBe(Math.ceil(open.length / 200));

    // Within the cadence: the model is kept, the same scores, nothing written.
    const second = await runDealScores(deps);
    expect(second.trained).toBe(false);
    expect(second.scored).toBe(first.scored);
    expect(second.written).toBe(0);
  }, 120_000);
});
