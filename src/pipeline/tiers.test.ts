import { TiersSchema } from '../contracts/settings';
import { suggestTiers, tierStats } from './tiers';

// 1,000 open scores spread 0..99 and a held-out slice where conversion rises with the score.
const openScores = Array.from({ length: 1000 }, (_, i) => i % 100);
const heldOut = {
  scores: Array.from({ length: 500 }, (_, i) => i % 100),
  labels: Array.from({ length: 500 }, (_, i) => (((i % 100) * 7 + i) % 100 < i % 100 ? 1 : 0)),
};
const inputs = { openScores, heldOut, weeklyInflow: 200 };

describe('tier suggestions', () => {
  it('capacity: the top tier holds about the leads the team can work a week', () => {
    const s = suggestTiers({ method: 'capacity', leadsPerWeek: 20, tierCount: 4 }, inputs);
    expect(TiersSchema.safeParse(s.tiers).success).toBe(true);
    expect(s.stats[0].share).toBeCloseTo(0.1, 1);
    expect(s.rationale).toMatch(/200 new leads/);
  });

  it('expected value: the top tier starts where p × value exceeds the cost', () => {
    const s = suggestTiers(
      { method: 'expected_value', dealValue: 10000, costPerLead: 2500, tierCount: 3 },
      inputs,
    );
    expect(s.tiers[0].minScore).toBe(25);
    expect(s.tiers).toHaveLength(3);
    expect(TiersSchema.safeParse(s.tiers).success).toBe(true);
  });

  it('precision: the top tier converts at least the target on held-out history', () => {
    const s = suggestTiers({ method: 'precision', targetPrecision: 0.6, tierCount: 4 }, inputs);
    expect(TiersSchema.safeParse(s.tiers).success).toBe(true);
    expect(s.stats[0].historicalConversionRate!).toBeGreaterThanOrEqual(0.6);
  });

  it('tier stats count the open records and held-out conversion per tier', () => {
    const stats = tierStats(
      [
        { value: 'tier_1', label: 'Hot', minScore: 50 },
        { value: 'tier_2', label: 'Cold', minScore: 0 },
      ],
      {
        openScores: [10, 60, 70],
        heldOut: { scores: [55, 5], labels: [1, 0] },
        weeklyInflow: null,
      },
    );
    expect(stats.map((s) => s.count)).toEqual([2, 1]);
    expect(stats.map((s) => s.historicalConversionRate)).toEqual([1, 0]);
  });
});
