import { binColumn, binOf, computeCuts, sortFloats } from './histogram';
import { makeRng } from '../rng';

describe('binColumn', () => {
  const rng = makeRng(7);
  const columns: Record<string, (i: number) => number> = {
    uniform: () => rng.next(),
    'heavy tail': () => Math.exp(12 * rng.next()) * (rng.next() < 0.5 ? -1 : 1),
    'few values with ties': (i) => i % 37,
    'huge range': () => (rng.next() - 0.5) * 1e308 * 1.5,
    'missing and infinite': (i) =>
      i % 11 === 0 ? NaN : i % 13 === 0 ? Infinity : i % 17 === 0 ? -Infinity : rng.next(),
  };
  it.each(Object.keys(columns))('agrees with binary search per value: %s', (name) => {
    const n = 20_000;
    const col = Float64Array.from({ length: n }, (_, i) => columns[name](i));
    // Cuts from the first half, so the second half has values between and beyond them.
    const cuts = computeCuts(col.subarray(0, n / 2), 255);
    const out = new Uint8Array(n);
    binColumn(col, cuts, out);
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      const x = col[i];
      if (out[i] !== (x === x ? binOf(cuts, x) : cuts.length + 1)) wrong++;
    }
    expect(wrong).toBe(0);
    // Exactly on every cut, and just below it.
    const probe = Float64Array.from(
      Array.from(cuts)
        .filter(Number.isFinite)
        .flatMap((c) => [c, c - Math.abs(c) * 1e-15 - 1e-300]),
    );
    const pOut = new Uint8Array(probe.length);
    binColumn(probe, cuts, pOut);
    expect(Array.from(pOut)).toEqual(Array.from(probe, (x) => binOf(cuts, x)));
  });
});

describe('sortFloats', () => {
  const rng = makeRng(5);
  const kinds: Record<string, () => number> = {
    uniform: () => rng.next(),
    'both signs, wide range': () => Math.log(rng.next()) * (rng.next() < 0.5 ? -1e5 : 1e-7),
    'few integers': () => Math.floor(rng.next() * 5),
    'signed zeros and infinities': () =>
      [-0, 0, -1, Infinity, -Infinity, 1e-310, -1e-310][Math.floor(rng.next() * 7)],
  };
  it.each(Object.keys(kinds))('orders like TypedArray#sort: %s', (kind) => {
    const a = Float64Array.from({ length: 30_000 }, kinds[kind]);
    const expected = Float64Array.from(a).sort();
    const got = sortFloats(Float64Array.from(a));
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (!Object.is(got[i], expected[i])) diff++;
    expect(diff).toBe(0);
  });
});

describe('computeCuts on few distinct values', () => {
  it('cuts halfway between the sorted distinct values, signed zeros counted once', () => {
    const rng = makeRng(9);
    const values = [3, -0, 0, 1, -2.5, 7, 1e-300];
    const col = Float64Array.from({ length: 5000 }, (_, i) =>
      i % 50 === 0 ? NaN : values[Math.floor(rng.next() * values.length)],
    );
    expect(Array.from(computeCuts(col, 255))).toEqual([-1.25, 5e-301, 0.5, 2, 5]);
    // More distinct values than bins: quantile cuts instead.
    expect(computeCuts(col, 3).length).toBeLessThanOrEqual(2);
  });
});
