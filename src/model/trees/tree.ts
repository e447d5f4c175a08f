/**
 * A single shallow decision tree for admins who want readable rules. Splits are chosen on the
 * same histograms as the GBDT (one Newton step from the base rate, i.e. weighted variance
 * reduction of the label); leaves hold the smoothed class-1 log-odds, so the tree's output is a
 * margin like every other model's and TreeSHAP explains it in log-odds.
 */
import { z } from 'zod';
import { checkTrainingInput, resolveParams, weightedBaseMargin, type FitTreeOptions } from './gbdt';
import { GrowWorkspace, type GrownTree } from './gbdt-grow';
import { binMatrix } from './histogram';
import { predictEnsemble } from './tree-ensemble';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../types';

export const TreeParamsSchema = z.object({
  maxDepth: z.number().int().min(1).max(12),
  maxLeaves: z.number().int().min(2),
  /** Smallest total sample weight in a leaf (rows, when unweighted). */
  minLeafWeight: z.number().gt(0),
  /** Prior strength (in rows) pulling each leaf's rate towards the overall rate. */
  smoothing: z.number().min(0),
  maxBins: z.number().int().min(2).max(255),
});
export type TreeParams = z.infer<typeof TreeParamsSchema>;

export const DEFAULT_TREE_PARAMS: TreeParams = {
  maxDepth: 4,
  maxLeaves: 16,
  minLeafWeight: 20,
  smoothing: 2,
  maxBins: 255,
};

function toLogOddsTree(
  g: GrownTree,
  rows: Uint32Array,
  y: Float64Array,
  w: Float64Array | undefined,
  prior: number,
  smoothing: number,
): FlatTree {
  const m = g.left.length;
  const cover = new Float64Array(m);
  const pos = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    if (g.left[j] !== -1) continue;
    for (let k = g.leafStart[j]; k < g.leafEnd[j]; k++) {
      const r = rows[k];
      const wi = w ? w[r] : 1;
      cover[j] += wi;
      pos[j] += wi * y[r];
    }
  }
  // Children come after their parent: one backward pass fills the internal covers.
  for (let j = m - 1; j >= 0; j--) {
    if (g.left[j] === -1) continue;
    cover[j] = cover[g.left[j]] + cover[g.right[j]];
    pos[j] = pos[g.left[j]] + pos[g.right[j]];
  }
  const value = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    if (g.left[j] !== -1) continue;
    const rate = (pos[j] + smoothing * prior + 0.5e-6) / (cover[j] + smoothing + 1e-6);
    value[j] = Math.log(rate / (1 - rate));
  }
  return {
    left: Int32Array.from(g.left),
    right: Int32Array.from(g.right),
    feature: Int32Array.from(g.feature),
    threshold: Float64Array.from(g.threshold),
    defaultLeft: Uint8Array.from(g.defaultLeft),
    value,
    cover,
  };
}

function validLogLoss(e: TreeEnsemble, X: EncodedMatrix, y: Float64Array): number {
  const m = predictEnsemble(e, X);
  let s = 0;
  for (let i = 0; i < m.length; i++) {
    const v = m[i];
    s += (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))) - y[i] * v;
  }
  return s / Math.max(1, m.length);
}

/**
 * Fit one tree. With `valid`, every depth from 1 to maxDepth is tried and the one with the
 * lowest validation log loss kept (shallower wins ties: fewer rules to read).
 */
export function fitTree(
  X: EncodedMatrix,
  y: Float64Array,
  opts: FitTreeOptions<TreeParams>,
): TreeEnsemble {
  const P = resolveParams(TreeParamsSchema, DEFAULT_TREE_PARAMS, opts.params ?? {});
  checkTrainingInput(X, y, opts.weights);
  if (opts.valid) checkTrainingInput(opts.valid.X, opts.valid.y);
  const { n, p } = X;
  const w = opts.weights;
  const B = binMatrix(X, P.maxBins);
  const ws = new GrowWorkspace(B, n);
  const base = weightedBaseMargin(y, w);
  const prior = 1 / (1 + Math.exp(-base));
  const h0 = prior * (1 - prior);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    grad[i] = (prior - y[i]) * wi;
    hess[i] = h0 * wi;
  }
  const features = Int32Array.from({ length: p }, (_, f) => f);
  const fit = (depth: number): TreeEnsemble => {
    for (let i = 0; i < n; i++) ws.rows[i] = i;
    const grown = ws.grow(n, grad, hess, features, {
      maxDepth: depth,
      maxLeaves: P.maxLeaves,
      minChildHessian: P.minLeafWeight * h0,
      l2: 0,
      minSplitGain: 0,
      learningRate: 1,
    });
    const tree = toLogOddsTree(grown, ws.rows, y, w, prior, P.smoothing);
    return {
      trees: [tree],
      nFeatures: p,
      baseMargin: 0,
      comparison: 'lt',
      aggregate: 'sum',
      output: 'logit',
    };
  };
  if (!opts.valid) return fit(P.maxDepth);
  let best = fit(1);
  let bestLoss = validLogLoss(best, opts.valid.X, opts.valid.y);
  for (let d = 2; d <= P.maxDepth; d++) {
    const e = fit(d);
    const loss = validLogLoss(e, opts.valid.X, opts.valid.y);
    if (loss < bestLoss - 1e-9) {
      best = e;
      bestLoss = loss;
    }
  }
  return best;
}
