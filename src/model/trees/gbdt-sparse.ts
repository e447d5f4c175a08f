/**
 * Sparse histogram input for mostly-constant columns (one-hot categories, indicators): each
 * feature gets a default bin (its most frequent value bin), rows keep only their other bins,
 * and a node's default bins are filled in afterwards as the node total minus the feature's
 * other bins. On X Education (69 columns, most of them one-hot) a row has a handful of
 * non-default bins, so a histogram costs a handful of updates per row instead of 69.
 */
import type { BinnedMatrix } from './histogram';

/** Sparse only when at most this fraction of the bin cells are non-default. */
const MAX_DENSITY = 0.35;

export interface SparseBins {
  /** Row i's entries are ent[rowPtr[i] .. rowPtr[i + 1]). */
  rowPtr: Uint32Array;
  /** Flat histogram bin (feature offset + bin) of each non-default cell. */
  ent: Uint16Array;
  /** Per feature, the flat index of its default bin. */
  def: Int32Array;
}

export function sparseBinsOf(B: BinnedMatrix): SparseBins | null {
  const { n, p, bins, nValueBins, offsets } = B;
  const def = new Int32Array(p);
  const counts = new Int32Array(256);
  let nnz = 0;
  for (let f = 0; f < p; f++) {
    counts.fill(0);
    const col = bins.subarray(f * n, (f + 1) * n);
    for (let i = 0; i < n; i++) counts[col[i]]++;
    let best = 0;
    // Value bins only: a derived missing bin could look non-empty through rounding.
    for (let b = 1; b < nValueBins[f]; b++) if (counts[b] > counts[best]) best = b;
    def[f] = best;
    nnz += n - counts[best];
  }
  if (nnz > MAX_DENSITY * n * p) return null;
  const rowPtr = new Uint32Array(n + 1);
  for (let f = 0; f < p; f++) {
    const col = f * n;
    const d = def[f];
    for (let i = 0; i < n; i++) if (bins[col + i] !== d) rowPtr[i + 1]++;
  }
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  const ent = new Uint16Array(nnz);
  const fill = rowPtr.slice(0, n);
  for (let f = 0; f < p; f++) {
    const col = f * n;
    const d = def[f];
    const off = offsets[f];
    for (let i = 0; i < n; i++) {
      const b = bins[col + i];
      if (b !== d) ent[fill[i]++] = off + b;
    }
    def[f] = off + d;
  }
  return { rowPtr, ent, def };
}

/** Histogram of rows[start, start + m) into a zeroed `hist`, default bins derived. */
export function accumulateSparse(
  hist: Float64Array,
  S: SparseBins,
  B: BinnedMatrix,
  rows: Uint32Array,
  start: number,
  m: number,
  gh: Float64Array,
): void {
  const { rowPtr, ent, def } = S;
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
  const { p, offsets, nValueBins } = B;
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
