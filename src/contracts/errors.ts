/**
 * The error family for everything outside the numeric core (model has its own, same shape).
 * Every error says what went wrong (`message`), a stable `code` to branch on, and how to fix
 * it (`hint`). Causes are kept, never logged with tokens or personal data.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'CSV_INVALID'
  | 'CRM_AUTH'
  | 'CRM_SCOPES'
  | 'CRM_RATE_LIMITED'
  | 'CRM_DAILY_LIMIT'
  | 'CRM_UNAVAILABLE'
  | 'CRM_VALIDATION'
  | 'CRM_NOT_FOUND'
  | 'CRM_ERROR'
  | 'STORE_ERROR'
  | 'NO_MODEL'
  | 'NOT_ENOUGH_DATA'
  | 'JOB_LOCKED'
  | 'SIGNATURE_INVALID'
  | 'INTERNAL';

export class LeadLensError extends Error {
  override readonly name: string = 'LeadLensError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  /** One line for a terminal or an API error body: what, then how to fix. */
  describe(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isLeadLensError(e: unknown, code?: ErrorCode): e is LeadLensError {
  return e instanceof LeadLensError && (code === undefined || e.code === code);
}

/** One message and code for any thrown value (ours, a provider's, or a plain Error). */
export function describeError(e: unknown): { message: string; code: string } {
  if (isLeadLensError(e)) return { message: e.describe(), code: e.code };
  if (
    e &&
    typeof e === 'object' &&
    'code' in e &&
    'message' in e &&
    typeof e.message === 'string'
  ) {
    const code = (e as { code: unknown }).code;
    const hint = 'hint' in e && typeof e.hint === 'string' ? ` ${e.hint}` : '';
    return { message: e.message + hint, code: typeof code === 'string' ? code : 'ERROR' };
  }
  return { message: e instanceof Error ? e.message : String(e), code: 'INTERNAL' };
}
