/**
 * The one error family of LeadLens. Every error we throw — from the numeric core (model,
 * explain) to the adapters, the pipeline and the composition roots — is a `LeadLensError`: a
 * stable `code` to branch on, a `message` saying what went wrong, a `hint` saying how to fix it,
 * and the `cause` kept. Each edge maps it once, by code, with the functions below: the CLI's
 * exit status, the HTTP status, and the `{ error: ErrorBody }` a function or route answers.
 *
 * This module imports nothing, so every folder may import it: `model` (which may not import
 * `contracts`), and the cards and settings page (which may import only types from
 * `src/contracts`; the HubSpot build copies this file beside them).
 */

/**
 * Every code, with the HTTP status an edge answers it with. `bug` marks codes that mean LeadLens
 * itself is wrong (the CLI exits 70, EX_SOFTWARE, for those).
 */
const CODES = {
  // The caller's input or configuration: fix it and call again.
  CONFIG_INVALID: { status: 400 },
  INPUT_INVALID: { status: 400 },
  CSV_INVALID: { status: 400 },
  INVALID_OPTIONS: { status: 400 },
  PARAMS_INVALID: { status: 400 },
  SIGNATURE_INVALID: { status: 401 },
  NOT_FOUND: { status: 404 },
  CRM_NOT_FOUND: { status: 404 },
  TOO_LARGE: { status: 413 },
  // State: something must happen first (a sync, a training, the end of another run).
  NO_MODEL: { status: 409 },
  NOT_ENOUGH_DATA: { status: 409 },
  JOB_LOCKED: { status: 409 },
  // The data cannot train or be scored as it is (model core).
  EMPTY_INPUT: { status: 422 },
  LABEL_MISSING: { status: 422 },
  LABEL_NOT_BINARY: { status: 422 },
  UNKNOWN_POSITIVE: { status: 422 },
  SINGLE_CLASS: { status: 422 },
  SHORT_HISTORY: { status: 422 },
  TOO_FEW_POSITIVES: { status: 422 },
  TOO_FEW_ROWS: { status: 422 },
  NO_FEATURES: { status: 422 },
  SCHEMA_MISMATCH: { status: 422 },
  FEATURE_MISMATCH: { status: 422 },
  ARTIFACT_INVALID: { status: 422 },
  ENSEMBLE_INVALID: { status: 422 },
  NOT_CONVERGED: { status: 422 },
  // The CRM.
  CRM_RATE_LIMITED: { status: 429 },
  CRM_DAILY_LIMIT: { status: 429 },
  CRM_AUTH: { status: 502 },
  CRM_SCOPES: { status: 502 },
  CRM_VALIDATION: { status: 502 },
  CRM_ERROR: { status: 502 },
  CRM_UNAVAILABLE: { status: 503 },
  UNAVAILABLE: { status: 503 },
  // Ours.
  STORE_ERROR: { status: 500 },
  NOT_ADDITIVE: { status: 500, bug: true },
  UNSUPPORTED_MODEL: { status: 500, bug: true },
  INTERNAL: { status: 500, bug: true },
} as const satisfies Record<string, { status: number; bug?: true }>;

export type ErrorCode = keyof typeof CODES;

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  /** The numbers behind the error (never tokens or personal data). */
  details?: Record<string, unknown>;
}

export class LeadLensError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name: string = 'LeadLensError';
  readonly code: C;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  /** One line for a terminal or a log: what, then how to fix. */
  describe(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isLeadLensError<C extends ErrorCode>(e: unknown, code?: C): e is LeadLensError<C> {
  return e instanceof LeadLensError && (code === undefined || e.code === code);
}

/** What every edge answers for an error: a function result, an HTTP body, the card's state. */
export interface ErrorBody {
  code: string;
  message: string;
  hint: string | null;
  details?: Record<string, unknown>;
}

/** `{ error: ErrorBody }`: the one shape of a failed function call or HTTP request. */
export interface ErrorResult {
  error: ErrorBody;
}

/** Any thrown value as the one error body; what is not ours is INTERNAL. */
export function errorBody(e: unknown): ErrorBody {
  if (isLeadLensError(e)) {
    return {
      code: e.code,
      message: e.message,
      hint: e.hint ?? null,
      ...(e.details ? { details: e.details } : {}),
    };
  }
  return {
    code: 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    hint: 'This is a LeadLens bug; run again with LEADLENS_DEBUG=1 and report the stack.',
  };
}

const known = (code: string): code is ErrorCode => Object.hasOwn(CODES, code);

/** The HTTP status of an error body's code (500 for a code this build does not know). */
export function httpStatus(code: string): number {
  return known(code) ? CODES[code].status : 500;
}

/** The CLI's exit status: 70 (EX_SOFTWARE) when LeadLens itself is wrong, 1 otherwise. */
export function exitStatus(code: string): number {
  return !known(code) || 'bug' in CODES[code] ? 70 : 1;
}

/** True for `{ error: { code, message } }`, the result of a call that failed. */
export function isErrorResult(x: unknown): x is ErrorResult {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const e = (x as { error: unknown }).error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as ErrorBody).code === 'string' &&
    typeof (e as ErrorBody).message === 'string'
  );
}

/**
 * A function's result, or — when it answered `{ error }` — that error thrown again as a
 * LeadLensError with its code and hint (the cards' and settings page's side of the edge).
 */
export function unwrapResult<T>(result: unknown): T {
  if (isErrorResult(result)) throw errorFromBody(result.error);
  return result as T;
}

/** An error body (from a function result or an HTTP answer) as the error it describes. */
export function errorFromBody(body: ErrorBody): LeadLensError {
  const { code, message, hint, details } = body;
  return new LeadLensError(code as ErrorCode, message, { hint: hint ?? undefined, details });
}

/** What to show a person for any thrown value: ours with its hint, anything else as it says. */
export function describeError(e: unknown): string {
  if (isLeadLensError(e)) return e.describe();
  return e instanceof Error ? e.message : String(e);
}
