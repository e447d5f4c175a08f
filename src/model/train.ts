/**
 * trainModel: data checks → time split → leakage guard → fit candidates on the oldest rows,
 * tune and compare them on the next slice → calibrate → refit the winner on train + valid →
 * measure on the newest slice it never saw → artifact + report.
 */
import { toArtifact, type ModelArtifact } from './artifact';
import { chooseCalibration, type Calibration } from './evaluation/calibration';
import { CANDIDATES, margins, type CandidateKind, type CandidateSettings } from './candidates';
import { checkTrainable } from './encoding/checks';
import { fitEncoder, type EncoderOptions, type FittedEncoder } from './encoding/encoder';
import { ModelError } from './errors';
import { columnMeans, Model } from './fitted';
import type { GbdtParams } from './trees/gbdt';
import { findLeakage, type LeakageFinding, type LeakageOptions } from './evaluation/leakage';
import { evaluate, rocAuc, type EvaluationMetrics, type Tier } from './evaluation/metrics';
import { makeRng } from './rng';
import { inferSchema, type SkippedField } from './encoding/schema';
import { splitByTime, type Label, type SplitOptions, type TimeSplit } from './evaluation/split';
import type { TreeParams } from './trees/tree';
import { asFrame, takeRows, type Frame, type TableInput } from './frame';
import type { FieldInfo } from './types';

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
  split?: SplitOptions;
  encoder?: Omit<EncoderOptions, 'missing' | 'placeholders'>;
  /** Logistic regression's L2 grid as scikit-learn C values. */
  cGrid?: readonly number[];
  classWeight?: 'balanced' | null;
  gbdtParams?: Partial<GbdtParams>;
  treeParams?: Partial<TreeParams>;
  /** `auto` keeps logistic regression when its validation AUC is within this of the best. */
  autoTolerance?: number;
  /** Fit the chosen settings again on train + valid before testing (default true). */
  refit?: boolean;
  minPositives?: number;
  /** Tiers (0–100 score floors) to report conversion rates for. */
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

export interface CandidateReport {
  kind: CandidateKind;
  validAuc: number;
  /** Out-of-fold log loss of the calibrated output on the validation slice. */
  validLogLoss: number;
  calibration: Calibration['method'];
  settings: Record<string, number>;
}

export interface TrainReport {
  chosen: CandidateKind;
  candidates: CandidateReport[];
  /** On the newest, held-out rows; null when the test slice is empty. */
  metrics: EvaluationMetrics | null;
  splits: { train: number; valid: number; test: number; censored: number };
  leakage: Array<LeakageFinding & { excluded: boolean }>;
  excluded: Array<{ field: string; reason: string }>;
  features: FieldInfo[];
  refit: boolean;
}

export interface TrainResult {
  model: Model;
  artifact: ModelArtifact;
  report: TrainReport;
}

const DEFAULT_C_GRID = [0.01, 0.03, 0.1, 0.3, 1, 3, 10];

const pick = (frame: Frame, idx: readonly number[]): Frame => takeRows(frame, idx);
const yOf = (labels: readonly Label[], idx: readonly number[]): Float64Array =>
  Float64Array.from(idx, (i) => (labels[i] === 1 ? 1 : 0));

function requireBothClasses(labels: readonly Label[], idx: readonly number[], slice: string): void {
  let pos = 0;
  for (const i of idx) pos += labels[i] === 1 ? 1 : 0;
  if (pos === 0 || pos === idx.length) {
    throw new ModelError(
      'SINGLE_CLASS',
      `The ${slice} slice (${idx.length} rows in time order) has only ${pos ? 'converted' : 'non-converted'} leads.`,
      'Add history so every period has both outcomes, or check the time column and the label.',
      { slice, rows: idx.length, positives: pos },
    );
  }
}

