/**
 * Bearer-token authentication and granular scopes, with HubSpot's 401/403 bodies. A token
 * names an app installed in one portal; the request is served from that portal.
 */
import { type NextFunction, type Request, type Response } from 'express';
import { HubSpotHttpError, sendError } from './errors';
import { type Hub, type Portal, type TokenInfo } from './hub';

const MISSING =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function bearer(req: Request): string | undefined {
  const h = req.header('authorization');
  const m = h ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? m[1] : undefined;
}

function expiredMessage(t: TokenInfo, now: number): string {
  const ago = t.expiresAt === null ? 0 : Math.max(0, now - t.expiresAt);
  const minutes = Math.floor(ago / 60_000);
  return minutes >= 60
    ? `The OAuth token used to make this call expired ${Math.floor(minutes / 60)} hour(s) ago.`
    : `The OAuth token used to make this call expired ${minutes} minute(s) ago.`;
}

/** The token of a request, if it is one this hub issued and it may be used right now. */
export function resolveToken(
  hub: Hub,
  token: string | undefined,
  now = Date.now(),
): { info: TokenInfo; portal: Portal } | HubSpotHttpError {
  const info = token === undefined ? undefined : hub.token(token);
  const portal = info ? hub.portal(info.hubId) : undefined;
  if (!info || !portal || info.revoked || !portal.installed.has(info.appId))
    return new HubSpotHttpError(401, 'INVALID_AUTHENTICATION', MISSING);
  if (info.expired || (info.expiresAt !== null && info.expiresAt <= now))
    return new HubSpotHttpError(401, 'EXPIRED_AUTHENTICATION', expiredMessage(info, now));
  return { info, portal };
}

export function missingScopes(required: string[]): HubSpotHttpError {
  return new HubSpotHttpError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [
        {
          message: 'One or more of the following scopes are required.',
          context: { requiredGranularScopes: required },
        },
      ],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}

/** Middleware: 401 for missing/unknown/expired/revoked tokens, 403 when a scope is missing. */
export function authenticate(hub: Hub, scopesFor: (req: Request) => string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req);
    const found = resolveToken(hub, token);
    if (found instanceof HubSpotHttpError) return sendError(res, found);
    const required = scopesFor(req);
    const scopes = found.info.scopes;
    if (scopes && required.some((s) => !scopes.has(s)))
      return sendError(res, missingScopes(required));
    res.locals.token = token;
    res.locals.tokenInfo = found.info;
    res.locals.portal = found.portal;
    next();
  };
}

/** The portal and token of an authenticated request. */
export const portalOf = (res: Response): Portal => res.locals.portal as Portal;
export const tokenOf = (res: Response): TokenInfo => res.locals.tokenInfo as TokenInfo;
