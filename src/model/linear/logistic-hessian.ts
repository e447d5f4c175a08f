/**
 * The Newton system of logistic regression, H = [X 1]ᵀ·diag(s)·[X 1] + l2·I (intercept
 * unpenalised), built at a cost that does not grow as n·p² on one-hot-heavy data.
 *
 * - Sparse columns (one-hot, indicators: ≤ 25 % non-zero) are summed over their non-zero rows
 *   only (row by row through a CSR form), so a pair of one-hot fields costs the rows where both
 *   are set, not n.
 * - Dense × dense entries are summed over every row (every `stride`-th row for the coarse first
 *   steps of a cold start), in blocks copied side by side so each pair is multiplied from cache.
 *
 * Every entry comes from the same rows. It once did not: dense × dense came from a 3,000-rows-
 * per-column subsample (603k of 1M rows) while the sparse entries were exact. The one-hot
 * levels of a field plus its "(other)" and missing columns sum to the intercept column, so the
 * data's curvature along (levels, −intercept) is exactly 0 and only the L2 term (l2 × levels)
 * holds the direction; mixing a scaled estimate for a dense level (a 3-level field's level is
 * ~33 % of rows) with exact entries for the others put an error of hundreds there against an
 * l2 × levels of tens, so the Hessian was indefinite or badly wrong along it. On the 1M × 30
 * bench file the final fit took 81 Newton steps and 78 Hessian builds; exact, 7 and 4. An exact
 * build cost the same there (the sparse × dense part, exact either way, dominates).
 *
 * The builder also carries the passes over X every Newton step makes (X·v, Xᵀr): they stream only
 * the dense columns and the non-zero cells of the sparse ones, in the same order and with the
 * same partial sums as a dense pass (a skipped cell would only have added ±0), so the results
 * are bit for bit those of the dense passes at a fraction of the memory traffic. `designFor`
 * keeps one builder per matrix: the backtests fit several settings and weightings on one fold's
 * matrix, and its column scan and row layout do not change between fits.
 */
import { denseColumn, matrixKey, type DenseMatrix } from './dense';

const BLOCK = 512;
/** Rows per block of the passes over X: the block of η / r stays in L1 while columns stream. */
const PASS_BLOCK = 2048;

const designs = new WeakMap<object, HessianBuilder>();

/**
 * The builder of X, made once per matrix (keyed by its layout or data array; matrices are never
 * written after encoding). Its state between fits is only scratch space each call overwrites.
 * It reads X's layout when there is one (linear/dense.ts), so X's dense form is never made.
 */
export function designFor(X: DenseMatrix): HessianBuilder {
  const key = matrixKey(X);
  const known = designs.get(key);
  if (known && known.n === X.n && known.p === X.p) return known;
  const b = new HessianBuilder(X);
  designs.set(key, b);
  return b;
}

export class HessianBuilder {
  private readonly sparse: Array<Uint32Array | null>;
  /** The values at `sparse[j]`'s rows. */
  private readonly sparseVals: Array<Float64Array | null>;
  /** Per column, the next non-zero of a sparse column during a blocked pass. */
  private readonly cursor: Int32Array;
  private readonly dense: Int32Array;
  /** Per column: its n values when it is dense, else null. */
  private readonly cols: Array<Float64Array | null>;
  /** Per dense column (in `dense` order): its values. */
  private readonly sub: Float64Array[];
  private readonly sS: Float64Array;
  private readonly sx: Float64Array;
  private readonly blk: Float64Array;
  private readonly acc: Float64Array;
  /** The sparse columns row by row (CSR), indices into `sparseIdx`. */
  private readonly csr: {
    rowPtr: Int32Array;
    cols: Int32Array;
    vals: Float64Array;
    sparseIdx: Int32Array;
  };
  private readonly ssAcc: Float64Array;
  private readonly siAcc: Float64Array;
  private readonly sdAcc: Float64Array;
  /** One row's s·x over the dense columns. */
  private readonly wb: Float64Array;

  readonly n: number;
  readonly p: number;

