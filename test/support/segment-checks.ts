/**
 * What the segment-model e2e tests check alike on every CRM (HubSpot: test/e2e/segments.test.ts,
 * Salesforce: test/e2e/salesforce-segments.test.ts): a training run that gives one segment its
 * own model and lets a small one fall back, saying why; and a scoring run that routes each record
 * to its segment's model, records which model scored it, keeps the factors adding up and tiers
 * the segment with its own thresholds. Each test keeps what only its CRM has.
 */
import { parseFactors } from '../../src/contracts/factors';
import type { JobResult } from '../../src/contracts/functions';
import type { Segment, Segments } from '../../src/contracts/settings';
import { valueAt } from '../../src/features';
import { makeBudget, readReport, runJob, scoreJob, trainJob } from '../../src/pipeline';
import { allRecords } from '../../src/pipeline/records';
import type { SegmentReport } from '../../src/pipeline/report';
import type { AppDeps } from '../../src/server/compose';
import type { ScoreRow } from '../../src/store/port';

/**
 * Trains (no time budget) and checks the two decisions against the admin's gates in `segments`:
 * `own` keeps its own model, whose backtests beat the global model's by at least `minGain`;
 * `fallback` falls back to the global model with fewer than `minPositives` positives. The stored
 * model's report says the same. Returns the run (its progress names both).
 */
export async function trainAndExpectDecisions(
  deps: AppDeps,
  segments: Segments,
  keys: { own: string; fallback: string },
): Promise<JobResult> {
  const res = await runJob(deps, trainJob(), { budget: makeBudget(Infinity, deps.now) });
  expect(res.status).toBe('done');
  const reports = res.summary.segments as SegmentReport[];
  const own = reports.find((s) => s.key === keys.own)!;
  const fallback = reports.find((s) => s.key === keys.fallback)!;
  expect(own.decision).toBe('own');
  expect(own.segmentAuc! - own.globalAuc!).toBeGreaterThanOrEqual(segments.minGain);
  expect(own.why).toMatch(/^Own model: its own model beats the global model/);
  expect(fallback.decision).toBe('global');
  expect(fallback.positives).toBeLessThan(segments.minPositives);
  expect(fallback.why).toMatch(/too few positives/);
  const stored = await deps.store.getModel(res.summary.version as number);
  expect(readReport(stored!)!.segments!.map((s) => [s.key, s.decision])).toEqual([
    [keys.own, 'own'],
    [keys.fallback, 'global'],
  ]);
  return res;
}

/** The tier a score takes under `minScores` (best tier first, the last 0). */
const tierFor = (score: number, minScores: readonly number[]) =>
  `tier_${minScores.findIndex((min) => score >= min) + 1}`;

/**
 * Scores every contact/lead (no time budget) and checks the routing, each record by its value
 * of the segment property at `asOf`: `own`'s records by its model (`segmentModel`) and tiered
 * with its own `minScores` (which it must have); every other record by the global model, tagged with `fallback` when it
 * belongs there. Every score's factors add up and name the model version that wrote them.
 * Returns the stored scores.
 */
export async function scoreAndExpectRouting(
  deps: AppDeps,
  segments: { own: Segment; fallback: Segment },
  asOf: number,
): Promise<ScoreRow[]> {
  const { own, fallback } = segments;
  // The segment's own thresholds are what this checks its tiers against.
  expect(own.minScores).toBeDefined();
  const res = await runJob(deps, scoreJob(), { budget: makeBudget(Infinity, deps.now) });
  expect(res.status).toBe('done');
  const scores = await deps.store.listScores('contact', { afterId: null, limit: 5000 });
  expect(scores.length).toBeGreaterThan(100);
  const byId = new Map((await allRecords(deps.store, 'contact')).map((r) => [r.id, r]));
  let ownSeen = 0;
  let otherSeen = 0;
  for (const row of scores) {
    const f = parseFactors(row.factors)!;
    expect(f.base + f.top.reduce((a, x) => a + x.points, 0) + f.otherPoints).toBe(f.score);
    expect(f.modelVersion).toBe(String(row.modelVersion));
    const record = byId.get(row.id)!;
    const value = valueAt(record, own.property, asOf);
    if (value !== null && own.values.includes(value)) {
      ownSeen++;
      expect(f).toMatchObject({ segment: own.key, segmentModel: true });
      expect(row.tier).toBe(tierFor(row.score, own.minScores!));
    } else {
      otherSeen++;
      expect(f.segmentModel).toBe(false);
      const fallbackValue = valueAt(record, fallback.property, asOf);
      const inFallback = fallbackValue !== null && fallback.values.includes(fallbackValue);
      expect(f.segment).toBe(inFallback ? fallback.key : undefined);
    }
  }
  expect(ownSeen).toBeGreaterThan(20);
  expect(otherSeen).toBeGreaterThan(100);
  return scores;
}
