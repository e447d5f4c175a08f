/**
 * The install flow on the backend:
 *   GET /oauth/install  → a fresh random `state`, kept in a cookie bound to this browser, and a
 *                         redirect to HubSpot's consent page with that state;
 *   GET /oauth/callback → HubSpot sends the browser back with `code` and `state`; the state must
 *                         equal this browser's cookie (constant-time) before the code is
 *                         exchanged, so nobody can make a victim's browser complete an install
 *                         the attacker started (login CSRF), and a code is used at most once.
 *
 * The cookie is the whole binding (no server-side state, so any web server behind the load
 * balancer can finish the flow): HttpOnly, SameSite=Lax (the callback is a top-level
 * navigation from app.hubspot.com, on which Strict cookies are not sent), 10 minutes, path
 * /oauth, and on https `Secure` with the `__Host-` prefix, which a sibling subdomain cannot set.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { describeError, errorBody, httpStatus } from '../../errors';
import type { Logger } from '../../pipeline/deps';
import { esc } from '../html';
import {
  authorizeUrl,
  OAUTH_CALLBACK_PATH,
  OAUTH_INSTALL_PATH,
  type OAuthAppConfig,
} from './config';
import type { OAuthTokens } from './tokens';

const STATE_TTL_S = 600;

export interface OAuthRoutesOptions {
  config: OAuthAppConfig;
  tokens: OAuthTokens;
  log: Logger;
  /** After an install is stored: e.g. queue the portal's first run. */
  onInstalled?(portalId: string): Promise<void>;
}

function cookieName(secure: boolean): string {
  return secure ? '__Host-leadlens_oauth' : 'leadlens_oauth';
}

function readCookie(req: Request, name: string): string | null {
  const header = req.get('cookie');
  if (!header) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    // Two cookies of that name (one planted for a parent path or domain): trust neither.
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

function sameState(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function resultPage(res: Response, status: number, title: string, text: string): void {
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
        `<body style="font-family:system-ui,sans-serif;max-width:640px;margin:48px auto;color:#213343">` +
        `<h1 style="font-size:22px">${esc(title)}</h1><p>${esc(text)}</p></body></html>`,
    );
}

export function oauthRouter(opts: OAuthRoutesOptions): Router {
  const router = express.Router();
  const secure = opts.config.redirectUri.startsWith('https://');
  const name = cookieName(secure);
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: secure ? '/' : '/oauth',
  };

  router.get(OAUTH_INSTALL_PATH, (_req: Request, res: Response) => {
    const state = randomBytes(32).toString('base64url');
    res.cookie(name, state, { ...cookieOptions, maxAge: STATE_TTL_S * 1000 });
    res.set('Cache-Control', 'no-store');
    res.redirect(302, authorizeUrl(opts.config, state));
  });

  router.get(OAUTH_CALLBACK_PATH, async (req: Request, res: Response) => {
    const expected = readCookie(req, name);
    res.clearCookie(name, cookieOptions);
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (typeof req.query.error === 'string') {
      resultPage(
        res,
        400,
        'LeadLens was not installed',
        'HubSpot did not grant access (the install was cancelled or refused). Start again from the marketplace listing.',
      );
      return;
    }
    if (!expected || !state || !sameState(expected, state)) {
      opts.log.warn('oauth callback refused: state does not match this browser', {});
      resultPage(
        res,
        403,
        'Install link expired or not yours',
        'This install was not started from this browser (or took longer than 10 minutes). Start the install again.',
      );
      return;
    }
    if (!code || code.length > 512) {
      resultPage(
        res,
        400,
        'LeadLens was not installed',
        'HubSpot sent no authorization code. Start the install again.',
      );
      return;
    }
    try {
      const { portalId } = await opts.tokens.install(code);
      try {
        await opts.onInstalled?.(portalId);
      } catch (e) {
        // The install stands; the schedule picks the portal up at its next tick anyway.
        opts.log.warn('first run not queued', { portal: portalId, error: describeError(e) });
      }
      resultPage(
        res,
        200,
        'LeadLens is installed',
        `LeadLens is installed in HubSpot account ${portalId}. Its first scoring run starts shortly; you can close this tab.`,
      );
    } catch (e) {
      const body = errorBody(e);
      opts.log.warn('oauth install failed', { code: body.code, message: body.message });
      const status = httpStatus(body.code);
      resultPage(
        res,
        status >= 500 ? 502 : 400,
        'LeadLens was not installed',
        `${body.message} ${body.hint ?? ''}`.trim(),
      );
    }
  });
  return router;
}
