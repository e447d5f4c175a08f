/**
 * Rolling-origin backtests: every candidate (family × setting × row weighting) is fitted on each
 * fold's past and scored on the fold's block; the tie rule picks one. Two stages keep the cost
 * bounded: first the families and their settings without weights, then class and recency
 * weights for the winning family only, kept when they beat it beyond the folds' noise.
 *
 * The work is a sequence of units — one sweep (a family × a weighting) on one fold — whose
 * results live in a plain `BacktestState`, so a caller bounded in time (a HubSpot function:
 * 10 s a call) can persist the state between units and resume in another process. A unit's
 * result depends only on the input and the state before it (the RNG is seeded per sweep and
 * fold; encoders are refitted per fold), so any split of the units gives the same result.
 */
import {
  CANDIDATES,
  GBDT_FAST_RATE,
  NO_WEIGHTING,
  rowWeights,
  type CandidateKind,
} from './candidates';
import { DEFAULT_GBDT_PARAMS } from './trees/gbdt';
import { sampleSeed, stratifiedSample } from './evaluation/budget';
import type { CandidateSettings, Weighting } from './candidates';
import { fitEncoder, type EncoderOptions, type FittedEncoder } from './encoding/encoder';
import { ModelError } from './errors';
import type { Fold } from './evaluation/folds';
import { rocAuc } from './evaluation/metrics';
import { meanSe, pickWithTieRule, type TiePreference } from './evaluation/selection';
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
  /** A second-stage weighting stopped early (budgeted runs): fewer folds, never chosen. */
  pruned?: boolean;
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
  /** The setting the final fit uses: the chosen one, GBDT rounds raised by the ladder. */
  finalSettings: Record<string, number>;
  /** The GBDT round-count ladder's steps (empty when it did not run). */
  ladder: LadderRung[];
  /** The GBDT learning-rate step (null when it did not run). */
  rate: RateStep | null;
}

/**
 * The GBDT learning-rate step (see `BacktestInput.rate`): on the first fold, the best AUC over
 * the first stage's GBDT depths still running and the round grid at the configured rate (the
 * backtests' own fold-1 results) and at the faster rate (one more boosting run per depth on
 * the same rows), each with its depth and best round count; the noise it was judged against;
 * and the rate every later GBDT fit of the run uses (backtests, ladder, final fit).
 */
export interface RateStep {
  base: { learningRate: number; nRounds: number; auc: number; maxDepth?: number };
  fast: { learningRate: number; nRounds: number; auc: number; maxDepth?: number };
  /**
   * The standard error of one AUC on the fold's block (Hanley & McNeil at no signal): the fast
   * rate is kept unless it is behind by more than this (absent in states saved before).
   */
  se?: number;
  /** The fold the rates were compared on (absent in states saved before: the newest). */
  fold?: number;
  /** The learning rate used from then on and shipped. */
  chosen: number;
}

/** One step of the GBDT round-count ladder (see `BacktestInput.ladder`). */
export interface LadderRung {
  /** Training rows of the newest fold's window this step was fitted on. */
  rows: number;
  /** The round count of the grid with the best AUC on the fold's block (fewer on a tie). */
  nRounds: number;
  auc: number;
}

/**
 * Budgeted runs only: a GBDT winner's round count was chosen on subsamples, and boosting on
 * more rows keeps improving for longer. The ladder refits the winner (its depth and weighting)
 * on the newest fold's window at growing sizes and raises the round count while it grows.
 */
export interface LadderInput {
  /** The newest fold's whole training window (time order). */
  window: readonly number[];
  /** Its rows per step, smallest first, the last the whole window. */
  sizes: readonly number[];
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
  /** The GBDT round-count ladder (budgeted runs only). */
  ladder?: LadderInput | null;
  /**
   * Budgeted runs: decide the GBDT learning rate on the first fold, before any other GBDT fit.
   * When the first stage's best setting on fold 1 sits at the grid's maximum round count — its
   * curve had not turned, so it is under-boosted at the configured rate — the depths still
   * running are boosted once more at GBDT_FAST_RATE on the same rows; the faster rate is kept
   * unless its best AUC is behind the configured rate's by more than the fold's AUC standard
   * error (the tie rule: within the noise, the cheaper model — it reaches a given fit in
   * fewer rounds, and a sample under-states how far more rows carry it). Every later GBDT fit
   * (the other folds, the weightings, the ladder, the final fit) then uses the rate kept, and
   * fold 1's entries are replaced by the fast fits when it is kept. One unit.
   */
  rate?: boolean;
  /**
   * Budgeted runs: stop a second-stage weighting as soon as it is not ahead of the unweighted
   * winner on the folds done (see `pruned`); it can then no longer be chosen.
   */
  prune?: boolean;
  /** Which tied candidate wins (default 'simplest'): `pickWithTieRule`. */
  prefer?: TiePreference;
}

