/**
 * The model core's errors: members of the one family (`src/errors`, which model may import:
 * it imports nothing). A stable `code`, a message saying what is wrong, a `hint` saying how to
 * fix it, and `details` with the numbers behind it — kept all the way to the CLI, the function
 * result and the card.
 */
import { LeadLensError, type ErrorCode } from '../errors';

export type ModelErrorCode = Extract<
  ErrorCode,
  | 'EMPTY_INPUT'
  | 'LABEL_MISSING'
  | 'LABEL_NOT_BINARY'
  | 'UNKNOWN_POSITIVE'
  | 'SINGLE_CLASS'
  | 'SHORT_HISTORY'
  | 'TOO_FEW_POSITIVES'
  | 'TOO_FEW_ROWS'
  | 'SCHEMA_MISMATCH'
  | 'ARTIFACT_INVALID'
  | 'INVALID_OPTIONS'
  | 'NOT_CONVERGED'
  | 'NO_FEATURES'
>;

export class ModelError extends LeadLensError<ModelErrorCode> {
  override readonly name: string = 'ModelError';

  constructor(
    code: ModelErrorCode,
    message: string,
    hint: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, { hint, details });
  }
}

export function isModelError(e: unknown, code?: ModelErrorCode): e is ModelError {
  return e instanceof ModelError && (code === undefined || e.code === code);
}
