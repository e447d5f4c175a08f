/**
 * A precomputed form of path-dependent TreeSHAP for batches (the idea of Yang 2021, "Fast
 * TreeSHAP" v2). In Algorithm 2 a leaf's contribution to feature i is
 * v · (oᵢ − zᵢ) · G(z, o without i), where the zero fractions z of the leaf's path are fixed by
 * the tree and only the 0/1 one-fractions o depend on the row. So G is tabulated once per leaf
 * for every 0/1 pattern of the other path features (D · 2^(D−1) numbers per leaf), and
 * explaining a row becomes: one comparison per internal node, then per leaf a pattern and D
 * look-ups instead of D unwound sums of O(D) each. Same values as Algorithm 2 up to rounding.
 */
import type { FlatTree } from '../model/types';

/** Leaves with longer unique paths use the recursive algorithm (tables would grow as 2^D). */
export const MAX_TABLE_DEPTH = 10;

export interface TreeTables {
  /** Per leaf (in DFS order). */
  leafStart: Int32Array;
  leafLen: Int32Array;
  /** Per leaf path element: the encoded feature and its zero fraction. */
  feat: Int32Array;
  zero: Float64Array;
  /** Per leaf: its splits, as (node, direction towards the leaf, element index). */
  splitStart: Int32Array;
  splitCount: Int32Array;
  splitNode: Int32Array;
  splitLeft: Uint8Array;
  splitElem: Int32Array;
  /** Per leaf: offset of its table: for element i, 2^(D−1) values of v · G. */
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
  const leafStart: number[] = [];
  const leafLen: number[] = [];
  const feat: number[] = [];
  const zero: number[] = [];
  const splitStart: number[] = [];
  const splitCount: number[] = [];
  const splitNode: number[] = [];
  const splitLeft: number[] = [];
  const splitElem: number[] = [];
  const tableStart: number[] = [];
  const values: number[] = [];
  // The current root-to-node path: its splits and its unique features with zero fractions.
  const pNode: number[] = [];
  const pLeft: number[] = [];
  const uFeat: number[] = [];
  const uZero: number[] = [];
  let tooDeep = false;
  const zs = new Float64Array(MAX_TABLE_DEPTH);
  const os = new Float64Array(MAX_TABLE_DEPTH);
  const w = new Float64Array(MAX_TABLE_DEPTH + 2);

  const visit = (j: number): void => {
    if (tooDeep) return;
    if (t.left[j] === -1) {
      const D = uFeat.length;
      if (D > MAX_TABLE_DEPTH) {
        tooDeep = true;
        return;
      }
      leafStart.push(feat.length);
      leafLen.push(D);
      feat.push(...uFeat);
      zero.push(...uZero);
      splitStart.push(splitNode.length);
      splitCount.push(pNode.length);
      for (let s = 0; s < pNode.length; s++) {
        splitNode.push(pNode[s]);
        splitLeft.push(pLeft[s]);
        splitElem.push(uFeat.indexOf(t.feature[pNode[s]]));
      }
      tableStart.push(values.length);
      const v = t.value[j];
      const half = D > 0 ? 1 << (D - 1) : 0;
      for (let i = 0; i < D; i++) {
        let m = 0;
        for (let k = 0; k < D; k++) if (k !== i) zs[m++] = uZero[k];
        for (let q = 0; q < half; q++) {
          for (let b = 0; b < D - 1; b++) os[b] = (q >> b) & 1;
          values.push(v * pathWeightSum(zs, os, D - 1, w));
        }
      }
      return;
    }
    const f = t.feature[j];
    for (const [child, left] of [
      [t.left[j], 1],
      [t.right[j], 0],
    ] as const) {
      let k = uFeat.indexOf(f);
      const added = k < 0;
      if (added) {
        k = uFeat.length;
        uFeat.push(f);
        uZero.push(1);
      }
      const before = uZero[k];
      uZero[k] = before * frac[child];
      pNode.push(j);
      pLeft.push(left);
      visit(child);
      pNode.pop();
      pLeft.pop();
      uZero[k] = before;
      if (added) {
        uFeat.pop();
        uZero.pop();
      }
    }
  };
  visit(0);
  if (tooDeep) return null;
  return {
    leafStart: Int32Array.from(leafStart),
    leafLen: Int32Array.from(leafLen),
    feat: Int32Array.from(feat),
    zero: Float64Array.from(zero),
    splitStart: Int32Array.from(splitStart),
    splitCount: Int32Array.from(splitCount),
    splitNode: Int32Array.from(splitNode),
    splitLeft: Uint8Array.from(splitLeft),
    splitElem: Int32Array.from(splitElem),
    tableStart: Int32Array.from(tableStart),
    table: Float64Array.from(values),
  };
}

/**
 * Add one row's SHAP values for one tree to `phi[phiAt + feature]`, scaled by `scale`.
 * `goLeft` is scratch of the tree's node count.
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
  goLeft: Uint8Array,
): void {
  const { left, feature, threshold, defaultLeft } = t;
  for (let j = 0; j < left.length; j++) {
    if (left[j] === -1) continue;
    const x = data[feature[j] * n + row];
    goLeft[j] = (x !== x ? defaultLeft[j] === 1 : lt ? x < threshold[j] : x <= threshold[j])
      ? 1
      : 0;
  }
  const {
    leafStart,
    leafLen,
    feat,
    zero,
    splitStart,
    splitCount,
    splitNode,
    splitLeft,
    splitElem,
    tableStart,
    table,
  } = T;
  const nLeaves = leafLen.length;
  for (let l = 0; l < nLeaves; l++) {
    const D = leafLen[l];
    if (D === 0) continue;
    // Bit k of `pattern`: does the row follow every split on path feature k towards this leaf?
    let pattern = (1 << D) - 1;
    const s0 = splitStart[l];
    const s1 = s0 + splitCount[l];
    for (let s = s0; s < s1; s++) {
      if (goLeft[splitNode[s]] !== splitLeft[s]) pattern &= ~(1 << splitElem[s]);
    }
    const half = 1 << (D - 1);
    const base = leafStart[l];
    let at = tableStart[l];
    for (let i = 0; i < D; i++, at += half) {
      const oi = (pattern >> i) & 1;
      const q = (pattern & ((1 << i) - 1)) | ((pattern >> (i + 1)) << i);
      phi[phiAt + feat[base + i]] += (oi - zero[base + i]) * table[at + q] * scale;
    }
  }
}
