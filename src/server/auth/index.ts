/**
 * Who may call what (docs/security.md has the route table):
 * - HubSpot's servers: webhooks and the workflow action, v3-signed with the app's client secret
 *   (../hubspot-signature.ts);
 * - the card and settings page through hubspot.fetch, v3-signed and bound to their portal
 *   (hubspot-fetch.ts);
 * - the operator: pages and API behind the admin token or a signed-in session (admin.ts,
 *   login.ts, session.ts), guarded against cross-site use (origin.ts).
 */
import express, { type Router } from 'express';
import type { Logger } from '../../pipeline/deps';
import { requireAdmin, requireJsonBody, type AdminAuth } from './admin';
import type { AdminCredential } from './admin-token';
import { loginRouter } from './login';
import { originPolicy } from './origin';
import { csrfToken, sessionMiddleware } from './session';

export * from './admin-token';
export { assertSafeBind, isLoopbackHost, LOOPBACK_HOSTS } from './bind';
export { bodyErrors } from './body-errors';
export { securityHeaders } from './headers';
export {
  identityOf,
  verifyHubSpotFetch,
  type HubSpotFetchAuth,
  type HubSpotFetchOptions,
  type HubSpotPrincipal,
  type PortalResolver,
} from './hubspot-fetch';
export { memoryReplayGuard, type ReplayGuard } from './replay';
export { SESSION_COOKIE, csrfToken } from './session';
export type { AdminAuth } from './admin';

export interface AdminZoneOptions {
  admin: AdminCredential;
  log: Logger;
  publicBaseUrl?: string;
  allowedHosts?: string[];
  maxLoginFailures?: number;
}

/**
 * Everything mounted after this router is the admin's: it answers /login and /logout itself
 * and lets through only the admin (token or session + CSRF), with JSON bodies.
 */
export function adminZone(opts: AdminZoneOptions): Router {
  const zone = express.Router();
  zone.use(originPolicy({ publicBaseUrl: opts.publicBaseUrl, allowedHosts: opts.allowedHosts }));
  zone.use(sessionMiddleware());
  zone.use(loginRouter({ admin: opts.admin, log: opts.log, maxFailures: opts.maxLoginFailures }));
  zone.use(requireAdmin(opts.admin));
  zone.use(requireJsonBody);
  // A page script's way to its session's CSRF token (same-origin only: no CORS is granted).
  zone.get('/api/session', (req, res) => {
    const auth = res.locals.adminAuth as AdminAuth;
    res.set('Cache-Control', 'no-store');
    res.json({
      admin: true,
      via: auth.via,
      csrfToken: auth.via === 'session' ? csrfToken(req) : null,
    });
  });
  return zone;
}