const yOf = (labels: readonly Label[], idx: readonly number[]): Float64Array =>
  Float64Array.from(idx, (i) => (labels[i] === 1 ? 1 : 0));

/** One sweep point's results so far (one entry per fold done). */
export interface SweepPointState {
  settings: Record<string, number>;
  foldAuc: number[];
  foldMargins: Float64Array[];
  /**
   * First stage, budgeted runs: a GBDT depth stopped after `foldAuc.length` folds because it
   * was not ahead of the shallower depths there (absent: not stopped). Never chosen.
   */
  pruned?: boolean;
}

/** A sweep (one family × one weighting) in progress. Plain data: persistable as it is. */
export interface SweepState {
  kind: CandidateKind;
  weighting: Weighting;
  /** The setting a second-stage sweep is held to (the first stage's winner's); null: all. */
  only: Record<string, number> | null;
  /** Folds done; the next unit fits fold `done`. */
  done: number;
  points: SweepPointState[];
  /** What the family carries from one fold to the next (warm starts), after fold `done - 1`. */
  carry: Record<string, unknown>;
  /**
   * Second stage, budgeted runs: stopped after `done` folds because it was not ahead of the
   * unweighted winner there (absent in states saved before pruning existed: not stopped).
   */
  pruned?: boolean;
  /**
   * Second-stage GBDT sweeps: the AUC after each round count of the grid up to the pinned one
   * on the last fold done (the same boosting run, scored on the way: no extra fit). The round-
   * count ladder's first step reads it instead of refitting (see `rungFromBacktests`).
   */
  curve?: { fold: number; points: Array<{ nRounds: number; auc: number }> };
}

/** Everything the backtests have computed so far. */
export interface BacktestState {
  stage1: SweepState[];
  stage2: SweepState[];
  /** The GBDT round-count ladder's steps done (absent in states saved before it existed). */
  ladder?: LadderRung[];
  /** The GBDT learning-rate step, once run (absent: not run, or not needed). */
  rate?: RateStep;
}

export const emptyBacktestState = (): BacktestState => ({ stage1: [], stage2: [], ladder: [] });

interface Encoded {
  Xtr: EncodedMatrix;
  Xte: EncodedMatrix;
  encoder: FittedEncoder;
}

const entriesOf = (s: SweepState): BacktestEntry[] =>
  s.points.map((p) => {
    const { mean, se } = meanSe(p.foldAuc);
    return {
      kind: s.kind,
      settings: p.settings,
      weighting: s.weighting,
      foldAuc: p.foldAuc,
      meanAuc: mean,
      seAuc: se,
      foldMargins: p.foldMargins,
      ...(s.pruned || p.pruned ? { pruned: true } : {}),
    };
  });

