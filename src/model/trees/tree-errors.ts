/**
 * Errors of the tree models (GBDT, single tree, ml-cart / xgboost import, ensemble JSON):
 * members of the one family (`src/errors`) with the codes below.
 */
import { LeadLensError, type ErrorCode } from '../../errors';

export type TreeModelErrorCode = Extract<
  ErrorCode,
  'FEATURE_MISMATCH' | 'ENSEMBLE_INVALID' | 'INPUT_INVALID' | 'PARAMS_INVALID' | 'TOO_LARGE'
>;

export class TreeModelError extends LeadLensError<TreeModelErrorCode> {
  override readonly name: string = 'TreeModelError';

  constructor(code: TreeModelErrorCode, message: string, hint: string, cause?: unknown) {
    super(code, message, { hint, cause });
  }
}

export function isTreeModelError(e: unknown): e is TreeModelError {
  return e instanceof TreeModelError;
}
