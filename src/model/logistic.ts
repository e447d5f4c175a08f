/**
 * L2-regularised logistic regression by Newton's method (IRLS). The objective is scikit-learn's:
 *   Σᵢ wᵢ·logloss(yᵢ, σ(xᵢβ + b)) + (l2 / 2)·‖β‖²   (l2 = 1/C, the intercept b unpenalised),
 * so coefficients match LogisticRegression(C) to solver precision. Hessian and gradient are
 * accumulated on the column-major Float64Array; ml-matrix only factorises the small p+1 system.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { ModelError } from './errors';

export interface DenseMatrix {
  n: number;
  p: number;
  /** Column-major, length n·p, no NaN. */
  data: Float64Array;
}

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
  const { n, p, data } = X;
  const eta = new Float64Array(n).fill(intercept);
  for (let j = 0; j < p; j++) {
    const b = coef[j]!;
    if (b === 0) continue;
    const off = j * n;
    for (let i = 0; i < n; i++) eta[i]! += b * data[off + i]!;
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

function objective(
  eta: Float64Array,
  y: Float64Array,
  w: Float64Array,
  coef: Float64Array,
  l2: number,
): number {
  let loss = 0;
  for (let i = 0; i < eta.length; i++) {
    const z = eta[i]!;
    loss += w[i]! * (y[i] === 1 ? log1pExp(-z) : log1pExp(z));
  }
  let pen = 0;
  for (let j = 0; j < coef.length; j++) pen += coef[j]! * coef[j]!;
  return loss + 0.5 * l2 * pen;
}

/** Solves H·d = g for the symmetric positive (semi-)definite H, adding ridge when needed. */
function solveSymmetric(H: Float64Array, g: Float64Array, k: number): Float64Array {
  let ridge = 0;
  let trace = 0;
  for (let j = 0; j < k; j++) trace += H[j * k + j]!;
  for (let attempt = 0; attempt < 8; attempt++) {
    const rows: number[][] = [];
    for (let a = 0; a < k; a++) {
      const r = new Array<number>(k);
      for (let b = 0; b < k; b++) r[b] = H[a * k + b]! + (a === b ? ridge : 0);
      rows.push(r);
    }
    const chol = new CholeskyDecomposition(new Matrix(rows));
    if (chol.isPositiveDefinite()) {
      const d = chol.solve(Matrix.columnVector(Array.from(g)));
      return Float64Array.from(d.getColumn(0));
    }
    ridge = ridge === 0 ? 1e-10 * (1 + trace / k) : ridge * 100;
  }
  throw new ModelError(
    'NOT_CONVERGED',
    'The logistic regression Hessian is singular even with added ridge.',
    'Remove duplicated or constant columns, or use a larger L2 strength.',
  );
}

/** Row indices of the non-zero cells of each column under 25 % dense; null for dense columns. */
function sparseRows(X: DenseMatrix): Array<Uint32Array | null> {
  const { n, p, data } = X;
  const out: Array<Uint32Array | null> = [];
  for (let j = 0; j < p; j++) {
    const off = j * n;
    let c = 0;
    for (let i = 0; i < n; i++) if (data[off + i] !== 0) c++;
    if (c > 0.25 * n) {
      out.push(null);
      continue;
    }
    const idx = new Uint32Array(c);
    let t = 0;
    for (let i = 0; i < n; i++) if (data[off + i] !== 0) idx[t++] = i;
    out.push(idx);
  }
  return out;
}

export function fitLogistic(X: DenseMatrix, y: Float64Array, opts: LogisticOptions): LogisticFit {
  const { n, p, data } = X;
  if (y.length !== n)
    throw new ModelError('INVALID_OPTIONS', 'y and X differ in length.', 'Pass one label per row.');
  if (!(opts.l2 >= 0))
    throw new ModelError('INVALID_OPTIONS', `l2 must be ≥ 0, got ${opts.l2}.`, 'Pass l2 = 1/C.');
  const w = effectiveWeights(y, opts.weights, opts.classWeight);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-10;
  let wSum = 0;
  for (let i = 0; i < n; i++) wSum += w[i]!;
  const k = p + 1; // the intercept is the last unknown
  const coef =
    opts.init && opts.init.coef.length === p
      ? Float64Array.from(opts.init.coef)
      : new Float64Array(p);
  let intercept = opts.init ? opts.init.intercept : 0;
  let eta = linearPredictor(X, coef, intercept);
  let obj = objective(eta, y, w, coef, opts.l2);
  const nonzero = sparseRows(X);
  const s = new Float64Array(n);
  const r = new Float64Array(n);
  const sx = new Float64Array(n);
  let gradNorm = Infinity;
  for (let iter = 1; iter <= maxIter; iter++) {
    for (let i = 0; i < n; i++) {
      const pr = sigmoid(eta[i]!);
      r[i] = w[i]! * (pr - y[i]!);
      s[i] = w[i]! * pr * (1 - pr);
    }
    const g = new Float64Array(k);
    const H = new Float64Array(k * k);
    let rs = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      rs += r[i]!;
      ss += s[i]!;
    }
    g[p] = rs;
    H[p * k + p] = ss;
    for (let a = 0; a < p; a++) {
      const oa = a * n;
      let ga = 0;
      let ha = 0;
      for (let i = 0; i < n; i++) {
        const x = data[oa + i]!;
        ga += r[i]! * x;
        sx[i] = s[i]! * x;
        ha += sx[i]!;
      }
      g[a] = ga + opts.l2 * coef[a]!;
      H[a * k + p] = ha;
      H[p * k + a] = ha;
      const nzA = nonzero[a];
      for (let b = 0; b <= a; b++) {
        const ob = b * n;
        const nzB = nonzero[b];
        let h = 0;
        // One-hot and indicator columns are mostly zero: sum over the sparser column's rows.
        const nz = nzA && nzB ? (nzA.length <= nzB.length ? nzA : nzB) : (nzA ?? nzB);
        if (nz) {
          for (let t = 0; t < nz.length; t++) {
            const i = nz[t]!;
            h += sx[i]! * data[ob + i]!;
          }
        } else {
          for (let i = 0; i < n; i++) h += sx[i]! * data[ob + i]!;
        }
        // Filled symmetrically by hand: ml-matrix's Cholesky rejects a matrix that is not
        // exactly symmetric (ml.md §1.3).
        H[a * k + b] = h;
        H[b * k + a] = h;
      }
      H[a * k + a]! += opts.l2;
    }
    gradNorm = 0;
    for (let j = 0; j < k; j++) gradNorm = Math.max(gradNorm, Math.abs(g[j]!));
    gradNorm /= wSum;
    if (gradNorm < tol) return { coef, intercept, iterations: iter - 1, converged: true, gradNorm };
    const d = solveSymmetric(H, g, k);
    // Damped Newton: halve the step until the objective does not increase.
    let step = 1;
    let accepted = false;
    const trial = new Float64Array(p);
    for (let half = 0; half < 30 && !accepted; half++) {
      for (let j = 0; j < p; j++) trial[j] = coef[j]! - step * d[j]!;
      const tb = intercept - step * d[p]!;
      const tEta = linearPredictor(X, trial, tb);
      const tObj = objective(tEta, y, w, trial, opts.l2);
      if (tObj <= obj + 1e-12 * Math.abs(obj)) {
        coef.set(trial);
        intercept = tb;
        eta = tEta;
        const rel = Math.abs(obj - tObj) / Math.max(1, Math.abs(obj));
        obj = tObj;
        if (rel < 1e-15 && step < 1) {
          return { coef, intercept, iterations: iter, converged: gradNorm < 1e-6, gradNorm };
        }
        accepted = true;
      } else step /= 2;
    }
    // No descent left at machine precision: this is the optimum the arithmetic allows.
    if (!accepted)
      return { coef, intercept, iterations: iter, converged: gradNorm < 1e-6, gradNorm };
  }
  return { coef, intercept, iterations: maxIter, converged: gradNorm < 1e-6, gradNorm };
}
