/**
 * Segment models (issue 16) on a small demo portal whose paid-channel leads convert on drivers
 * of their own (generator option `segmentDrivers`): the paid segment gets its own model, which
 * beats the global model on paid leads in the backtests; a segment too small to support a model
 * (AI referrals) falls back to the global model; the report and the run's summary say both, with
 * why. Scoring then routes each record to its segment's model, records which model scored it,
 * keeps the factors adding up and tiers a segment with its own thresholds.
 */
import { parseFactors } from '../../src/contracts/factors';
import type { Settings } from '../../src/contracts/settings';
import { valueAt } from '../../src/features';
import {
  currentEconomics,
  makeBudget,
  readReport,
  runJob,
  scoreJob,
  settingsAction,
  trainJob,
} from '../../src/pipeline';
import { renderReportPage } from '../../src/server/report-page';
import { allRecords } from '../../src/pipeline/records';
import type { SegmentReport } from '../../src/pipeline/report';
import {
  PAID_SEGMENT,
  PAID_SOURCES,
  segmentSettings,
  useSegmentsPortal,
} from '../support/segments-portal';

const DAY = 86_400_000;

describe('segment models: own model where the data supports one, global fallback where not', () => {
  const now = Date.now() + 3_600_000;
  const settings = segmentSettings(
    [
      { ...PAID_SEGMENT, minScores: [60, 30, 10, 0] },
      {
        key: 'ai',
        label: 'AI referrals',
        property: 'hs_analytics_source',
        values: ['AI_REFERRALS'],
      },
    ],
    { minPositives: 30, minGain: 0.02 },
  );
  const portal = useSegmentsPortal({ seed: 'segments', contacts: 2000, settings, now });

  it('trains the paid segment its own model and falls back for the small one, saying why', async () => {
    const { deps } = portal;
    const res = await runJob(deps, trainJob(), { budget: makeBudget(Infinity, deps.now) });
    expect(res.status).toBe('done');
    const segs = res.summary.segments as SegmentReport[];
    const paid = segs.find((s) => s.key === 'paid')!;
    const ai = segs.find((s) => s.key === 'ai')!;
    process.stdout.write(`${res.progress}\n`);
    expect(paid.decision).toBe('own');
    expect(paid.segmentAuc! - paid.globalAuc!).toBeGreaterThanOrEqual(0.02);
    expect(paid.why).toMatch(/^Own model: its own model beats the global model/);
    expect(ai.decision).toBe('global');
    expect(ai.positives).toBeLessThan(30);
    expect(ai.why).toMatch(/too few positives/);
    expect(res.progress).toMatch(/segment ai .*Global model: too few positives/);
    // The stored report says the same.
    const stored = await deps.store.getModel(res.summary.version as number);
    expect(readReport(stored!)!.segments!.map((s) => [s.key, s.decision])).toEqual([
      ['paid', 'own'],
      ['ai', 'global'],
    ]);
  }, 120_000);

  it('scores paid leads with the segment model, the rest with the global one; factors add up', async () => {
    const { deps } = portal;
    const res = await runJob(deps, scoreJob(), { budget: makeBudget(Infinity, deps.now) });
    expect(res.status).toBe('done');
    const scores = await deps.store.listScores('contact', { afterId: null, limit: 5000 });
    expect(scores.length).toBeGreaterThan(100);
    const asOf = Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000 - 1;
    const byId = new Map((await allRecords(deps.store, 'contact')).map((r) => [r.id, r]));
    let paidSeen = 0;
    let otherSeen = 0;
    for (const row of scores) {
      const f = parseFactors(row.factors)!;
      expect(f.base + f.top.reduce((a, x) => a + x.points, 0) + f.otherPoints).toBe(f.score);
      expect(f.modelVersion).toBe(String(row.modelVersion));
      const rec = byId.get(row.id)!;
      const source = valueAt(rec, 'hs_analytics_source', asOf);
      if (source && PAID_SOURCES.includes(source)) {
        paidSeen++;
        expect(f).toMatchObject({ segment: 'paid', segmentModel: true });
        // The segment's own thresholds: 60 / 30 / 10 / 0.
        const want =
          row.score >= 60
            ? 'tier_1'
            : row.score >= 30
              ? 'tier_2'
              : row.score >= 10
                ? 'tier_3'
                : 'tier_4';
        expect(row.tier).toBe(want);
      } else {
        otherSeen++;
        expect(f.segmentModel).toBe(false);
        if (source === 'AI_REFERRALS') expect(f.segment).toBe('ai');
        else expect(f.segment).toBeUndefined();
      }
    }
    expect(paidSeen).toBeGreaterThan(20);
    expect(otherSeen).toBeGreaterThan(100);
  }, 120_000);

  it('prices tiers with the synced deal amounts won after each held-out lead’s scoring moment', async () => {
    const { deps } = portal;
    const res = await settingsAction(deps, {
      action: 'suggest',
      request: { method: 'economics', leadsPerWeek: 15, costPerLead: 300, tierCount: 4 },
    });
    const view = res.suggestion!.economics!;
    expect(view.dealsUsed).toBeGreaterThan(10);
    // The same revenue, computed here from the synced deals: won, closed after asOf, in the horizon.
    const report = readReport((await deps.store.getPublishedModel())!)!;
    const h = report.heldOut;
    const deals = await deps.store.listDeals();
    const horizon = report.conversion.horizonDays * DAY;
    const revenue = h.ids.map((id, i) =>
      deals
        .filter((d) => d.isWon && d.closedAt && d.contactIds.includes(id))
        .filter((d) => {
          const t = Date.parse(d.closedAt!);
          return t > h.asOf![i]! && t <= h.asOf![i]! + horizon;
        })
        .reduce((a, d) => a + (d.amount ?? 0), 0),
    );
    const tiers = res.suggestion!.tiers;
    for (const t of view.tiers) {
      const idx = h.scores.flatMap((sc, i) => {
        const tier = tiers.find((x) => sc >= x.minScore)!;
        return tier.value === t.value ? [i] : [];
      });
      expect(t.leads).toBe(idx.length);
      if (idx.length === 0) continue;
      const perLead = idx.reduce((a, i) => a + revenue[i]!, 0) / idx.length;
      expect(t.revenuePerLead).toBeCloseTo(perLead, 6);
      expect(t.evPerLead).toBeCloseTo(perLead - 300, 6);
    }
    // The demo's deals carry amounts: the value is not a win rate in disguise.
    expect(revenue.some((r) => r > 0 && r !== 1)).toBe(true);
    expect(res.suggestion!.tiers[0]!.minScore).toBeGreaterThanOrEqual(view.breakEvenScore);
    expect(res.suggestion!.tiers[0]!.minScore).toBeGreaterThanOrEqual(view.capacityScore);
  }, 60_000);

  it('shows both on the report page: the segments’ decisions and EV per tier', async () => {
    const { deps } = portal;
    await deps.store.saveSettings(
      { ...settings, economics: { leadsPerWeek: 15, costPerLead: 300 } },
      new Date(now).toISOString(),
    );
    const view = (await currentEconomics(deps))!;
    const report = readReport((await deps.store.getPublishedModel())!)!;
    expect(view.tiers.map((t) => t.minScore)).toEqual(settings.tiers.map((t) => t.minScore));
    expect(view.tiers.reduce((a, t) => a + t.leads, 0)).toBe(report.heldOut.ids.length);
    const published = (await deps.store.getPublishedModel())!;
    const html = renderReportPage({
      published,
      report,
      models: [published],
      stats: [],
      feedback: [],
      drift: null,
      economics: view,
    });
    expect(html).toContain('<h2>Segments</h2>');
    expect(html).toMatch(/Paid channels.*own \(logistic\)/s);
    expect(html).toMatch(/AI referrals.*Global model: too few positives/s);
    expect(html).toContain('<h2>Expected value per tier</h2>');
  });

  it('refuses segment thresholds that do not match the tier count', async () => {
    const { deps } = portal;
    const bad: Settings = {
      ...settings,
      segments: {
        ...settings.segments,
        list: [{ ...settings.segments.list[0]!, minScores: [50, 0] }],
      },
    };
    await expect(settingsAction(deps, { action: 'save', settings: bad })).rejects.toThrow(
      /has 2 tier thresholds; there are 4 tiers/,
    );
  });
});
