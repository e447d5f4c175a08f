/**
 * One entry per model family `trainModel` can fit: how to encode for it, how to fit on the
 * training slice (tuning on validation), and how to refit the tuned settings on more rows.
 */
import { fitGbdt, type GbdtParams } from './trees/gbdt';
import { fitLogistic, linearPredictor, sigmoid } from './linear/logistic';
import { logLoss, rocAuc } from './evaluation/metrics';
import type { MissingMode } from './encoding/encoder';
import type { Rng } from './rng';
import { fitTree, type TreeParams } from './trees/tree';
import { predictEnsemble } from './trees/tree-ensemble';
import type { EncodedMatrix, ModelCore } from './types';

export type CandidateKind = 'logistic' | 'gbdt' | 'tree';

export interface CandidateSettings {
  /** Logistic: the L2 grid tried, as scikit-learn's C (l2 = 1/C). */
  cGrid: readonly number[];
  classWeight: 'balanced' | null;
  gbdtParams?: Partial<GbdtParams>;
  treeParams?: Partial<TreeParams>;
  seed: number;
  makeRng: (seed: number) => Rng;
}

export interface TunedCandidate {
  core: ModelCore;
  /** Raw outputs on the validation rows (for calibration and comparison). */
  validMargin: Float64Array;
  /** Settings chosen on validation, e.g. { C: 1 } or { nRounds: 87 }. */
  chosen: Record<string, number>;
  output: 'logit' | 'probability';
}

export interface Candidate {
  kind: CandidateKind;
  missing: MissingMode;
  tune(
    Xtr: EncodedMatrix,
    ytr: Float64Array,
    Xva: EncodedMatrix,
    yva: Float64Array,
    s: CandidateSettings,
  ): TunedCandidate;
  refit(X: EncodedMatrix, y: Float64Array, tuned: TunedCandidate, s: CandidateSettings): ModelCore;
}

export function margins(core: ModelCore, X: EncodedMatrix): Float64Array {
  return core.kind === 'logistic'
    ? linearPredictor(X, core.coef, core.intercept)
    : predictEnsemble(core.ensemble, X);
}

const logistic: Candidate = {
  kind: 'logistic',
  missing: 'impute',
  tune(Xtr, ytr, Xva, yva, s) {
    let best: { C: number; loss: number; core: ModelCore; m: Float64Array } | undefined;
    let prev: { coef: Float64Array; intercept: number } | undefined;
    // Ascending C, each fit warm-started from the previous (more regularised) solution.
    for (const C of [...s.cGrid].sort((a, b) => a - b)) {
      const fit = fitLogistic(Xtr, ytr, { l2: 1 / C, classWeight: s.classWeight, init: prev });
      prev = fit;
      const m = linearPredictor(Xva, fit.coef, fit.intercept);
      const loss = logLoss(yva, Float64Array.from(m, sigmoid));
      // Log loss picks C (a proper score); the first (strongest L2) wins ties.
      if (!best || loss < best.loss - 1e-9) {
        best = { C, loss, core: { kind: 'logistic', coef: fit.coef, intercept: fit.intercept }, m };
      }
    }
    return { core: best!.core, validMargin: best!.m, chosen: { C: best!.C }, output: 'logit' };
  },
  refit(X, y, tuned, s) {
    const start = tuned.core.kind === 'logistic' ? tuned.core : undefined;
    const fit = fitLogistic(X, y, {
      l2: 1 / tuned.chosen.C!,
      classWeight: s.classWeight,
      init: start,
    });
    return { kind: 'logistic', coef: fit.coef, intercept: fit.intercept };
  },
};

const gbdt: Candidate = {
  kind: 'gbdt',
  missing: 'nan',
  tune(Xtr, ytr, Xva, yva, s) {
    const { ensemble, bestIteration } = fitGbdt(Xtr, ytr, {
      valid: { X: Xva, y: yva },
      params: s.gbdtParams,
      rng: s.makeRng(s.seed),
    });
    const core: ModelCore = { kind: 'gbdt', ensemble };
    return {
      core,
      validMargin: margins(core, Xva),
      // bestIteration is 0-based: the early-stopped ensemble holds bestIteration + 1 trees.
      chosen: { nRounds: bestIteration + 1 },
      output: 'logit',
    };
  },
  refit(X, y, tuned, s) {
    // Early stopping already chose the number of rounds on validation; refit exactly that many.
    const { ensemble } = fitGbdt(X, y, {
      params: { ...s.gbdtParams, nRounds: Math.max(1, tuned.chosen.nRounds!) },
      rng: s.makeRng(s.seed),
    });
    return { kind: 'gbdt', ensemble };
  },
};

const tree: Candidate = {
  kind: 'tree',
  missing: 'nan',
  tune(Xtr, ytr, Xva, _yva, s) {
    const ensemble = fitTree(Xtr, ytr, { params: s.treeParams, rng: s.makeRng(s.seed) });
    const core: ModelCore = { kind: 'tree', ensemble };
    return { core, validMargin: margins(core, Xva), chosen: {}, output: ensemble.output };
  },
  refit(X, y, _tuned, s) {
    return {
      kind: 'tree',
      ensemble: fitTree(X, y, { params: s.treeParams, rng: s.makeRng(s.seed) }),
    };
  },
};

export const CANDIDATES: Readonly<Record<CandidateKind, Candidate>> = { logistic, gbdt, tree };

/** Validation AUC and log loss of raw outputs (log loss after the uncalibrated link). */
export function validScores(
  m: Float64Array,
  y: Float64Array,
  output: 'logit' | 'probability',
): { validAuc: number; validLogLoss: number } {
  const p = output === 'logit' ? Float64Array.from(m, sigmoid) : m;
  return { validAuc: rocAuc(y, m), validLogLoss: logLoss(y, p) };
}
