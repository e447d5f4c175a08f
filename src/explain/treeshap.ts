/**
 * Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2), over the TreeEnsemble
 * normal form. Exact SHAP values of the ensemble's raw output per encoded column, in
 * O(T·L·D²). The path lives in preallocated typed arrays: each recursion level copies its
 * parent's (≤ D + 1)-element path into the next slice of one buffer, as shap's C++ does, so no
 * array is allocated per node.
 */
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../model/types';
import { addTreeFromTables, buildTables, type TreeTables } from './treeshap-tables';

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

/**
 * Path storage. The permutation weights change at every node, so each recursion level gets its
 * own slice of `Wt` (level at `at` holds weights at[0…depth]), copied from its parent: that
 * copy is the EXTEND-on-a-copy of Algorithm 2. Features and fractions only ever grow at the top
 * or lose one element (UNWIND), so they live in one shared stack (F, Z, O) and an UNWIND is
 * undone after the children return. No array is allocated per node.
 */
interface Path {
  F: Int32Array;
  Z: Float64Array;
  O: Float64Array;
  Wt: Float64Array;
}

function makePath(depth: number): Path {
  const size = depth + 3;
  return {
    F: new Int32Array(size),
    Z: new Float64Array(size),
    O: new Float64Array(size),
    Wt: new Float64Array(((depth + 2) * (depth + 3)) / 2 + depth + 4),
  };
}

// 1/k for small k: the path loops multiply instead of dividing (a division costs ~10 adds).
let INV = inverses(64);

function inverses(size: number): Float64Array {
  return Float64Array.from({ length: size }, (_, k) => (k === 0 ? 0 : 1 / k));
}

/** UNWIND's effect on the weights of the level at `at` when removing an element (zero, one). */
function unwindWeights(
  Wt: Float64Array,
  at: number,
  depth: number,
  zero: number,
  one: number,
): void {
  const d1 = depth + 1;
  const inv = INV[d1];
  if (one !== 0) {
    const c = d1 / one;
    let next = Wt[at + depth];
    for (let i = depth - 1; i >= 0; i--) {
      const a = c * INV[i + 1];
      const b = a * zero * (depth - i) * inv;
      const t = Wt[at + i];
      Wt[at + i] = next * a;
      next = t - next * b;
    }
  } else {
    const c = d1 / zero;
    for (let i = depth - 1; i >= 0; i--) Wt[at + i] *= c * INV[depth - i];
  }
}

