/**
 * L2-regularised logistic regression. The objective is scikit-learn's:
 *   Σᵢ wᵢ·logloss(yᵢ, σ(xᵢβ + b)) + (l2 / 2)·‖β‖²   (l2 = 1/C, the intercept b unpenalised),
 * so coefficients match LogisticRegression(C) to solver precision. Two solvers, picked by shape
 * (chooseLogisticSolver): L-BFGS (lbfgs.ts) for tall, mostly dense data, where one pass over X
 * per iteration beats building a Hessian; Newton's method (IRLS) otherwise, above all for
 * one-hot-heavy data. In Newton the gradient is always exact and so is the Hessian
 * (logistic-hessian.ts: sparse columns summed over their non-zero rows only, so a build costs
 * n·(dense² + non-zeros per row × dense), not n·p²); a step costs two fused passes over X (X·d
 * for the line search, Xᵀr for the gradient) besides. The p+1 system is Cholesky-factorised (lbfgs.ts), and a factor is reused for later
 * steps — and by the next fit of an L2 grid — while the steps it gives stay full and cut the
 * gradient fast; building the Hessian was ~40 % of `leadlens train --csv` before (bench:product).
 */
import { ModelError } from '../errors';
import { denseColumn, type DenseMatrix } from './dense';
import { cholesky, cholSolve, lbfgsLogistic, prefersLbfgs } from './lbfgs';
import { designFor } from './logistic-hessian';

export type { DenseMatrix } from './dense';

export interface LogisticOptions {
  /** L2 strength on the summed loss (= 1/C in scikit-learn). */
  l2: number;
  weights?: Float64Array;
  /** 'balanced': scale each class by n / (2·n_class), as scikit-learn's class_weight does. */
  classWeight?: 'balanced' | null;
  maxIter?: number;
  /** Converged when the largest gradient entry is below tol × (Σw) — a scale-free test. */
  tol?: number;
  /** A starting point (e.g. the solution for a neighbouring L2 strength): fewer iterations. */
  init?: { coef: Float64Array; intercept: number };
  /** Newton only: a Hessian carried from the previous fit on the same X and weights. */
  newtonCache?: NewtonCache;
}

export interface LogisticFit {
  coef: Float64Array;
  intercept: number;
  iterations: number;
  converged: boolean;
  /** Largest |gradient| entry of the objective at the solution, divided by Σw. */
  gradNorm: number;
}

/** log(1 + e^z) without overflow. */
export function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Linear predictor Xβ + b, column by column (the cache-friendly order for column-major). */
export function linearPredictor(
  X: DenseMatrix,
  coef: Float64Array,
  intercept: number,
): Float64Array {
  const { n, p } = X;
  const eta = new Float64Array(n).fill(intercept);
  for (let j = 0; j < p; j++) {
    const b = coef[j]!;
    if (b === 0) continue;
    const col = denseColumn(X, j);
    if (col) for (let i = 0; i < n; i++) eta[i]! += b * col[i]!;
    else {
      // A 0/1 column of the layout: the rows where it is 1 (elsewhere b·0 would add ±0).
      const rows = X.layout!.ones[j]!;
      for (let t = 0; t < rows.length; t++) eta[rows[t]!]! += b;
    }
  }
  return eta;
}

/** Per-row weights: sample weights times balanced class weights. */
export function effectiveWeights(
  y: Float64Array,
  weights: Float64Array | undefined,
  classWeight: 'balanced' | null | undefined,
): Float64Array {
  const n = y.length;
  const w = weights ? Float64Array.from(weights) : new Float64Array(n).fill(1);
  if (classWeight === 'balanced') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const wPos = n / (2 * pos);
    const wNeg = n / (2 * (n - pos));
    for (let i = 0; i < n; i++) w[i]! *= y[i] === 1 ? wPos : wNeg;
  }
  return w;
}

/**
 * The Cholesky factor of the symmetric positive (semi-)definite H, adding ridge when needed
 * (a factor is kept and reused for several Newton steps: see fitLogisticWith).
 */
function factorSymmetric(H: Float64Array, k: number): Float64Array {
  let ridge = 0;
  let trace = 0;
  for (let j = 0; j < k; j++) trace += H[j * k + j]!;
  for (let attempt = 0; attempt < 8; attempt++) {
    let M = H;
    if (ridge > 0) {
      M = Float64Array.from(H);
      for (let j = 0; j < k; j++) M[j * k + j]! += ridge;
    }
    const L = cholesky(M, k);
    if (L) return L;
    ridge = ridge === 0 ? 1e-10 * (1 + trace / k) : ridge * 100;
  }
  throw new ModelError(
    'NOT_CONVERGED',
    'The logistic regression Hessian is singular even with added ridge.',
    'Remove duplicated or constant columns, or use a larger L2 strength.',
  );
}

