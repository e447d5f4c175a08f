/**
 * Sparse histogram input for mostly-constant columns (one-hot categories, indicators): each
 * feature gets a default bin (its most frequent value bin), rows keep only their other bins,
 * and a node's default bins are filled in afterwards as the node total minus the feature's
 * other bins. On X Education (69 columns, most of them one-hot) a row has a handful of
 * non-default bins, so a histogram costs a handful of updates per row instead of 69.
 *
 * Training sums the entries with the `histSparse` WebAssembly kernel (gbdt-grow.ts), two
 * threads each taking the entries on one side of `rowMid` (a split by feature, so by histogram
 * bin): every bin then receives the same additions in the same row order as the one-thread loop
 * `accumulateSparse` below, which stays as the reference the kernel is tested against.
 */
import type { BinnedMatrix } from './histogram';

/** Sparse only when at most this fraction of the bin cells are non-default. */
const MAX_DENSITY = 0.35;
/** Rows per block while the entries are laid out (see fillSparse). */
const FILL_BLOCK = 4096;

export interface SparseBins {
  /** Row i's entries are ent[rowPtr[i] .. rowPtr[i + 1]). */
  rowPtr: Uint32Array;
  /**
   * Row i's entries of features below `splitFeature` are ent[rowPtr[i] .. rowMid[i]), the rest
   * ent[rowMid[i] .. rowPtr[i + 1]): the two threads' shares.
   */
  rowMid: Uint32Array;
  /** Flat histogram bin (feature offset + bin) of each non-default cell, ascending per row. */
  ent: Uint16Array;
  /** Per feature, the flat index of its default bin. */
  def: Int32Array;
  /** The first feature of the second share (about half of all entries lie below it). */
  splitFeature: number;
}

/** What `sparseBinsOf` decided before any entry is stored (so callers can place the arrays). */
export interface SparsePlan {
  /** Per feature, its default bin (feature-local). */
  def: Int32Array;
  nnz: number;
  splitFeature: number;
}

/** Default bins and entry count, or null when the data are too dense for the sparse form. */
export function sparsePlan(B: BinnedMatrix): SparsePlan | null {
  const { n, p, bins, nValueBins } = B;
  const def = new Int32Array(p);
  // Four tallies side by side: a one-hot column is one value almost throughout, and a single
  // tally would make every increment wait for the one before it.
  const tally = new Int32Array(4 * 256);
  const counts = new Int32Array(256);
  const perFeature = new Float64Array(p);
  let nnz = 0;
  for (let f = 0; f < p; f++) {
    tally.fill(0);
    const col = bins.subarray(f * n, (f + 1) * n);
    const n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      tally[col[i]]++;
      tally[256 + col[i + 1]]++;
      tally[512 + col[i + 2]]++;
      tally[768 + col[i + 3]]++;
    }
    for (let i = n4; i < n; i++) tally[col[i]]++;
    for (let b = 0; b < 256; b++)
      counts[b] = tally[b] + tally[256 + b] + tally[512 + b] + tally[768 + b];
    let best = 0;
    // Value bins only: a derived missing bin could look non-empty through rounding.
    for (let b = 1; b < nValueBins[f]; b++) if (counts[b] > counts[best]) best = b;
    def[f] = best;
    perFeature[f] = n - counts[best];
    nnz += n - counts[best];
  }
  if (nnz > MAX_DENSITY * n * p) return null;
  // Features [0, splitFeature) hold about half of the entries.
  let below = 0;
  let splitFeature = 0;
  while (splitFeature < p && 2 * (below + perFeature[splitFeature]) <= nnz) {
    below += perFeature[splitFeature];
    splitFeature++;
  }
  return { def, nnz, splitFeature };
}

/** Fills rowPtr (n + 1), rowMid (n) and ent (plan.nnz) of `B` under `plan`. */
export function fillSparse(
  B: BinnedMatrix,
  plan: SparsePlan,
  rowPtr: Uint32Array,
  rowMid: Uint32Array,
  ent: Uint16Array,
): SparseBins {
  const { n, p, bins, offsets } = B;
  const def = plan.def;
  const split = plan.splitFeature;
  rowPtr.fill(0);
  // Rows in blocks, every feature within a block: the counts and fill positions of a block and
  // the entries it writes stay in cache, where a pass per feature over all rows streamed the
  // whole entry array p times. Each row still gets its entries in feature order.
  for (let i0 = 0; i0 < n; i0 += FILL_BLOCK) {
    const i1 = Math.min(n, i0 + FILL_BLOCK);
    for (let f = 0; f < p; f++) {
      const col = f * n;
      const d = def[f];
      for (let i = i0; i < i1; i++) if (bins[col + i] !== d) rowPtr[i + 1]++;
    }
  }
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  const fill = rowPtr.slice(0, n);
  for (let i0 = 0; i0 < n; i0 += FILL_BLOCK) {
    const i1 = Math.min(n, i0 + FILL_BLOCK);
    for (let f = 0; f < p; f++) {
      // Where each row's entries stand when the second share's features begin.
      if (f === split) rowMid.set(fill.subarray(i0, i1), i0);
      const col = f * n;
      const d = def[f];
      const off = offsets[f];
      for (let i = i0; i < i1; i++) {
        const b = bins[col + i];
        if (b !== d) ent[fill[i]++] = off + b;
      }
    }
    if (split >= p) rowMid.set(fill.subarray(i0, i1), i0);
  }
  const flat = Int32Array.from(def, (d, f) => offsets[f] + d);
  return { rowPtr, rowMid, ent, def: flat, splitFeature: split };
}

export function sparseBinsOf(B: BinnedMatrix): SparseBins | null {
  const plan = sparsePlan(B);
  if (!plan) return null;
  return fillSparse(
    B,
    plan,
    new Uint32Array(B.n + 1),
    new Uint32Array(B.n),
    new Uint16Array(plan.nnz),
  );
}

/**
 * The default bins of a histogram that holds every other bin: the node totals (G, H) minus the
 * feature's other bins.
 */
export function fillDefaultBins(
  hist: Float64Array,
  S: SparseBins,
  B: BinnedMatrix,
  G: number,
  H: number,
): void {
  const { p, offsets, nValueBins } = B;
  const def = S.def;
  for (let f = 0; f < p; f++) {
    const from = 2 * offsets[f];
    const to = from + 2 * (nValueBins[f] + 1);
    let sg = 0;
    let sh = 0;
    for (let k = from; k < to; k += 2) {
      sg += hist[k];
      sh += hist[k + 1];
    }
    const d = 2 * def[f];
    hist[d] = G - sg;
    // Never a negative hessian from rounding.
    hist[d + 1] = Math.max(0, H - sh);
  }
}

/** Histogram of rows[start, start + m) into a zeroed `hist`, default bins derived (reference). */
export function accumulateSparse(
  hist: Float64Array,
  S: SparseBins,
  B: BinnedMatrix,
  rows: Uint32Array,
  start: number,
  m: number,
  gh: Float64Array,
): void {
  const { rowPtr, ent } = S;
  let G = 0;
  let H = 0;
  for (let k = 0; k < m; k++) {
    const r = rows[start + k];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    G += g;
    H += h;
    const e1 = rowPtr[r + 1];
    for (let e = rowPtr[r]; e < e1; e++) {
      const b = ent[e] << 1;
      hist[b] += g;
      hist[b + 1] += h;
    }
  }
  fillDefaultBins(hist, S, B, G, H);
}
