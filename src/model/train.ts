/**
 * trainModel: data checks → leakage guard → rolling-origin backtests choose the family, its
 * settings and the row weighting (each fold fitted only on its past) → calibration from the
 * out-of-fold scores → the chosen setting fitted on all labelled history → a verdict on
 * whether the model beats chance → artifact + report. The honest estimate is the backtests'.
 */
import { toArtifact, type ModelArtifact } from './artifact';
import {
  Backtester,
  type BacktestEntry,
  type BacktestState,
  type LadderRung,
  type RateStep,
} from './backtest';
import {
  ladderSizes,
  sampleSeed,
  scheduleSearch,
  stratifiedSample,
  type BudgetOptions,
  type ScheduleReport,
} from './evaluation/budget';
import {
  applyCalibration,
  chooseCalibration,
  fitIsotonic,
  fitPlatt,
  type Calibration,
} from './evaluation/calibration';
import {
  CANDIDATES,
  gbdtDepths,
  margins,
  outputOf,
  rowWeights,
  type CandidateKind,
  type CandidateSettings,
  type Weighting,
} from './candidates';
import { checkTrainable } from './encoding/checks';
import { fitEncoder, type EncoderOptions, type FittedEncoder } from './encoding/encoder';
import { ModelError } from './errors';
import { columnMeans, Model } from './fitted';
import type { GbdtParams } from './trees/gbdt';
import { findLeakage, type LeakageFinding, type LeakageOptions } from './evaluation/leakage';
import { evaluate, type EvaluationMetrics, type Tier } from './evaluation/metrics';
import { rollingOriginFolds, type Fold, type FoldOptions } from './evaluation/folds';
import {
  signalVerdict,
  type TiePreference,
  type Verdict,
  type VerdictOptions,
} from './evaluation/selection';
import { makeRng } from './rng';
import { inferSchema, type SkippedField } from './encoding/schema';
import { splitByTime, type Label } from './evaluation/split';
import type { TreeParams } from './trees/tree';
import { asFrame, takeRows, type Frame, type TableInput } from './frame';
import type { EncodedMatrix, FieldInfo, ModelCore } from './types';

export type ModelChoice = 'auto' | CandidateKind;

export interface TrainOptions {
  model?: ModelChoice;
  seed?: number;
  /** Fields never used as features (ids, the label, free text…). */
  exclude?: readonly string[];
  /** Field types decided by the user (`--categorical`, `--numeric`): never inferred. */
  types?: Readonly<Record<string, FieldInfo['type']>>;
  /** Keep fields the leakage guard flags (they are still reported). */
  keepLeaky?: boolean;
  leakage?: LeakageOptions;
  placeholders?: readonly string[];
  /** Rolling-origin folds: count (from the data size when absent), initial share, embargo. */
  backtest?: FoldOptions;
  /** The search schedule for large data (threshold, AUC error target): docs/model.md. */
  budget?: BudgetOptions;
  encoder?: Omit<EncoderOptions, 'missing' | 'placeholders'>;
  /** Logistic regression's L2 grid as scikit-learn C values. */
  cGrid?: readonly number[];
  /**
   * Row weightings the backtests may pick for the winning family. Default: balanced class
   * weights, recency, both. `[]` = never weight.
   */
  weightings?: readonly Weighting[];
  gbdtParams?: Partial<GbdtParams>;
  treeParams?: Partial<TreeParams>;
  verdict?: VerdictOptions;
  /** The tie rule's preference among tied candidates (default 'simplest'). */
  selection?: { prefer?: TiePreference };
  minPositives?: number;
  /** Tiers (0–100 score floors): conversion, precision and recall at each cut-off. */
  tiers?: readonly Tier[];
  createdBy?: string;
}

export interface TrainInput {
  /** A frame (columnar, e.g. a CSV read by src/crm/csv) or row objects. */
  rows: TableInput;
  /** 1 converted, 0 not, null unknown yet (censored: left out of training and evaluation). */
  labels: readonly Label[];
  /** Ordering times (epoch ms or any increasing number); row order when absent. */
  times?: readonly number[];
  schema?: readonly FieldInfo[];
  options?: TrainOptions;
}

