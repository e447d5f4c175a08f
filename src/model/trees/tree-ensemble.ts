/**
 * Prediction and (de)serialisation of the tree normal form. Every tree source (our GBDT, our
 * single tree, ml-cart, xgboost JSON) ends up as a TreeEnsemble, so this is the only place that
 * walks trees for prediction.
 */
import { z } from 'zod';
import { binOf, columnBinner } from './histogram';
import { TreeModelError } from './tree-errors';
import type { ColumnLayout } from '../linear/dense';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../types';

/** The leaf a row of `X` (row `i`) reaches in `tree`. */
export function leafIndex(
  tree: FlatTree,
  data: Float64Array,
  n: number,
  i: number,
  lt: boolean,
): number {
  const { left, right, feature, threshold, defaultLeft } = tree;
  let j = 0;
  while (left[j] !== -1) {
    const x = data[feature[j] * n + i];
    let goLeft: boolean;
    if (x !== x) goLeft = defaultLeft[j] === 1;
    else goLeft = lt ? x < threshold[j] : x <= threshold[j];
    j = goLeft ? left[j] : right[j];
  }
  return j;
}

/** The raw output (margin, or probability for 'probability' ensembles) of every row. */
export function predictEnsemble(e: TreeEnsemble, X: EncodedMatrix): Float64Array {
  if (X.p !== e.nFeatures) {
    throw new TreeModelError(
      'FEATURE_MISMATCH',
      `The ensemble expects ${e.nFeatures} encoded columns but got ${X.p}.`,
      'Encode the rows with the same fitted encoder the model was trained with.',
    );
  }
  const n = X.n;
  const out = new Float64Array(n);
  const lt = e.comparison === 'lt';
  if (lt && addTreesCoded(e, X, out)) {
    // Done on byte codes of the thresholds (the same leaves, the same sums).
  } else if (X.layout) addTreesFromLayout(e, X.layout, n, lt, out);
  else {
    for (const tree of e.trees) {
      for (let i = 0; i < n; i++) out[i] += tree.value[leafIndex(tree, X.data, n, i, lt)];
    }
  }
  if (e.aggregate === 'mean' && e.trees.length > 0) {
    const inv = 1 / e.trees.length;
    for (let i = 0; i < n; i++) out[i] *= inv;
  }
  for (let i = 0; i < n; i++) out[i] += e.baseMargin;
  return out;
}

/** Rows per block of the coded walk: their codes stay in cache while every tree walks them. */
const BLOCK_ROWS = 8192;
/** Most distinct thresholds one feature may have for its codes to fit a byte (with missing). */
const MAX_CODED = 254;

/**
 * `predictEnsemble`'s tree walk ('lt' ensembles) on byte codes: each feature a tree splits on
 * gets the ascending distinct thresholds of all its splits as cuts, and a value's code is the
 * number of cuts ≤ it (missing: one more than the cuts), so `x < threshold` is exactly `code ≤
 * the threshold's index`. Rows go in blocks whose codes (one byte per used feature) stay in
 * cache across all trees, instead of every tree streaming whole float columns; each row still
 * adds its trees' leaf values in tree order, so the output is the same bits as the float walk.
 * Returns false (nothing written) when a feature has too many thresholds for a byte.
 */
