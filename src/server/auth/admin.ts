/**
 * The admin zone: the pages and the operator API of the self-hosted server. A caller is the
 * admin when it sends `Authorization: Bearer <admin token>` (scripts, curl) or a session cookie
 * from the login form (browsers). Session-authenticated requests that change anything must also
 * carry the session's CSRF token and a JSON body, so neither a form on another site nor a
 * `text/plain` "simple request" can start a run in the operator's name.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AdminCredential } from './admin-token';
import { sendError } from './respond';
import { csrfValid } from './session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type AdminAuth = { via: 'token' } | { via: 'session' };

function bearer(req: Request): string | null | undefined {
  const h = req.get('authorization');
  if (h === undefined) return undefined;
  const m = /^Bearer ([^\s]+)$/i.exec(h.trim());
  return m ? m[1] : null;
}

/** Where a refused browser goes to sign in; only our own paths, never another site. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//')) return '/';
  if (/[\\\r\n\t]/.test(next) || next.length > 2000) return '/';
  return next;
}

function wantsHtml(req: Request): boolean {
  return SAFE_METHODS.has(req.method) && req.accepts(['json', 'html']) === 'html';
}

function refuse(req: Request, res: Response, status: 401 | 403, code: string, message: string) {
  if (status === 401 && wantsHtml(req)) {
    res.redirect(303, `/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`);
    return;
  }
  if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="leadlens"');
  sendError(res, status, code, message, {
    hint:
      status === 401
        ? 'Sign in at /login, or send Authorization: Bearer <admin token> (LEADLENS_ADMIN_TOKEN or the admin token file).'
        : 'Reload the page and try again; API clients send the admin token instead of a cookie.',
  });
}

export function requireAdmin(admin: AdminCredential) {
  return (req: Request, res: Response, next: NextFunction) => {
    // A cross-site navigation carries no authority, whatever it carries.
    const crossSite = res.locals.crossSite === true;
    const token = crossSite ? undefined : bearer(req);
    if (token !== undefined) {
      // Explicit credentials that are wrong are refused, never second-guessed by a cookie.
      if (token === null || !admin.matches(token)) {
        refuse(req, res, 401, 'AUTH_INVALID', 'The admin token is not valid.');
        return;
      }
      res.locals.adminAuth = { via: 'token' } satisfies AdminAuth;
      return next();
    }
    if (!crossSite && req.session?.admin === true) {
      if (!SAFE_METHODS.has(req.method)) {
        if (!csrfValid(req)) {
          refuse(req, res, 403, 'CSRF_INVALID', 'The request lacks this session’s CSRF token.');
          return;
        }
      }
      res.locals.adminAuth = { via: 'session' } satisfies AdminAuth;
      return next();
    }
    refuse(req, res, 401, 'AUTH_REQUIRED', 'Sign-in required.');
  };
}

/**
 * Bodies of state-changing admin requests must be JSON: a browser sends JSON cross-origin only
 * after a CORS preflight, which this server never grants.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction) {
  if (SAFE_METHODS.has(req.method)) return next();
  const length = Number(req.get('content-length') ?? '0');
  const hasBody = length > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    sendError(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `The body must be JSON (Content-Type: application/json), not ${req.get('content-type') ?? 'untyped'}.`,
      { hint: 'Send the parameters as JSON, e.g. {"parameters":{}}.' },
    );
    return;
  }
  next();
}