/** A setting's identity within a sweep (its points are matched to a fold's fits by it). */
const settingKey = (settings: Record<string, number>): string =>
  Object.entries(settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * The tie rule's view of entries: a stopped entry's folds are hidden (no usable fold), so it is
 * neither the best nor tied and can never be chosen. Same order and count, so indices match.
 */
const eligible = (entries: readonly BacktestEntry[]): BacktestEntry[] =>
  entries.map((e) => (e.pruned ? { ...e, foldAuc: [] } : e));

/**
 * Depths of a first-stage GBDT sweep to stop after the folds done (budgeted runs): a depth is
 * stopped when its best setting's mean AUC over those folds is not above the best of the
 * shallower depths still running. The tie rule prefers the shallower depth whenever the deeper
 * one is not ahead beyond the folds' noise, so a deeper depth that is behind so far could only
 * be chosen if the remaining folds reversed the order by more than their spread — the same
 * bet as stopping a weighting (docs/model.md, "Search schedule"). The shallowest running depth
 * is never stopped.
 */
export function depthsToStop(points: readonly SweepPointState[]): number[] {
  const bestByDepth = new Map<number, number>();
  for (const p of points) {
    if (p.pruned) continue;
    const d = p.settings.maxDepth!;
    const m = meanSe(p.foldAuc).mean;
    const prev = bestByDepth.get(d);
    if (prev === undefined || (Number.isFinite(m) && !(m <= prev))) bestByDepth.set(d, m);
  }
  const depths = [...bestByDepth.keys()].sort((a, b) => a - b);
  const stop: number[] = [];
  let shallower = -Infinity;
  depths.forEach((d, i) => {
    const m = bestByDepth.get(d)!;
    // No usable fold (one class only): no evidence either way, keep going.
    if (i > 0 && Number.isFinite(m) && Number.isFinite(shallower) && m <= shallower) stop.push(d);
    else if (Number.isFinite(m)) shallower = Math.max(shallower, m);
  });
  return stop;
}

/**
 * The standard error of one AUC on a block with these labels, at no signal (Hanley & McNeil):
 * √(m / (12·n₁·n₀)) — the noise the test cap is set from (`evaluation/budget.ts`). NaN with
 * one class only.
 */
export function aucNoise(y: Float64Array): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  const neg = y.length - pos;
  return pos > 0 && neg > 0 ? Math.sqrt(y.length / (12 * pos * neg)) : NaN;
}

/**
 * The learning-rate step's tie rule: the faster rate is kept unless its best AUC is behind the
 * configured rate's by more than the block's AUC standard error — within the noise, the
 * cheaper model. No usable noise (one class: NaN) or AUC keeps the configured rate.
 */
export function keepFastRate(baseAuc: number, fastAuc: number, se: number): boolean {
  return Number.isFinite(se) && Number.isFinite(fastAuc) && fastAuc >= baseAuc - se;
}

/** The backtests as units of work over a persistable state (see the file comment). */
export class Backtester {
  private readonly st: BacktestState;
  /** Each fold's encodings, per missing-value mode: recomputed, never persisted. */
  private readonly encoded = new Map<string, Encoded>();
  /** Each fold's fitted encoder, per missing-value mode (kept when its matrices are freed). */
  private readonly encoders = new Map<string, FittedEncoder>();

  constructor(
    private readonly input: BacktestInput,
    state: BacktestState = emptyBacktestState(),
  ) {
    const nFolds = input.folds.length;
    const bad = [...state.stage1, ...state.stage2].find(
      (s) =>
        s.done > nFolds ||
        s.points.some((p) => (p.pruned ? p.foldAuc.length > s.done : p.foldAuc.length !== s.done)),
    );
    const rungs = state.ladder?.length ?? 0;
    if (
      bad ||
      state.stage1.some((s, i) => s.kind !== input.kinds[i]) ||
      rungs > (input.ladder?.sizes.length ?? 0)
    ) {
      throw new ModelError(
        'INVALID_OPTIONS',
        'The saved backtest state does not match this training data.',
        'Start the training run over.',
      );
    }
    this.st = state;
  }

  get state(): BacktestState {
    return this.st;
  }

  /** Units done and in all (the second stage's count is known before it starts). */
  progress(): { done: number; total: number } {
    const sweeps = [...this.st.stage1, ...this.st.stage2];
    const ladder = this.input.ladder?.sizes.length ?? 0;
    const nFolds = this.input.folds.length;
    // A pruned weighting's remaining folds count as done: they are never run.
    const sweepsDone = sweeps.reduce((a, s) => a + (s.pruned ? nFolds : s.done), 0);
    const sweepTotal =
      (this.input.kinds.length + this.input.weightings.length) * this.input.folds.length;
    // The ladder's steps count as done once it stops (it may stop before its last size).
    const ladderDone =
      sweepsDone < sweepTotal ? 0 : this.nextRung() === null ? ladder : this.ladderRungs.length;
    // The rate step counts as done once it ran or is known not to be needed (the GBDT sweep's
    // first fold is done and it did not ask for it, or there is no GBDT sweep).
    const rate = this.input.rate ? 1 : 0;
    const gbdt = this.st.stage1.find((s) => s.kind === 'gbdt');
    const noGbdt = !this.input.kinds.includes('gbdt');
    const rateDone =
      rate && (this.st.rate || noGbdt || (gbdt && gbdt.done >= 1 && !this.needsRate())) ? 1 : 0;
    return { done: sweepsDone + ladderDone + rateDone, total: sweepTotal + ladder + rate };
  }

