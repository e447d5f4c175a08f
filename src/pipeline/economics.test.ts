import type { DealOutcome } from '../contracts/records';
import { DEFAULT_SETTINGS } from '../contracts/settings';
import { breakEvenScore, economicsBands, leadRevenue, type EconomicsInputs } from './economics';
import { suggestTiers } from './tiers';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function deal(
  id: string,
  contact: string,
  closedAt: number,
  amount: number | null,
  isWon = true,
): DealOutcome {
  return {
    id,
    createdAt: new Date(closedAt - 20 * DAY).toISOString(),
    closedAt: new Date(closedAt).toISOString(),
    isClosed: true,
    isWon,
    amount,
    contactIds: [contact],
  };
}

/**
 * 100 held-out leads, 10 per score band (band k: scores 10k+5); in band k, k of the 10 won a
 * deal worth `amount(k)` after their asOf.
 */
function portal(amount: (band: number) => number): EconomicsInputs {
  const ids: string[] = [];
  const scores: number[] = [];
  const asOf: number[] = [];
  const deals: DealOutcome[] = [];
  for (let k = 0; k < 10; k++) {
    for (let j = 0; j < 10; j++) {
      const id = `c${k}_${j}`;
      ids.push(id);
      scores.push(10 * k + 5);
      asOf.push(T0);
      if (j < k) deals.push(deal(`d${k}_${j}`, id, T0 + 30 * DAY, amount(k)));
    }
  }
  return {
    heldOut: { ids, scores, asOf },
    deals,
    horizonDays: 120,
    openScores: scores,
    weeklyInflow: 100,
  };
}

describe('tiers from deal economics', () => {
  it('counts only won deals closed after the lead’s asOf and within the horizon', () => {
    const heldOut = { ids: ['a', 'b', 'c', 'd'], scores: [50, 50, 50, 50], asOf: [T0, T0, T0, T0] };
    const r = leadRevenue(
      heldOut,
      [
        deal('before', 'a', T0 - DAY, 1000), // won before the scoring moment: priced nothing
        deal('in', 'b', T0 + 10 * DAY, 700),
        deal('late', 'c', T0 + 200 * DAY, 900), // after the horizon: the label never saw it
        deal('lost', 'd', T0 + 10 * DAY, 500, false),
        deal('noamount', 'd', T0 + 20 * DAY, null),
      ],
      120,
    );
    expect(r.revenue).toEqual([0, 700, 0, 0]);
    expect(r.won).toEqual([false, true, false, true]);
    expect(r.wonWithoutAmount).toBe(1);
    expect(r.dealsUsed).toBe(2);
  });

  it('the break-even score moves with the deal amounts (same win rates, other amounts)', () => {
    const cost = 500;
    // Band k wins k/10 of its leads. With 2,000 a deal, EV per lead = 200k − 500 > 0 from k = 3.
    const small = economicsBands(
      portal(() => 2000),
      cost,
    );
    expect(breakEvenScore(small.bands)).toBe(30);
    // With 10,000 a deal: 1,000k − 500 > 0 from k = 1.
    const big = economicsBands(
      portal(() => 10_000),
      cost,
    );
    expect(breakEvenScore(big.bands)).toBe(10);
    // Win rates are the same in both: only the amounts differ.
    expect(big.bands.map((b) => b.winRate)).toEqual(small.bands.map((b) => b.winRate));
    expect(big.bands.find((b) => b.from === 50)!.revenuePerLead).toBe(5000);
  });

  it('suggests the top tier where EV turns positive, raised when capacity cannot cover it', () => {
    const req = { method: 'economics' as const, costPerLead: 500, tierCount: 4 };
    const labels = DEFAULT_SETTINGS.tiers.map((t) => t.label);
    const inputs = portal(() => 2000);
    const tierInputs = { openScores: [...inputs.openScores], heldOut: null, weeklyInflow: 100 };
    const roomy = suggestTiers({ ...req, leadsPerWeek: 100 }, tierInputs, labels, inputs);
    expect(roomy.tiers[0]!.minScore).toBe(30);
    const tiers = roomy.economics!.tiers;
    // Top tier = bands 3..9: 42 wins of 70 leads at 2,000 → 1,200 a lead, EV 700.
    expect(tiers[0]!.winRate).toBeCloseTo(42 / 70);
    expect(tiers[0]!.evPerLead).toBeCloseTo(700);
    expect(tiers[0]!.weeklyLeads).toBeCloseTo(70);
    expect(tiers[0]!.weeklyEv).toBeCloseTo(49_000);
    expect(roomy.rationale).toMatch(/from score 30 up/);
    // 20 leads a week: only the best 20 % fit, so the top tier starts at 85.
    const tight = suggestTiers({ ...req, leadsPerWeek: 20 }, tierInputs, labels, inputs);
    expect(tight.tiers[0]!.minScore).toBe(85);
    expect(tight.economics!.capacityScore).toBe(85);
    expect(tight.rationale).toMatch(/can work 20 leads a week/);
  });

  it('refuses without held-out history that knows each lead’s asOf', () => {
    expect(() =>
      suggestTiers(
        { method: 'economics', costPerLead: 1, leadsPerWeek: 5, tierCount: 4 },
        { openScores: [1, 2], heldOut: null, weeklyInflow: null },
        undefined,
        null,
      ),
    ).toThrow(/held-out history/);
  });
});
