import fs from 'node:fs';
import path from 'node:path';
import { makeRng } from '../rng';
import { layoutMatrix } from './dense';
import { fitLogistic, fitLogisticWith, type NewtonCache } from './logistic';

const FIX = path.resolve(__dirname, '../../../test/fixtures');

interface Case {
  name: string;
  C: number;
  sampleWeights: boolean;
  classWeight: 'balanced' | null;
  coef: number[];
  intercept: number;
}

function loadFixture() {
  const lines = fs.readFileSync(path.join(FIX, 'logistic-data.csv'), 'utf8').trim().split('\n');
  const n = lines.length - 1;
  const p = 5;
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  lines.slice(1).forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < p; j++) data[j * n + i] = v[j]!;
    y[i] = v[p]!;
    w[i] = v[p + 1]!;
  });
  const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'logistic-sklearn.json'), 'utf8'));
  return { X: { n, p, data }, y, w, cases: expected.cases as Case[] };
}

describe('fitLogistic', () => {
  const { X, y, w, cases } = loadFixture();

  it.each(cases.map((c) => [c.name, c] as const))(
    'matches scikit-learn LogisticRegression (%s) to 1e-4',
    (_name, c) => {
      const fit = fitLogistic(X, y, {
        l2: 1 / c.C,
        weights: c.sampleWeights ? w : undefined,
        classWeight: c.classWeight,
      });
      expect(fit.converged).toBe(true);
      expect(fit.iterations).toBeLessThan(20);
      c.coef.forEach((b, j) => expect(Math.abs(fit.coef[j]! - b)).toBeLessThan(1e-4));
      expect(Math.abs(fit.intercept - c.intercept)).toBeLessThan(1e-4);
    },
  );

  it('leaves the intercept unpenalised: a huge L2 shrinks coefficients to 0, not the intercept', () => {
    const fit = fitLogistic(X, y, { l2: 1e9 });
    let pos = 0;
    for (let i = 0; i < y.length; i++) pos += y[i]!;
    const rate = pos / y.length;
    for (const b of fit.coef) expect(Math.abs(b)).toBeLessThan(1e-5);
    expect(fit.intercept).toBeCloseTo(Math.log(rate / (1 - rate)), 4);
  });

  it('reaches a zero gradient on tall data', () => {
    // 80,000 rows; a rare indicator column (0.1 %) checks that sparse columns keep their exact
    // curvature.
    const n = 80_000;
    const p = 4;
    const data = new Float64Array(n * p);
    const yy = new Float64Array(n);
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) data[j * n + i] = rand() * 2 - 1 + (j === 1 ? data[i]! : 0);
      data[3 * n + i] = i % 997 === 0 ? 1 : 0;
      const z = -0.5 + data[i]! - 2 * data[n + i]! + 0.3 * data[2 * n + i]! + 2 * data[3 * n + i]!;
      yy[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    // Tall and mostly dense: fitLogistic would pick L-BFGS, so Newton is named here.
    const fit = fitLogisticWith('newton', { n, p, data }, yy, { l2: 1 });
    expect(fit.converged).toBe(true);
    // The gradient, recomputed here independently of the solver.
    const g = new Float64Array(p + 1);
    for (let i = 0; i < n; i++) {
      let z = fit.intercept;
      for (let j = 0; j < p; j++) z += fit.coef[j]! * data[j * n + i]!;
      const r = 1 / (1 + Math.exp(-z)) - yy[i]!;
      for (let j = 0; j < p; j++) g[j]! += r * data[j * n + i]!;
      g[p]! += r;
    }
    for (let j = 0; j < p; j++) g[j]! += fit.coef[j]!;
    for (const v of g) expect(Math.abs(v) / n).toBeLessThan(1e-9);
  });

  it('reaches the same optimum when a C grid shares one Hessian cache (stale curvature reused)', () => {
    // Each fit starts from the previous C's Hessian with its L2 diagonal swapped; only the
    // steps change, so every fit must match the fit made without the cache.
    const cache: NewtonCache = {};
    let prev: { coef: Float64Array; intercept: number } | undefined;
    for (const C of [0.01, 0.1, 1, 10]) {
      const withCache = fitLogisticWith('newton', X, y, {
        l2: 1 / C,
        weights: w,
        init: prev,
        newtonCache: cache,
      });
      const plain = fitLogisticWith('newton', X, y, { l2: 1 / C, weights: w });
      expect(withCache.converged).toBe(true);
      expect(cache.H).toBeDefined();
      plain.coef.forEach((b, j) => expect(Math.abs(withCache.coef[j]! - b)).toBeLessThan(1e-8));
      expect(Math.abs(withCache.intercept - plain.intercept)).toBeLessThan(1e-8);
      prev = withCache;
    }
  });

  it('rejects a negative L2 strength', () => {
    expect(() => fitLogistic(X, y, { l2: -1 })).toThrow(/l2 must be/);
  });
  it('converges in a few Newton steps on tall one-hot data whose levels sum to the intercept', () => {
    // A field's levels (one of them dense: 50 % of rows, so summed with the dense columns) plus
    // "(other)" sum to the intercept column: along (levels, −intercept) the data has no
    // curvature and only the L2 term holds the direction. A Hessian whose dense entries came
    // from a row subsample and whose sparse ones were exact was wrong there by far more than
    // that term (the 1M bench file's final fit took 81 steps); built from one row set it takes
    // a handful.
    const n = 400_000;
    const rng = makeRng(11);
    const levels: number[][] = [[], [], [], []];
    const num = Array.from({ length: 3 }, () => new Float64Array(n));
    const yy = new Float64Array(n);
    const effect = [0.4, -0.3, 0.8, 0];
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      const k = u < 0.5 ? 0 : u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
      levels[k]!.push(i);
      let z = -1 + effect[k]!;
      for (let j = 0; j < 3; j++) {
        num[j]![i] = rng.next() * 2 - 1;
        z += (j - 1) * num[j]![i]!;
      }
      yy[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const X = layoutMatrix(
      n,
      7,
      {
        dense: [...num, null, null, null, null],
        ones: [null, null, null, ...levels.map((r) => Uint32Array.from(r))],
      },
      {},
    );
    const fit = fitLogisticWith('newton', X, yy, { l2: 0.1 });
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThanOrEqual(12);
  });
});