  done(): boolean {
    return this.next() === null && this.nextRung() === null && !this.needsRate();
  }

  private get ladderRungs(): LadderRung[] {
    return (this.st.ladder ??= []);
  }

  /** Run the next unit: one sweep on one fold, or one step of the GBDT ladder. */
  step(): void {
    if (this.needsRate()) {
      this.runRate();
      return;
    }
    const sweep = this.next();
    if (!sweep) {
      const j = this.nextRung();
      if (j !== null) this.runRung(j);
      return;
    }
    const { folds, labels } = this.input;
    const settings = sweep.kind === 'gbdt' ? this.gbdtSettings() : this.input.settings;
    const k = sweep.done;
    const f = folds[k]!;
    const cand = CANDIDATES[sweep.kind];
    const { Xtr, Xte } = this.encodedFor(k, cand.missing);
    const ytr = yOf(labels, f.train);
    const yte = yOf(labels, f.test);
    const w = rowWeights(ytr, sweep.weighting);
    const carry = new Map(Object.entries(sweep.carry));
    const stopped = [
      ...new Set(sweep.points.filter((p) => p.pruned).map((p) => p.settings.maxDepth!)),
    ];
    // A second-stage GBDT sweep boosts to its pinned round count as before and scores the round
    // grid on the way (free: margins are copied after each grid count); only the pinned count
    // is its entry, the rest is the ladder's first step (`curve`).
    const pinned = sweep.kind === 'gbdt' && sweep.only !== null && this.st.stage2.includes(sweep);
    const all = cand.sweep(
      Xtr,
      ytr,
      w,
      Xte,
      yte,
      pinned
        ? { ...settings, gbdtParams: { ...settings.gbdtParams, nRounds: sweep.only!.nRounds! } }
        : settings,
      pinned ? { maxDepth: sweep.only!.maxDepth! } : (sweep.only ?? undefined),
      carry,
      stopped,
    );
    let points = all;
    if (pinned) {
      const key = settingKey(sweep.only!);
      points = all.filter((p) => settingKey(p.settings) === key);
      sweep.curve = {
        fold: k,
        points: all.map((p) => ({ nRounds: p.settings.nRounds!, auc: rocAuc(yte, p.margin) })),
      };
    }
    if (k === 0) {
      sweep.points = points.map((p) => ({ settings: p.settings, foldAuc: [], foldMargins: [] }));
    }
    const byKey = new Map(sweep.points.map((e) => [settingKey(e.settings), e]));
    for (const p of points) {
      const e = byKey.get(settingKey(p.settings))!;
      e.foldAuc.push(rocAuc(yte, p.margin));
      e.foldMargins.push(p.margin);
    }
    sweep.carry = Object.fromEntries(carry);
    sweep.done = k + 1;
    if (this.input.prune && sweep.done < folds.length) {
      if (this.st.stage2.includes(sweep)) sweep.pruned = !this.aheadOfWinner(sweep);
      else if (sweep.kind === 'gbdt') {
        const stop = depthsToStop(sweep.points);
        for (const e of sweep.points) if (stop.includes(e.settings.maxDepth!)) e.pruned = true;
      }
    }
  }

  /**
   * Whether a second-stage weighting (one point: the winner's setting) is ahead of the
   * unweighted winner on the folds both have done: a mean paired AUC difference above 0. One
   * that is not has lost the folds so far, and the tie rule keeps a weighting only when it
   * wins on the mean by more than the noise of those differences.
   */
  private aheadOfWinner(sweep: SweepState): boolean {
    const { winner } = this.firstStage();
    const mine = sweep.points[0]!.foldAuc;
    const d: number[] = [];
    for (let f = 0; f < mine.length; f++) {
      const a = mine[f]!;
      const b = winner.foldAuc[f]!;
      if (Number.isFinite(a) && Number.isFinite(b)) d.push(a - b);
    }
    // No comparable fold (one class only): no evidence either way, keep going.
    if (d.length === 0) return true;
    return d.reduce((x, y) => x + y, 0) / d.length > 0;
  }