/** Σ of the weights with an element (zero, one) unwound, without modifying the path. */
function unwoundSum(
  Wt: Float64Array,
  at: number,
  depth: number,
  zero: number,
  one: number,
): number {
  const d1 = depth + 1;
  let total = 0;
  if (one !== 0) {
    const c = d1 / one;
    const zi = zero * INV[d1];
    let next = Wt[at + depth];
    // Coefficients first: the loop-carried chain is then one multiply-subtract per step
    // instead of four dependent multiplies (this loop is the hot spot of TreeSHAP).
    for (let i = depth - 1; i >= 0; i--) {
      const a = c * INV[i + 1];
      total += next * a;
      next = Wt[at + i] - next * (a * zi * (depth - i));
    }
  } else if (zero !== 0) {
    const c = d1 / zero;
    for (let i = depth - 1; i >= 0; i--) total += Wt[at + i] * c * INV[depth - i];
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
  P: Path;
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
  const { t } = W;
  const { F, Z, O, Wt } = W.P;
  const at = parentAt + depth + 1;
  for (let k = 0; k < depth; k++) Wt[at + k] = Wt[parentAt + k];
  // EXTEND with (pi, pz, po).
  F[depth] = pi;
  Z[depth] = pz;
  O[depth] = po;
  Wt[at + depth] = depth === 0 ? 1 : 0;
  const inv = INV[depth + 1];
  for (let i = depth - 1; i >= 0; i--) {
    const wi = Wt[at + i];
    Wt[at + i + 1] += po * wi * (i + 1) * inv;
    Wt[at + i] = pz * wi * (depth - i) * inv;
  }
  if (t.left[j] === -1) {
    const v = t.value[j] * W.scale;
    for (let i = 1; i <= depth; i++) {
      const u = unwoundSum(Wt, at, depth, Z[i], O[i]);
      W.phi[W.phiAt + F[i]] += u * (O[i] - Z[i]) * v;
    }
    return;
  }
  const d = t.feature[j];
  const x = W.data[d * W.n + W.row];
  const goLeft = x !== x ? t.defaultLeft[j] === 1 : W.lt ? x < t.threshold[j] : x <= t.threshold[j];
  const hot = goLeft ? t.left[j] : t.right[j];
  const cold = goLeft ? t.right[j] : t.left[j];
  let k = 1;
  while (k <= depth && F[k] !== d) k++;
  const seen = k <= depth;
  let iz = 1;
  let io = 1;
  if (seen) {
    // The feature is already on the path: UNWIND it, and redo the split with its fractions.
    iz = Z[k];
    io = O[k];
    unwindWeights(Wt, at, depth, iz, io);
    for (let i = k; i < depth; i++) {
      F[i] = F[i + 1];
      Z[i] = Z[i + 1];
      O[i] = O[i + 1];
    }
    depth -= 1;
  }
  recurse(W, hot, at, depth + 1, W.frac[hot] * iz, io, d);
  // A cold branch with no cover adds exactly nothing (all its path weights are 0): skip it.
  const coldZero = W.frac[cold] * iz;
  if (coldZero !== 0) recurse(W, cold, at, depth + 1, coldZero, 0, d);
  if (seen) {
    // Undo the UNWIND on the shared stack: the caller's sibling branch still reads it.
    for (let i = depth; i >= k; i--) {
      F[i + 1] = F[i];
      Z[i + 1] = Z[i];
      O[i + 1] = O[i];
    }
    F[k] = d;
    Z[k] = iz;
    O[k] = io;
  }
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

/**
 * How each tree is explained: 'recursive' is Algorithm 2 as published; 'tables' precomputes
 * per-leaf tables (treeshap-tables.ts) and falls back to the recursion for trees deeper than
 * MAX_TABLE_DEPTH; 'auto' uses tables once they are built or when the batch is big enough
 * to pay for building them.
 */
export type TreeShapMethod = 'auto' | 'recursive' | 'tables';

const ROW_BLOCK = 256;
/** Rows from which building the tables pays off (measured: a few rows' worth of recursion). */
const TABLES_MIN_ROWS = 16;
// Trees are immutable once fitted, so their tables are cached for later calls.
const tableCache = new WeakMap<FlatTree, TreeTables | null>();

function tablesFor(t: FlatTree, frac: Float64Array): TreeTables | null {
  let T = tableCache.get(t);
  if (T === undefined) {
    T = buildTables(t, frac);
    tableCache.set(t, T);
  }
  return T;
}

/** SHAP values of every row of X for every encoded column; base + Σφ = ensemble output. */
export function treeShap(
  e: TreeEnsemble,
  X: EncodedMatrix,
  method: TreeShapMethod = 'auto',
): TreeShapResult {
  const { n, data } = X;
  const p = e.nFeatures;
  const scale = e.aggregate === 'mean' && e.trees.length > 0 ? 1 / e.trees.length : 1;
  const base = ensembleBase(e);
  let maxDepth = 0;
  let maxNodes = 0;
  for (const t of e.trees) {
    maxDepth = Math.max(maxDepth, treeDepth(t));
    maxNodes = Math.max(maxNodes, t.left.length);
  }
  if (maxDepth + 3 > INV.length) INV = inverses(2 * maxDepth + 3);
  const phi = new Float64Array(n * p);
  const P = makePath(maxDepth);
  const fracs = e.trees.map(childShares);
  const useTables =
    method === 'tables' ||
    (method === 'auto' && (n >= TABLES_MIN_ROWS || e.trees.every((t) => tableCache.has(t))));
  const tables = e.trees.map((t, k) => (useTables ? tablesFor(t, fracs[k]) : null));
  const pattern = new Int32Array(maxNodes);
  const lt = e.comparison === 'lt';
  const W: Walk = { t: e.trees[0], frac: fracs[0], data, n, row: 0, lt, phi, phiAt: 0, scale, P };
  // Trees outer, rows inner (in blocks): one tree's tables stay in cache across the block;
  // rows outer would stream every table of the ensemble from memory for every row.
  for (let r0 = 0; r0 < n; r0 += ROW_BLOCK) {
    const r1 = Math.min(n, r0 + ROW_BLOCK);
    for (let k = 0; k < e.trees.length; k++) {
      const t = e.trees[k];
      if (t.left[0] === -1) continue; // a single leaf only shifts the base
      const T = tables[k];
      W.t = t;
      W.frac = fracs[k];
      for (let i = r0; i < r1; i++) {
        if (T) addTreeFromTables(t, T, data, n, i, lt, phi, i * p, scale, pattern);
        else {
          W.row = i;
          W.phiAt = i * p;
          recurse(W, 0, 0, 0, 1, 1, -1);
        }
      }
    }
  }
  return { base, phi };
}
