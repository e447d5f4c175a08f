/**
 * Segment models (issue 16) on a small demo portal whose paid-channel leads convert on drivers
 * of their own (generator option `segmentDrivers`): the paid segment gets its own model, which
 * beats the global model on paid leads in the backtests; a segment too small to support a model
 * (AI referrals) falls back to the global model; the report and the run's summary say both, with
 * why. Scoring then routes each record to its segment's model, records which model scored it,
 * keeps the factors adding up and tiers a segment with its own thresholds.
 */
import type { Settings } from '../../src/contracts/settings';
import { currentEconomics, readReport, settingsAction } from '../../src/pipeline';
import { renderReportPage } from '../../src/server/report-page';
import { scoreAndExpectRouting, trainAndExpectDecisions } from '../support/segment-checks';
import { PAID_SEGMENT, segmentSettings, useSegmentsPortal } from '../support/segments-portal';

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
    const res = await trainAndExpectDecisions(portal.deps, settings.segments, {
      own: 'paid',
      fallback: 'ai',
    });
    expect(res.progress).toMatch(/segment ai .*Global model: too few positives/);
  }, 120_000);

  it('scores paid leads with the segment model, the rest with the global one; factors add up', async () => {
    const [paid, ai] = settings.segments.list;
    // The end of the scoring day: what the score job reads the lead source at.
    const asOf = Math.floor(now / DAY) * DAY + DAY - 1;
    await scoreAndExpectRouting(portal.deps, { own: paid!, fallback: ai! }, asOf);
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
