import { accumulateSparse, sparseBinsOf } from './gbdt-sparse';
import { binMatrix } from './histogram';
import { makeRng } from '../rng';

describe('sparse histograms', () => {
  const rng = makeRng(11);
  const n = 3000;
  const p = 12;
  // One-hot-like columns (mostly 0), one with missing values, one mostly 1.
  const data = new Float64Array(n * p);
  for (let f = 0; f < p; f++) {
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      data[f * n + i] = f === 3 && u < 0.1 ? NaN : f === 5 ? (u < 0.9 ? 1 : 0) : u < 0.08 ? 1 : 0;
    }
  }
  const B = binMatrix({ n, p, data, columns: [] }, 255);
  const gh = Float64Array.from({ length: 2 * n }, (_, k) =>
    k % 2 === 0 ? rng.next() - 0.4 : 0.1 + rng.next() * 0.15,
  );

  it('is chosen for mostly-default data and matches a dense histogram on any row subset', () => {
    const S = sparseBinsOf(B);
    expect(S).not.toBeNull();
    const rows = Uint32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.3);
    const sparse = new Float64Array(B.totalBins * 2);
    accumulateSparse(sparse, S!, B, rows, 0, rows.length, gh);
    const dense = new Float64Array(B.totalBins * 2);
    for (const r of rows) {
      for (let f = 0; f < p; f++) {
        const b = 2 * (B.offsets[f] + B.bins[f * n + r]);
        dense[b] += gh[2 * r];
        dense[b + 1] += gh[2 * r + 1];
      }
    }
    for (let k = 0; k < dense.length; k++) expect(sparse[k]).toBeCloseTo(dense[k], 9);
  });

  it('is not chosen for dense data', () => {
    const d = Float64Array.from({ length: n * p }, () => rng.next());
    expect(sparseBinsOf(binMatrix({ n, p, data: d, columns: [] }, 255))).toBeNull();
  });
});
