import type { ColumnLayout } from '../linear/dense';
import { makeRng } from '../rng';
import type { EncodedMatrix } from '../types';
import { fitGbdt, GbdtBinCache } from './gbdt';
import { sparseBinsOf } from './gbdt-sparse';
import { binMatrix } from './histogram';

/**
 * Fits sharing a GbdtBinCache (a backtest fold's sweep: several depths, weightings, rates on
 * the same rows) must give exactly the models and validation margins of fits that bin afresh,
 * on the sparse form (mostly one-hot) and on dense numbers alike.
 */
function oneHotHeavy(n: number, seed: number): { X: EncodedMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const dense: Array<Float64Array | null> = [];
  const ones: Array<Uint32Array | null> = [];
  const logit = new Float64Array(n);
  for (let f = 0; f < 2; f++) {
    const col = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? NaN : rng.next()));
    col.forEach((v, i) => {
      if (v === v) logit[i] += (v - 0.5) * (f + 1);
    });
    dense.push(col);
    ones.push(null);
  }
  for (let c = 0; c < 4; c++) {
    const rows: number[][] = Array.from({ length: 8 }, () => []);
    for (let i = 0; i < n; i++) {
      const l = Math.floor(rng.next() * 8);
      rows[l]!.push(i);
      if (c === 0) logit[i] += l % 3 === 0 ? 1 : -0.4;
    }
    for (const r of rows) {
      dense.push(null);
      ones.push(Uint32Array.from(r));
    }
  }
  const layout: ColumnLayout = { dense, ones };
  const y = Float64Array.from(logit, (l) => (rng.next() < 1 / (1 + Math.exp(-l)) ? 1 : 0));
  const X = { n, p: dense.length, layout, columns: [] } as unknown as EncodedMatrix;
  return { X, y };
}

function numbers(n: number, seed: number): { X: EncodedMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const p = 4;
  const data = Float64Array.from({ length: n * p }, () => rng.next() * 2 - 1);
  const y = Float64Array.from({ length: n }, (_, i) =>
    rng.next() < 1 / (1 + Math.exp(-3 * data[i]! * data[n + i]!)) ? 1 : 0,
  );
  return { X: { n, p, data, columns: [] }, y };
}

describe('GbdtBinCache', () => {
  it.each([
    ['the sparse form', oneHotHeavy, true],
    ['dense numbers', numbers, false],
  ] as const)(
    'fits on %s give the same models and margins as fits without it',
    (_, make, sparse) => {
      const tr = make(2500, 3);
      const te = make(800, 4);
      expect(sparseBinsOf(binMatrix(tr.X, 255)) !== null).toBe(sparse);
      const w = Float64Array.from({ length: tr.X.n }, (_, i) => 0.5 + (i % 7) / 7);
      const cache = new GbdtBinCache();
      const settings = [
        { maxDepth: 3, weights: undefined, learningRate: 0.1 },
        { maxDepth: 6, weights: undefined, learningRate: 0.1 },
        { maxDepth: 3, weights: w, learningRate: 0.1 },
        { maxDepth: 3, weights: w, learningRate: 0.3 },
      ];
      for (const s of settings) {
        const fit = (binCache?: GbdtBinCache) =>
          fitGbdt(tr.X, tr.y, {
            params: { nRounds: 25, maxDepth: s.maxDepth, learningRate: s.learningRate },
            weights: s.weights,
            valid: { X: te.X, y: te.y },
            keepAll: true,
            validAt: [10, 25],
            rng: makeRng(1),
            threads: 1,
            binCache,
          });
        const cached = fit(cache);
        const fresh = fit();
        expect(cached.ensemble).toEqual(fresh.ensemble);
        expect(cached.validMargins).toEqual(fresh.validMargins);
        expect(cached.validFinal).toEqual(fresh.validFinal);
        expect(cached.bestIteration).toBe(fresh.bestIteration);
      }
      // One binning per matrix and bin count, reused by every fit above.
      const a = cache.binned(tr.X, 255);
      expect(cache.binned(tr.X, 255)).toBe(a);
      expect(a.sparse !== null).toBe(sparse);
      expect(cache.binnedWith(te.X, a.B)).toBe(cache.binnedWith(te.X, a.B));
      expect(cache.binned(tr.X, 16).B.nValueBins.every((b) => b <= 16)).toBe(true);
    },
  );
});
