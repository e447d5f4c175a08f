/**
 * Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2), over the TreeEnsemble
 * normal form. Exact SHAP values of the ensemble's raw output per encoded column, in
 * O(T·L·D²). The path lives in preallocated typed arrays: each recursion level copies its
 * parent's (≤ D + 1)-element path into the next slice of one buffer, as shap's C++ does, so no
 * array is allocated per node.
 */
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../model/types';

/** Per child, the share of its parent's cover; both children empty → half each (stays exact). */
function childFractions(t: FlatTree, j: number): [number, number] {
  const ra = t.cover[t.left[j]];
  const rb = t.cover[t.right[j]];
  const s = ra + rb;
  return s > 0 ? [ra / s, rb / s] : [0.5, 0.5];
}

/** childFractions for every node, indexed by the child. */
function childShares(t: FlatTree): Float64Array {
  const frac = new Float64Array(t.left.length);
  for (let j = 0; j < t.left.length; j++) {
    if (t.left[j] === -1) continue;
    const [fa, fb] = childFractions(t, j);
    frac[t.left[j]] = fa;
    frac[t.right[j]] = fb;
  }
  return frac;
}

/** E[tree output] under the cover distribution: the tree's share of the base value. */
export function treeExpectation(t: FlatTree): number {
  // Children always follow their parent, so one backward pass suffices.
  const e = new Float64Array(t.left.length);
  for (let j = t.left.length - 1; j >= 0; j--) {
    if (t.left[j] === -1) e[j] = t.value[j];
    else {
      const [fa, fb] = childFractions(t, j);
      e[j] = fa * e[t.left[j]] + fb * e[t.right[j]];
    }
  }
  return e[0];
}

export function treeDepth(t: FlatTree): number {
  const d = new Int32Array(t.left.length);
  let max = 0;
  for (let j = 0; j < t.left.length; j++) {
    if (t.left[j] === -1) continue;
    d[t.left[j]] = d[j] + 1;
    d[t.right[j]] = d[j] + 1;
    if (d[j] + 1 > max) max = d[j] + 1;
  }
  return max;
}

/** Reusable path buffers sized for the deepest tree. */
class PathBuffer {
  readonly feat: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly w: Float64Array;
  constructor(depth: number) {
    const size = ((depth + 2) * (depth + 3)) / 2 + depth + 4;
    this.feat = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.w = new Float64Array(size);
  }
}

// 1/k for small k: the path loops multiply instead of dividing (a division costs ~10 adds).
let INV = inverses(64);

function inverses(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, k) => (k === 0 ? 0 : 1 / k));
}

function extend(
  P: PathBuffer,
  at: number,
  depth: number,
  pz: number,
  po: number,
  pi: number,
): void {
  const { feat, zero, one, w } = P;
  feat[at + depth] = pi;
  zero[at + depth] = pz;
  one[at + depth] = po;
  w[at + depth] = depth === 0 ? 1 : 0;
  const inv = INV[depth + 1];
  for (let i = depth - 1; i >= 0; i--) {
    const wi = w[at + i];
    w[at + i + 1] += po * wi * (i + 1) * inv;
    w[at + i] = pz * wi * (depth - i) * inv;
  }
}

function unwind(P: PathBuffer, at: number, depth: number, k: number): void {
  const { feat, zero, one, w } = P;
  const o = one[at + k];
  const z = zero[at + k];
  const d1 = depth + 1;
  const inv = INV[d1];
  if (o !== 0) {
    const c = d1 / o;
    let next = w[at + depth];
    for (let i = depth - 1; i >= 0; i--) {
      const t = w[at + i];
      const wi = next * c * INV[i + 1];
      w[at + i] = wi;
      next = t - wi * z * (depth - i) * inv;
    }
  } else {
    const c = d1 / z;
    for (let i = depth - 1; i >= 0; i--) w[at + i] = w[at + i] * c * INV[depth - i];
  }
  for (let i = k; i < depth; i++) {
    feat[at + i] = feat[at + i + 1];
    zero[at + i] = zero[at + i + 1];
    one[at + i] = one[at + i + 1];
  }
}

/** Σ of the path weights with element k unwound, without modifying the path. */
function unwoundSum(P: PathBuffer, at: number, depth: number, k: number): number {
  const { zero, one, w } = P;
  const o = one[at + k];
  const z = zero[at + k];
  const d1 = depth + 1;
  let total = 0;
  if (o !== 0) {
    const c = d1 / o;
    const zi = z * INV[d1];
    let next = w[at + depth];
    for (let i = depth - 1; i >= 0; i--) {
      const t = next * c * INV[i + 1];
      total += t;
      next = w[at + i] - t * zi * (depth - i);
    }
  } else if (z !== 0) {
    const c = d1 / z;
    for (let i = depth - 1; i >= 0; i--) total += w[at + i] * c * INV[depth - i];
  }
  return total;
}