  constructor(X: DenseMatrix) {
    const { n, p } = X;
    this.n = n;
    this.p = p;
    const split = splitColumns(X);
    this.sparse = split.sparse;
    this.sparseVals = split.vals;
    this.cols = split.dense;
    this.cursor = new Int32Array(p);
    const dense: number[] = [];
    for (let j = 0; j < p; j++) if (!this.sparse[j]) dense.push(j);
    this.dense = Int32Array.from(dense);
    this.sub = dense.map((j) => this.cols[j]!);
    this.sS = new Float64Array(BLOCK);
    this.sx = new Float64Array(BLOCK);
    this.blk = new Float64Array(BLOCK * dense.length);
    this.acc = new Float64Array(dense.length * (dense.length + 1));
    this.csr = sparseRows(n, this.sparse, this.sparseVals);
    const ns = this.csr.sparseIdx.length;
    this.ssAcc = new Float64Array(ns * ns);
    this.siAcc = new Float64Array(ns);
    this.sdAcc = new Float64Array(ns * dense.length);
    this.wb = new Float64Array(dense.length);
  }

  private put(H: Float64Array, k: number, a: number, b: number, v: number): void {
    H[a * k + b] = v;
    H[b * k + a] = v;
  }

  /** Rows the Hessian's entries are summed over (all of them). */
  get rows(): number {
    return this.n;
  }

  /** out = X·v + c, blocked over rows; each row sums its columns in column order. */
  matVec(v: Float64Array, c: number, out: Float64Array): void {
    const { n, p, cols, sparse, sparseVals, cursor } = this;
    cursor.fill(0);
    for (let i0 = 0; i0 < n; i0 += PASS_BLOCK) {
      const i1 = Math.min(n, i0 + PASS_BLOCK);
      out.fill(c, i0, i1);
      for (let j = 0; j < p; j++) {
        const b = v[j]!;
        const nz = sparse[j];
        if (nz) {
          let t = cursor[j]!;
          if (b === 0) while (t < nz.length && nz[t]! < i1) t++;
          else {
            const vals = sparseVals[j]!;
            for (; t < nz.length && nz[t]! < i1; t++) out[nz[t]!]! += b * vals[t]!;
          }
          cursor[j] = t;
          continue;
        }
        if (b === 0) continue;
        const col = cols[j]!;
        for (let i = i0; i < i1; i++) out[i]! += b * col[i]!;
      }
    }
  }

  /**
   * out[j] = Σᵢ X[i, j]·r[i], blocked over rows; within a block two partial sums (even and odd
   * rows: a single running sum is bound by the add latency), added to out[j] block by block.
   */
  matTVec(r: Float64Array, out: Float64Array): void {
    const { n, p, cols, sparse, sparseVals, cursor } = this;
    out.fill(0);
    cursor.fill(0);
    for (let i0 = 0; i0 < n; i0 += PASS_BLOCK) {
      const i1 = Math.min(n, i0 + PASS_BLOCK);
      for (let j = 0; j < p; j++) {
        let a0 = 0;
        let a1 = 0;
        const nz = sparse[j];
        if (nz) {
          // Blocks start at even rows, so a dense pass's first sum holds the even rows.
          const vals = sparseVals[j]!;
          let t = cursor[j]!;
          for (; t < nz.length && nz[t]! < i1; t++) {
            const i = nz[t]!;
            if ((i & 1) === 0) a0 += vals[t]! * r[i]!;
            else a1 += vals[t]! * r[i]!;
          }
          cursor[j] = t;
          out[j]! += a0 + a1;
          continue;
        }
        const col = cols[j]!;
        let i = i0;
        for (; i + 1 < i1; i += 2) {
          a0 += col[i]! * r[i]!;
          a1 += col[i + 1]! * r[i + 1]!;
        }
        if (i < i1) a0 += col[i]! * r[i]!;
        out[j]! += a0 + a1;
      }
    }
  }

