/**
 * The model core's own error family (it may not import `contracts`). Same shape as
 * LeadLensError: a stable `code`, a message saying what is wrong, a `hint` saying how to fix
 * it, and `details` with the numbers behind it. Composition roots map it to their own errors.
 */
export type ModelErrorCode =
  | 'EMPTY_INPUT'
  | 'LABEL_MISSING'
  | 'LABEL_NOT_BINARY'
  | 'UNKNOWN_POSITIVE'
  | 'SINGLE_CLASS'
  | 'TOO_FEW_POSITIVES'
  | 'TOO_FEW_ROWS'
  | 'SCHEMA_MISMATCH'
  | 'ARTIFACT_INVALID'
  | 'INVALID_OPTIONS'
  | 'NOT_CONVERGED'
  | 'NO_FEATURES';

export class ModelError extends Error {
  override readonly name = 'ModelError';
  readonly code: ModelErrorCode;
  readonly hint: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ModelErrorCode,
    message: string,
    hint: string,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  /** One line: what, then how to fix. */
  describe(): string {
    return `${this.message} ${this.hint}`;
  }
}

export function isModelError(e: unknown, code?: ModelErrorCode): e is ModelError {
  return e instanceof ModelError && (code === undefined || e.code === code);
}
