/**
 * The one shape every explainer returns, and the check every explanation passes through:
 * base + Σ values must reproduce the model's output for that row, or we refuse to show it.
 */
import { LeadLensError, type ErrorCode } from '../errors';

export interface Explanation {
  /** φ₀: the expected model output (log-odds for logistic / boosted models). */
  base: number;
  /** One SHAP value per source field, in the same units as `base`. */
  values: Float64Array;
  /** Source field names, parallel to `values`. */
  names: string[];
  /** The row's value of each field as shown to a person; null when missing. */
  data: (string | null)[];
}

export type ExplainErrorCode = Extract<
  ErrorCode,
  'NOT_ADDITIVE' | 'UNSUPPORTED_MODEL' | 'INPUT_INVALID'
>;

/** An explainer's error: a member of the one family (`src/errors`). */
export class ExplainError extends LeadLensError<ExplainErrorCode> {
  override readonly name: string = 'ExplainError';

  constructor(code: ExplainErrorCode, message: string, hint: string) {
    super(code, message, { hint });
  }
}

function explanationSum(expl: Explanation): number {
  let s = expl.base;
  for (let i = 0; i < expl.values.length; i++) s += expl.values[i];
  return s;
}

/** Throws unless base + Σ values = f within `tol` (absolute, scaled up for large |f|). */
export function assertAdditive(expl: Explanation, f: number, tol = 1e-9): void {
  const sum = explanationSum(expl);
  const err = Math.abs(sum - f);
  if (!(err <= tol * Math.max(1, Math.abs(f)))) {
    throw new ExplainError(
      'NOT_ADDITIVE',
      `Explanation is not additive: base + Σ values = ${sum} but the model output is ${f} (|Δ| = ${err}).`,
      'This is a bug in the explainer or a model/encoder mismatch; re-train the model and report it.',
    );
  }
}

/**
 * Sum per-column values (row-major n × p) into per-field values, following `fieldOfColumn`
 * (index into the field list, one entry per encoded column).
 */
export function groupColumns(
  phi: Float64Array,
  row: number,
  p: number,
  fieldOfColumn: Int32Array,
  nFields: number,
): Float64Array {
  const out = new Float64Array(nFields);
  const at = row * p;
  for (let j = 0; j < p; j++) out[fieldOfColumn[j]] += phi[at + j];
  return out;
}
