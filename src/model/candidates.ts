/**
 * One entry per model family `trainModel` can fit: how to encode for it, how to sweep its
 * settings (every setting fitted on a fold's training rows and scored on the fold's test rows,
 * simplest first), and how to fit one chosen setting on all the rows.
 */
import { fitGbdt, GbdtBinCache, type GbdtParams } from './trees/gbdt';
import { fitLogistic, linearPredictor, type NewtonCache } from './linear/logistic';
import type { MissingMode } from './encoding/encoder';
import type { Rng } from './rng';
import { fitTree, type TreeParams } from './trees/tree';
import { predictEnsemble } from './trees/tree-ensemble';
import { DEFAULT_GBDT_PARAMS } from './trees/gbdt';
import { DEFAULT_TREE_PARAMS } from './trees/tree';
import type { EncodedMatrix, ModelCore } from './types';

export type CandidateKind = 'logistic' | 'gbdt' | 'tree';

const GBDT_PATIENCE = 50;

export interface CandidateSettings {
  /** Logistic: the L2 grid tried, as scikit-learn's C (l2 = 1/C). */
  cGrid: readonly number[];
  gbdtParams?: Partial<GbdtParams>;
  treeParams?: Partial<TreeParams>;
  seed: number;
  makeRng: (seed: number) => Rng;
}

/** How rows are weighted in a fit; tried in the backtests, kept only on evidence. */
export interface Weighting {
  /** 'balanced': each class weighs n / (2·n_class) in total, as scikit-learn's class_weight. */
  classWeight: 'balanced' | null;
  /** Newer rows weigh more: the weight halves every half of the training window (oldest ¼). */
  recency: boolean;
}

export const NO_WEIGHTING: Weighting = { classWeight: null, recency: false };

/** One setting's raw outputs on the test rows. */
export interface SweepPoint {
  settings: Record<string, number>;
  margin: Float64Array;
}

export interface Candidate {
  kind: CandidateKind;
  missing: MissingMode;
  /** Settings simplest first (stronger L2, fewer rounds, shallower). */
  sweep(
    Xtr: EncodedMatrix,
    ytr: Float64Array,
    w: Float64Array | undefined,
    Xte: EncodedMatrix,
    yte: Float64Array,
    s: CandidateSettings,
    only?: Record<string, number>,
    /** State a family carries from one fold to the next (e.g. warm starts); per sweep. */
    carry?: Map<string, unknown>,
    /** GBDT: depths stopped by the schedule (`backtest.ts`, depth pruning): not fitted. */
    skipDepths?: readonly number[],
  ): SweepPoint[];
  fit(
    X: EncodedMatrix,
    y: Float64Array,
    w: Float64Array | undefined,
    settings: Record<string, number>,
    s: CandidateSettings,
    carry?: Map<string, unknown>,
  ): ModelCore;
}

export function margins(core: ModelCore, X: EncodedMatrix): Float64Array {
  return core.kind === 'logistic'
    ? linearPredictor(X, core.coef, core.intercept)
    : predictEnsemble(core.ensemble, X);
}

/**
 * Row weights for a weighting, or undefined for none. `rank` gives each row's position in time
 * order within the rows being fitted (0 = oldest).
 */
export function rowWeights(y: Float64Array, weighting: Weighting): Float64Array | undefined {
  if (!weighting.classWeight && !weighting.recency) return undefined;
  const n = y.length;
  const w = new Float64Array(n).fill(1);
  if (weighting.classWeight === 'balanced') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i]!;
    const wp = pos ? n / (2 * pos) : 1;
    const wn = n - pos ? n / (2 * (n - pos)) : 1;
    for (let i = 0; i < n; i++) w[i] = y[i] === 1 ? wp : wn;
  }
  // Rows arrive in time order (oldest first), so position is age.
  if (weighting.recency && n > 1) {
    for (let i = 0; i < n; i++) w[i]! *= 0.5 ** ((2 * (n - 1 - i)) / (n - 1));
  }
  return w;
}

interface LinearStart {
  columns: string[];
  coef: Float64Array;
  intercept: number;
}

