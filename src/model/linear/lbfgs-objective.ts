/**
 * The logistic objective / Σw and its gradient in one pass over column-major X: per block of
 * rows, η = Xβ + b, then the loss and the residual r, then Xᵀr while the block's column
 * segments are still in cache (p · BLOCK doubles fit in L2), so X streams from memory once.
 */
import type { DenseMatrix } from './dense';

/** Rows per block: p column segments of BLOCK doubles stay in L2 between the two halves. */
const BLOCK = 1024;
/** Rows sampled for the diagonal scaling (when no sampled Hessian is used). */
const DIAG_ROWS = 4096;

/** η[0, len) += Σⱼ x[j]·X[i0 + i, j]: eight columns per sweep, an eighth of η's loads/stores. */
function addColumns(
  data: Float64Array,
  n: number,
  p: number,
  i0: number,
  len: number,
  x: Float64Array,
  eta: Float64Array,
): void {
  let j = 0;
  for (; j + 8 <= p; j += 8) {
    const o0 = j * n + i0;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const o4 = o3 + n;
    const o5 = o4 + n;
    const o6 = o5 + n;
    const o7 = o6 + n;
    const b0 = x[j]!;
    const b1 = x[j + 1]!;
    const b2 = x[j + 2]!;
    const b3 = x[j + 3]!;
    const b4 = x[j + 4]!;
    const b5 = x[j + 5]!;
    const b6 = x[j + 6]!;
    const b7 = x[j + 7]!;
    for (let i = 0; i < len; i++)
      eta[i]! +=
        b0 * data[o0 + i]! +
        b1 * data[o1 + i]! +
        b2 * data[o2 + i]! +
        b3 * data[o3 + i]! +
        b4 * data[o4 + i]! +
        b5 * data[o5 + i]! +
        b6 * data[o6 + i]! +
        b7 * data[o7 + i]!;
  }
  for (; j + 4 <= p; j += 4) {
    const o0 = j * n + i0;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const b0 = x[j]!;
    const b1 = x[j + 1]!;
    const b2 = x[j + 2]!;
    const b3 = x[j + 3]!;
    for (let i = 0; i < len; i++)
      eta[i]! += b0 * data[o0 + i]! + b1 * data[o1 + i]! + b2 * data[o2 + i]! + b3 * data[o3 + i]!;
  }
  for (; j < p; j++) {
    const o = j * n + i0;
    const bj = x[j]!;
    for (let i = 0; i < len; i++) eta[i]! += bj * data[o + i]!;
  }
}

/** g[j] += Σᵢ X[i0 + i, j]·r[i]: eight independent sums per sweep share each load of r. */
function dotColumns(
  data: Float64Array,
  n: number,
  p: number,
  i0: number,
  len: number,
  r: Float64Array,
  g: Float64Array,
): void {
  let j = 0;
  for (; j + 8 <= p; j += 8) {
    const o0 = j * n + i0;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    const o4 = o3 + n;
    const o5 = o4 + n;
    const o6 = o5 + n;
    const o7 = o6 + n;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let i = 0; i < len; i++) {
      const v = r[i]!;
      a0 += data[o0 + i]! * v;
      a1 += data[o1 + i]! * v;
      a2 += data[o2 + i]! * v;
      a3 += data[o3 + i]! * v;
      a4 += data[o4 + i]! * v;
      a5 += data[o5 + i]! * v;
      a6 += data[o6 + i]! * v;
      a7 += data[o7 + i]! * v;
    }
    g[j]! += a0;
    g[j + 1]! += a1;
    g[j + 2]! += a2;
    g[j + 3]! += a3;
    g[j + 4]! += a4;
    g[j + 5]! += a5;
    g[j + 6]! += a6;
    g[j + 7]! += a7;
  }
  for (; j + 4 <= p; j += 4) {
    const o0 = j * n + i0;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = 0; i < len; i++) {
      const v = r[i]!;
      a0 += data[o0 + i]! * v;
      a1 += data[o1 + i]! * v;
      a2 += data[o2 + i]! * v;
      a3 += data[o3 + i]! * v;
    }
    g[j]! += a0;
    g[j + 1]! += a1;
    g[j + 2]! += a2;
    g[j + 3]! += a3;
  }
  for (; j < p; j++) {
    const o = j * n + i0;
    let a = 0;
    for (let i = 0; i < len; i++) a += data[o + i]! * r[i]!;
    g[j]! += a;
  }
}

export class Objective {
  private readonly eta = new Float64Array(BLOCK);
  private readonly invW: number;
  /** Passes over X so far. */
  evaluations = 0;
  /** Σ residuals of the current evaluation (the intercept's gradient). */
  private rSum = 0;
  /** All row weights 1 (no sample or class weights): the loss can take one log per 16 rows. */
  private readonly unitWeights: boolean;

  constructor(
    private readonly X: DenseMatrix,
    private readonly y: Float64Array,
    private readonly w: Float64Array,
    private readonly l2: number,
    wSum: number,
  ) {
    this.invW = 1 / wSum;
    this.unitWeights = w.every((v) => v === 1);
  }