/** One backtested candidate: a family, one setting, one row weighting. */
export interface CandidateReport {
  kind: CandidateKind;
  settings: Record<string, number>;
  weighting: Weighting;
  /** AUC on each fold's test block (NaN → null in JSON when a block had one outcome). */
  foldAuc: number[];
  meanAuc: number;
  seAuc: number;
  /** Within the folds' noise of the best family/setting (first stage). */
  tied: boolean;
  chosen: boolean;
  /** A weighting stopped after the folds listed: not ahead of the unweighted winner there. */
  pruned?: boolean;
}

export interface FoldReport {
  fold: number;
  /** Rows the fold's model was fitted on (all before the origin; a sample of them when budgeted). */
  train: number;
  /** Rows of the fold's training window (before the origin, embargo applied). */
  trainWindow: number;
  embargoed: number;
  /** Rows of the fold's block scored by a model that never saw them (a sample when budgeted). */
  test: number;
  /** Rows of the fold's whole block. */
  testBlock: number;
  testPositives: number;
  /** Time (or labelled position) of the first training row, the origin, the block's end. */
  trainFrom: number | null;
  origin: number;
  testTo: number | null;
  /** The chosen candidate's AUC on this block. */
  auc: number;
}

export interface TrainReport {
  chosen: CandidateKind;
  settings: Record<string, number>;
  weighting: Weighting;
  /** The best entry per family, then every weighting tried (the full list: `backtest`). */
  candidates: CandidateReport[];
  backtest: {
    folds: FoldReport[];
    candidates: CandidateReport[];
    meanAuc: number;
    seAuc: number;
    rule: string;
    /**
     * Set when the first origin moved later than the initial share because that window held
     * one outcome only (labelled positions in time order; `evaluation/folds.ts`).
     */
    moved?: { from: number; to: number };
    /** What the search schedule did: the caps, and the GBDT round-count ladder's steps. */
    schedule: ScheduleReport & {
      /** Sweeps (family × weighting) run over every fold. */
      sweeps: number;
      ladder: LadderRung[];
      /** The GBDT learning-rate step: both rates’ best AUCs on the first fold and the one kept. */
      rate: RateStep | null;
      /** The chosen round count before the ladder (GBDT only; null otherwise). */
      backtestRounds: number | null;
    };
  };
  calibration: Calibration['method'];
  /** Out-of-fold: every fold's block scored by its fold's model, calibrated across folds. */
  metrics: EvaluationMetrics | null;
  verdict: Verdict;
  /** train = labelled rows the shipped model was fitted on; test = out-of-fold rows. */
  splits: { train: number; test: number; censored: number; folds: number };
  leakage: Array<LeakageFinding & { excluded: boolean }>;
  excluded: Array<{ field: string; reason: string }>;
  features: FieldInfo[];
}

export interface TrainResult {
  model: Model;
  artifact: ModelArtifact;
  report: TrainReport;
  /** Out-of-fold rows (input indices, time order), their calibrated probability and fold. */
  outOfFold: { index: number[]; probability: Float64Array; fold: number[] };
}

const DEFAULT_C_GRID = [0.01, 0.1, 1, 10];
const DEFAULT_WEIGHTINGS: readonly Weighting[] = [
  { classWeight: 'balanced', recency: false },
  { classWeight: null, recency: true },
  { classWeight: 'balanced', recency: true },
];
export const TIE_RULE =
  'Highest mean AUC over the backtest folds; a simpler candidate (logistic before GBDT before a single tree, stronger regularisation / fewer rounds / shallower first, no row weights first) is kept when its mean shortfall is below the standard error of its paired fold differences.';

const yOf = (labels: readonly Label[], idx: readonly number[]): Float64Array =>
  Float64Array.from(idx, (i) => (labels[i] === 1 ? 1 : 0));

