import { rocAuc } from '../../model';
import { makeRng } from '../../model';
import {
  addOutcome,
  binOf,
  buildBaseline,
  countInto,
  emptyHistogram,
  fitBins,
  metricsOf,
  proportions,
  psi,
} from './bins';

describe('drift bins and PSI', () => {
  it('bins numbers by training deciles with a missing bin, categories by name with (other)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const b = fitBins('x', true, xs);
    expect(b.kind).toBe('numeric');
    if (b.kind !== 'numeric') return;
    expect(b.edges).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(binOf(b, -5)).toBe(0);
    expect(binOf(b, 10)).toBe(1);
    expect(binOf(b, 1e9)).toBe(9);
    expect(binOf(b, null)).toBe(10);
    const c = fitBins('c', false, ['a', 'a', 'b', null, ['m', 'n']]);
    expect(c).toEqual({ kind: 'category', name: 'c', values: ['a', '2', 'b'] });
    expect(binOf(c, 'zzz')).toBe(3);
    expect(binOf(c, '')).toBe(4);
  });

  it('is ~0 for the same distribution and large for a shifted one', () => {
    const rng = makeRng(7);
    const train = Array.from({ length: 5000 }, () => rng.next());
    const b = fitBins('u', true, train);
    const expected = proportions(countInto(b, train));
    const same = Array.from({ length: 5000 }, () => rng.next());
    const shifted = Array.from({ length: 5000 }, () => 0.5 + rng.next() / 2);
    expect(psi(expected, countInto(b, same))!).toBeLessThan(0.02);
    expect(psi(expected, countInto(b, shifted))!).toBeGreaterThan(0.25);
    expect(psi(expected, countInto(b, []))).toBeNull();
  });

  it('builds a baseline per field type and of the score', () => {
    const rows = [
      { n: 1, c: 'x' },
      { n: 2, c: 'y' },
      { n: null, c: 'x' },
    ];
    const base = buildBaseline(
      [
        { name: 'n', label: 'N', type: 'number', source: 'property' },
        { name: 'c', label: 'C', type: 'category', source: 'property' },
      ] as never,
      rows,
      [0.1, 0.5, 0.9],
    );
    expect(base.rows).toBe(3);
    expect(base.fields.map((f) => f.bins.kind)).toEqual(['numeric', 'category']);
    for (const f of base.fields) expect(f.expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(base.score.expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('realised metrics from outcome histograms', () => {
  it('match the exact AUC within the bin resolution, and count tiers and calibration', () => {
    const rng = makeRng(3);
    const y: number[] = [];
    const p: number[] = [];
    const h = emptyHistogram();
    for (let i = 0; i < 4000; i++) {
      const yi = rng.next() < 0.3 ? 1 : 0;
      const pi = Math.min(1, Math.max(0, 0.3 + (yi ? 0.15 : -0.05) + (rng.next() - 0.5) * 0.6));
      y.push(yi);
      p.push(pi);
      addOutcome(h, pi, pi >= 0.5 ? 'tier_1' : 'tier_2', yi as 0 | 1);
    }
    const m = metricsOf(h, 'tier_1');
    expect(m.auc!).toBeCloseTo(rocAuc(Float64Array.from(y), Float64Array.from(p)), 3);
    expect(m.positives + m.negatives).toBe(4000);
    const top = y.filter((_, i) => p[i]! >= 0.5);
    expect(m.precisionTopTier!).toBeCloseTo(top.reduce((a, b) => a + b, 0) / top.length, 12);
    expect(m.ece!).toBeGreaterThan(0);
    expect(m.byTier.reduce((a, t) => a + t.count, 0)).toBe(4000);
  });

  it('has no AUC with one class', () => {
    const h = emptyHistogram();
    addOutcome(h, 0.4, 'tier_2', 1);
    expect(metricsOf(h, 'tier_1')).toMatchObject({
      auc: null,
      precisionTopTier: null,
      positives: 1,
    });
  });
});
