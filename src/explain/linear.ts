/**
 * Exact SHAP for a linear log-odds model with independent features (shap's LinearExplainer):
 * φⱼ = βⱼ(xⱼ − E[xⱼ]) in the encoded space, φ₀ = β₀ + Σ βⱼE[xⱼ] = f(E[x]).
 */
import type { EncodedMatrix } from '../model/types';
import { ExplainError } from './explanation';

export interface LinearShapResult {
  base: number;
  /** Row-major n × p values per encoded column. */
  phi: Float64Array;
}

export function linearShap(
  coef: Float64Array,
  intercept: number,
  mean: Float64Array,
  X: EncodedMatrix,
): LinearShapResult {
  const { n, p, data } = X;
  if (coef.length !== p || mean.length !== p) {
    throw new ExplainError(
      'INPUT_INVALID',
      `Linear SHAP got ${coef.length} coefficients and ${mean.length} means for ${p} columns.`,
      'Encode the rows with the model’s own encoder.',
    );
  }
  let base = intercept;
  for (let j = 0; j < p; j++) base += coef[j] * mean[j];
  const phi = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const b = coef[j];
    const m = mean[j];
    const col = j * n;
    for (let i = 0; i < n; i++) phi[i * p + j] = b * (data[col + i] - m);
  }
  return { base, phi };
}