/**
 * At η − t·u: writes η, the weighted residual r = w(σ(η) − y) and curvature s = w·σ(1 − σ),
 * and returns the weighted log loss — one exp and one log1p per row.
 */
function evalRows(
  eta: Float64Array,
  u: Float64Array | null,
  t: number,
  y: Float64Array,
  w: Float64Array,
  etaOut: Float64Array,
  r: Float64Array,
  s: Float64Array,
): number {
  let loss = 0;
  for (let i = 0; i < eta.length; i++) {
    const z = u ? eta[i]! - t * u[i]! : eta[i]!;
    etaOut[i] = z;
    const e = Math.exp(-Math.abs(z));
    const q = 1 / (1 + e);
    const pr = z >= 0 ? q : e * q;
    const yi = y[i]!;
    const wi = w[i]!;
    // log(1 + e^z) − y·z = max(±z, 0) + log1p(e^−|z|).
    const pos = yi === 1 ? (z < 0 ? -z : 0) : z > 0 ? z : 0;
    loss += wi * (pos + Math.log1p(e));
    r[i] = wi * (pr - yi);
    s[i] = wi * e * q * q;
  }
  return loss;
}

function penalty(coef: Float64Array, l2: number): number {
  let pen = 0;
  for (let j = 0; j < coef.length; j++) pen += coef[j]! * coef[j]!;
  return 0.5 * l2 * pen;
}

export type LogisticSolver = 'newton' | 'lbfgs';

/** A stale Hessian is reused while each step it gives cuts the gradient at least this much. */
const REUSE_GAIN = 4;

/**
 * The last Newton Hessian of a fit, for the next fit on the same matrix and weights (only its
 * L2 diagonal is changed): the backtests fit a grid of L2 strengths on one fold.
 */
export interface NewtonCache {
  X?: DenseMatrix;
  weights?: Float64Array;
  H?: Float64Array;
  l2?: number;
  stride?: number;
}

/**
 * Default tolerances (largest gradient entry / Σw). Newton converges quadratically, so a tight
 * one is nearly free; L-BFGS stops where coefficients agree with Newton's to ~1e-6 (the
 * statistical noise of a coefficient is ~1/√n, far above either).
 */
const DEFAULT_TOL: Readonly<Record<LogisticSolver, number>> = { newton: 1e-10, lbfgs: 1e-6 };

/** The solver fitLogistic uses for X: L-BFGS for tall mostly-dense data, Newton otherwise. */
export function chooseLogisticSolver(X: DenseMatrix): LogisticSolver {
  return prefersLbfgs(X) ? 'lbfgs' : 'newton';
}

export function fitLogistic(X: DenseMatrix, y: Float64Array, opts: LogisticOptions): LogisticFit {
  return fitLogisticWith(chooseLogisticSolver(X), X, y, opts);
}