function requireBothClasses(labels: readonly Label[], idx: readonly number[], slice: string): void {
  let pos = 0;
  for (const i of idx) pos += labels[i] === 1 ? 1 : 0;
  if (pos === 0 || pos === idx.length) {
    throw new ModelError(
      'SINGLE_CLASS',
      `The ${slice} (${idx.length} rows in time order) has only ${pos ? 'converted' : 'non-converted'} leads.`,
      'Add history so every period has both outcomes, or check the time column and the label.',
      { slice, rows: idx.length, positives: pos },
    );
  }
}

const calibrators: Record<'platt' | 'isotonic', (m: number[], y: number[]) => Calibration> = {
  platt: fitPlatt,
  isotonic: fitIsotonic,
};

/**
 * Everything a training run has computed that is costly to redo: the backtests' results and the
 * shipped model's fitted core. Plain data (with typed arrays): the caller may persist it between
 * units of work and resume in another process (src/pipeline/train.ts does, for HubSpot's 10 s
 * calls); the rest of a run (folds, schema, leakage, encoders, calibration, report) is cheap
 * and is recomputed from the same input.
 */
export interface TrainingState {
  backtest: BacktestState;
  /** The chosen setting fitted on all labelled history (the last unit). */
  final: ModelCore | null;
}

/**
 * A training run as units of work: each backtest sweep on each fold, then the final fit.
 * `trainModel` runs them all in one go; a caller bounded in time runs `step()` while it has
 * time, persists `state`, and later builds a new session from the same input and that state.
 * Any split of the units gives the same result as one go.
 */
export class TrainingSession {
  private readonly input: TrainInput;
  private readonly o: TrainOptions;
  private readonly rows: Frame;
  private readonly plan: ReturnType<typeof rollingOriginFolds>;
  /** The folds the backtests use: the plan's, or samples of them when budgeted. */
  private readonly folds: Fold[];
  private readonly schedule: ScheduleReport & { sweeps: number };
  private readonly features: FieldInfo[];
  private readonly skipped: SkippedField[];
  private readonly findings: LeakageFinding[];
  private readonly leaky: Set<string>;
  private readonly settings: CandidateSettings;
  private readonly kinds: CandidateKind[];
  private readonly encoderOptions: EncoderOptions;
  private readonly backtester: Backtester;
  private final: ModelCore | null;
  /** The shipped model's encoding (cached: the final fit and `finish` both need it). */
  private fitCache: { encoder: FittedEncoder; Xfit: EncodedMatrix } | null = null;

