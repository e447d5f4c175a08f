import { prefersLbfgs } from './lbfgs';
import {
  chooseLogisticSolver,
  fitLogistic,
  fitLogisticWith,
  type DenseMatrix,
  type LogisticFit,
} from './logistic';
import { makeRng, type Rng } from '../rng';

function gauss(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Tall, dense, standardised-looking data; column 3 correlated with column 2. */
function tallDense(n: number, p: number, seed: number): { X: DenseMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) data[j * n + i] = gauss(rng);
    data[3 * n + i] = 0.8 * data[2 * n + i] + 0.6 * data[3 * n + i];
    let z = -1.2 + 0.9 * data[i]! - 0.7 * data[n + i]! + 0.5 * data[2 * n + i]!;
    z += 0.4 * data[3 * n + i]! + 0.3 * data[i]! * data[n + i]!;
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: { n, p, data }, y };
}

function maxDiff(a: LogisticFit, b: LogisticFit): number {
  let d = Math.abs(a.intercept - b.intercept);
  for (let j = 0; j < a.coef.length; j++) d = Math.max(d, Math.abs(a.coef[j]! - b.coef[j]!));
  return d;
}

/** max |∂objective/∂θ| / Σw, recomputed row by row, independent of both solvers. */
function gradient(X: DenseMatrix, y: Float64Array, fit: LogisticFit, l2: number, w?: Float64Array) {
  const { n, p, data } = X;
  const g = new Float64Array(p + 1);
  let wSum = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1;
    wSum += wi;
    let z = fit.intercept;
    for (let j = 0; j < p; j++) z += fit.coef[j]! * data[j * n + i]!;
    const r = wi * (1 / (1 + Math.exp(-z)) - y[i]!);
    for (let j = 0; j < p; j++) g[j]! += r * data[j * n + i]!;
    g[p]! += r;
  }
  for (let j = 0; j < p; j++) g[j]! += l2 * fit.coef[j]!;
  return Math.max(...Array.from(g, Math.abs)) / wSum;
}

describe('L-BFGS logistic regression', () => {
  const { X, y } = tallDense(40_000, 12, 11);

  it('is the solver chosen for tall dense data, deterministically', () => {
    expect(prefersLbfgs(X)).toBe(true);
    expect(chooseLogisticSolver(X)).toBe('lbfgs');
    const copy = { n: X.n, p: X.p, data: Float64Array.from(X.data) };
    expect(chooseLogisticSolver(copy)).toBe('lbfgs');
    const a = fitLogistic(X, y, { l2: 1 });
    const b = fitLogistic(copy, y, { l2: 1 });
    expect(Array.from(b.coef)).toEqual(Array.from(a.coef));
    expect(b.intercept).toBe(a.intercept);
    expect(b.iterations).toBe(a.iterations);
  });

  it('matches the Newton (IRLS) solution to 1e-5', () => {
    for (const l2 of [1, 100]) {
      const lb = fitLogisticWith('lbfgs', X, y, { l2 });
      const nt = fitLogisticWith('newton', X, y, { l2 });
      expect(lb.converged).toBe(true);
      expect(lb.gradNorm).toBeLessThanOrEqual(1e-6);
      expect(maxDiff(lb, nt)).toBeLessThan(1e-5);
      expect(gradient(X, y, lb, l2)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('matches Newton with sample weights and balanced class weights', () => {
    const rng = makeRng(5);
    const w = Float64Array.from({ length: X.n }, () => 0.2 + 2 * rng.next());
    const opts = { l2: 2, weights: w, classWeight: 'balanced' as const };
    const lb = fitLogisticWith('lbfgs', X, y, opts);
    const nt = fitLogisticWith('newton', X, y, opts);
    expect(lb.converged).toBe(true);
    expect(maxDiff(lb, nt)).toBeLessThan(1e-5);
  });

  it('returns at once from a converged warm start, and honours a tighter tol', () => {
    const nt = fitLogisticWith('newton', X, y, { l2: 1 });
    const warm = fitLogisticWith('lbfgs', X, y, { l2: 1, init: nt });
    expect(warm.iterations).toBe(0);
    // 1e-8 is near the floor of any line search on f (f ≈ 0.5, rounding ≈ 1e-16 · rows).
    const tight = fitLogisticWith('lbfgs', X, y, { l2: 1, tol: 1e-8 });
    expect(tight.gradNorm).toBeLessThanOrEqual(1e-8);
    expect(maxDiff(tight, nt)).toBeLessThan(1e-7);
  });

  it('keeps Newton for small or one-hot-heavy data', () => {
    const small = tallDense(5000, 12, 3);
    expect(chooseLogisticSolver(small.X)).toBe('newton');
    // Tall, but most columns are one-hot indicators (5 % non-zero).
    const n = 40_000;
    const p = 12;
    const data = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      data[i] = X.data[i]!;
      data[n + (i % (p - 1)) * n + i] = i % 20 === 0 ? 1 : 0;
    }
    expect(chooseLogisticSolver({ n, p, data })).toBe('newton');
  });
});
