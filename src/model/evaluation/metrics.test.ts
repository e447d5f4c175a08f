import {
  brier,
  calibrationTable,
  conversionByTier,
  evaluate,
  liftByDecile,
  logLoss,
  prAuc,
  precisionAtTop,
  precisionRecallAt,
  rocAuc,
} from './metrics';

describe('rocAuc', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it('counts a tied positive/negative pair as one half', () => {
    // Pairs (pos, neg): (0.5 vs 0.5) tie = ½, (0.5 vs 0.2) = 1, (0.9 vs 0.5) = 1, (0.9 vs 0.2) = 1.
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.2])).toBeCloseTo(3.5 / 4, 12);
    // Everything tied: no information.
    expect(rocAuc([1, 0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
  });

  it('is NaN when a class is absent', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('prAuc (average precision)', () => {
  it('matches a hand computation', () => {
    // Sorted: 0.9(1) 0.8(0) 0.7(1) 0.1(0); AP = ½·1 + ½·(2/3).
    expect(prAuc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])).toBeCloseTo(0.5 + 1 / 3, 12);
  });
  it('groups tied scores into one threshold', () => {
    // Both at 0.5: one step to recall 1 with precision ½.
    expect(prAuc([1, 0], [0.5, 0.5])).toBeCloseTo(0.5, 12);
  });
});

describe('log loss, Brier, thresholds, top k', () => {
  it('computes log loss and Brier', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(brier([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
  });
  it('computes precision and recall at a threshold', () => {
    const r = precisionRecallAt([1, 0, 1, 1, 0], [0.9, 0.6, 0.4, 0.7, 0.2], 0.5);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.predictedPositive).toBe(3);
  });
  it('computes precision in the top k %', () => {
    expect(
      precisionAtTop([1, 0, 0, 1, 0, 0, 0, 0, 0, 1], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 0.2),
    ).toBe(0.5);
  });
});

describe('liftByDecile', () => {
  it('splits 20 rows into deciles of 2 and divides by the base rate', () => {
    const s = Array.from({ length: 20 }, (_, i) => 20 - i);
    const y = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const d = liftByDecile(y, s);
    expect(d).toHaveLength(10);
    expect(d.map((r) => r.count)).toEqual(Array(10).fill(2));
    // Base rate 4/20 = 0.2; decile 1 rate 1 → lift 5; decile 2 rate 0.5 → 2.5; decile 3 rate 0.5.
    expect(d[0]!.lift).toBeCloseTo(5, 12);
    expect(d[1]!.lift).toBeCloseTo(2.5, 12);
    expect(d[2]!.lift).toBeCloseTo(2.5, 12);
    expect(d[3]!.lift).toBe(0);
  });
});

describe('calibrationTable / ECE', () => {
  it('matches a hand computation', () => {
    // Bin [0.1,0.2): p 0.1, 0.1, y 0, 1 → mean 0.1, observed 0.5, gap 0.4, weight 2/4.
    // Bin [0.9,1]: p 0.9, 1.0, y 1, 1 → mean 0.95, observed 1, gap 0.05, weight 2/4.
    const { bins, ece } = calibrationTable([0, 1, 1, 1], [0.1, 0.1, 0.9, 1.0]);
    expect(ece).toBeCloseTo(0.5 * 0.4 + 0.5 * 0.05, 12);
    expect(bins[1]!.count).toBe(2);
    expect(bins[9]!.count).toBe(2);
    expect(bins[5]!.count).toBe(0);
  });
});

describe('conversionByTier', () => {
  it('assigns each row to the highest tier whose floor it reaches', () => {
    const rows = conversionByTier(
      [1, 0, 1, 0, 0],
      [90, 75, 60, 30, 5],
      [
        { name: 'cold', min: 0 },
        { name: 'hot', min: 80 },
        { name: 'warm', min: 50 },
      ],
    );
    expect(rows).toEqual([
      { tier: 'hot', count: 1, conversions: 1, conversionRate: 1 },
      { tier: 'warm', count: 2, conversions: 1, conversionRate: 0.5 },
      { tier: 'cold', count: 2, conversions: 0, conversionRate: 0 },
    ]);
  });
});

describe('evaluate', () => {
  it('bundles every metric', () => {
    const m = evaluate([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.4], [{ name: 'all', min: 0 }]);
    expect(m.auc).toBe(1);
    expect(m.rows).toBe(4);
    expect(m.positives).toBe(2);
    expect(m.byTier![0]!.count).toBe(4);
    expect(() => evaluate([1], [0.2, 0.3])).toThrow(/differ in length/);
  });
});
