/**
 * Tiers from real deal economics on Salesforce (issue 16, items 4 and 5), through real jsforce
 * against an emulated org with buying committees (converted Leads' own Opportunities, and account
 * Opportunities whose OpportunityContactRole rows name the committee's converted Contacts).
 *
 * A Lead's deals are the Opportunity it was converted into (Lead.ConvertedOpportunityId) and the
 * Opportunities where its converted Contact has a contact role; an Opportunity is won when IsWon,
 * worth its Amount, and closed when its stage moved into its closed stage (field history; its
 * CloseDate's end when the history says nothing). The suggestion's bands and tiers are checked
 * against that computation made here straight from the emulator's tables, not the store; the top
 * tier starts where the expected value per lead turns positive, raised to what the team's
 * capacity can work. Per-segment tiers (segments on LeadSource) reach the Lead field
 * LeadLens_Tier__c, and a re-tier of the segment reaches it without a retrain.
 */
import '../support/salesforce';
import type { SalesforceEmulator } from '../../emulator/salesforce';
import { SALESFORCE_FIELDS } from '../../src/contracts/properties';
import type { EconomicsView, Suggestion } from '../../src/contracts/functions';
import type { Settings } from '../../src/contracts/settings';
import {
  makeBudget,
  readReport,
  runJob,
  scoreJob,
  settingsAction,
  trainJob,
  writebackJob,
} from '../../src/pipeline';
import { dealScoresJob } from '../../src/pipeline/objects/job';
import type { AppDeps } from '../../src/server/compose';
import { startSyncedOrg } from '../support/salesforce-org';
import { segmentSettings } from '../support/segments-portal';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');
const DAY = 86_400_000;
const PAID = ['Advertisement', 'Purchased List', 'Trade Show'];
type Row = Record<string, unknown>;
/** The emulator keeps datetimes as epoch ms, the API serves them as ISO strings. */
const ms = (v: unknown) => (typeof v === 'number' ? v : Date.parse(String(v)));