  /**
   * Fills H (k × k, k = p + 1, intercept last) for the per-row curvature s, the dense part
   * from every `stride`-th row (coarse while far from the optimum, where precision does not
   * pay; stride 1 is exact).
   */
  build(s: Float64Array, l2: number, H: Float64Array, stride = 1): void {
    const { n, p } = this;
    const byCol = this.cols;
    const k = p + 1;
    const m = n;
    const { sS, sx, sub, dense } = this;
    let sAll = 0;
    for (let i = 0; i < n; i++) sAll += s[i]!;
    H[p * k + p] = sAll;
    // Dense × dense and dense × intercept, on the (strided) rows, in blocks of BLOCK rows
    // copied side by side: every pair of columns is then multiplied out of L1/L2, not memory.
    const nd = dense.length;
    const { acc, blk } = this;
    acc.fill(0);
    for (let t0 = 0; t0 < m; t0 += BLOCK * stride) {
      let c = 0;
      for (let t = t0; t < m && c < BLOCK; t += stride) sS[c++] = s[t]!;
      for (let a = 0; a < nd; a++) {
        const src = sub[a]!;
        const ob = a * BLOCK;
        for (let q = 0; q < c; q++) blk[ob + q] = src[t0 + q * stride]!;
      }
      for (let a = 0; a < nd; a++) {
        const oa = a * BLOCK;
        const row = a * (nd + 1);
        let ha = 0;
        for (let q = 0; q < c; q++) {
          const v = sS[q]! * blk[oa + q]!;
          sx[q] = v;
          ha += v;
        }
        acc[row + nd]! += ha;
        // Four columns per sweep: four independent sums hide the add latency.
        let b = 0;
        for (; b + 3 <= a; b += 4) {
          const o0 = b * BLOCK;
          let h0 = 0;
          let h1 = 0;
          let h2 = 0;
          let h3 = 0;
          for (let q = 0; q < c; q++) {
            const v = sx[q]!;
            h0 += v * blk[o0 + q]!;
            h1 += v * blk[o0 + BLOCK + q]!;
            h2 += v * blk[o0 + 2 * BLOCK + q]!;
            h3 += v * blk[o0 + 3 * BLOCK + q]!;
          }
          acc[row + b]! += h0;
          acc[row + b + 1]! += h1;
          acc[row + b + 2]! += h2;
          acc[row + b + 3]! += h3;
        }
        for (; b <= a; b++) {
          const ob = b * BLOCK;
          let h = 0;
          for (let q = 0; q < c; q++) h += sx[q]! * blk[ob + q]!;
          acc[row + b]! += h;
        }
      }
    }
    let sSub = 0;
    for (let t = 0; t < m; t += stride) sSub += s[t]!;
    const scale = sSub > 0 ? sAll / sSub : 1;
    for (let a = 0; a < nd; a++) {
      const ja = dense[a]!;
      const row = a * (nd + 1);
      this.put(H, k, ja, p, acc[row + nd]! * scale);
      for (let b = 0; b <= a; b++) this.put(H, k, ja, dense[b]!, acc[row + b]! * scale);
    }
    // Sparse columns, exactly over the full data, row by row through their CSR form: a row
    // holds a few non-zero sparse cells (one per one-hot field), so every pair costs only the
    // rows where both are set — not the 40 × 40 pairs of two one-hot fields that never meet.
    const { rowPtr, cols, vals, sparseIdx } = this.csr;
    const ns = sparseIdx.length;
    if (ns > 0) {
      const ss = this.ssAcc;
      ss.fill(0);
      const si = this.siAcc;
      si.fill(0);
      // Sparse × dense in the same pass, sd[a·nd + b]: each entry still sums its rows in order
      // (a zero product would only add ±0), while the CSR and the dense columns are read once.
      const sd = this.sdAcc;
      sd.fill(0);
      const wb = this.wb;
      for (let i = 0; i < n; i++) {
        const r0 = rowPtr[i]!;
        const r1 = rowPtr[i + 1]!;
        if (r0 === r1) continue;
        const w = s[i]!;
        for (let b = 0; b < nd; b++) wb[b] = w * byCol[dense[b]!]![i]!;
        for (let t = r0; t < r1; t++) {
          const a = cols[t]!;
          const vt = vals[t]!;
          const va = w * vt;
          si[a]! += va;
          const row = a * ns;
          for (let u = r0; u <= t; u++) ss[row + cols[u]!]! += va * vals[u]!;
          const o = a * nd;
          for (let b = 0; b < nd; b++) sd[o + b]! += wb[b]! * vt;
        }
      }
      for (let a = 0; a < ns; a++) {
        const ja = sparseIdx[a]!;
        H[ja * k + p] = H[p * k + ja] = si[a]!;
        // CSR columns are in ascending sparse order, so pairs were summed at [later][earlier].
        for (let b = 0; b <= a; b++) this.put(H, k, ja, sparseIdx[b]!, ss[a * ns + b]!);
        for (let b = 0; b < nd; b++) this.put(H, k, ja, dense[b]!, sd[a * nd + b]!);
      }
    }
    for (let j = 0; j < p; j++) H[j * k + j]! += l2;
  }
}

