/**
 * Quantile binning for histogram trees. Every column is binned once into a Uint8Array
 * (column-major, like EncodedMatrix); the last bin index of a feature holds its missing values,
 * so split search never has to look at a float again.
 */
import type { EncodedMatrix } from './types';

export interface BinnedMatrix {
  n: number;
  p: number;
  /** Column-major bin indices, length n·p. */
  bins: Uint8Array;
  /** Per feature, ascending cut points; a value's bin is the number of cuts ≤ it. */
  cuts: Float64Array[];
  /** Per feature, the number of value bins (= cuts + 1); that index is the missing bin. */
  nValueBins: Int32Array;
  /** Per feature, where its bins start in a flat histogram (value bins + missing bin). */
  offsets: Int32Array;
  /** Length of a flat histogram over all features. */
  totalBins: number;
}

/** Quantiles are estimated on at most this many rows: plenty for 255 bins, and fast on 1M. */
const SKETCH_ROWS = 200_000;

export function computeCuts(col: Float64Array, maxBins: number): Float64Array {
  const n = col.length;
  const step = n > SKETCH_ROWS ? n / SKETCH_ROWS : 1;
  const m0 = Math.min(n, SKETCH_ROWS);
  const sample = new Float64Array(m0);
  let m = 0;
  for (let k = 0; k < m0; k++) {
    const v = col[Math.floor(k * step)];
    if (v === v) sample[m++] = v;
  }
  const sorted = sample.subarray(0, m).sort();
  if (m === 0) return new Float64Array(0);
  let distinct = 1;
  for (let k = 1; k < m; k++) if (sorted[k] !== sorted[k - 1]) distinct++;
  if (distinct <= maxBins) {
    // Few values (one-hot, counts): cut halfway between neighbours, so every value has its bin
    // and unseen values in between fall on the nearer side.
    const cuts = new Float64Array(distinct - 1);
    let c = 0;
    for (let k = 1; k < m; k++) {
      if (sorted[k] !== sorted[k - 1]) cuts[c++] = (sorted[k] + sorted[k - 1]) / 2;
    }
    return cuts;
  }
  const cuts: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const v = sorted[Math.floor((q * m) / maxBins)];
    // A cut at the minimum would leave bin 0 empty; equal quantiles collapse into one cut.
    if (v > sorted[0] && (cuts.length === 0 || v > cuts[cuts.length - 1])) cuts.push(v);
  }
  return Float64Array.from(cuts);
}

/** Number of cuts ≤ x (binary search); callers handle NaN. */
export function binOf(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function binMatrix(X: EncodedMatrix, maxBins: number): BinnedMatrix {
  const { n, p, data } = X;
  const bins = new Uint8Array(n * p);
  const cuts: Float64Array[] = [];
  const nValueBins = new Int32Array(p);
  const offsets = new Int32Array(p);
  let total = 0;
  for (let f = 0; f < p; f++) {
    const col = data.subarray(f * n, (f + 1) * n);
    const c = computeCuts(col, maxBins);
    cuts.push(c);
    nValueBins[f] = c.length + 1;
    offsets[f] = total;
    total += c.length + 2;
    const missing = c.length + 1;
    const out = bins.subarray(f * n, (f + 1) * n);
    for (let i = 0; i < n; i++) {
      const x = col[i];
      out[i] = x === x ? binOf(c, x) : missing;
    }
  }
  return { n, p, bins, cuts, nValueBins, offsets, totalBins: total };
}