describe('Salesforce tiers from deal economics', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  const settings: Settings = {
    ...segmentSettings(
      [
        {
          key: 'paid',
          label: 'Bought and outbound',
          property: 'leadsource',
          values: PAID,
          minScores: [40, 20, 8, 0],
        },
      ],
      // The paid segment's model question is not this test's: tiers apply either way.
      { minPositives: 10_000, minGain: 0.02 },
    ),
    conversion: { kind: 'lead_converted', horizonDays: 120 },
  };
  /** Held-out Lead id → what it brought, computed from the emulator's tables. */
  let revenueOf: (i: number) => number;
  let held: { ids: string[]; scores: number[]; asOf: number[] };
  let roleWins = 0;
  let wonOutside = 0;
  const wonUsed = new Set<string>();

  const logLevel = process.env.LEADLENS_LOG_LEVEL;
  beforeAll(async () => {
    process.env.LEADLENS_LOG_LEVEL = 'silent';
    ({ emu, deps } = await startSyncedOrg({
      emulator: { leads: 1000, seed: 'economics', committees: true },
      portalId: 'sf-economics',
      now: NOW,
      settings,
    }));
  }, 120_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
    if (logLevel === undefined) delete process.env.LEADLENS_LOG_LEVEL;
    else process.env.LEADLENS_LOG_LEVEL = logLevel;
  });

  it('trains, reads the Opportunities, and prices each held-out Lead from the org itself', async () => {
    const train = await runJob(deps, trainJob(), { budget: makeBudget(Infinity, deps.now) });
    expect(train.status).toBe('done');
    // The deal stage's read (what `leadlens accounts` and the run's deal stage mirror).
    const read = await runJob(deps, dealScoresJob({ readOnly: true }), {
      budget: makeBudget(Infinity, deps.now),
    });
    expect(read.status).toBe('done');

    const report = readReport((await deps.store.getPublishedModel())!)!;
    const h = report.heldOut;
    expect(h.asOf?.length).toBe(h.ids.length);
    held = { ids: h.ids, scores: h.scores, asOf: h.asOf! };
    const horizon = report.conversion.horizonDays * DAY;

    // Straight from the org: won Opportunities, their close moment, their Leads.
    const closedStage = new Map<string, number>();
    for (const r of emu.org.table('OpportunityFieldHistory').values())
      if (r.Field === 'StageName') {
        const opp = emu.org.get('Opportunity', String(r.OpportunityId)) as Row;
        if (r.NewValue === opp.StageName) closedStage.set(String(opp.Id), ms(r.CreatedDate));
      }
    const won = new Map<string, { at: number; amount: number }>();
    for (const o of emu.org.table('Opportunity').values())
      if (o.IsWon === true)
        won.set(String(o.Id), {
          at: closedStage.get(String(o.Id)) ?? Date.parse(`${String(o.CloseDate)}T23:59:59.999Z`),
          amount: Number(o.Amount ?? 0),
        });
    const byContact = new Map<string, string[]>();
    for (const r of emu.org.table('OpportunityContactRole').values())
      byContact.set(String(r.ContactId), [
        ...(byContact.get(String(r.ContactId)) ?? []),
        String(r.OpportunityId),
      ]);
    const revenue = held.ids.map((id, i) => {
      const lead = emu.org.get('Lead', id) as Row;
      const own = lead.ConvertedOpportunityId ? [String(lead.ConvertedOpportunityId)] : [];
      const roles = lead.ConvertedContactId
        ? (byContact.get(String(lead.ConvertedContactId)) ?? [])
        : [];
      let sum = 0;
      for (const opp of new Set([...own, ...roles])) {
        const w = won.get(opp);
        if (!w) continue;
        if (!(w.at > held.asOf[i]! && w.at <= held.asOf[i]! + horizon)) {
          wonOutside++;
          continue;
        }
        if (!own.includes(opp)) roleWins++;
        wonUsed.add(opp);
        sum += w.amount;
      }
      return sum;
    });
    revenueOf = (i) => revenue[i]!;
    // The org has what makes the check bite: wins reached only through a contact role, and
    // wins outside a Lead's window (before its asOf or past the horizon) that must not count.
    expect(roleWins).toBeGreaterThan(5);
    expect(wonOutside).toBeGreaterThan(5);
    expect(revenue.filter((r) => r > 0).length).toBeGreaterThan(20);
  }, 120_000);

  const suggest = async (leadsPerWeek: number, costPerLead: number): Promise<Suggestion> =>
    (
      await settingsAction(deps, {
        action: 'suggest',
        request: { method: 'economics', leadsPerWeek, costPerLead, tierCount: 4 },
      })
    ).suggestion!;

  /** Bands and tiers of `view` against the revenue computed from the org. */
  function expectPricedFromOrg(view: EconomicsView, s: Suggestion, cost: number): void {
    expect(view.heldOutLeads).toBe(held.ids.length);
    expect(view.dealsUsed).toBe(wonUsed.size);
    const inRange = (sc: number, from: number, to: number, top: boolean) =>
      sc >= from && (top || sc < to);
    let edge = 100;
    let positive = true;
    view.bands.forEach((b, k) => {
      const idx = held.scores.flatMap((sc, i) => (inRange(sc, b.from, b.to, k === 0) ? [i] : []));
      expect(b.leads).toBe(idx.length);
      const perLead = idx.reduce((a, i) => a + revenueOf(i), 0) / idx.length;
      expect(b.revenuePerLead).toBeCloseTo(perLead, 6);
      expect(b.evPerLead).toBeCloseTo(perLead - cost, 6);
      if (positive && perLead - cost > 0) edge = b.from;
      else positive = false;
    });
    expect(view.bands.reduce((a, b) => a + b.leads, 0)).toBe(held.ids.length);
    expect(view.breakEvenScore).toBe(edge);
    // Expected value per tier, the tiers as suggested.
    for (const t of view.tiers) {
      const idx = held.scores.flatMap((sc, i) =>
        s.tiers.find((x) => sc >= x.minScore)!.value === t.value ? [i] : [],
      );
      expect(t.leads).toBe(idx.length);
      if (idx.length === 0) continue;
      const perLead = idx.reduce((a, i) => a + revenueOf(i), 0) / idx.length;
      expect(t.revenuePerLead).toBeCloseTo(perLead, 6);
      expect(t.evPerLead).toBeCloseTo(perLead - cost, 6);
    }
    // The top tier starts where working a lead pays, or higher when capacity is short.
    const top = Math.min(100, Math.max(3, Math.round(Math.max(edge, view.capacityScore))));
    expect(s.tiers[0]!.minScore).toBe(top);
  }

  it('bands and EV per tier use Opportunity amounts won after each Lead’s asOf, within the horizon', async () => {
    // Free leads first: every band is priced from the org. Then a cost of half what a lead of
    // the best band brought (read from the org, never a constant fitted to it): the best band
    // pays, so the top tier starts at a real break-even.
    const free = await suggest(100_000, 0);
    expectPricedFromOrg(free.economics!, free, 0);
    const best = free.economics!.bands[0]!;
    const bestIdx = held.scores.flatMap((sc, i) => (sc >= best.from ? [i] : []));
    const bestRevenue = bestIdx.reduce((a, i) => a + revenueOf(i), 0) / bestIdx.length;
    expect(bestRevenue).toBeGreaterThan(0);
    const cost = Math.round(bestRevenue / 2);
    // Capacity for everyone: the top tier starts where EV turns positive.
    const wide = await suggest(100_000, cost);
    const view = wide.economics!;
    expectPricedFromOrg(view, wide, cost);
    expect(view.breakEvenScore).toBeLessThan(100);
    expect(view.bands[0]!.evPerLead!).toBeGreaterThan(0);
    expect(wide.tiers[0]!.minScore).toBe(Math.max(3, Math.round(view.breakEvenScore)));

    // A team that can work one lead a week: capacity raises the top tier above break-even.
    const narrow = await suggest(1, cost);
    expectPricedFromOrg(narrow.economics!, narrow, cost);
    expect(narrow.economics!.capacityScore).toBeGreaterThan(view.breakEvenScore);
    expect(narrow.tiers[0]!.minScore).toBe(Math.round(narrow.economics!.capacityScore));
  }, 60_000);

  it('writes per-segment tiers to LeadLens_Tier__c, and a segment re-tier without a retrain', async () => {
    const score = await runJob(deps, scoreJob(), { budget: makeBudget(Infinity, deps.now) });
    expect(score.status).toBe('done');
    await deps.crm.provision(settings.tiers);
    const write = () => runJob(deps, writebackJob({}), { budget: makeBudget(Infinity, deps.now) });
    expect((await write()).status).toBe('done');

    /** Every scored Lead's tier field against its LeadSource's thresholds, read from the org. */
    const expectTiers = (paid: readonly number[], global: readonly number[]) => {
      const seen = { paid: 0, other: 0 };
      for (const lead of emu.org.table('Lead').values()) {
        const sc = lead[SALESFORCE_FIELDS.score];
        if (sc === null || sc === undefined) continue;
        const isPaid = PAID.includes(String(lead.LeadSource));
        const mins = isPaid ? paid : global;
        seen[isPaid ? 'paid' : 'other']++;
        expect(lead[SALESFORCE_FIELDS.tier]).toBe(
          `tier_${mins.findIndex((m) => Number(sc) >= m) + 1}`,
        );
      }
      expect(seen.paid).toBeGreaterThan(20);
      expect(seen.other).toBeGreaterThan(100);
    };
    const globalMins = settings.tiers.map((t) => t.minScore);
    expectTiers(settings.segments.list[0]!.minScores!, globalMins);

    // The paid segment takes the economics suggestion's thresholds; nothing is retrained.
    const models = (await deps.store.listModels()).length;
    const suggested = (await suggest(100_000, 1)).tiers.map((t) => t.minScore);
    expect(suggested).not.toEqual(settings.segments.list[0]!.minScores);
    const next: Settings = {
      ...settings,
      segments: {
        ...settings.segments,
        list: [{ ...settings.segments.list[0]!, minScores: suggested }],
      },
    };
    await settingsAction(deps, { action: 'save', settings: next });
    expect((await write()).status).toBe('done');
    expectTiers(suggested, globalMins);
    expect((await deps.store.listModels()).length).toBe(models);
  }, 60_000);
});
