import { columnMeans } from '../fitted';
import { makeRng } from '../rng';
import { denseData, layoutMatrix, type ColumnLayout, type DenseMatrix } from './dense';
import { prefersLbfgs } from './lbfgs';
import { fitLogisticWith, linearPredictor } from './logistic';
import { designFor } from './logistic-hessian';

/**
 * A matrix held as a layout (numbers dense, 0/1 columns as row lists, as the encoder makes it)
 * must give every kernel exactly — bit for bit — what its dense form gives.
 */
function mixed(n: number): { layout: ColumnLayout; p: number; rng: ReturnType<typeof makeRng> } {
  const rng = makeRng(11);
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
  for (let j = 0; j < 3; j++) addDense(Float64Array.from({ length: n }, () => rng.next() * 4 - 2));
  // One-hot groups: 2 levels (each ~50 %: dense by the builder's rule), 3, 9.
  for (const k of [2, 3, 9]) {
    const rows: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) rows[Math.floor(rng.next() * k)]!.push(i);
    rows.forEach(addOnes);
  }
  // A rare indicator, an empty column, a dense 0/1 number (a flag) and a mostly-zero count.
  addOnes(Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.02));
  addOnes([]);
  addDense(Float64Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0)));
  addDense(Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? rng.next() * 9 : 0)));
  return { layout: { dense, ones }, p: dense.length, rng };
}

function pair(n: number): { L: DenseMatrix; D: DenseMatrix; rng: ReturnType<typeof makeRng> } {
  const { layout, p, rng } = mixed(n);
  const L = layoutMatrix(n, p, layout, {});
  const D = { n, p, data: denseData(n, p, layout) };
  return { L, D, rng };
}

describe('matrices held as a column layout', () => {
  it('make the dense form only when data is read, and the same one every time', () => {
    const { layout, p } = mixed(300);
    const L = layoutMatrix(300, p, layout, {});
    expect(Object.getOwnPropertyDescriptor(L, 'data')?.get).toBeDefined();
    const d = L.data;
    expect(L.data).toBe(d);
    for (let j = 0; j < p; j++) {
      const col = d.subarray(j * 300, (j + 1) * 300);
      if (layout.dense[j]) expect(Array.from(col)).toEqual(Array.from(layout.dense[j]!));
      else {
        const set = new Set(layout.ones[j]!);
        expect(Array.from(col)).toEqual(
          Array.from({ length: 300 }, (_, i) => (set.has(i) ? 1 : 0)),
        );
      }
    }
  });

  // 70,001 rows: taller than a pass block many times over, and (from when the Hessian was
  // subsampled above 50,000 rows) past that limit.
  it.each([[9001], [70_001]])(
    'X·v, Xᵀr and the Newton system equal the dense ones bit for bit (n = %i)',
    (n) => {
      const { L, D, rng } = pair(n);
      const dl = designFor(L);
      const dd = designFor(D);
      expect(dl.rows).toBe(dd.rows);
      const v = Float64Array.from({ length: L.p }, (_, j) => (j % 5 === 4 ? 0 : rng.next() - 0.5));
      const r = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const s = Float64Array.from({ length: n }, () => rng.next() * 0.25);
      const a = new Float64Array(n);
      const b = new Float64Array(n);
      dl.matVec(v, 0.5, a);
      dd.matVec(v, 0.5, b);
      expect(Array.from(a)).toEqual(Array.from(b));
      const ga = new Float64Array(L.p);
      const gb = new Float64Array(L.p);
      dl.matTVec(r, ga);
      dd.matTVec(r, gb);
      expect(Array.from(ga)).toEqual(Array.from(gb));
      const k = L.p + 1;
      for (const stride of [1, 4]) {
        const Ha = new Float64Array(k * k);
        const Hb = new Float64Array(k * k);
        dl.build(s, 0.1, Ha, stride);
        dd.build(s, 0.1, Hb, stride);
        expect(Array.from(Ha)).toEqual(Array.from(Hb));
      }
      expect(Array.from(linearPredictor(L, v, 0.25))).toEqual(
        Array.from(linearPredictor(D, v, 0.25)),
      );
      expect(Array.from(columnMeans({ ...D, columns: [] }))).toEqual(
        Array.from(columnMeans({ n, p: L.p, data: L.data, layout: L.layout, columns: [] })),
      );
    },
  );

  it('a logistic fit on the layout is the dense fit, and never makes the dense form', () => {
    const n = 30_000;
    const { layout, p, rng } = mixed(n);
    let reads = 0;
    const L = layoutMatrix(n, p, layout, {});
    const get = Object.getOwnPropertyDescriptor(L, 'data')!.get!;
    Object.defineProperty(L, 'data', {
      get() {
        reads++;
        return get.call(L) as Float64Array;
      },
    });
    const D = { n, p, data: denseData(n, p, layout) };
    const beta = Float64Array.from({ length: p }, () => rng.next() - 0.5);
    const eta = linearPredictor(D, beta, -0.5);
    const y = Float64Array.from(eta, (z) => (rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0));
    expect(prefersLbfgs(L)).toBe(prefersLbfgs(D));
    const fl = fitLogisticWith('newton', L, y, { l2: 1 });
    const fd = fitLogisticWith('newton', D, y, { l2: 1 });
    expect(Array.from(fl.coef)).toEqual(Array.from(fd.coef));
    expect(fl.intercept).toBe(fd.intercept);
    expect(fl.iterations).toBe(fd.iterations);
    expect(fl.converged).toBe(true);
    expect(reads).toBe(0);
  });
});