export function trainModel(input: TrainInput): TrainResult {
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
  const split: TimeSplit = splitByTime(labels, input.times, o.split);
  requireBothClasses(labels, split.train, 'training');
  requireBothClasses(labels, split.valid, 'validation');

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

  const findings = findLeakage(rows, schema, labels, split, {
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
    classWeight: o.classWeight ?? null,
    gbdtParams: o.gbdtParams,
    treeParams: o.treeParams,
    seed: o.seed ?? 1,
    makeRng,
  };
  const kinds: CandidateKind[] =
    !o.model || o.model === 'auto' ? ['logistic', 'gbdt', 'tree'] : [o.model];
  const trainRows = pick(rows, split.train);
  const validRows = pick(rows, split.valid);
  const ytr = yOf(labels, split.train);
  const yva = yOf(labels, split.valid);
  const encoders = new Map<string, FittedEncoder>();
  const encoderFor = (missing: 'impute' | 'nan', rs: Frame, key: string): FittedEncoder => {
    const k = `${missing}:${key}`;
    if (!encoders.has(k)) {
      encoders.set(
        k,
        fitEncoder(rs, features, { ...o.encoder, missing, placeholders: o.placeholders }),
      );
    }
    return encoders.get(k)!;
  };

  const tuned = kinds.map((kind) => {
    const cand = CANDIDATES[kind];
    const enc = encoderFor(cand.missing, trainRows, 'train');
    const Xva = enc.transform(validRows);
    const t = cand.tune(enc.transform(trainRows), ytr, Xva, yva, settings);
    const cal = chooseCalibration(t.validMargin, yva, t.output);
    const best = cal.candidates.find((c) => c.method === cal.calibration.method)!;
    const report: CandidateReport = {
      kind,
      validAuc: rocAuc(yva, t.validMargin),
      validLogLoss: best.logLoss,
      calibration: cal.calibration.method,
      settings: t.chosen,
    };
    return { kind, tuned: t, calibration: cal.calibration, report, encoder: enc };
  });

  // Highest validation AUC wins, but logistic regression (simpler, exact linear explanations)
  // is kept whenever it is within the tolerance of the best.
  const tol = o.autoTolerance ?? 0.005;
  const bestAuc = Math.max(...tuned.map((t) => t.report.validAuc));
  const lr = tuned.find((t) => t.kind === 'logistic');
  const winner =
    lr && lr.report.validAuc >= bestAuc - tol
      ? lr
      : tuned.find((t) => t.report.validAuc === bestAuc)!;

  const refit = o.refit ?? true;
  const fitIdx = refit ? [...split.train, ...split.valid].sort((a, b) => a - b) : split.train;
  const fitRows = refit ? pick(rows, [...split.train, ...split.valid]) : trainRows;
  const cand = CANDIDATES[winner.kind];
  let encoder = winner.encoder;
  let core = winner.tuned.core;
  if (refit) {
    encoder = encoderFor(cand.missing, fitRows, 'train+valid');
    core = cand.refit(
      encoder.transform(fitRows),
      yOf(labels, [...split.train, ...split.valid]),
      winner.tuned,
      settings,
    );
  }
  const Xfit = encoder.transform(fitRows);
  const model = new Model(core, encoder, winner.calibration, columnMeans(Xfit));

  let metrics: EvaluationMetrics | null = null;
  if (split.test.length > 0) {
    const Xte = encoder.transform(pick(rows, split.test));
    const p = margins(core, Xte).map((m) => model.calibrate(m));
    metrics = evaluate(yOf(labels, split.test), p, o.tiers);
  }

  const t = input.times;
  const window = {
    from: t && fitIdx.length ? Math.min(...fitIdx.map((i) => t[i]!)) : null,
    to: t && fitIdx.length ? Math.max(...fitIdx.map((i) => t[i]!)) : null,
    rows: fitIdx.length,
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
    chosen: winner.kind,
    candidates: tuned.map((x) => x.report),
    metrics,
    splits: {
      train: split.train.length,
      valid: split.valid.length,
      test: split.test.length,
      censored: split.censored.length,
    },
    leakage,
    excluded,
    features,
    refit,
  };
  const artifact = toArtifact(model, {
    featureSchema: features,
    trainingWindow: window,
    metrics: {
      test: metrics,
      candidates: report.candidates,
      splits: report.splits,
      leakage: leakage.map((l) => ({ field: l.field, reason: l.reason, excluded: l.excluded })),
    },
    createdBy: o.createdBy ?? 'leadlens',
  });
  return { model, artifact, report };
}