  constructor(input: TrainInput, state?: TrainingState) {
    this.input = input;
    const o = input.options ?? {};
    const { labels } = input;
    const rows = asFrame(input.rows);
    if (rows.n === 0) {
      throw new ModelError(
        'EMPTY_INPUT',
        'There are no rows to train on.',
        'Provide leads with known outcomes.',
      );
    }
    if (labels.length !== rows.n) {
      throw new ModelError(
        'INVALID_OPTIONS',
        `Got ${labels.length} labels for ${rows.n} rows.`,
        'Pass one label per row.',
      );
    }
    checkTrainable(labels, { minPositives: o.minPositives });
    const plan = rollingOriginFolds(labels, input.times, o.backtest);
    const { folds } = plan;
    requireBothClasses(labels, folds[0]!.train, 'first backtest fold’s training window');

    const exclude = new Set(o.exclude ?? []);
    let skipped: SkippedField[] = [];
    let schema: FieldInfo[];
    if (input.schema) schema = input.schema.filter((f) => !exclude.has(f.name));
    else
      ({ schema, skipped } = inferSchema(rows, {
        exclude: [...exclude],
        placeholders: o.placeholders,
        types: o.types,
      }));

    // The guard learns on the older 80 % of labelled history and judges on the newest 20 %.
    const guardSplit = splitByTime(labels, input.times, { valid: 0.2, test: 0 });
    const findings = findLeakage(rows, schema, labels, guardSplit, {
      ...o.leakage,
      placeholders: o.placeholders,
    });
    const leaky = new Set(o.keepLeaky ? [] : findings.map((f) => f.field));
    const features = schema.filter((f) => !leaky.has(f.name));
    if (features.length === 0) {
      throw new ModelError(
        'NO_FEATURES',
        'No usable feature fields are left after exclusions and the leakage guard.',
        'Include more columns, or pass keepLeaky if a flagged field is known to be set before the outcome.',
      );
    }

    const settings: CandidateSettings = {
      cGrid: o.cGrid ?? DEFAULT_C_GRID,
      gbdtParams: o.gbdtParams,
      treeParams: o.treeParams,
      seed: o.seed ?? 1,
      makeRng,
    };
    const kinds: CandidateKind[] =
      !o.model || o.model === 'auto' ? ['logistic', 'gbdt', 'tree'] : [o.model];
    const encoderOptions: EncoderOptions = { ...o.encoder, placeholders: o.placeholders };
    const weightings = o.weightings ?? DEFAULT_WEIGHTINGS;
    const sweeps = kinds.length + weightings.length;
    // The train cap's divisor counts model fits per fold, not sweeps: a GBDT first-stage sweep
    // boosts once per depth, so its depths count one each.
    const fits =
      kinds.reduce((a, k) => a + (k === 'gbdt' ? gbdtDepths(settings).length : 1), 0) +
      weightings.length;
    const schedule = scheduleSearch(plan, labels, fits, settings.seed, o.budget);
    const newest = folds[folds.length - 1]!;
    const ladder =
      schedule.report.trainCap !== null && kinds.includes('gbdt') && o.budget?.ladder !== false
        ? {
            window: newest.train,
            sizes: ladderSizes(newest.train.length, schedule.report.trainCap),
          }
        : null;
    this.folds = schedule.folds;
    this.schedule = { ...schedule.report, sweeps };
    this.o = o;
    this.rows = rows;
    this.plan = plan;
    this.features = features;
    this.skipped = skipped;
    this.findings = findings;
    this.leaky = leaky;
    this.settings = settings;
    this.kinds = kinds;
    this.encoderOptions = encoderOptions;
    this.backtester = new Backtester(
      {
        rows,
        labels,
        features,
        folds: schedule.folds,
        kinds,
        settings,
        encoder: encoderOptions,
        weightings,
        ladder,
        rate: schedule.report.budgeted && kinds.includes('gbdt') && o.budget?.rate !== false,
        prune: schedule.report.budgeted && o.budget?.prune !== false,
        prefer: o.selection?.prefer,
      },
      state?.backtest,
    );
    this.final = state?.final ?? null;
  }

  /** What to persist to resume this run elsewhere. */
  get state(): TrainingState {
    return { backtest: this.backtester.state, final: this.final };
  }

  /** Units done and in all (the backtest units, then the final fit). */
  progress(): { done: number; total: number } {
    const bt = this.backtester.progress();
    return { done: bt.done + (this.final ? 1 : 0), total: bt.total + 1 };
  }

  done(): boolean {
    return this.final !== null;
  }

  /** Run the next unit of work. */
  step(): void {
    if (!this.backtester.done()) {
      this.backtester.step();
      return;
    }
    if (this.final) return;
    this.backtester.release();
    const bt = this.backtester.result();
    const chosen = bt.chosen;
    const { Xfit } = this.fitEncoding(chosen.kind);
    const yAll = yOf(this.input.labels, this.plan.labelled);
    const w = rowWeights(yAll, chosen.weighting);
    this.final = CANDIDATES[chosen.kind].fit(
      Xfit,
      yAll,
      w,
      bt.finalSettings,
      this.settings,
      bt.carry,
    );
  }

  /** The chosen family's encoder fitted on every labelled row, oldest first. */
  private fitEncoding(kind: CandidateKind): { encoder: FittedEncoder; Xfit: EncodedMatrix } {
    if (!this.fitCache) {
      const fitRows = takeRows(this.rows, this.plan.labelled);
      const encoder = fitEncoder(fitRows, this.features, {
        ...this.encoderOptions,
        missing: CANDIDATES[kind].missing,
      });
      this.fitCache = { encoder, Xfit: encoder.transform(fitRows) };
    }
    return this.fitCache;
  }

