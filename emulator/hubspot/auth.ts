/** Bearer-token authentication and granular scopes, with HubSpot's 401/403 bodies. */
import { type NextFunction, type Request, type Response } from 'express';
import { HubSpotHttpError, sendError } from './errors';

export interface TokenInfo {
  /** null = every scope (the default private-app token). */
  scopes: Set<string> | null;
  expired: boolean;
}

export class TokenRegistry {
  private readonly tokens = new Map<string, TokenInfo>();

  constructor(defaultToken: string, extra: Record<string, string[]> = {}, expired: string[] = []) {
    this.tokens.set(defaultToken, { scopes: null, expired: false });
    for (const [t, scopes] of Object.entries(extra))
      this.set(t, { scopes: new Set(scopes), expired: false });
    for (const t of expired) this.set(t, { scopes: null, expired: true });
  }

  set(token: string, info: TokenInfo): void {
    this.tokens.set(token, info);
  }

  get(token: string): TokenInfo | undefined {
    return this.tokens.get(token);
  }
}

const MISSING =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function bearer(req: Request): string | undefined {
  const h = req.header('authorization');
  const m = h ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? m[1] : undefined;
}

/** Middleware: 401 for missing/unknown/expired tokens, 403 when a required scope is missing. */
export function authenticate(tokens: TokenRegistry, scopesFor: (req: Request) => string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearer(req);
    const info = token === undefined ? undefined : tokens.get(token);
    if (!info) return sendError(res, new HubSpotHttpError(401, 'INVALID_AUTHENTICATION', MISSING));
    if (info.expired)
      return sendError(
        res,
        new HubSpotHttpError(
          401,
          'EXPIRED_AUTHENTICATION',
          'The OAuth token used to make this call expired 1 hour(s) ago.',
        ),
      );
    const required = scopesFor(req);
    if (info.scopes && required.some((s) => !info.scopes!.has(s)))
      return sendError(
        res,
        new HubSpotHttpError(
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
        ),
      );
    res.locals.token = token;
    next();
  };
}
