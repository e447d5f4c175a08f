/**
 * A precomputed form of path-dependent TreeSHAP for batches (the idea of Yang 2021, "Fast
 * TreeSHAP" v2). In Algorithm 2 a leaf's contribution to feature i is
 * v · (oᵢ − zᵢ) · G(z, o without i), where the zero fractions z of the leaf's path are fixed by
 * the tree and only the 0/1 one-fractions o depend on the row. So for every leaf and every 0/1
 * pattern o of its D path features, the contribution to each feature is tabulated once
 * (D · 2^D numbers per leaf), and explaining a row becomes: one pass over the nodes in order,
 * each split passing its children the row's pattern with one bit cleared on the side the row
 * does not take, and per leaf D look-ups. Same values as Algorithm 2 up to rounding.
 */
import type { FlatTree } from '../model/types';

/** Leaves with longer unique paths use the recursive algorithm (tables grow as D · 2^D). */
export const MAX_TABLE_DEPTH = 8;

export interface TreeTables {
  /**
   * Per internal node: the bit of its split feature in the patterns of the paths below it
   * (features are numbered in the order they first appear from the root).
   */
  bit: Int32Array;
  /** Per leaf node: its number of unique path features D (0 for internal nodes). */
  len: Int32Array;
  /** Per leaf node: where its D features start in `feat`. */
  featStart: Int32Array;
  feat: Int32Array;
  /**
   * Per leaf node: offset of its table in `table`: for feature i, 2^D values (one per pattern)
   * of v · (oᵢ − zᵢ) · G(z, o without i).
   */
  tableStart: Int32Array;
  table: Float64Array;
}

/** Σ of the permutation weights of the path (dummy root, then the given elements). */
function pathWeightSum(z: Float64Array, o: Float64Array, m: number, w: Float64Array): number {
  w[0] = 1;
  for (let l = 1; l <= m; l++) {
    const pz = z[l - 1];
    const po = o[l - 1];
    w[l] = 0;
    for (let i = l - 1; i >= 0; i--) {
      w[i + 1] += (po * w[i] * (i + 1)) / (l + 1);
      w[i] = (pz * w[i] * (l - i)) / (l + 1);
    }
  }
  let s = 0;
  for (let i = 0; i <= m; i++) s += w[i];
  return s;
}

/**
 * Tables for one tree, or null when some leaf's unique path is longer than MAX_TABLE_DEPTH.
 * `frac[c]` is child c's share of its parent's cover (as in the recursive algorithm).
 */
export function buildTables(t: FlatTree, frac: Float64Array): TreeTables | null {
  const nodes = t.left.length;
  const bit = new Int32Array(nodes);
  const len = new Int32Array(nodes);
  const featStart = new Int32Array(nodes);
  const tableStart = new Int32Array(nodes);
  const feat: number[] = [];
  // Grown by doubling: a depth-6 tree holds ~25,000 values, and pushes one by one were slow.
  let values = new Float64Array(1024);
  let nValues = 0;
  // The current root-to-node path's unique features with their zero fractions.
  const uFeat: number[] = [];
  const uZero: number[] = [];
  let tooDeep = false;
  const zs = new Float64Array(MAX_TABLE_DEPTH);
  const os = new Float64Array(MAX_TABLE_DEPTH);
  const w = new Float64Array(MAX_TABLE_DEPTH + 2);
  const g = new Float64Array(1 << Math.max(0, MAX_TABLE_DEPTH - 1));

  const visit = (j: number): void => {
    if (tooDeep) return;
    if (t.left[j] === -1) {
      const D = uFeat.length;
      if (D > MAX_TABLE_DEPTH) {
        tooDeep = true;
        return;
      }
      len[j] = D;
      featStart[j] = feat.length;
      feat.push(...uFeat);
      tableStart[j] = nValues;
      const v = t.value[j];
      const half = D > 0 ? 1 << (D - 1) : 0;
      if (nValues + 2 * half * D > values.length) {
        const bigger = new Float64Array(Math.max(2 * values.length, nValues + 2 * half * D));
        bigger.set(values.subarray(0, nValues));
        values = bigger;
      }
      for (let i = 0; i < D; i++) {
        // G for every pattern q of the other D − 1 features…
        let m = 0;
        for (let k = 0; k < D; k++) if (k !== i) zs[m++] = uZero[k];
        for (let q = 0; q < half; q++) {
          for (let b = 0; b < D - 1; b++) os[b] = (q >> b) & 1;
          g[q] = v * pathWeightSum(zs, os, D - 1, w);
        }
        // …spread over the full patterns: bit i is oᵢ, the other bits are q.
        for (let P = 0; P < 2 * half; P++) {
          const oi = (P >> i) & 1;
          const q = (P & ((1 << i) - 1)) | ((P >> (i + 1)) << i);
          values[nValues++] = (oi - uZero[i]) * g[q];
        }
      }
      return;
    }
    const f = t.feature[j];
    let k = uFeat.indexOf(f);
    const added = k < 0;
    if (added) {
      k = uFeat.length;
      uFeat.push(f);
      uZero.push(1);
    }
    bit[j] = k;
    const before = uZero[k];
    for (const child of [t.left[j], t.right[j]]) {
      uZero[k] = before * frac[child];
      visit(child);
    }
    uZero[k] = before;
    if (added) {
      uFeat.pop();
      uZero.pop();
    }
  };
  visit(0);
  if (tooDeep) return null;
  return {
    bit,
    len,
    featStart,
    feat: Int32Array.from(feat),
    tableStart,
    table: values.slice(0, nValues),
  };
}

/**
 * Add one row's SHAP values for one tree to `phi[phiAt + feature]`, scaled by `scale`.
 * `pattern` is scratch of the tree's node count.
 */
export function addTreeFromTables(
  t: FlatTree,
  T: TreeTables,
  data: Float64Array,
  n: number,
  row: number,
  lt: boolean,
  phi: Float64Array,
  phiAt: number,
  scale: number,
  pattern: Int32Array,
): void {
  const { left, right, feature, threshold, defaultLeft } = t;
  const { bit, len, featStart, feat, tableStart, table } = T;
  const nodes = left.length;
  // Bit k of a node's pattern: does the row follow every split on path feature k down to it?
  // Children always come after their parent, so one forward pass fills every node's pattern.
  pattern[0] = -1;
  for (let j = 0; j < nodes; j++) {
    const P = pattern[j];
    const l = left[j];
    if (l !== -1) {
      const x = data[feature[j] * n + row];
      const goLeft = x !== x ? defaultLeft[j] === 1 : lt ? x < threshold[j] : x <= threshold[j];
      const off = P & ~(1 << bit[j]);
      pattern[l] = goLeft ? P : off;
      pattern[right[j]] = goLeft ? off : P;
      continue;
    }
    const D = len[j];
    if (D === 0) continue;
    const size = 1 << D;
    const f0 = featStart[j];
    let at = tableStart[j] + (P & (size - 1));
    for (let i = 0; i < D; i++, at += size) phi[phiAt + feat[f0 + i]] += table[at] * scale;
  }
}