  /** Calibration, evaluation, report and artifact, once every unit is done. */
  finish(): TrainResult {
    if (!this.final) {
      throw new ModelError(
        'INVALID_OPTIONS',
        'The training run has units of work left.',
        'Run step() until done() before finish().',
      );
    }
    const { input, o, plan, features, skipped, findings, leaky, kinds } = this;
    const { labels } = input;
    const { labelled } = plan;
    const { folds } = this;
    const exclude = new Set(o.exclude ?? []);
    const bt = this.backtester.result();
    const chosen = bt.chosen;
    const { encoder, Xfit } = this.fitEncoding(chosen.kind);
    const core = this.final;
    const output = outputOf(core);

    // Calibration from the out-of-fold scores of the chosen candidate (every fold's block).
    const ooIndex = folds.flatMap((f) => f.test);
    const ooFold = folds.flatMap((f) => f.test.map(() => f.fold));
    const ooMargin = Float64Array.from(chosen.foldMargins.flatMap((m) => Array.from(m)));
    const ooY = yOf(labels, ooIndex);
    const cal = chooseCalibration(ooMargin, ooY, output);
    const model = new Model(core, encoder, cal.calibration, columnMeans(Xfit));

    // Reported probabilities are cross-fitted: a fold's block is calibrated on the other folds.
    const ooProb = new Float64Array(ooIndex.length);
    for (const f of folds) {
      const mine = ooFold.map((k, j) => (k === f.fold ? j : -1)).filter((j) => j >= 0);
      const others = ooFold.map((k, j) => (k !== f.fold ? j : -1)).filter((j) => j >= 0);
      const method = cal.calibration.method;
      const c: Calibration =
        method === 'none' || others.length === 0
          ? cal.calibration
          : calibrators[method](
              others.map((j) => ooMargin[j]!),
              others.map((j) => ooY[j]!),
            );
      for (const j of mine) ooProb[j] = applyCalibration(c, ooMargin[j]!);
    }
    const metrics = ooIndex.length > 0 ? evaluate(ooY, ooProb, o.tiers) : null;

    // The verdict's spread check reads the shipped model's scores on the labelled rows. Budgeted
    // (large data), on a time-stratified seeded sample of them as large as all the folds'
    // scored blocks together: the 5th and 95th percentiles of k·(test cap) rows are within a
    // fraction of a percentile of the whole's, and scoring every row was a fifth of the
    // process at 1M rows (docs/model.md, "Search schedule").
    const { testCap } = this.schedule;
    const verdictRows =
      this.schedule.budgeted && testCap !== null
        ? stratifiedSample(labelled, testCap * folds.length, sampleSeed(this.settings.seed, 0, 4))
        : null;
    const Xverdict =
      verdictRows && verdictRows.length < labelled.length
        ? encoder.transform(takeRows(this.rows, verdictRows))
        : Xfit;
    const finalScores = Float64Array.from(margins(core, Xverdict), (m) => 100 * model.calibrate(m));
    const foldReports: FoldReport[] = folds.map((f, k) => {
      const y = yOf(labels, f.test);
      const pos = y.reduce((a, b) => a + b, 0);
      const t = input.times;
      return {
        fold: f.fold,
        train: f.train.length,
        trainWindow: plan.folds[k]!.train.length,
        embargoed: f.embargoed,
        test: f.test.length,
        testBlock: plan.folds[k]!.test.length,
        testPositives: pos,
        trainFrom: f.train.length ? (t ? t[f.train[0]!]! : 0) : null,
        origin: f.origin,
        testTo: f.test.length
          ? t
            ? t[f.test[f.test.length - 1]!]!
            : f.origin + f.test.length
          : null,
        auc: chosen.foldAuc[k]!,
      };
    });
    const verdict = signalVerdict(
      foldReports.map((f) => ({
        auc: f.auc,
        positives: f.testPositives,
        negatives: f.test - f.testPositives,
      })),
      finalScores,
      o.verdict,
    );

    const toReport = (e: BacktestEntry, i: number): CandidateReport => ({
      kind: e.kind,
      settings: e.settings,
      weighting: e.weighting,
      foldAuc: e.foldAuc,
      meanAuc: e.meanAuc,
      seAuc: e.seAuc,
      tied: bt.tied.includes(i),
      chosen: e === chosen,
      ...(e.pruned ? { pruned: true } : {}),
    });
    const all = bt.entries.map(toReport);
    // Summary: the best (by mean AUC) unweighted entry per family, then each weighting tried.
    const summary: CandidateReport[] = [];
    for (const kind of kinds) {
      const own = all.filter(
        (c) => c.kind === kind && !c.weighting.classWeight && !c.weighting.recency,
      );
      // A stopped GBDT depth's mean covers fewer folds: not comparable, never the summary's.
      const ran = own.filter((c) => !c.pruned);
      const pickBest =
        own.find((c) => c.chosen) ??
        (ran.length ? ran : own).reduce((a, b) => (b.meanAuc > a.meanAuc ? b : a));
      if (pickBest) summary.push(pickBest);
    }
    for (const c of all) {
      if (!(c.weighting.classWeight || c.weighting.recency)) continue;
      const same = summary.find(
        (s) =>
          s.kind === c.kind &&
          s.weighting.classWeight === c.weighting.classWeight &&
          s.weighting.recency === c.weighting.recency,
      );
      if (!same) summary.push(c);
      else if (c.chosen || (!same.chosen && c.meanAuc > same.meanAuc))
        summary[summary.indexOf(same)] = c;
    }

    const t = input.times;
    const window = {
      from: t && labelled.length ? t[labelled[0]!]! : null,
      to: t && labelled.length ? t[labelled[labelled.length - 1]!]! : null,
      rows: labelled.length,
    };
    const leakage = findings.map((f) => ({ ...f, excluded: leaky.has(f.field) }));
    const excluded = [
      ...[...exclude].map((field) => ({ field, reason: 'excluded by option' })),
      ...skipped.map((s) => ({ field: s.name, reason: s.reason })),
      ...findings
        .filter((f) => leaky.has(f.field))
        .map((f) => ({ field: f.field, reason: `leakage: ${f.detail}` })),
    ];
    const report: TrainReport = {
      chosen: chosen.kind,
      settings: bt.finalSettings,
      weighting: chosen.weighting,
      candidates: summary,
      backtest: {
        folds: foldReports,
        candidates: all,
        meanAuc: chosen.meanAuc,
        seAuc: chosen.seAuc,
        rule: TIE_RULE,
        ...(this.plan.moved ? { moved: this.plan.moved } : {}),
        schedule: {
          ...this.schedule,
          ladder: bt.ladder,
          rate: bt.rate,
          backtestRounds: chosen.kind === 'gbdt' ? (chosen.settings.nRounds ?? null) : null,
        },
      },
      calibration: cal.calibration.method,
      metrics,
      verdict,
      splits: {
        train: labelled.length,
        test: ooIndex.length,
        censored: plan.censored.length,
        folds: folds.length,
      },
      leakage,
      excluded,
      features,
    };
    const artifact = toArtifact(model, {
      featureSchema: features,
      trainingWindow: window,
      metrics: {
        outOfFold: metrics,
        backtest: { folds: foldReports, meanAuc: chosen.meanAuc, seAuc: chosen.seAuc },
        chosen: { kind: chosen.kind, settings: bt.finalSettings, weighting: chosen.weighting },
        verdict,
        splits: report.splits,
        leakage: leakage.map((l) => ({ field: l.field, reason: l.reason, excluded: l.excluded })),
      },
      createdBy: o.createdBy ?? 'leadlens',
    });
    return {
      model,
      artifact,
      report,
      outOfFold: { index: ooIndex, probability: ooProb, fold: ooFold },
    };
  }
}

export function trainModel(input: TrainInput): TrainResult {
  const session = new TrainingSession(input);
  while (!session.done()) session.step();
  return session.finish();
}