/** fitLogistic with the solver named (tests compare the two on the same data). */
export function fitLogisticWith(
  solver: LogisticSolver,
  X: DenseMatrix,
  y: Float64Array,
  opts: LogisticOptions,
): LogisticFit {
  const { n, p } = X;
  if (y.length !== n)
    throw new ModelError('INVALID_OPTIONS', 'y and X differ in length.', 'Pass one label per row.');
  if (!(opts.l2 >= 0))
    throw new ModelError('INVALID_OPTIONS', `l2 must be ≥ 0, got ${opts.l2}.`, 'Pass l2 = 1/C.');
  const w = effectiveWeights(y, opts.weights, opts.classWeight);
  const maxIter = opts.maxIter ?? (solver === 'lbfgs' ? 200 : 100);
  const tol = opts.tol ?? DEFAULT_TOL[solver];
  const l2 = opts.l2;
  let wSum = 0;
  for (let i = 0; i < n; i++) wSum += w[i]!;
  const k = p + 1; // the intercept is the last unknown
  const coef =
    opts.init && opts.init.coef.length === p
      ? Float64Array.from(opts.init.coef)
      : new Float64Array(p);
  let intercept = opts.init ? opts.init.intercept : 0;
  if (!opts.init) {
    // Without a warm start, begin at the best constant model: one Newton step less.
    let wy = 0;
    for (let i = 0; i < n; i++) wy += w[i]! * y[i]!;
    const rate = Math.min(1 - 1e-12, Math.max(1e-12, wy / wSum));
    intercept = Math.log(rate / (1 - rate));
  }
  if (solver === 'lbfgs') {
    const x0 = new Float64Array(p + 1);
    x0.set(coef);
    x0[p] = intercept;
    const r = lbfgsLogistic(X, y, w, x0, { l2, tol, maxIter, wSum });
    return {
      coef: r.x.slice(0, p),
      intercept: r.x[p]!,
      iterations: r.iterations,
      converged: r.reached || r.gradNorm < 1e-6,
      gradNorm: r.gradNorm,
    };
  }
  let eta = new Float64Array(n);
  let r = new Float64Array(n);
  let s = new Float64Array(n);
  let etaT = new Float64Array(n);
  let rT = new Float64Array(n);
  let sT = new Float64Array(n);
  const u = new Float64Array(n);
  // The passes over X and the Hessian, through X's sparse layout (made once per matrix).
  const hessian = designFor(X);
  hessian.matVec(coef, intercept, eta);
  let obj = evalRows(eta, null, 0, y, w, eta, r, s) + penalty(coef, l2);
  // The first steps from a cold start are far from the optimum, where a Hessian from 1/8 of the
  // subsample steers as well as the exact one; the sample doubles each build until it is all
  // used. A warm start is near the optimum already: a coarse Hessian would only be rebuilt.
  let stride = 1;
  while (!opts.init && stride < 8 && hessian.rows / (stride * 2) >= 4096) stride *= 2;
  const g = new Float64Array(k);
  const d = new Float64Array(k);
  let H = new Float64Array(k * k);
  const trial = new Float64Array(p);
  let gradNorm = Infinity;
  const done = (iterations: number, converged: boolean): LogisticFit => ({
    coef,
    intercept,
    iterations,
    converged,
    gradNorm,
  });
  // The Hessian's factor is kept across steps while the steps it gives are full and cut the
  // gradient at least REUSE_GAIN-fold (a Newton step with slightly stale curvature still
  // converges, linearly at a rate set by how much the curvature moved); else it is rebuilt at
  // the current point. Only the step changes: the gradient, the objective and the convergence
  // test are exact, so the optimum is the same. A cache passed by the caller carries the last
  // Hessian to the next fit on the same matrix and weights (the backtests' C grid).
  const cache = opts.newtonCache;
  let L: Float64Array | null = null;
  /** Built at the current point (a stale factor that fails is rebuilt, not given up on). */
  let fresh = false;
  if (cache?.H && cache.X === X && cache.weights === opts.weights && cache.H.length === k * k) {
    H = Float64Array.from(cache.H);
    for (let j = 0; j < p; j++) H[j * k + j]! += l2 - cache.l2!;
    L = factorSymmetric(H, k);
    stride = cache.stride ?? stride;
  }
  let lastGrad = Infinity;
  let fullStep = false;
  for (let iter = 1; iter <= maxIter; iter++) {
    hessian.matTVec(r, g);
    let rs = 0;
    for (let i = 0; i < n; i++) rs += r[i]!;
    g[p] = rs;
    for (let j = 0; j < p; j++) g[j]! += l2 * coef[j]!;
    gradNorm = 0;
    for (let j = 0; j < k; j++) gradNorm = Math.max(gradNorm, Math.abs(g[j]!));
    gradNorm /= wSum;
    if (gradNorm < tol) return done(iter - 1, true);
    const reuse =
      L !== null && (lastGrad === Infinity || (fullStep && gradNorm * REUSE_GAIN <= lastGrad));
    if (!reuse) {
      hessian.build(s, l2, H, stride);
      L = factorSymmetric(H, k);
      if (cache) {
        cache.X = X;
        cache.weights = opts.weights;
        cache.H = H;
        cache.l2 = l2;
        cache.stride = stride;
      }
      if (stride > 1) stride >>= 1;
    }
    fresh = !reuse;
    lastGrad = gradNorm;
    d.set(g);
    cholSolve(L!, k, d);
    // Along the Newton direction η moves by t·u: each trial step is O(n), not O(n·p).
    hessian.matVec(d, d[p]!, u);
    // Damped Newton: halve the step until the objective does not increase.
    let step = 1;
    let accepted = false;
    for (let half = 0; half < 30 && !accepted; half++) {
      for (let j = 0; j < p; j++) trial[j] = coef[j]! - step * d[j]!;
      const tObj = evalRows(eta, u, step, y, w, etaT, rT, sT) + penalty(trial, l2);
      if (tObj <= obj + 1e-12 * Math.abs(obj)) {
        coef.set(trial);
        intercept -= step * d[p]!;
        [eta, etaT] = [etaT, eta];
        [r, rT] = [rT, r];
        [s, sT] = [sT, s];
        const rel = Math.abs(obj - tObj) / Math.max(1, Math.abs(obj));
        obj = tObj;
        if (rel < 1e-15 && step < 1) {
          if (!fresh) break;
          return done(iter, gradNorm < 1e-6);
        }
        accepted = true;
      } else step /= 2;
    }
    fullStep = accepted && step === 1;
    if (!accepted || !fullStep) {
      // No descent left at machine precision with curvature built here: this is the optimum
      // the arithmetic allows. With stale curvature, rebuild and try again.
      if (fresh && !accepted) return done(iter, gradNorm < 1e-6);
      if (!fresh) L = null;
    }
  }
  return done(maxIter, gradNorm < 1e-6);
}