  /**
   * Turns η of the block into the weighted residual r = w(σ(η) − y) and curv into
   * s = w·σ(1 − σ); returns the block's weighted log loss.
   */
  private residuals(i0: number, len: number): number {
    const { y, w, eta } = this;
    let loss = 0;
    let rSum = 0;
    for (let i = 0; i < len; i++) {
      const z = eta[i]!;
      const e = Math.exp(-Math.abs(z));
      const q = 1 / (1 + e);
      const pr = z >= 0 ? q : e * q;
      const yi = y[i0 + i]!;
      const wi = w[i0 + i]!;
      // log(1 + e^z) − y·z = max(±z, 0) + log1p(e^−|z|).
      const pos = yi === 1 ? (z < 0 ? -z : 0) : z > 0 ? z : 0;
      loss += wi * (pos + Math.log1p(e));
      const r = wi * (pr - yi);
      rSum += r;
      eta[i] = r;
    }
    this.rSum += rSum;
    return loss;
  }

  /**
   * residuals() for unit weights: Σ log(1 + eᵢ) as the log of a product of 16 factors in (1, 2]
   * (no overflow), one log instead of 16 — the log is half the cost of a row otherwise.
   */
  private residualsUnit(i0: number, len: number): number {
    const { y, eta } = this;
    let loss = 0;
    let rSum = 0;
    let prod = 1;
    for (let i = 0; i < len; i++) {
      const z = eta[i]!;
      const e = Math.exp(-Math.abs(z));
      const q = 1 / (1 + e);
      const pr = z >= 0 ? q : e * q;
      const yi = y[i0 + i]!;
      loss += yi === 1 ? (z < 0 ? -z : 0) : z > 0 ? z : 0;
      prod *= 1 + e;
      if ((i & 15) === 15) {
        loss += Math.log(prod);
        prod = 1;
      }
      const r = pr - yi;
      rSum += r;
      eta[i] = r;
    }
    this.rSum += rSum;
    return loss + Math.log(prod);
  }

  /**
   * Objective / Σw at x (coefficients then intercept); its gradient / Σw goes into g.
   */
  evaluate(x: Float64Array, g: Float64Array): number {
    this.evaluations++;
    const { n, p, data } = this.X;
    const { eta } = this;
    const b = x[p]!;
    g.fill(0);
    this.rSum = 0;
    let loss = 0;
    // At a constant model (the usual start) η is the intercept: no pass over X needed for it.
    let constant = true;
    for (let j = 0; j < p && constant; j++) constant = x[j] === 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const len = Math.min(BLOCK, n - i0);
      eta.fill(b, 0, len);
      if (!constant) addColumns(data, n, p, i0, len, x, eta);
      loss += this.unitWeights ? this.residualsUnit(i0, len) : this.residuals(i0, len);
      dotColumns(data, n, p, i0, len, eta, g);
    }
    g[p] = this.rSum;
    let pen = 0;
    for (let j = 0; j < p; j++) {
      pen += x[j]! * x[j]!;
      g[j]! += this.l2 * x[j]!;
    }
    const inv = this.invW;
    for (let j = 0; j <= p; j++) g[j]! *= inv;
    return (loss + 0.5 * this.l2 * pen) * inv;
  }

  /**
   * The Hessian's diagonal / Σw at x, from a fixed strided sample of rows: H₀ of the first
   * L-BFGS step when the full sampled Hessian is too costly.
   */
  /**
   * The Hessian / Σw at x (k × k row-major, intercept last) from m evenly strided rows: a
   * fixed preconditioner for L-BFGS, so rows · k² / 2 work, done once.
   */
  sampledHessian(x: Float64Array, m: number): Float64Array {
    const { n, p, data } = this.X;
    const k = p + 1;
    const H = new Float64Array(k * k);
    const row = new Float64Array(k);
    let wSub = 0;
    for (let t = 0; t < m; t++) {
      const i = Math.floor((t * n) / m);
      let z = x[p]!;
      for (let j = 0; j < p; j++) {
        row[j] = data[j * n + i]!;
        z += x[j]! * row[j]!;
      }
      row[p] = 1;
      const e = Math.exp(-Math.abs(z));
      const q = 1 / (1 + e);
      const wi = this.w[i]!;
      const s = wi * e * q * q;
      wSub += wi;
      for (let a = 0; a < k; a++) {
        const v = s * row[a]!;
        const o = a * k;
        for (let b = 0; b <= a; b++) H[o + b]! += v * row[b]!;
      }
    }
    for (let a = 0; a < k; a++)
      for (let b = 0; b <= a; b++) H[b * k + a] = H[a * k + b] = H[a * k + b]! / wSub;
    for (let j = 0; j < p; j++) H[j * k + j]! += this.l2 * this.invW;
    return H;
  }

  diagonal(x: Float64Array): Float64Array {
    const { n, p, data } = this.X;
    const m = Math.min(n, DIAG_ROWS);
    const diag = new Float64Array(p + 1);
    let wSub = 0;
    for (let t = 0; t < m; t++) {
      const i = Math.floor((t * n) / m);
      let z = x[p]!;
      for (let j = 0; j < p; j++) z += x[j]! * data[j * n + i]!;
      const e = Math.exp(-Math.abs(z));
      const q = 1 / (1 + e);
      const wi = this.w[i]!;
      const s = wi * e * q * q;
      wSub += wi;
      for (let j = 0; j < p; j++) diag[j]! += s * data[j * n + i]! * data[j * n + i]!;
      diag[p]! += s;
    }
    for (let j = 0; j <= p; j++) diag[j] = diag[j]! / wSub + (j < p ? this.l2 * this.invW : 0);
    return diag;
  }
}
