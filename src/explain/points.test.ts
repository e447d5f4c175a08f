import { makeRng } from '../model/rng';
import type { Explanation } from './explanation';
import { largestRemainder, toPoints } from './points';
import { formatPoints, makeFactor, reasonText, topFactors } from './reasons';

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));
const expl = (base: number, values: number[]): Explanation => ({
  base,
  values: Float64Array.from(values),
  names: values.map((_, i) => `f${i}`),
  data: values.map(() => null),
});
const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
};

describe('points on the 0–100 scale', () => {
  it('reproduces the worked example of ml.md §3.4', () => {
    const pts = toPoints(expl(-1, [0.8, -0.3, 0.25, 0.05]), sigmoid);
    expect(pts.scoreExact).toBeCloseTo(45.017, 3);
    expect(Array.from(pts.exact, (v) => Math.round(v * 100) / 100)).toEqual([
      18.12, -6.8, 5.66, 1.13,
    ]);
    expect(pts.score).toBe(45);
    expect(pts.base).toBe(27);
    expect(sum(pts.points)).toBe(18);
  });

  it('always sums to the displayed score, keeps signs, over many random cases', () => {
    const rng = makeRng(3);
    // Calibrations: sigmoid, a steep one (extreme probabilities) and a step (isotonic-like).
    const cals = [
      sigmoid,
      (m: number) => sigmoid(8 * m),
      (m: number) => Math.min(1, Math.max(0, Math.floor(sigmoid(m) * 10) / 10)),
    ];
    for (let trial = 0; trial < 1500; trial++) {
      const m = rng.int(12);
      const scale = [1e-14, 1e-3, 1, 10, 40][rng.int(5)];
      const values = Array.from({ length: m }, () => (rng.next() * 2 - 1) * scale);
      // Some cases cancel exactly: Σφ ≈ 0 with non-zero parts.
      if (m >= 2 && rng.next() < 0.15) values[m - 1] = -sum(values.slice(0, m - 1));
      const e = expl((rng.next() * 2 - 1) * [1, 10, 30][rng.int(3)], values);
      const cal = cals[trial % cals.length];
      const pts = toPoints(e, cal);
      expect(pts.base + sum(pts.points)).toBe(pts.score);
      expect(pts.score).toBe(Math.round(100 * cal(e.base + sum(values))));
      expect(pts.score).toBeGreaterThanOrEqual(0);
      expect(pts.score).toBeLessThanOrEqual(100);
      for (let i = 0; i < m; i++) {
        expect(Math.abs(pts.points[i] - pts.exact[i])).toBeLessThan(1 + 1e-9);
        if (pts.exact[i] !== 0) expect(Math.sign(pts.exact[i])).toBe(Math.sign(values[i]));
      }
    }
  });

  it('uses the slope at the base when Σφ is exactly 0', () => {
    const pts = toPoints(expl(0, [0.5, -0.5]), sigmoid);
    expect(pts.exact[0]).toBeCloseTo(100 * 0.25 * 0.5, 5);
    expect(pts.points[0] + pts.points[1]).toBe(0);
  });

  it('largest remainder hands out units by fractional part', () => {
    expect(Array.from(largestRemainder(Float64Array.from([1.6, 1.3, 1.1]), 4))).toEqual([2, 1, 1]);
    expect(Array.from(largestRemainder(Float64Array.from([-1.6, -1.3]), -3))).toEqual([-2, -1]);
    expect(Array.from(largestRemainder(new Float64Array(0), 0))).toEqual([]);
  });
});

describe('reasons', () => {
  it('reads like a sentence with a signed number', () => {
    expect(reasonText('Lead Source', 'Reference', 12)).toBe('Lead Source is Reference: +12');
    expect(reasonText('Total Visits', '0', -7)).toBe('Total Visits is 0: \u22127');
    expect(reasonText('Job Title', null, -3)).toBe('Job Title is missing: \u22123');
    expect(formatPoints(0)).toBe('+0');
    expect(reasonText('Notes', 'x'.repeat(100), 1).length).toBeLessThan(80);
  });

  it('picks the strongest positives and negatives and accounts for the rest', () => {
    const all = [
      makeFactor('a', 'A', '1', 9, 0.9),
      makeFactor('b', 'B', '1', 4, 0.4),
      makeFactor('c', 'C', '1', -6, -0.6),
      makeFactor('d', 'D', '1', -1, -0.1),
      makeFactor('e', 'E', null, 2, 0.2),
    ];
    const { top, otherPoints } = topFactors(all, 3);
    expect(top.map((f) => f.field)).toEqual(['a', 'c', 'b']);
    expect(otherPoints).toBe(1);
    // Only positives available: the negatives' share is topped up from them.
    expect(
      topFactors(
        all.filter((f) => f.points > 0),
        2,
      ).top.map((f) => f.field),
    ).toEqual(['a', 'b']);
    expect(topFactors(all, 0).top).toEqual([]);
  });

  it('never shows a factor worth 0 displayed points, however large its log-odds', () => {
    const all = [
      makeFactor('a', 'A', '1', 5, 0.5),
      makeFactor('z', 'Z', '1', 0, 0.04),
      makeFactor('y', 'Y', '1', 0, -0.04),
    ];
    const { top, otherPoints } = topFactors(all, 6);
    expect(top.map((f) => f.field)).toEqual(['a']);
    expect(otherPoints).toBe(0);
  });
});