function addTreesCoded(e: TreeEnsemble, X: EncodedMatrix, out: Float64Array): boolean {
  const { n } = X;
  const p = e.nFeatures;
  const thresholds: number[][] = new Array<number[]>(p);
  for (const t of e.trees) {
    for (let j = 0; j < t.left.length; j++) {
      if (t.left[j] !== -1) (thresholds[t.feature[j]] ??= []).push(t.threshold[j]);
    }
  }
  const slotOf = new Int32Array(p).fill(-1);
  const used: number[] = [];
  const cuts: Float64Array[] = [];
  for (let f = 0; f < p; f++) {
    const list = thresholds[f];
    if (!list) continue;
    const sorted = Float64Array.from(list).sort();
    let u = 0;
    for (let k = 0; k < sorted.length; k++)
      if (k === 0 || sorted[k] !== sorted[u - 1]) sorted[u++] = sorted[k];
    if (u > MAX_CODED) return false;
    slotOf[f] = used.length;
    used.push(f);
    cuts.push(sorted.slice(0, u));
  }
  const B = Math.min(n, BLOCK_ROWS);
  // Per tree node: where its feature's codes start in a block, the threshold's index, and the
  // missing code with its side.
  const nodes = e.trees.map((t) => {
    const m = t.left.length;
    const at = new Int32Array(m);
    const k = new Int32Array(m);
    // The missing code where missing values go left, else 256 (no code).
    const missLeft = new Int32Array(m);
    // Right child next to the left one at every split (our trees): the walk needs no branch.
    let adjacent = true;
    for (let j = 0; j < m; j++) {
      if (t.left[j] === -1) continue;
      const s = slotOf[t.feature[j]];
      at[j] = s * B;
      // The threshold is one of the cuts: the number of cuts ≤ it, less one.
      k[j] = binOf(cuts[s], t.threshold[j]) - 1;
      missLeft[j] = t.defaultLeft[j] === 1 ? cuts[s].length + 1 : 256;
      if (t.right[j] !== t.left[j] + 1) adjacent = false;
    }
    return { left: t.left, right: t.right, value: t.value, at, k, missLeft, adjacent };
  });
  const layout = X.layout;
  const binners = cuts.map((c) => columnBinner(c));
  const ones = used.map((f) =>
    layout && !layout.dense[f] ? (layout.ones[f] ?? new Uint32Array(0)) : null,
  );
  const onesAt = new Int32Array(used.length);
  const codes = new Uint8Array(used.length * B);
  for (let b0 = 0; b0 < n; b0 += B) {
    const m = Math.min(B, n - b0);
    for (let s = 0; s < used.length; s++) {
      const f = used[s];
      const o = codes.subarray(s * B, s * B + m);
      const rows = ones[s];
      if (rows) {
        // A 0/1 column held as its rows of 1s (ascending): walk them block by block.
        o.fill(binOf(cuts[s], 0));
        const one = binOf(cuts[s], 1);
        let t = onesAt[s];
        while (t < rows.length && rows[t] < b0 + m) o[rows[t++] - b0] = one;
        onesAt[s] = t;
      } else {
        const col = layout ? layout.dense[f]! : X.data.subarray(f * n, (f + 1) * n);
        binners[s](col.subarray(b0, b0 + m), o);
      }
    }
    for (const t of nodes) {
      const { left, right, value, at, k, missLeft } = t;
      if (t.adjacent) {
        // Right = left + 1, taken when c > k (k − c negative) and c is not the missing code
        // that goes left (c ^ missLeft nonzero; both below 512): arithmetic, not a branch
        // that mispredicts on every other row.
        for (let i = 0; i < m; i++) {
          let j = 0;
          while (left[j] !== -1) {
            const c = codes[at[j] + i];
            j = left[j] + (((k[j] - c) >>> 31) & (((c ^ missLeft[j]) + 511) >>> 9));
          }
          out[b0 + i] += value[j];
        }
        continue;
      }
      for (let i = 0; i < m; i++) {
        let j = 0;
        while (left[j] !== -1) {
          const c = codes[at[j] + i];
          // A missing value's code is above every k: it goes left only by the default.
          j = c <= k[j] || c === missLeft[j] ? left[j] : right[j];
        }
        out[b0 + i] += value[j];
      }
    }
  }
  return true;
}

/**
 * `predictEnsemble`'s tree walk on a matrix held as a column layout, without making its dense
 * form: a number column is read as it is, a 0/1 column (its rows of 1s) as a bitset, which
 * gives the same values (0 or 1, never missing) and so the same leaves.
 */
