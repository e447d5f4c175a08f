/**
 * Gradient-boosted trees with logistic loss on histograms (≤ 255 quantile bins per feature).
 * Second-order (Newton) leaves like xgboost, missing values down a learned default branch,
 * every node keeping its cover (hessian sum) for TreeSHAP, early stopping on the caller's
 * time-ordered validation slice. Deterministic under the seed.
 */
import { z } from 'zod';
import { GrowWorkspace, type GrownTree } from './gbdt-grow';
import { defaultThreads } from './gbdt-hist-pool';
import { sparseBinsOf, type SparseBins } from './gbdt-sparse';
import { binMatrix, binWithCuts, type BinnedMatrix } from './histogram';
import type { Rng } from '../rng';
import { TreeModelError } from './tree-errors';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../types';

export const GbdtParamsSchema = z.object({
  nRounds: z.number().int().min(1).max(100_000),
  learningRate: z.number().gt(0).max(1),
  maxDepth: z.number().int().min(1).max(30),
  /** 0 = only the depth limits the tree (2^maxDepth leaves). */
  maxLeaves: z.number().int().min(0),
  minChildHessian: z.number().min(0),
  l2: z.number().min(0),
  minSplitGain: z.number().min(0),
  /** Stop after this many rounds without a better validation log loss (needs `valid`). */
  earlyStoppingRounds: z.number().int().min(1),
  maxBins: z.number().int().min(2).max(255),
  /** Fraction of rows drawn (without replacement) per tree. */
  subsample: z.number().gt(0).max(1),
  /** Fraction of columns drawn per tree. */
  colsampleByTree: z.number().gt(0).max(1),
});
export type GbdtParams = z.infer<typeof GbdtParamsSchema>;

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  nRounds: 300,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  minChildHessian: 1,
  l2: 1,
  minSplitGain: 0,
  earlyStoppingRounds: 20,
  maxBins: 255,
  subsample: 1,
  colsampleByTree: 1,
};

export interface FitTreeOptions<P> {
  weights?: Float64Array;
  /** Threads for GBDT histograms (default: 2 when the machine has two cores; more do not help). */
  threads?: number;
  valid?: { X: EncodedMatrix; y: Float64Array };
  params?: Partial<P>;
  rng: Rng;
}

export function resolveParams<S extends z.ZodType>(
  schema: S,
  defaults: z.infer<S>,
  given: unknown,
): z.infer<S> {
  const parsed = schema.safeParse({ ...(defaults as object), ...(given as object) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TreeModelError(
      'PARAMS_INVALID',
      `Tree parameter '${issue.path.join('.')}' is invalid: ${issue.message}.`,
      'Fix the value or leave it out to use the default.',
    );
  }
  return parsed.data;
}

/** Shapes agree, labels are 0/1, weights non-negative: checked once before any numerics. */
export function checkTrainingInput(
  X: EncodedMatrix,
  y: Float64Array,
  weights?: Float64Array,
): void {
  const bad = (msg: string, hint: string): never => {
    throw new TreeModelError('INPUT_INVALID', msg, hint);
  };
  // A matrix held as a column layout is checked on its columns: reading `data` would make it.
  const held = X.layout
    ? X.layout.dense.length === X.p &&
      X.layout.dense.every((c, j) => (c ? c.length === X.n : X.layout!.ones[j] != null))
      ? X.n * X.p
      : -1
    : X.data.length;
  if (held !== X.n * X.p)
    bad(
      `The matrix holds ${held < 0 ? 'columns of the wrong shape' : `${held} values`}, not n·p = ${X.n * X.p}.`,
      'Build it with the encoder.',
    );
  if (y.length !== X.n)
    bad(`There are ${y.length} labels for ${X.n} rows.`, 'Pass one label per row.');
  if (X.n < 2) bad(`Only ${X.n} training row(s).`, 'Train on at least two rows.');
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1)
      bad(`Label ${y[i]} at row ${i + 1} is not 0 or 1.`, 'Map the label to 0/1 first.');
  }
  if (weights) {
    if (weights.length !== X.n)
      bad(`There are ${weights.length} weights for ${X.n} rows.`, 'Pass one weight per row.');
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i]))
        bad(
          `Weight ${weights[i]} at row ${i + 1} is not a finite non-negative number.`,
          'Fix the sample weights.',
        );
    }
  }
}

export function toFlatTree(g: GrownTree): FlatTree {
  const isLeaf = g.left.map((l) => l === -1);
  return {
    left: Int32Array.from(g.left),
    right: Int32Array.from(g.right),
    feature: Int32Array.from(g.feature),
    threshold: Float64Array.from(g.threshold),
    defaultLeft: Uint8Array.from(g.defaultLeft),
    value: Float64Array.from(g.value, (v, j) => (isLeaf[j] ? v : 0)),
    cover: Float64Array.from(g.cover),
  };
}

