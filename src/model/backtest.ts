/**
 * Rolling-origin backtests: every candidate (family × setting × row weighting) is fitted on each
 * fold's past and scored on the fold's block; the tie rule picks one. Two stages keep the cost
 * bounded: first the families and their settings without weights, then class and recency
 * weights for the winning family only, kept when they beat it beyond the folds' noise.
 */
import { CANDIDATES, NO_WEIGHTING, rowWeights, type CandidateKind } from './candidates';
import type { CandidateSettings, Weighting } from './candidates';
import { fitEncoder, type EncoderOptions, type FittedEncoder } from './encoding/encoder';
import type { Fold } from './evaluation/folds';
import { rocAuc } from './evaluation/metrics';
import { meanSe, pickWithTieRule } from './evaluation/selection';
import type { Label } from './evaluation/split';
import { takeRows, type Frame } from './frame';
import type { EncodedMatrix, FieldInfo } from './types';

export interface BacktestEntry {
  kind: CandidateKind;
  settings: Record<string, number>;
  weighting: Weighting;
  foldAuc: number[];
  meanAuc: number;
  seAuc: number;
  /** Test-row margins per fold (not reported; the chosen entry's become the out-of-fold scores). */
  foldMargins: Float64Array[];
}

export interface BacktestResult {
  entries: BacktestEntry[];
  chosen: BacktestEntry;
  /** First stage (families and settings, unweighted): entries tied with the best (indices). */
  tied: number[];
  /** First stage: the entry with the best mean AUC (the tie rule's reference). */
  best: number;
  /** What the chosen family carried out of its last fold (a warm start for the final fit). */
  carry: Map<string, unknown>;
}

export interface BacktestInput {
  rows: Frame;
  labels: readonly Label[];
  features: readonly FieldInfo[];
  folds: readonly Fold[];
  kinds: readonly CandidateKind[];
  settings: CandidateSettings;
  encoder: EncoderOptions;
  /** Weightings tried for the winning family (besides none). */
  weightings: readonly Weighting[];
}

const yOf = (labels: readonly Label[], idx: readonly number[]): Float64Array =>
  Float64Array.from(idx, (i) => (labels[i] === 1 ? 1 : 0));

interface FoldData {
  ytr: Float64Array;
  yte: Float64Array;
  encoded: Map<string, { Xtr: EncodedMatrix; Xte: EncodedMatrix; encoder: FittedEncoder }>;
}

export function runBacktests(input: BacktestInput): BacktestResult {
  const { rows, labels, folds, settings } = input;
  const data: FoldData[] = folds.map((f) => ({
    ytr: yOf(labels, f.train),
    yte: yOf(labels, f.test),
    encoded: new Map(),
  }));
  // Each fold's encoder learns its statistics from the fold's own past only.
  const encodedFor = (k: number, missing: 'impute' | 'nan') => {
    const d = data[k]!;
    let e = d.encoded.get(missing);
    if (!e) {
      const f = folds[k]!;
      const trainRows = takeRows(rows, f.train);
      const encoder = fitEncoder(trainRows, input.features, { ...input.encoder, missing });
      e = {
        encoder,
        Xtr: encoder.transform(trainRows),
        Xte: encoder.transform(takeRows(rows, f.test)),
      };
      d.encoded.set(missing, e);
    }
    return e;
  };

  const carries = new Map<string, Map<string, unknown>>();
  const key = (kind: CandidateKind, w: Weighting) => `${kind}|${w.classWeight}|${w.recency}`;
  const sweepKind = (
    kind: CandidateKind,
    weighting: Weighting,
    only?: Record<string, number>,
  ): BacktestEntry[] => {
    const cand = CANDIDATES[kind];
    const carry = new Map<string, unknown>();
    carries.set(key(kind, weighting), carry);
    let entries: BacktestEntry[] = [];
    folds.forEach((_, k) => {
      const d = data[k]!;
      const { Xtr, Xte } = encodedFor(k, cand.missing);
      const w = rowWeights(d.ytr, weighting);
      const points = cand.sweep(Xtr, d.ytr, w, Xte, d.yte, settings, only, carry);
      if (k === 0) {
        entries = points.map((p) => ({
          kind,
          settings: p.settings,
          weighting,
          foldAuc: [],
          meanAuc: NaN,
          seAuc: NaN,
          foldMargins: [],
        }));
      }
      points.forEach((p, j) => {
        const e = entries[j]!;
        e.foldAuc.push(rocAuc(d.yte, p.margin));
        e.foldMargins.push(p.margin);
      });
    });
    for (const e of entries) {
      const { mean, se } = meanSe(e.foldAuc);
      e.meanAuc = mean;
      e.seAuc = se;
    }
    return entries;
  };

  const stage1 = input.kinds.flatMap((kind) => sweepKind(kind, NO_WEIGHTING));
  const first = pickWithTieRule(stage1);
  const winner = stage1[first.index]!;
  // Weights are tried at the winner's setting only (one fit per fold each).
  const stage2 = input.weightings.flatMap((w) => sweepKind(winner.kind, w, winner.settings));
  // The unweighted winner is listed first: weights are kept only when they beat it clearly.
  const pool = [winner, ...stage2];
  const second = pickWithTieRule(pool);
  const chosen = pool[second.index]!;
  const entries = [...stage1, ...stage2];
  return {
    entries,
    chosen,
    tied: first.tied,
    best: first.best,
    carry: carries.get(key(chosen.kind, chosen.weighting))!,
  };
}