  /**
   * The sweep the next unit belongs to, created when it starts; null when all are done. Within
   * a stage the units go fold by fold (every sweep on fold 0, then on fold 1, …): a fold's
   * encodings are then used in one run of units and freed before the next fold's are made, so
   * one fold's matrices are in memory at a time, not every fold's. The order changes no
   * result: a unit depends only on its own sweep's earlier folds.
   */
  private next(): SweepState | null {
    const nFolds = this.input.folds.length;
    const fresh = (kind: CandidateKind, weighting: Weighting, only: SweepState['only']) => ({
      kind,
      weighting,
      only,
      done: 0,
      points: [],
      carry: {},
    });
    const { stage1, stage2 } = this.st;
    const { kinds, weightings } = this.input;
    const first = (sweeps: SweepState[]): SweepState | null => {
      let best: SweepState | null = null;
      for (const s of sweeps)
        if (s.done < nFolds && !s.pruned && (!best || s.done < best.done)) best = s;
      return best;
    };
    kinds.forEach((kind, i) => (stage1[i] ??= fresh(kind, NO_WEIGHTING, null)));
    const one = first(stage1);
    if (one) return one;
    // Weights are tried at the first stage's winner's setting only (one fit per fold each).
    const winner = this.firstStage().winner;
    // A weighted sweep starts from what the winner's unweighted sweep carried out of its last
    // fold (a warm start: the weights move the solution little).
    const from = stage1.find((s) => s.kind === winner.kind)!;
    weightings.forEach(
      (weighting, i) =>
        (stage2[i] ??= {
          ...fresh(winner.kind, weighting, winner.settings),
          carry: { ...from.carry },
        }),
    );
    return first(stage2);
  }

  /** The chosen entry of the two stages (both must be done). */
  private stagesChoice(): { chosen: BacktestEntry; pick: number; winner: BacktestEntry } {
    const { winner } = this.firstStage();
    const pool = [winner, ...this.stage2Eligible()];
    const pick = pickWithTieRule(pool, this.input.prefer).index;
    return { chosen: pool[pick]!, pick, winner };
  }

  /**
   * The ladder step to run next, or null: the ladder runs only when given, once both stages
   * are done, for a GBDT winner; it stops at the whole window, when a step's round count did
   * not grow over the step before, or at the most rounds allowed (nothing left to grow into).
   */
  private nextRung(): number | null {
    const ladder = this.input.ladder;
    if (!ladder || ladder.sizes.length === 0 || this.next() !== null) return null;
    if (this.stagesChoice().chosen.kind !== 'gbdt') return null;
    const rungs = this.ladderRungs;
    const j = rungs.length;
    if (j >= ladder.sizes.length) return null;
    const max = this.input.settings.gbdtParams?.nRounds ?? DEFAULT_GBDT_PARAMS.nRounds;
    if (j >= 1 && rungs[j - 1]!.nRounds >= max) return null;
    if (j >= 2 && rungs[j - 1]!.nRounds <= rungs[j - 2]!.nRounds) return null;
    return j;
  }

  /** One ladder step: the winner refitted on `sizes[j]` rows of the newest fold's window. */
  private runRung(j: number): void {
    const ladder = this.input.ladder!;
    const { folds, labels, rows, settings, features } = this.input;
    const { chosen } = this.stagesChoice();
    const k = folds.length - 1;
    const f = folds[k]!;
    const known = j === 0 ? this.rungFromBacktests(chosen) : null;
    if (known) {
      this.ladderRungs.push(known);
      return;
    }
    const sample = stratifiedSample(
      ladder.window,
      ladder.sizes[j]!,
      sampleSeed(settings.seed, k, 3),
    );
    // The other caches are not needed again: the stages are done.
    this.encoded.clear();
    const trainRows = takeRows(rows, sample);
    const encoder = fitEncoder(trainRows, features, { ...this.input.encoder, missing: 'nan' });
    const Xtr = encoder.transform(trainRows);
    const Xte = encoder.transform(takeRows(rows, f.test));
    const ytr = yOf(labels, sample);
    const yte = yOf(labels, f.test);
    const at = this.gbdtSettings();
    const points = CANDIDATES.gbdt.sweep(Xtr, ytr, rowWeights(ytr, chosen.weighting), Xte, yte, {
      ...at,
      gbdtParams: { ...at.gbdtParams, maxDepth: chosen.settings.maxDepth },
    });
    let best = { nRounds: 0, auc: -Infinity };
    // Grid order is fewer rounds first: a tie keeps the fewer.
    for (const p of points) {
      const auc = rocAuc(yte, p.margin);
      if (auc > best.auc) best = { nRounds: p.settings.nRounds!, auc };
    }
    this.ladderRungs.push({ rows: sample.length, nRounds: best.nRounds, auc: best.auc });
  }