/** A solution on other columns as a starting point: matched by column name, new ones at 0. */
function alignStart(
  prev: LinearStart | undefined,
  X: EncodedMatrix,
): { coef: Float64Array; intercept: number } | undefined {
  if (!prev) return undefined;
  const at = new Map(prev.columns.map((c, j) => [c, j]));
  const coef = Float64Array.from(X.columns, (c) => {
    const j = at.get(c.name);
    return j === undefined ? 0 : prev.coef[j]!;
  });
  return { coef, intercept: prev.intercept };
}

/**
 * Backtest fits stop at a looser gradient test than the shipped fit: a fold's AUC does not
 * move at that precision, and each Newton step costs a Hessian.
 */
const SWEEP_TOL = 1e-6;

const logistic: Candidate = {
  kind: 'logistic',
  missing: 'impute',
  sweep(Xtr, ytr, w, Xte, _yte, s, only, carry) {
    const out: SweepPoint[] = [];
    let prev: { coef: Float64Array; intercept: number } | undefined;
    const columns = Xtr.columns.map((c) => c.name);
    // Each C's fit starts from the previous C's Hessian (same matrix and weights).
    const newtonCache: NewtonCache = {};
    // Ascending C (strongest L2 first), each fit warm-started from the previous fold's solution
    // at the same C (folds are nested windows), else from the previous C's.
    for (const C of only ? [only.C!] : [...s.cGrid].sort((a, b) => a - b)) {
      const init = alignStart(carry?.get(`C=${C}`) as LinearStart | undefined, Xtr) ?? prev;
      const fit = fitLogistic(Xtr, ytr, {
        l2: 1 / C,
        weights: w,
        init,
        tol: SWEEP_TOL,
        newtonCache,
      });
      prev = fit;
      carry?.set(`C=${C}`, { columns, coef: fit.coef, intercept: fit.intercept });
      out.push({ settings: { C }, margin: linearPredictor(Xte, fit.coef, fit.intercept) });
    }
    return out;
  },
  fit(X, y, w, settings, _s, carry) {
    const init = alignStart(carry?.get(`C=${settings.C}`) as LinearStart | undefined, X);
    const fit = fitLogistic(X, y, { l2: 1 / settings.C!, weights: w, init });
    return { kind: 'logistic', coef: fit.coef, intercept: fit.intercept };
  },
};

/** Round counts scored in a GBDT sweep (those up to nRounds, and nRounds itself). */
export function roundGrid(nRounds: number): number[] {
  const grid = [10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000].filter((r) => r < nRounds);
  return [...grid, nRounds];
}

/**
 * The faster learning rate a budgeted run tries when the GBDT winner's round count sits at the
 * grid's maximum (its curve has not turned): the step of the usual 0.1 → 0.3 range of boosting
 * rates, not a value fitted to one data set; the backtests decide whether it is kept.
 */
export const GBDT_FAST_RATE = 0.3;

/**
 * Tree depths a GBDT sweep tries, shallowest first (the simpler model), unless the caller fixes
 * `gbdtParams.maxDepth`. Depth bounds how many features one tree can combine: shallow trees
 * (few interactions, more rounds) carry over better when behaviour shifts between the
 * training window and the rows scored, deep ones fit richer interactions when it does not.
 * Which holds is the backtests' call, never a fixed guess (docs/model.md, "GBDT depth").
 */
export const GBDT_DEPTHS: readonly number[] = [3, 6];

/** The depths one GBDT sweep fits: the pinned one, the caller's, or GBDT_DEPTHS. */
export function gbdtDepths(s: CandidateSettings, only?: Record<string, number>): number[] {
  if (only?.maxDepth !== undefined) return [only.maxDepth];
  if (s.gbdtParams?.maxDepth !== undefined) return [s.gbdtParams.maxDepth];
  return [...GBDT_DEPTHS];
}

/**
 * A backtest fold's training matrix is fitted several times — each depth, each weighting, the
 * learning-rate step — and binning it is the same work each time. Keyed weakly on the fold's
 * matrices (the backtester drops a fold's encodings when it moves on, and the bins go with
 * them); the same models as fresh binning (`gbdt-bin-cache.test.ts`). The final fit is one fit
 * of its own matrix and does not use it.
 */
