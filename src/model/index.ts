/** The public surface of the model core. */
export * from './types';
export { makeRng, type Rng } from './rng';
export { ModelError, isModelError, type ModelErrorCode } from './errors';
export {
  DEFAULT_PLACEHOLDERS,
  inferSchema,
  isMissing,
  placeholderSet,
  type FeatureSchema,
  type FieldType,
  type InferOptions,
  type SkippedField,
} from './encoding/schema';
export {
  fitEncoder,
  FittedEncoder,
  type EncoderOptions,
  type EncoderState,
  type MissingMode,
} from './encoding/encoder';
export { fitLogistic, sigmoid, type LogisticFit, type LogisticOptions } from './linear/logistic';
export {
  applyCalibration,
  chooseCalibration,
  fitIsotonic,
  fitPlatt,
  scoreFromProbability,
  type Calibration,
} from './evaluation/calibration';
export * from './evaluation/metrics';
export {
  splitByTime,
  timeOrder,
  type Label,
  type SplitOptions,
  type TimeSplit,
} from './evaluation/split';
export { findLeakage, type LeakageFinding, type LeakageOptions } from './evaluation/leakage';
export {
  checkTrainable,
  labelsFrom,
  requireLabelColumn,
  type LabelOptions,
} from './encoding/checks';
export { columnMeans, Model } from './fitted';
export {
  CURRENT_SCHEMA_VERSION,
  loadModel,
  migrate,
  MIGRATIONS,
  toArtifact,
  type Migration,
  type ModelArtifact,
} from './artifact';
export {
  chooseFoldCount,
  rollingOriginFolds,
  type Fold,
  type FoldOptions,
  type FoldPlan,
} from './evaluation/folds';
export {
  meanSe,
  pickWithTieRule,
  signalVerdict,
  type Verdict,
  type VerdictCode,
} from './evaluation/selection';
export type { CandidateKind, Weighting } from './candidates';
export {
  TIE_RULE,
  trainModel,
  TrainingSession,
  type TrainingState,
  type CandidateReport,
  type FoldReport,
  type ModelChoice,
  type TrainInput,
  type TrainOptions,
  type TrainReport,
  type TrainResult,
} from './train';
