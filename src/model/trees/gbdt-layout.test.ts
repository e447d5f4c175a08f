import { denseData, type ColumnLayout } from '../linear/dense';
import { makeRng } from '../rng';
import type { EncodedMatrix } from '../types';
import { fitGbdt } from './gbdt';
import { binMatrix, binWithCuts } from './histogram';
import { leafIndex, predictEnsemble } from './tree-ensemble';

/**
 * A GBDT fit on a matrix held as a column layout (numbers dense, 0/1 columns as row lists, as
 * the encoder makes it) must never make the dense form, and must give exactly — bit for bit —
 * the trees, validation margins and predictions the dense form gives.
 */
function mixed(n: number, seed: number): { layout: ColumnLayout; p: number; y: Float64Array } {
  const rng = makeRng(seed);
  const dense: Array<Float64Array | null> = [];
  const ones: Array<Uint32Array | null> = [];
  const addDense = (c: Float64Array): void => {
    dense.push(c);
    ones.push(null);
  };
  const addOnes = (rows: number[]): void => {
    dense.push(null);
    ones.push(Uint32Array.from(rows));
  };
  // Numbers with missing values (NaN, as the encoder writes them for trees).
  for (let j = 0; j < 3; j++)
    addDense(Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.next() * 4 - 2)));
  const level = new Int32Array(n);
  for (const k of [2, 5]) {
    const rows: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) {
      const l = Math.floor(rng.next() * k);
      rows[l]!.push(i);
      if (k === 5) level[i] = l;
    }
    rows.forEach(addOnes);
  }
  // A rare indicator, an empty column, a column of all ones.
  addOnes(Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.02));
  addOnes([]);
  addOnes(Array.from({ length: n }, (_, i) => i));
  const x0 = dense[0]!;
  const y = Float64Array.from({ length: n }, (_, i) => {
    const v = x0[i]!;
    const z = (v === v ? v : 1) + (level[i] === 2 ? 1.5 : 0) - (level[i] === 4 ? 1 : 0);
    return rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
  });
  return { layout: { dense, ones }, p: dense.length, y };
}

/** A layout matrix whose dense form must never be asked for. */
function untouchable(n: number, p: number, layout: ColumnLayout): EncodedMatrix {
  return Object.defineProperty({ n, p, layout, columns: [] } as unknown as EncodedMatrix, 'data', {
    get(): never {
      throw new Error('the dense matrix was made');
    },
  });
}

const denseOf = (n: number, p: number, layout: ColumnLayout): EncodedMatrix => ({
  n,
  p,
  data: denseData(n, p, layout),
  columns: [],
});

describe('GBDT on a column layout', () => {
  it('never makes the dense matrix and grows the same trees bit for bit', () => {
    const tr = mixed(3000, 5);
    const te = mixed(1000, 6);
    const grid = [10, 20, 40];
    const fit = (X: EncodedMatrix, V: EncodedMatrix) =>
      fitGbdt(X, tr.y, {
        params: { nRounds: 40, maxDepth: 4, earlyStoppingRounds: 40 },
        valid: { X: V, y: te.y },
        rng: makeRng(1),
        keepAll: true,
        validAt: grid,
        threads: 1,
      });
    const a = fit(untouchable(3000, tr.p, tr.layout), untouchable(1000, te.p, te.layout));
    const b = fit(denseOf(3000, tr.p, tr.layout), denseOf(1000, te.p, te.layout));
    expect(a.ensemble.trees.length).toBe(40);
    expect(a.ensemble).toEqual(b.ensemble);
    expect(a.bestIteration).toBe(b.bestIteration);
    expect(a.validMargins).toHaveLength(3);
    expect(a.validMargins).toEqual(b.validMargins);
    // Some splits are on the one-hot columns (they carry signal), so those were exercised.
    const split = new Set(a.ensemble.trees.flatMap((t) => Array.from(t.feature)));
    expect([...split].some((f) => f >= 3)).toBe(true);
    // The validation margins are the trees walked on the values, summed from the base margin.
    const V = denseOf(1000, te.p, te.layout);
    const walked = new Float64Array(1000).fill(a.ensemble.baseMargin);
    for (const t of a.ensemble.trees)
      for (let i = 0; i < 1000; i++) walked[i] += t.value[leafIndex(t, V.data, 1000, i, true)]!;
    expect(Array.from(a.validFinal!)).toEqual(Array.from(walked));
    // Prediction on the layout equals prediction on the dense form, without making it.
    expect(Array.from(predictEnsemble(a.ensemble, untouchable(1000, te.p, te.layout)))).toEqual(
      Array.from(predictEnsemble(a.ensemble, V)),
    );
  });

  it('bins 0/1 columns as their dense form, also past the quantile sketch (n > 200,000)', () => {
    for (const n of [500, 250_001]) {
      const rng = makeRng(n);
      // The rows the quantile sketch reads; a column whose 1s are all elsewhere looks constant.
      const sketched = new Uint8Array(n);
      const step = Math.max(1, n / 200_000);
      for (let k = 0; k < Math.min(n, 200_000); k++) sketched[Math.floor(k * step)] = 1;
      const hidden = [...Array(40).keys()].filter((i) => !sketched[i]);
      expect(hidden.length > 0).toBe(n > 200_000);
      const some = [...Array(n).keys()].filter(() => rng.next() < 0.3);
      const layout: ColumnLayout = {
        dense: [Float64Array.from({ length: n }, () => rng.next()), null, null, null],
        ones: [null, Uint32Array.from(hidden), Uint32Array.from(some), new Uint32Array(0)],
      };
      const L = binMatrix(untouchable(n, 4, layout), 255);
      const D = binMatrix(denseOf(n, 4, layout), 255);
      expect(L.cuts).toEqual(D.cuts);
      expect(Array.from(L.nValueBins)).toEqual(Array.from(D.nValueBins));
      expect(Buffer.from(L.bins).equals(Buffer.from(D.bins))).toBe(true);
      const vl = binWithCuts(untouchable(n, 4, layout), D);
      const vd = binWithCuts(denseOf(n, 4, layout), D);
      expect(Buffer.from(vl).equals(Buffer.from(vd))).toBe(true);
    }
  });
});
