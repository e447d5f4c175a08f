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
} from './schema';
export {
  fitEncoder,
  FittedEncoder,
  type EncoderOptions,
  type EncoderState,
  type MissingMode,
} from './encoder';
export { fitLogistic, sigmoid, type LogisticFit, type LogisticOptions } from './logistic';
export {
  applyCalibration,
  chooseCalibration,
  fitIsotonic,
  fitPlatt,
  scoreFromProbability,
  type Calibration,
} from './calibration';
export * from './metrics';
export { splitByTime, timeOrder, type Label, type SplitOptions, type TimeSplit } from './split';
export { findLeakage, type LeakageFinding, type LeakageOptions } from './leakage';
export { checkTrainable, labelsFrom, requireLabelColumn, type LabelOptions } from './checks';
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
  trainModel,
  type CandidateReport,
  type ModelChoice,
  type TrainInput,
  type TrainOptions,
  type TrainReport,
  type TrainResult,
} from './train';
