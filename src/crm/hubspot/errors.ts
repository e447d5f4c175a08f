/**
 * HubSpot failures → LeadLensError. The SDK throws ApiException { code, body, headers } for
 * any non-2xx and a plain Error (fetch failed) for network trouble. Messages carry HubSpot's
 * own explanation and correlationId, never the request headers (which hold the token).
 */
import { LeadLensError } from '../../contracts/errors';
import { DeadlineExceeded } from './deadline';

export interface HubSpotErrorBody {
  status?: string;
  message?: string;
  category?: string;
  correlationId?: string;
  policyName?: string;
  errorType?: string;
  errors?: Array<{ message?: string; code?: string; context?: Record<string, unknown> }>;
  context?: Record<string, unknown>;
}

export interface HttpFailure {
  status: number;
  body: HubSpotErrorBody;
  headers: Record<string, string>;
}

/**
 * Why a request got no HTTP answer, without its URL. SDK 13.x sends through node-fetch 2,
 * whose FetchError reads "request to <url> failed, reason: …" — and some URLs hold a token
 * (/oauth/v1/access-tokens/{token}) or an email, which must not reach logs.
 */
export function networkReason(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  if (e.name === 'FetchError') {
    const m = /, reason: (.*)$/s.exec(e.message);
    return m?.[1] ?? (typeof code === 'string' ? code : 'network error');
  }
  return e.message;
}

/** The status, parsed body and headers of an SDK ApiException, or null for other errors. */
export function asHttpFailure(e: unknown): HttpFailure | null {
  if (!e || typeof e !== 'object' || !('code' in e) || typeof e.code !== 'number') return null;
  if (!('body' in e)) return null;
  let body: unknown = (e as { body: unknown }).body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 500) };
    }
  }
  const headers = ('headers' in e ? (e as { headers: unknown }).headers : {}) ?? {};
  return {
    status: e.code,
    body: body && typeof body === 'object' ? (body as HubSpotErrorBody) : {},
    headers: headers as Record<string, string>,
  };
}

/** Scopes HubSpot says are missing (403 MISSING_SCOPES), wherever the body puts them. */
function requiredScopes(body: HubSpotErrorBody): string[] {
  const found = new Set<string>();
  const take = (ctx: Record<string, unknown> | undefined) => {
    const v = ctx?.requiredGranularScopes ?? ctx?.requiredScopes;
    if (Array.isArray(v)) for (const s of v) found.add(String(s));
  };
  take(body.context);
  for (const err of body.errors ?? []) take(err.context);
  return [...found];
}

const describe = (body: HubSpotErrorBody, fallback: string) =>
  `${body.message ?? fallback}${body.correlationId ? ` (correlationId ${body.correlationId})` : ''}`;

export function translateError(e: unknown, kind: string): LeadLensError {
  if (e instanceof LeadLensError) return e;
  const f = asHttpFailure(e);
  if (e instanceof DeadlineExceeded)
    return new LeadLensError(
      'CRM_UNAVAILABLE',
      `HubSpot did not answer ${kind} within ${e.ms / 1000} s; the request was aborted.`,
      {
        hint: 'HubSpot or the network is slow; the call is retried only if it is safe to repeat, and a run resumes where it stopped.',
        cause: e,
        details: { kind, timeoutMs: e.ms },
      },
    );
  if (!f) {
    const reason = networkReason(e);
    return new LeadLensError(
      'CRM_UNAVAILABLE',
      `HubSpot could not be reached (${kind}): ${reason}.`,
      {
        hint: 'Check the network and the base URL; the call is retried only if it is safe to repeat.',
        cause: new Error(reason),
        details: { kind },
      },
    );
  }
  const details = {
    kind,
    status: f.status,
    category: f.body.category,
    correlationId: f.body.correlationId,
    hubspotMessage: f.body.message,
  };
  switch (true) {
    case f.status === 401:
      return new LeadLensError(
        'CRM_AUTH',
        `HubSpot rejected the access token (${kind}): ${describe(f.body, 'unauthorized')}.`,
        {
          hint: 'Check the private app token (Settings → Integrations → Private apps) or rotate it; the token itself is never logged.',
          cause: e,
          details,
        },
      );
    case f.status === 403: {
      const scopes = requiredScopes(f.body);
      const need = scopes.length ? scopes.join(', ') : 'the scopes listed in app/app-hsmeta.json';
      return new LeadLensError(
        'CRM_SCOPES',
        `The HubSpot token lacks a scope for ${kind}: ${describe(f.body, 'forbidden')}.`,
        {
          hint: `Grant the private app these scopes and reinstall it: ${need}.`,
          cause: e,
          details: { ...details, requiredGranularScopes: scopes },
        },
      );
    }
    case f.status === 404:
      return new LeadLensError(
        'CRM_NOT_FOUND',
        `HubSpot found nothing for ${kind}: ${describe(f.body, 'not found')}.`,
        {
          hint: 'The record or property may have been deleted; sync again to refresh the mirror.',
          cause: e,
          details,
        },
      );
    case f.status === 429:
      return new LeadLensError(
        'CRM_RATE_LIMITED',
        `HubSpot kept refusing ${kind} for its rate limit (${f.body.policyName ?? 'unknown policy'}).`,
        {
          hint: 'Another app may share this portal’s API budget; run again later, the job resumes where it stopped.',
          cause: e,
          details: { ...details, policyName: f.body.policyName },
        },
      );
    case f.status >= 500:
      return new LeadLensError(
        'CRM_UNAVAILABLE',
        `HubSpot failed with ${f.status} on ${kind}: ${describe(f.body, 'server error')}.`,
        {
          hint: 'HubSpot had a temporary problem; run again (finished work is kept).',
          cause: e,
          details,
        },
      );
    case f.status === 400 || f.status === 409 || f.status === 422:
      return new LeadLensError(
        'CRM_VALIDATION',
        `HubSpot refused ${kind}: ${describe(f.body, 'invalid request')}.`,
        {
          hint: 'Check the property exists with this type (run `leadlens provision`) and the value fits it.',
          cause: e,
          details,
        },
      );
    default:
      return new LeadLensError(
        'CRM_ERROR',
        `HubSpot answered ${f.status} to ${kind}: ${describe(f.body, 'unexpected response')}.`,
        {
          cause: e,
          details,
        },
      );
  }
}