/**
 * Route rows on their bins (column-major, n rows) and add each row's leaf value: exactly what
 * the float thresholds do on the raw values (see binWithCuts). Grown trees put a split's right
 * child next to its left one, so a step is arithmetic: right when the bin is above the split's
 * (splitBin − b negative) and is not the missing bin of a split that sends missing values left
 * (b ^ missLeft nonzero; both below 512), instead of a branch mispredicted on every other row.
 */
function addTreeOnBins(
  g: GrownTree,
  bins: Uint8Array,
  n: number,
  nValueBins: Int32Array,
  value: ArrayLike<number>,
  margin: Float64Array,
): void {
  const m = g.left.length;
  const left = Int32Array.from(g.left);
  const at = new Int32Array(m);
  const split = new Int32Array(m);
  const missLeft = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    if (left[j] === -1) continue;
    const f = g.feature[j];
    at[j] = f * n;
    split[j] = g.splitBin[j];
    // The missing bin of feature f is nValueBins[f] (≤ 255); 256 matches no bin.
    missLeft[j] = g.defaultLeft[j] === 1 ? nValueBins[f] : 256;
  }
  for (let i = 0; i < n; i++) {
    let j = 0;
    while (left[j] !== -1) {
      const b = bins[at[j] + i];
      j = left[j] + (((split[j] - b) >>> 31) & (((b ^ missLeft[j]) + 511) >>> 9));
    }
    margin[i] += value[j];
  }
}

function logLoss(margin: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i];
    // log(1 + e^m) − y·m, computed without overflow.
    s += (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - y[i] * m;
  }
  return s / Math.max(1, margin.length);
}

export function weightedBaseMargin(y: Float64Array, w?: Float64Array): number {
  let sw = 0;
  let sy = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    sw += wi;
    sy += wi * y[i];
  }
  if (sw <= 0) {
    throw new TreeModelError(
      'INPUT_INVALID',
      'All sample weights are zero.',
      'Give at least some rows a positive weight.',
    );
  }
  const p = Math.min(1 - 1e-6, Math.max(1e-6, sy / sw));
  return Math.log(p / (1 - p));
}

/**
 * Binned rows kept between fits of the same matrices: a backtest fold's sweep fits one training
 * matrix at several depths, weightings and rates, and binning it (quantile sketch, bins, the
 * sparse form) is the same work each time. Keyed on the matrix objects (held weakly), so it is
 * only for matrices not changed between fits; a fit with a cache gives the same model as one
 * without. Drop the cache when the fold is done (it holds about n·p bytes per matrix).
 */
export class GbdtBinCache {
  private readonly train = new WeakMap<
    EncodedMatrix,
    Map<number, { B: BinnedMatrix; sparse: SparseBins | null }>
  >();
  private readonly valid = new WeakMap<EncodedMatrix, WeakMap<BinnedMatrix, Uint8Array>>();

  /** The bins of `X` under `maxBins` and their sparse form (null when too dense for it). */
  binned(X: EncodedMatrix, maxBins: number): { B: BinnedMatrix; sparse: SparseBins | null } {
    let byBins = this.train.get(X);
    if (!byBins) this.train.set(X, (byBins = new Map()));
    let got = byBins.get(maxBins);
    if (!got) {
      const B = binMatrix(X, maxBins);
      got = { B, sparse: sparseBinsOf(B) };
      byBins.set(maxBins, got);
    }
    return got;
  }

  /** `binWithCuts(V, B)`, once per pair. */
  binnedWith(V: EncodedMatrix, B: BinnedMatrix): Uint8Array {
    let byB = this.valid.get(V);
    if (!byB) this.valid.set(V, (byB = new WeakMap()));
    let bins = byB.get(B);
    if (!bins) byB.set(B, (bins = binWithCuts(V, B)));
    return bins;
  }
}

export interface FitGbdtOptions extends FitTreeOptions<GbdtParams> {
  /** Bins shared with other fits of the same matrices (see GbdtBinCache). */
  binCache?: GbdtBinCache;
  /** Keep every tree fitted, also those after the best validation round (backtest sweeps). */
  keepAll?: boolean;
  /**
   * Round counts (ascending) after which the validation rows' margins are copied out, so a
   * sweep scores its round grid without walking the trees over those rows again.
   */
  validAt?: readonly number[];
}

export interface FitGbdtResult {
  ensemble: TreeEnsemble;
  bestIteration: number;
  /** The validation margins after each `validAt` count reached (fewer when boosting stopped). */
  validMargins: Float64Array[];
  /** The validation margins after the last round fitted (null without validation rows). */
  validFinal: Float64Array | null;
}