  /**
   * The ladder's first step without a fit, when the backtests already made it: the first step
   * fits the winner on the train cap's rows of the newest fold's window and scores the round
   * grid on the fold's block — which is what the backtests did on that fold for the winner
   * (the same window, number of rows, grid, early stopping and block; only the sample's draw
   * differs). An unweighted winner's points are the stage-1 entries of its depth; a weighted
   * one's, its second-stage sweep's `curve`. Null (fit it) when neither has them, e.g. a state
   * saved before curves existed.
   */
  private rungFromBacktests(chosen: BacktestEntry): LadderRung | null {
    const { folds, ladder } = this.input;
    const rows = folds[folds.length - 1]!.train.length;
    if (!ladder || rows !== ladder.sizes[0]) return null;
    const best = this.newestBest(chosen);
    return best ? { rows, ...best } : null;
  }

  /**
   * The GBDT winner's best round count and AUC on the newest fold, read from the backtests (the
   * round grid scored on the fold's block): the stage-1 entries of its depth, or a weighted
   * winner's second-stage `curve`. Null when they are missing (a state saved before curves).
   */
  private newestBest(chosen: BacktestEntry): { nRounds: number; auc: number } | null {
    if (chosen.kind !== 'gbdt') return null;
    const k = this.input.folds.length - 1;
    let curve: Array<{ nRounds: number; auc: number | undefined }>;
    if (!chosen.weighting.classWeight && !chosen.weighting.recency) {
      curve = this.firstStage()
        .stage1.filter((e) => e.kind === 'gbdt' && e.settings.maxDepth === chosen.settings.maxDepth)
        .map((e) => ({ nRounds: e.settings.nRounds!, auc: e.foldAuc[k] }));
    } else {
      const sweep = this.st.stage2.find(
        (s) =>
          s.kind === 'gbdt' &&
          s.weighting.classWeight === chosen.weighting.classWeight &&
          s.weighting.recency === chosen.weighting.recency,
      );
      if (!sweep?.curve || sweep.curve.fold !== k) return null;
      curve = sweep.curve.points;
    }
    let best = { nRounds: 0, auc: -Infinity };
    // The grid is listed fewer rounds first: a tie keeps the fewer.
    for (const { nRounds, auc } of curve) {
      if (auc === undefined) return null;
      if (auc > best.auc) best = { nRounds, auc };
    }
    return best.nRounds > 0 ? best : null;
  }

  /** The run's GBDT settings at the learning rate the rate step kept (the configured one before). */
  private gbdtSettings(): CandidateSettings {
    const { settings } = this.input;
    const rate = this.st.rate;
    const configured = settings.gbdtParams?.learningRate ?? DEFAULT_GBDT_PARAMS.learningRate;
    if (!rate || rate.fold === undefined || rate.chosen === configured) return settings;
    return { ...settings, gbdtParams: { ...settings.gbdtParams, learningRate: rate.chosen } };
  }

  /** The first stage's GBDT sweep, once created. */
  private gbdtSweep(): SweepState | undefined {
    return this.st.stage1.find((s) => s.kind === 'gbdt');
  }

  /** Fold 1's best GBDT point (fewer rounds, then shallower, on a tie) among `points`. */
  private static bestOnFirstFold(
    points: ReadonlyArray<{ settings: Record<string, number>; auc: number }>,
  ): { nRounds: number; auc: number; maxDepth: number } | null {
    let best: { nRounds: number; auc: number; maxDepth: number } | null = null;
    for (const { settings, auc } of points) {
      if (!Number.isFinite(auc)) continue;
      const better =
        !best ||
        auc > best.auc ||
        (auc === best.auc &&
          (settings.nRounds! < best.nRounds ||
            (settings.nRounds === best.nRounds && settings.maxDepth! < best.maxDepth)));
      if (better) best = { nRounds: settings.nRounds!, auc, maxDepth: settings.maxDepth! };
    }
    return best;
  }

