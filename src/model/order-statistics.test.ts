import { quantiles, selectKth } from './order-statistics';
import { makeRng } from './rng';

/** Inputs that break naive selection: random, few distinct values, sorted, reversed, constant. */
function inputs(n: number, seed: number): Array<[string, Float64Array]> {
  const rng = makeRng(seed);
  return [
    ['random', Float64Array.from({ length: n }, () => rng.next() * 100 - 50)],
    ['few distinct', Float64Array.from({ length: n }, () => rng.int(7))],
    ['sorted', Float64Array.from({ length: n }, (_, i) => i)],
    ['reversed', Float64Array.from({ length: n }, (_, i) => n - i)],
    ['constant', new Float64Array(n).fill(3.5)],
  ];
}

describe('selectKth', () => {
  it('places the k-th smallest at k with ≤ before and ≥ after, on small and large ranges', () => {
    for (const n of [1, 2, 3, 10, 601, 602, 5000]) {
      for (const [name, base] of inputs(n, n)) {
        const sorted = Float64Array.from(base).sort();
        for (const k of [
          0,
          Math.floor(n * 0.005),
          Math.floor(n / 2),
          Math.floor(n * 0.995),
          n - 1,
        ]) {
          const a = Float64Array.from(base);
          selectKth(a, k, 0, n);
          expect([name, n, k, a[k]]).toEqual([name, n, k, sorted[k]]);
          for (let i = 0; i < k; i++) if (a[i]! > a[k]!) throw new Error(`${name} ${n} ${k}: ${i}`);
          for (let i = k + 1; i < n; i++)
            if (a[i]! < a[k]!) throw new Error(`${name} ${n} ${k}: ${i}`);
          // Same multiset: nothing lost or duplicated.
          expect(Float64Array.from(a).sort()).toEqual(sorted);
        }
      }
    }
  });

  it('selects within a sub-range, leaving the rest untouched (ascending searches, as the guard does)', () => {
    const rng = makeRng(4);
    const a = Float64Array.from({ length: 3000 }, () => rng.next());
    const sorted = Float64Array.from(a).sort();
    let from = 0;
    for (const at of [150, 900, 1500, 2850]) {
      selectKth(a, at, from, a.length);
      expect(a[at]).toBe(sorted[at]);
      from = at;
    }
  });
});

describe('quantiles', () => {
  it('equals linear interpolation on a sorted copy', () => {
    for (const [name, base] of inputs(4321, 8)) {
      const sorted = Float64Array.from(base).sort();
      const q = (p: number): number => {
        const pos = p * (sorted.length - 1);
        const lo = Math.floor(pos);
        const hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
      };
      const got = quantiles(Float64Array.from(base), [0.005, 0.25, 0.5, 0.995]);
      expect([name, got]).toEqual([name, [0.005, 0.25, 0.5, 0.995].map(q)]);
    }
  });
});