function addTreesFromLayout(
  e: TreeEnsemble,
  layout: ColumnLayout,
  n: number,
  lt: boolean,
  out: Float64Array,
): void {
  const p = e.nFeatures;
  const dense: Array<Float64Array | null> = new Array<Float64Array | null>(p).fill(null);
  const bits: Array<Uint8Array | null> = new Array<Uint8Array | null>(p).fill(null);
  const words = (n + 7) >>> 3;
  for (const tree of e.trees) {
    for (let j = 0; j < tree.feature.length; j++) {
      const f = tree.feature[j];
      if (tree.left[j] === -1 || dense[f] || bits[f]) continue;
      const col = layout.dense[f];
      if (col) dense[f] = col;
      else {
        const b = new Uint8Array(words);
        const ones = layout.ones[f] ?? new Uint32Array(0);
        for (let t = 0; t < ones.length; t++) b[ones[t] >>> 3] |= 1 << (ones[t] & 7);
        bits[f] = b;
      }
    }
  }
  for (const tree of e.trees) {
    const { left, right, feature, threshold, defaultLeft, value } = tree;
    for (let i = 0; i < n; i++) {
      let j = 0;
      while (left[j] !== -1) {
        const f = feature[j];
        const col = dense[f];
        const x = col ? col[i] : (bits[f]![i >>> 3] >>> (i & 7)) & 1;
        let goLeft: boolean;
        if (x !== x) goLeft = defaultLeft[j] === 1;
        else goLeft = lt ? x < threshold[j] : x <= threshold[j];
        j = goLeft ? left[j] : right[j];
      }
      out[i] += value[j];
    }
  }
}

export interface FlatTreeJSON {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
  value: number[];
  cover: number[];
}

export interface TreeEnsembleJSON {
  trees: FlatTreeJSON[];
  nFeatures: number;
  baseMargin: number;
  comparison: 'lt' | 'le';
  aggregate: 'sum' | 'mean';
  output: 'logit' | 'probability';
}

// JSON has no Infinity/NaN: thresholds are always finite for real splits, leaves store 0.
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const FlatTreeSchema = z.object({
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  feature: z.array(z.number().int()),
  threshold: z.array(finite),
  defaultLeft: z.array(z.union([z.literal(0), z.literal(1)])),
  value: z.array(finite),
  cover: z.array(finite),
});
const EnsembleSchema = z.object({
  trees: z.array(FlatTreeSchema),
  nFeatures: z.number().int().min(0),
  baseMargin: finite,
  comparison: z.enum(['lt', 'le']),
  aggregate: z.enum(['sum', 'mean']),
  output: z.enum(['logit', 'probability']),
});

export function ensembleToJSON(e: TreeEnsemble): TreeEnsembleJSON {
  return {
    trees: e.trees.map((t) => ({
      left: Array.from(t.left),
      right: Array.from(t.right),
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold, (v) => (Number.isFinite(v) ? v : 0)),
      defaultLeft: Array.from(t.defaultLeft),
      value: Array.from(t.value),
      cover: Array.from(t.cover),
    })),
    nFeatures: e.nFeatures,
    baseMargin: e.baseMargin,
    comparison: e.comparison,
    aggregate: e.aggregate,
    output: e.output,
  };
}

/** Parse and structurally check an ensemble, so a corrupt artifact fails here, not mid-walk. */
export function ensembleFromJSON(json: unknown): TreeEnsemble {
  const parsed = EnsembleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TreeModelError(
      'ENSEMBLE_INVALID',
      `The tree ensemble JSON is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
      'Re-train the model or restore the artifact from a backup; it was not written by LeadLens.',
    );
  }
  const j = parsed.data;
  const trees = j.trees.map((t, k) => {
    const tree: FlatTree = {
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      defaultLeft: Uint8Array.from(t.defaultLeft),
      value: Float64Array.from(t.value),
      cover: Float64Array.from(t.cover),
    };
    checkTree(tree, j.nFeatures, k);
    return tree;
  });
  return { ...j, trees };
}

/** Lengths agree, children point forward inside the tree, features exist: no walk can loop. */
export function checkTree(t: FlatTree, nFeatures: number, index: number): void {
  const m = t.left.length;
  const bad = (why: string): never => {
    throw new TreeModelError(
      'ENSEMBLE_INVALID',
      `Tree ${index} of the ensemble is malformed: ${why}.`,
      'Re-train the model; the artifact is damaged or was edited by hand.',
    );
  };
  if (m === 0) bad('it has no nodes');
  for (const [name, arr] of Object.entries(t)) {
    if ((arr as ArrayLike<number>).length !== m) bad(`'${name}' has a different length`);
  }
  for (let j = 0; j < m; j++) {
    if (t.left[j] === -1) continue;
    if (t.left[j] <= j || t.left[j] >= m || t.right[j] <= j || t.right[j] >= m) {
      bad(`node ${j} has children outside the tree`);
    }
    if (t.feature[j] < 0 || t.feature[j] >= nFeatures) bad(`node ${j} splits on a missing column`);
  }
}