export function fitGbdt(X: EncodedMatrix, y: Float64Array, opts: FitGbdtOptions): FitGbdtResult {
  const P = resolveParams(GbdtParamsSchema, DEFAULT_GBDT_PARAMS, opts.params ?? {});
  checkTrainingInput(X, y, opts.weights);
  const valid = opts.valid;
  if (valid) {
    checkTrainingInput(valid.X, valid.y);
    if (valid.X.p !== X.p) {
      throw new TreeModelError(
        'FEATURE_MISMATCH',
        `The validation matrix has ${valid.X.p} columns, training has ${X.p}.`,
        'Encode both with the same encoder.',
      );
    }
  }
  // Binned from the encoder's column layout: a GBDT fit never makes the dense matrix.
  const cache = opts.binCache;
  const shared = cache?.binned(X, P.maxBins);
  const B = shared?.B ?? binMatrix(X, P.maxBins);
  // Validation rows are routed on their bins under the training cuts (the same leaves).
  const vBins = valid ? (cache ? cache.binnedWith(valid.X, B) : binWithCuts(valid.X, B)) : null;
  // Histograms of large nodes on two threads; the trees are the same bit for bit either way.
  const threads = opts.threads ?? defaultThreads();
  const ws = new GrowWorkspace(B, X.n, threads, true, false, shared?.sparse);
  try {
    return boost(X, y, opts, P, B, ws, vBins);
  } finally {
    ws.close();
  }
}

function boost(
  X: EncodedMatrix,
  y: Float64Array,
  opts: FitGbdtOptions,
  P: GbdtParams,
  B: BinnedMatrix,
  ws: GrowWorkspace,
  vBins: Uint8Array | null,
): FitGbdtResult {
  const { n, p } = X;
  const w = opts.weights;
  const valid = opts.valid;
  const base = weightedBaseMargin(y, w);
  // Margins, labels and weights live in the workspace, which turns them into gradients.
  const margin = ws.margin.fill(base);
  ws.labels.set(y);
  // A unit weight multiplies exactly: the same gradients as no weights at all.
  if (w) ws.weights.set(w);
  else ws.weights.fill(1);
  const vMargin = valid ? new Float64Array(valid.X.n).fill(base) : undefined;
  const validAt = opts.validAt ?? [];
  const validMargins: Float64Array[] = [];
  const growP = {
    maxDepth: P.maxDepth,
    maxLeaves: P.maxLeaves === 0 ? 2 ** Math.min(P.maxDepth, 30) : P.maxLeaves,
    minChildHessian: P.minChildHessian,
    l2: P.l2,
    minSplitGain: P.minSplitGain,
    learningRate: P.learningRate,
  };
  const allFeatures = Int32Array.from({ length: p }, (_, f) => f);
  const nCols = Math.max(1, Math.round(P.colsampleByTree * p));
  const nRows = Math.max(2, Math.round(P.subsample * n));
  const perm = new Uint32Array(n);
  const trees: FlatTree[] = [];
  let best = Infinity;
  let bestIteration = -1;
  for (let round = 0; round < P.nRounds; round++) {
    ws.gradients();
    const features = nCols < p ? sampleSorted(p, nCols, opts.rng) : allFeatures;
    let nActive = n;
    if (nRows < n) {
      // Partial Fisher–Yates, then sort so histogram gathers walk memory forwards.
      for (let i = 0; i < n; i++) perm[i] = i;
      for (let k = 0; k < nRows; k++) {
        const j = k + opts.rng.int(n - k);
        const t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
      }
      ws.rows.set(perm.subarray(0, nRows).sort());
      nActive = nRows;
    } else {
      for (let i = 0; i < n; i++) ws.rows[i] = i;
    }
    const grown = ws.growPrepared(nActive, features, growP);
    if (nActive === n) {
      // Every row sits in exactly one leaf segment: no tree walk needed, and the values are
      // added by the next round's gradients (in row order) when the tree has few enough leaves.
      if (!ws.deferLeafValues(grown))
        for (let j = 0; j < grown.left.length; j++) {
          if (grown.left[j] !== -1) continue;
          const v = grown.value[j];
          for (let k = grown.leafStart[j]; k < grown.leafEnd[j]; k++) margin[ws.rows[k]] += v;
        }
    } else {
      addTreeOnBins(grown, B.bins, n, B.nValueBins, grown.value, margin);
    }
    const tree = toFlatTree(grown);
    trees.push(tree);
    if (valid && vMargin && vBins) {
      addTreeOnBins(grown, vBins, valid.X.n, B.nValueBins, tree.value, vMargin);
      while (validMargins.length < validAt.length && validAt[validMargins.length] === round + 1)
        validMargins.push(Float64Array.from(vMargin));
      const loss = logLoss(vMargin, valid.y);
      if (loss < best - 1e-12) {
        best = loss;
        bestIteration = round;
      } else if (round - bestIteration >= P.earlyStoppingRounds) {
        break;
      }
    } else {
      bestIteration = round;
    }
  }
  return {
    ensemble: {
      trees: opts.keepAll ? trees : trees.slice(0, bestIteration + 1),
      nFeatures: p,
      baseMargin: base,
      comparison: 'lt',
      aggregate: 'sum',
      output: 'logit',
    },
    bestIteration,
    validMargins,
    validFinal: vMargin ?? null,
  };
}

function sampleSorted(p: number, k: number, rng: Rng): Int32Array {
  const idx = Int32Array.from({ length: p }, (_, f) => f);
  for (let a = 0; a < k; a++) {
    const j = a + rng.int(p - a);
    const t = idx[a];
    idx[a] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, k).sort();
}
