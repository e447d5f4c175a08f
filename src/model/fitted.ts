/**
 * The fitted model every caller scores with: encoder + numeric core + calibration. Immutable;
 * `predictProba` is transform → margin → calibrate, and the explainers decompose `margin`.
 */
import { applyCalibration, type Calibration } from './evaluation/calibration';
import { type FittedEncoder } from './encoding/encoder';
import { ModelError } from './errors';
import { linearPredictor } from './linear/logistic';
import { predictEnsemble } from './trees/tree-ensemble';
import type { TableInput } from './frame';
import type { EncodedMatrix, FittedModel, ModelCore } from './types';

export class Model implements FittedModel {
  readonly core: ModelCore;
  readonly encoder: FittedEncoder;
  readonly calibration: Calibration;
  readonly backgroundMean: Float64Array;

  constructor(
    core: ModelCore,
    encoder: FittedEncoder,
    calibration: Calibration,
    backgroundMean: Float64Array,
  ) {
    const p = encoder.columns.length;
    const coreP = core.kind === 'logistic' ? core.coef.length : core.ensemble.nFeatures;
    if (coreP !== p || backgroundMean.length !== p) {
      throw new ModelError(
        'ARTIFACT_INVALID',
        `The model core expects ${coreP} columns and the background ${backgroundMean.length}, but the encoder makes ${p}.`,
        'The artifact is inconsistent; retrain the model.',
      );
    }
    this.core = core;
    this.encoder = encoder;
    this.calibration = calibration;
    this.backgroundMean = backgroundMean;
    Object.freeze(this);
  }

  get kind(): ModelCore['kind'] {
    return this.core.kind;
  }

  margin(X: EncodedMatrix): Float64Array {
    if (X.p !== this.encoder.columns.length) {
      throw new ModelError(
        'SCHEMA_MISMATCH',
        `Got ${X.p} encoded columns; the model expects ${this.encoder.columns.length}.`,
        "Encode rows with this model's own encoder (model.encoder.transform).",
      );
    }
    if (this.core.kind === 'logistic')
      return linearPredictor(X, this.core.coef, this.core.intercept);
    return predictEnsemble(this.core.ensemble, X);
  }

  calibrate(margin: number): number {
    return applyCalibration(this.calibration, margin);
  }

  predictProba(input: TableInput, opts: { referenceTime?: number } = {}): Float64Array {
    const m = this.margin(this.encoder.transform(input, opts));
    for (let i = 0; i < m.length; i++) m[i] = this.calibrate(m[i]!);
    return m;
  }
}

/** Mean of every encoded column, NaN cells (tree encoders) skipped. */
export function columnMeans(X: EncodedMatrix): Float64Array {
  const out = new Float64Array(X.p);
  for (let j = 0; j < X.p; j++) {
    const ones = X.layout?.ones[j];
    if (ones) {
      // A 0/1 column held as the rows where it is 1: no NaN, the mean is the share of rows.
      out[j] = X.n ? ones.length / X.n : 0;
      continue;
    }
    let s = 0;
    let c = 0;
    const col = X.layout?.dense[j] ?? X.data.subarray(j * X.n, (j + 1) * X.n);
    for (let i = 0; i < X.n; i++) {
      const v = col[i]!;
      if (v === v) {
        s += v;
        c++;
      }
    }
    out[j] = c ? s / c : 0;
  }
  return out;
}