  /**
   * Whether the learning-rate step is to run now: given, not run, the first stage's GBDT sweep
   * has done exactly its first fold, the configured rate is below the fast one, and that
   * fold's best setting sits at the grid's maximum round count (under-boosted at this rate).
   */
  private needsRate(): boolean {
    if (!this.input.rate || this.st.rate) return false;
    const sweep = this.gbdtSweep();
    if (!sweep || sweep.done !== 1) return false;
    const gp = this.input.settings.gbdtParams;
    const max = gp?.nRounds ?? DEFAULT_GBDT_PARAMS.nRounds;
    const rate = gp?.learningRate ?? DEFAULT_GBDT_PARAMS.learningRate;
    if (rate >= GBDT_FAST_RATE) return false;
    const base = Backtester.bestOnFirstFold(
      sweep.points
        .filter((p) => !p.pruned)
        .map((p) => ({ settings: p.settings, auc: p.foldAuc[0]! })),
    );
    return base !== null && base.nRounds >= max;
  }

  /**
   * The learning-rate step (see `BacktestInput.rate`): the first fold's GBDT depths still
   * running boosted at GBDT_FAST_RATE on the same rows and scored on the same block; kept
   * unless behind the configured rate's best by more than the block's AUC standard error.
   * When kept, the sweep's first-fold results become the fast ones (so every fold of every
   * later comparison is at one rate) and the depth pruning is judged again on them.
   */
  private runRate(): void {
    const { folds, labels, settings } = this.input;
    const sweep = this.gbdtSweep()!;
    const f = folds[0]!;
    const { Xtr, Xte } = this.encodedFor(0, 'nan');
    const ytr = yOf(labels, f.train);
    const yte = yOf(labels, f.test);
    const running = sweep.points.filter((p) => !p.pruned);
    const depths = [...new Set(running.map((p) => p.settings.maxDepth!))];
    const stopped = [...new Set(sweep.points.map((p) => p.settings.maxDepth!))].filter(
      (d) => !depths.includes(d),
    );
    const fastPoints = CANDIDATES.gbdt
      .sweep(
        Xtr,
        ytr,
        rowWeights(ytr, sweep.weighting),
        Xte,
        yte,
        { ...settings, gbdtParams: { ...settings.gbdtParams, learningRate: GBDT_FAST_RATE } },
        undefined,
        undefined,
        stopped,
      )
      .map((p) => ({ ...p, auc: rocAuc(yte, p.margin) }));
    const base = Backtester.bestOnFirstFold(
      running.map((p) => ({ settings: p.settings, auc: p.foldAuc[0]! })),
    )!;
    const fast = Backtester.bestOnFirstFold(fastPoints);
    const se = aucNoise(yte);
    const baseRate = settings.gbdtParams?.learningRate ?? DEFAULT_GBDT_PARAMS.learningRate;
    const keep = fast !== null && keepFastRate(base.auc, fast.auc, se);
    this.st.rate = {
      base: { learningRate: baseRate, ...base },
      fast: fast
        ? { learningRate: GBDT_FAST_RATE, ...fast }
        : { learningRate: GBDT_FAST_RATE, nRounds: 0, auc: NaN },
      se,
      fold: 0,
      chosen: keep ? GBDT_FAST_RATE : baseRate,
    };
    if (!keep) return;
    const byKey = new Map(fastPoints.map((p) => [settingKey(p.settings), p]));
    for (const p of running) {
      const q = byKey.get(settingKey(p.settings))!;
      p.foldAuc[0] = q.auc;
      p.foldMargins[0] = q.margin;
    }
    if (this.input.prune && folds.length > 1) {
      const stop = depthsToStop(running);
      for (const p of running) if (stop.includes(p.settings.maxDepth!)) p.pruned = true;
    }
  }

  /**
   * The round count the ladder supports: the count of the last step of its growing run, when
   * it grew at all past its first step (the backtests' own size); else the backtests' choice.
   */
  private ladderRounds(chosen: BacktestEntry): number | undefined {
    const rungs = this.ladderRungs;
    if (chosen.kind !== 'gbdt' || rungs.length < 2) return undefined;
    let r = rungs[0]!.nRounds;
    for (const x of rungs.slice(1)) {
      if (x.nRounds <= r) break;
      r = x.nRounds;
    }
    return r > rungs[0]!.nRounds ? Math.max(r, chosen.settings.nRounds!) : undefined;
  }