/** The sparse columns' non-zero cells row by row (ascending column order within a row). */
function sparseRows(
  n: number,
  sparse: ReadonlyArray<Uint32Array | null>,
  sparseVals: ReadonlyArray<Float64Array | null>,
): { rowPtr: Int32Array; cols: Int32Array; vals: Float64Array; sparseIdx: Int32Array } {
  const sparseIdx: number[] = [];
  sparse.forEach((nz, j) => {
    if (nz) sparseIdx.push(j);
  });
  const rowPtr = new Int32Array(n + 1);
  for (const j of sparseIdx) {
    const nz = sparse[j]!;
    for (let t = 0; t < nz.length; t++) rowPtr[nz[t]! + 1]!++;
  }
  for (let i = 0; i < n; i++) rowPtr[i + 1]! += rowPtr[i]!;
  const fill = rowPtr.slice(0, n);
  const cols = new Int32Array(rowPtr[n]!);
  const vals = new Float64Array(rowPtr[n]!);
  sparseIdx.forEach((j, a) => {
    const nz = sparse[j]!;
    const v = sparseVals[j]!;
    for (let q = 0; q < nz.length; q++) {
      const t = fill[nz[q]!]!++;
      cols[t] = a;
      vals[t] = v[q]!;
    }
  });
  return { rowPtr, cols, vals, sparseIdx: Int32Array.from(sparseIdx) };
}

/**
 * Each column as sparse (row indices and values of its non-zero cells, when under 25 % of rows
 * are non-zero) or dense (its n values). A dense column is scanned only until a quarter of its
 * rows were non-zero. A 0/1 column of X's layout is classified by the same counts without making its dense
 * form (only a 0/1 column found dense is made: one column, n values), so the split — and every
 * number computed from it — is the same whichever form X comes in.
 */
function splitColumns(X: DenseMatrix): {
  sparse: Array<Uint32Array | null>;
  vals: Array<Float64Array | null>;
  dense: Array<Float64Array | null>;
} {
  const { n, p } = X;
  const sparse: Array<Uint32Array | null> = [];
  const vals: Array<Float64Array | null> = [];
  const dense: Array<Float64Array | null> = [];
  // Row indices are gathered in one pass (a column that turns out dense is dropped).
  const scratch = new Uint32Array(Math.ceil(0.25 * n) + 1);
  for (let j = 0; j < p; j++) {
    const values = denseColumn(X, j);
    if (!values) {
      const rows = X.layout!.ones[j]!;
      if (rows.length > 0.25 * n) {
        const col = new Float64Array(n);
        for (let t = 0; t < rows.length; t++) col[rows[t]!] = 1;
        sparse.push(null);
        vals.push(null);
        dense.push(col);
      } else {
        sparse.push(rows);
        vals.push(new Float64Array(rows.length).fill(1));
        dense.push(null);
      }
      continue;
    }
    let c = 0;
    const cap = scratch.length;
    for (let i = 0; i < n && c < cap; i++) if (values[i] !== 0) scratch[c++] = i;
    if (c > 0.25 * n) {
      sparse.push(null);
      vals.push(null);
      dense.push(values);
      continue;
    }
    const nz = scratch.slice(0, c);
    sparse.push(nz);
    vals.push(Float64Array.from(nz, (i) => values[i]!));
    dense.push(null);
  }
  return { sparse, vals, dense };
}
