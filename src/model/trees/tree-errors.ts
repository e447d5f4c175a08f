/**
 * Errors of the tree models (GBDT, single tree, ml-cart / xgboost import, ensemble JSON).
 * `model` may not import contracts, so this mirrors LeadLensError's shape: a stable `code`,
 * a message saying what went wrong and a `hint` saying how to fix it.
 */
export type TreeModelErrorCode =
  'FEATURE_MISMATCH' | 'ENSEMBLE_INVALID' | 'INPUT_INVALID' | 'PARAMS_INVALID' | 'TOO_LARGE';

export class TreeModelError extends Error {
  override readonly name = 'TreeModelError';
  readonly code: TreeModelErrorCode;
  readonly hint: string;

  constructor(code: TreeModelErrorCode, message: string, hint: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.hint = hint;
  }

  describe(): string {
    return `${this.message} ${this.hint}`;
  }
}

export function isTreeModelError(e: unknown): e is TreeModelError {
  return e instanceof TreeModelError;
}
