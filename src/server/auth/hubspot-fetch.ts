/**
 * Requests the card and the settings page make with `hubspot.fetch` (marketplace variant).
 *
 * hubspot.fetch cannot send headers of ours, so there is no token: HubSpot's proxy signs each
 * request with the app's client secret (X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp,
 * the same v3 scheme as webhooks: base64 HMAC-SHA256 of method + decoded URL + raw body +
 * timestamp) and appends who is calling as query parameters — `portalId`, `userId`,
 * `userEmail`, `appId` — which the signature covers (HubSpot developer docs, "Fetching data"
 * for UI extensions and "Validating requests"; ui-extensions-examples legacy-card-converter
 * README: "The appId query parameter is automatically included in all data fetch requests").
 *
 * So a request is accepted when: the signature matches over the exact URL and body, the
 * timestamp is within five minutes, the signature was not used before (state-changing
 * methods), each identity parameter appears exactly once (the card chooses the URL HubSpot
 * appends to, so `?portalId=other` followed by HubSpot's own `portalId` must not be read
 * either way), `appId` is ours when we know it, and `resolvePortal(portalId)` knows the
 * portal. The route then sees only that portal's deps: a caller reaches its own portal's
 * data and nobody else's.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PipelineDeps } from '../../pipeline/deps';
import {
  SIGNATURE_MAX_AGE_MS,
  verifyHubSpotRequest,
  type HubSpotVerifyOptions,
} from '../hubspot-signature';
import type { ReplayGuard } from './replay';
import { sendError } from './respond';

/** Who HubSpot says is calling; every field is covered by the signature. */
export interface HubSpotPrincipal {
  portalId: string;
  userId?: string;
  userEmail?: string;
  appId?: string;
}

/**
 * The deps (store, CRM client, …) of one portal, or null when the app is not installed there.
 * The store is being made portal-scoped (issue 13); this is the seam it plugs into.
 */
export type PortalResolver = (
  portalId: string,
) => PipelineDeps | null | Promise<PipelineDeps | null>;

export interface HubSpotFetchAuth {
  principal: HubSpotPrincipal;
  deps: PipelineDeps;
}

export interface HubSpotFetchOptions extends HubSpotVerifyOptions {
  resolvePortal: PortalResolver;
  /** The app's id; when set, requests for another app are refused. */
  appId?: string;
  /**
   * Replay protection; default: claims in the portal's store (a table with an expiry), which
   * every backend instance and function call on the database shares.
   */
  replay?: ReplayGuard;
  /** hubspot.fetch payloads are at most 1 MB (HubSpot docs). */
  limit?: string;
}

const IDENTITY_PARAMS = ['portalId', 'userId', 'userEmail', 'appId'] as const;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type ParsedIdentity = { ok: true; principal: HubSpotPrincipal } | { ok: false; message: string };

export function identityOf(originalUrl: string): ParsedIdentity {
  const query = originalUrl.includes('?') ? originalUrl.slice(originalUrl.indexOf('?') + 1) : '';
  const params = new URLSearchParams(query);
  const one: Partial<Record<(typeof IDENTITY_PARAMS)[number], string>> = {};
  for (const name of IDENTITY_PARAMS) {
    const values = params.getAll(name);
    if (values.length > 1) {
      return { ok: false, message: `The query parameter ${name} appears ${values.length} times.` };
    }
    if (values.length === 1) one[name] = values[0];
  }
  if (!one.portalId || !/^\d{1,20}$/.test(one.portalId)) {
    return { ok: false, message: 'The signed request carries no numeric portalId.' };
  }
  if (one.userId !== undefined && !/^\d{1,20}$/.test(one.userId)) {
    return { ok: false, message: 'The userId query parameter is not numeric.' };
  }
  if (one.appId !== undefined && !/^\d{1,20}$/.test(one.appId)) {
    return { ok: false, message: 'The appId query parameter is not numeric.' };
  }
  return {
    ok: true,
    principal: {
      portalId: one.portalId,
      userId: one.userId,
      userEmail: one.userEmail,
      appId: one.appId,
    },
  };
}

/**
 * Express handlers that authenticate a hubspot.fetch request and bind it to its portal. On
 * success `res.locals.hubspot` is a HubSpotFetchAuth and `res.locals.rawBody` the body text.
 */
export function verifyHubSpotFetch(opts: HubSpotFetchOptions) {
  return [
    express.raw({ type: () => true, limit: opts.limit ?? '1mb' }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const verdict = verifyHubSpotRequest(req, rawBody, opts);
        if (!verdict.ok) {
          sendError(res, 401, 'SIGNATURE_INVALID', verdict.message, {
            reason: verdict.reason,
            hint: 'Only HubSpot (hubspot.fetch from the LeadLens card or settings page) may call this; check the app client secret and the server clock.',
          });
          return;
        }
        const identity = identityOf(req.originalUrl);
        if (!identity.ok) {
          sendError(res, 400, 'INPUT_INVALID', identity.message, {
            hint: 'Call the URL without portalId/userId/userEmail/appId: HubSpot appends them.',
          });
          return;
        }
        const { principal } = identity;
        if (opts.appId && principal.appId !== opts.appId) {
          sendError(res, 403, 'APP_MISMATCH', 'The request was made for another HubSpot app.', {
            hint: 'Check the app id LeadLens is configured with (HUBSPOT_APP_ID).',
          });
          return;
        }
        const deps = await opts.resolvePortal(principal.portalId);
        if (!deps) {
          sendError(res, 403, 'PORTAL_UNKNOWN', 'LeadLens is not installed in this portal.', {
            hint: 'Install the app in the HubSpot account first (or, self-hosted, set HUBSPOT_PORTAL_ID to it).',
          });
          return;
        }
        // Claimed in the portal's own store: a replay is refused on every instance.
        if (!SAFE_METHODS.has(req.method)) {
          const key = `fetch:${req.get('x-hubspot-signature-v3')}`;
          const guard: ReplayGuard = opts.replay ?? {
            claim: (k, ttlMs) => deps.store.claimRequest(k, ttlMs),
            release: (k) => deps.store.releaseRequest(k),
          };
          if (!(await guard.claim(key, 2 * SIGNATURE_MAX_AGE_MS))) {
            sendError(res, 401, 'SIGNATURE_INVALID', 'This signed request was already used.', {
              reason: 'replayed',
              hint: 'Each hubspot.fetch call is signed once; send a new request.',
            });
            return;
          }
          res.on('finish', () => {
            if (res.statusCode >= 500) void Promise.resolve(guard.release(key)).catch(() => {});
          });
        }
        res.locals.hubspot = { principal, deps } satisfies HubSpotFetchAuth;
        res.locals.rawBody = rawBody;
        next();
      } catch (e) {
        next(e);
      }
    },
  ];
}