  private firstStage() {
    const stage1 = this.st.stage1.flatMap(entriesOf);
    const first = pickWithTieRule(eligible(stage1), this.input.prefer);
    return { stage1, first, winner: stage1[first.index]! };
  }

  // Each fold's encoder learns its statistics from the fold's own past only.
  private encodedFor(k: number, missing: 'impute' | 'nan'): Encoded {
    const key = `${k}|${missing}`;
    let e = this.encoded.get(key);
    if (!e) {
      // Units go fold by fold (see next()): another fold's encodings are not needed again soon.
      for (const other of [...this.encoded.keys()])
        if (!other.startsWith(`${k}|`)) this.encoded.delete(other);
      const f = this.input.folds[k]!;
      const { rows } = this.input;
      const trainRows = takeRows(rows, f.train);
      // The fitted statistics are small and kept: a fold encoded again (second stage) is only
      // transformed.
      let encoder = this.encoders.get(key);
      if (!encoder) {
        encoder = fitEncoder(trainRows, this.input.features, { ...this.input.encoder, missing });
        this.encoders.set(key, encoder);
      }
      e = {
        encoder,
        Xtr: encoder.transform(trainRows),
        Xte: encoder.transform(takeRows(rows, f.test)),
      };
      this.encoded.set(key, e);
    }
    return e;
  }

  /** Drops the folds' encodings (the backtests are done; the final fit needs its own). */
  release(): void {
    this.encoded.clear();
  }

  result(): BacktestResult {
    if (!this.done()) {
      throw new ModelError(
        'INVALID_OPTIONS',
        'The backtests are not finished.',
        'Run every unit (step) before asking for the result.',
      );
    }
    const { stage1, first, winner } = this.firstStage();
    const stage2 = this.st.stage2.flatMap(entriesOf);
    // The unweighted winner is listed first: weights are kept only when they beat it clearly
    // (the same objects as `entries`: the report marks the chosen one by identity).
    const eligible = this.stage2Eligible(stage2);
    const pool = [winner, ...eligible];
    const pick = pickWithTieRule(pool, this.input.prefer).index;
    const chosen = pick === 0 ? winner : stage2[pick - 1]!;
    const carrySweep =
      pick === 0
        ? this.st.stage1.find((s) => s.kind === winner.kind)!
        : this.sweepOfStage2Entry(pick - 1);
    const rounds = this.ladderRounds(chosen);
    const rate = chosen.kind === 'gbdt' ? (this.st.rate ?? null) : null;
    const fast = rate && rate.chosen === rate.fast.learningRate ? rate.fast : null;
    // Decided on the first fold (`fold` set): every GBDT fit since ran at the kept rate, so the
    // chosen entry's (and the ladder's) round count is already at that rate. A state saved
    // before (the step ran last, on the newest fold) ships the fast rate's own best count.
    const early = rate?.fold !== undefined;
    return {
      entries: [...stage1, ...stage2],
      chosen,
      tied: first.tied,
      best: first.best,
      carry: new Map(Object.entries(carrySweep.carry)),
      finalSettings: fast
        ? {
            ...chosen.settings,
            nRounds: early ? (rounds ?? chosen.settings.nRounds!) : fast.nRounds,
            learningRate: fast.learningRate,
          }
        : rounds === undefined
          ? chosen.settings
          : { ...chosen.settings, nRounds: rounds },
      ladder: chosen.kind === 'gbdt' ? this.ladderRungs.slice() : [],
      rate,
    };
  }

  /**
   * The second-stage entries as the tie rule sees them: a pruned weighting's folds are hidden
   * (no usable fold), so it is neither the best nor tied and can never be chosen. Same order
   * and count as the entries, so indices match.
   */
  private stage2Eligible(
    stage2: BacktestEntry[] = this.st.stage2.flatMap(entriesOf),
  ): BacktestEntry[] {
    return eligible(stage2);
  }

  /** The second-stage sweep the `j`-th second-stage entry came from. */
  private sweepOfStage2Entry(j: number): SweepState {
    let seen = 0;
    for (const s of this.st.stage2) {
      if (j < seen + s.points.length) return s;
      seen += s.points.length;
    }
    throw new Error(`no second-stage entry ${j}`);
  }
}

export function runBacktests(input: BacktestInput): BacktestResult {
  const b = new Backtester(input);
  while (!b.done()) b.step();
  return b.result();
}