const FOLD_BINS = new GbdtBinCache();

const gbdt: Candidate = {
  kind: 'gbdt',
  missing: 'nan',
  sweep(Xtr, ytr, w, Xte, yte, s, only, _carry, skipDepths) {
    const nRounds = only?.nRounds ?? s.gbdtParams?.nRounds ?? DEFAULT_GBDT_PARAMS.nRounds;
    const out: SweepPoint[] = [];
    for (const maxDepth of gbdtDepths(s, only)) {
      if (skipDepths?.includes(maxDepth)) continue;
      // Boosting stops once the fold's test loss has not improved for 50 rounds: later round
      // counts of the grid are then scored as the last fitted one (already past the best).
      // A pinned round count is scored alone; else the grid up to the most rounds.
      const grid = only?.nRounds !== undefined ? [nRounds] : roundGrid(nRounds);
      // The fit hands back the test rows' margins after each round count of the grid (trees
      // are added one by one): the same sums as walking the trees again, without the walk.
      const { validMargins, validFinal } = fitGbdt(Xtr, ytr, {
        params: { ...s.gbdtParams, maxDepth, nRounds, earlyStoppingRounds: GBDT_PATIENCE },
        valid: { X: Xte, y: yte },
        weights: w,
        rng: s.makeRng(s.seed),
        keepAll: true,
        validAt: grid,
        binCache: FOLD_BINS,
      });
      // Boosting stops once the fold's test loss has not improved for 50 rounds: later round
      // counts of the grid are then scored as the last fitted one (already past the best).
      grid.forEach((r, g) => {
        const margin = validMargins[g] ?? Float64Array.from(validFinal!);
        out.push({ settings: { maxDepth, nRounds: r }, margin });
      });
    }
    return out;
  },
  fit(X, y, w, settings, s) {
    const maxDepth = settings.maxDepth ?? s.gbdtParams?.maxDepth;
    const { ensemble } = fitGbdt(X, y, {
      params: {
        ...s.gbdtParams,
        ...(maxDepth !== undefined ? { maxDepth } : {}),
        // Set only when the search's rate step kept the faster rate (see backtest.ts).
        ...(settings.learningRate !== undefined ? { learningRate: settings.learningRate } : {}),
        nRounds: Math.max(1, settings.nRounds!),
      },
      weights: w,
      rng: s.makeRng(s.seed),
    });
    return { kind: 'gbdt', ensemble };
  },
};

const tree: Candidate = {
  kind: 'tree',
  missing: 'nan',
  sweep(Xtr, ytr, w, Xte, _yte, s, only) {
    const maxDepth = s.treeParams?.maxDepth ?? DEFAULT_TREE_PARAMS.maxDepth;
    const out: SweepPoint[] = [];
    const depths = only
      ? [only.maxDepth!]
      : Array.from({ length: Math.max(1, maxDepth - 1) }, (_, i) => Math.min(maxDepth, i + 2));
    for (const d of depths) {
      const ensemble = fitTree(Xtr, ytr, {
        params: { ...s.treeParams, maxDepth: d },
        weights: w,
        rng: s.makeRng(s.seed),
      });
      out.push({ settings: { maxDepth: d }, margin: predictEnsemble(ensemble, Xte) });
    }
    return out;
  },
  fit(X, y, w, settings, s) {
    return {
      kind: 'tree',
      ensemble: fitTree(X, y, {
        params: { ...s.treeParams, maxDepth: settings.maxDepth! },
        weights: w,
        rng: s.makeRng(s.seed),
      }),
    };
  },
};

export const CANDIDATES: Readonly<Record<CandidateKind, Candidate>> = { logistic, gbdt, tree };

/** The calibration input of a core: trees built by `fitTree` output log-odds too. */
export function outputOf(core: ModelCore): 'logit' | 'probability' {
  return core.kind === 'logistic' ? 'logit' : core.ensemble.output;
}