interface Walk {
  t: FlatTree;
  /** Per node: its share of its parent's cover (precomputed once per tree). */
  frac: Float64Array;
  data: Float64Array;
  n: number;
  row: number;
  lt: boolean;
  phi: Float64Array;
  phiAt: number;
  scale: number;
  P: PathBuffer;
}

function recurse(
  W: Walk,
  j: number,
  parentAt: number,
  depth: number,
  pz: number,
  po: number,
  pi: number,
): void {
  const { t, P } = W;
  const at = parentAt + depth + 1;
  // Copy the parent's path into this level's slice (the EXTEND works on a copy); a plain loop
  // beats copyWithin for these few elements.
  const { feat, zero, one, w } = P;
  for (let k = 0; k <= depth; k++) {
    feat[at + k] = feat[parentAt + k];
    zero[at + k] = zero[parentAt + k];
    one[at + k] = one[parentAt + k];
    w[at + k] = w[parentAt + k];
  }
  extend(P, at, depth, pz, po, pi);
  if (t.left[j] === -1) {
    const v = t.value[j] * W.scale;
    for (let i = 1; i <= depth; i++) {
      const u = unwoundSum(P, at, depth, i);
      W.phi[W.phiAt + feat[at + i]] += u * (one[at + i] - zero[at + i]) * v;
    }
    return;
  }
  const d = t.feature[j];
  const x = W.data[d * W.n + W.row];
  const goLeft = x !== x ? t.defaultLeft[j] === 1 : W.lt ? x < t.threshold[j] : x <= t.threshold[j];
  const hot = goLeft ? t.left[j] : t.right[j];
  const cold = goLeft ? t.right[j] : t.left[j];
  const hotFrac = W.frac[hot];
  const coldFrac = W.frac[cold];
  let iz = 1;
  let io = 1;
  let k = 1;
  while (k <= depth && feat[at + k] !== d) k++;
  if (k <= depth) {
    iz = zero[at + k];
    io = one[at + k];
    unwind(P, at, depth, k);
    depth -= 1;
  }
  recurse(W, hot, at, depth + 1, hotFrac * iz, io, d);
  // A cold branch with no cover adds exactly nothing (all its path weights are 0): skip it.
  if (coldFrac * iz !== 0) recurse(W, cold, at, depth + 1, coldFrac * iz, 0, d);
}

export interface TreeShapResult {
  /** φ₀: the expected ensemble output (in the ensemble's output units). */
  base: number;
  /** Row-major n × nFeatures SHAP values per encoded column. */
  phi: Float64Array;
}

/** φ₀ of an ensemble: its expected output under the cover distribution. */
export function ensembleBase(e: TreeEnsemble): number {
  const scale = e.aggregate === 'mean' && e.trees.length > 0 ? 1 / e.trees.length : 1;
  let base = e.baseMargin;
  for (const t of e.trees) base += treeExpectation(t) * scale;
  return base;
}

/** SHAP values of every row of X for every encoded column; base + Σφ = ensemble output. */
export function treeShap(e: TreeEnsemble, X: EncodedMatrix): TreeShapResult {
  const { n, data } = X;
  const p = e.nFeatures;
  const scale = e.aggregate === 'mean' && e.trees.length > 0 ? 1 / e.trees.length : 1;
  const base = ensembleBase(e);
  let maxDepth = 0;
  for (const t of e.trees) maxDepth = Math.max(maxDepth, treeDepth(t));
  if (maxDepth + 3 > INV.length) INV = inverses(2 * maxDepth + 3);
  const phi = new Float64Array(n * p);
  const P = new PathBuffer(maxDepth);
  const fracs = e.trees.map(childShares);
  const W: Walk = {
    t: e.trees[0],
    frac: fracs[0],
    data,
    n,
    row: 0,
    lt: e.comparison === 'lt',
    phi,
    phiAt: 0,
    scale,
    P,
  };
  for (let i = 0; i < n; i++) {
    W.row = i;
    W.phiAt = i * p;
    for (let k = 0; k < e.trees.length; k++) {
      const t = e.trees[k];
      if (t.left[0] === -1) continue; // a single leaf only shifts the base
      W.t = t;
      W.frac = fracs[k];
      recurse(W, 0, 0, 0, 1, 1, -1);
    }
  }
  return { base, phi };
}
