/**
 * jsforce failures → LeadLensError. jsforce throws an Error whose `name` is Salesforce's
 * `errorCode` (HttpApiError: INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, INVALID_FIELD, …),
 * `MULTIPLE_API_ERRORS` with the list in `data`, `ERROR_HTTP_<status>` for a non-JSON body, and
 * plain Node errors (ECONNREFUSED …) for network trouble. Messages keep Salesforce's text, never
 * headers or tokens.
 */
import { LeadLensError } from '../../contracts/errors';

/** An hour: Salesforce's allowance is a rolling 24 h, so calls free up continuously. */
export const LIMIT_RECHECK_MS = 3_600_000;

export function errorCodeOf(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { errorCode?: unknown; name?: unknown; code?: unknown };
    if (typeof o.errorCode === 'string') return o.errorCode;
    if (typeof o.name === 'string' && /^[A-Z_0-9]+$/.test(o.name)) return o.name;
    // OAuth token endpoint errors keep OAuth's lower-case codes (invalid_grant …).
    if (typeof o.name === 'string' && /^(invalid|unsupported|inactive)_[a-z_]+$/.test(o.name))
      return o.name;
    if (typeof o.code === 'string') return o.code;
  }
  return 'UNKNOWN';
}

export function dailyLimit(
  message: string,
  now: number,
  usage: { used: number; limit: number } | null,
): LeadLensError<'CRM_DAILY_LIMIT'> {
  return new LeadLensError('CRM_DAILY_LIMIT', message, {
    hint: 'The run stopped cleanly and resumes where it stopped; run it again after resumeAt, or raise the share of the daily API allowance LeadLens may use.',
    details: { resumeAt: new Date(now + LIMIT_RECHECK_MS).toISOString(), ...(usage ?? {}) },
  });
}

export function translateError(e: unknown, kind: string, now: number): LeadLensError {
  if (e instanceof LeadLensError) return e;
  const message = e instanceof Error ? e.message : String(e);
  // jsforce's session refresh wraps the token endpoint's answer in a plain Error.
  const code = /^Unable to refresh session/.test(message) ? 'invalid_grant' : errorCodeOf(e);
  const text = `Salesforce ${kind}: ${code}: ${message.trim().split('\n').slice(-1)[0] ?? ''}`;
  switch (code) {
    case 'REQUEST_LIMIT_EXCEEDED':
      return dailyLimit(`Salesforce's daily API allowance is used up (${kind}).`, now, null);
    case 'INVALID_SESSION_ID':
    case 'invalid_grant':
    case 'invalid_client':
    case 'invalid_client_id':
      return new LeadLensError('CRM_AUTH', text, {
        cause: e,
        hint: 'Give a valid access token, or a refresh token with the connected app client id and secret (SALESFORCE_REFRESH_TOKEN, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET).',
      });
    case 'INSUFFICIENT_ACCESS':
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
    case 'API_DISABLED_FOR_ORG':
      return new LeadLensError('CRM_SCOPES', text, {
        cause: e,
        hint: 'The integration user needs the "API Enabled" permission and access to Lead.',
      });
    case 'INVALID_FIELD':
    case 'MALFORMED_QUERY':
    case 'INVALID_TYPE':
    case 'INVALID_QUERY_FILTER_OPERATOR':
    case 'JSON_PARSER_ERROR':
    case 'EXCEEDED_ID_LIMIT':
    case 'MULTIPLE_API_ERRORS':
    case 'FIELD_INTEGRITY_EXCEPTION':
      return new LeadLensError('CRM_VALIDATION', text, { cause: e });
    case 'NOT_FOUND':
      return new LeadLensError('CRM_NOT_FOUND', text, { cause: e });
  }
  if (
    /^ERROR_HTTP_5\d\d$/.test(code) ||
    [
      'SERVER_UNAVAILABLE',
      'UNKNOWN_EXCEPTION',
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'UND_ERR_SOCKET',
    ].includes(code)
  )
    return new LeadLensError('CRM_UNAVAILABLE', text, {
      cause: e,
      hint: 'Salesforce did not answer; the run resumes from its last checkpoint when started again.',
    });
  return new LeadLensError('CRM_ERROR', text, { cause: e });
}

/**
 * Salesforce's answers when the integration user has no object permission on an object: for that
 * user it does not exist — describe → 404 NOT_FOUND, SOQL → INVALID_TYPE "sObject type 'X' is not
 * supported." (jsforce#423, jsforce#1404: "check your profile setting has an object access"), and
 * INSUFFICIENT_ACCESS(_OR_READONLY) where it exists but may not be read or edited.
 */
const NO_OBJECT_ACCESS = new Set([
  'NOT_FOUND',
  'INVALID_TYPE',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
]);

/** The provider code behind a translated error (its cause), or the error's own. */
const codeBehind = (e: unknown): string =>
  e instanceof LeadLensError && e.cause !== undefined ? errorCodeOf(e.cause) : errorCodeOf(e);

/**
 * Runs a call on an object deal or account scores need; an answer that says the integration user
 * cannot access the object becomes CRM_SCOPES naming it, so the run skips that stage with the
 * fix instead of failing (src/pipeline/objects/stage-skip.ts).
 */
export async function withObjectAccess<T>(
  sobject: string,
  scores: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = codeBehind(e);
    if (!NO_OBJECT_ACCESS.has(code)) throw e;
    throw new LeadLensError(
      'CRM_SCOPES',
      `The Salesforce integration user cannot access ${sobject} (Salesforce answered ${code}).`,
      {
        cause: e,
        hint: `${scores} need Read and Edit on ${sobject} (object permissions, in the integration user's profile or a permission set assigned to it, e.g. LeadLens); grant them and run again`,
        details: { object: sobject, code },
      },
    );
  }
}
