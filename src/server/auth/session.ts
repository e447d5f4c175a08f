/**
 * Browser sessions for the self-hosted pages (express-session + memorystore) and their CSRF
 * tokens (csrf-sync, the synchroniser-token pattern: one random token per session).
 *
 * The cookie is HttpOnly (page scripts cannot read it), SameSite=Strict (no other site's page
 * makes the browser send it) and Secure whenever the request came over https (`secure: 'auto'`;
 * behind a TLS-terminating proxy set --trust-proxy so express sees https). Sessions live in
 * memory: a restart signs everyone out, which for one admin is cheaper than a session table.
 * Sessions created only to carry the login form's CSRF token expire after 10 minutes; a signed
 * in session after 8 hours.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import createMemoryStore from 'memorystore';
import { csrfSync } from 'csrf-sync';

declare module 'express-session' {
  interface SessionData {
    /** Set once the admin token was shown; the only thing a session grants. */
    admin?: boolean;
  }
}

export const SESSION_COOKIE = 'leadlens.sid';
export const SIGNED_IN_TTL_MS = 8 * 60 * 60 * 1000;
export const ANONYMOUS_TTL_MS = 10 * 60 * 1000;

export function sessionMiddleware(): RequestHandler {
  const MemoryStore = createMemoryStore(session);
  const store = new MemoryStore({
    checkPeriod: 60_000,
    // A flood of login-page visits must not grow without bound; the least recently used
    // sessions go first (at worst the admin signs in again).
    max: 100_000,
    ttl: (_options: unknown, sess: { admin?: boolean }) =>
      sess?.admin ? SIGNED_IN_TTL_MS : ANONYMOUS_TTL_MS,
  });
  return session({
    name: SESSION_COOKIE,
    // Sessions die with the process, so a per-process signing secret loses nothing.
    secret: randomBytes(32).toString('base64url'),
    store,
    resave: false,
    saveUninitialized: false,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      path: '/',
      maxAge: SIGNED_IN_TTL_MS,
    },
  });
}

const csrf = csrfSync({
  // Forms post it as a field, page scripts and API clients send it as a header.
  getTokenFromRequest: (req: Request) => {
    const field = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof field === 'string' ? field : req.get('x-csrf-token');
  },
});

/** The session's CSRF token (created on first use), for a form or a page script. */
export function csrfToken(req: Request): string {
  return csrf.generateToken(req);
}

/** A fresh token after sign-in, so a token seen before it is worth nothing. */
export function rotateCsrfToken(req: Request): string {
  return csrf.generateToken(req, true);
}

/** True when the request carries its session's CSRF token (compared in constant time). */
export function csrfValid(req: Request): boolean {
  const sent = csrf.getTokenFromRequest(req);
  const stored = req.session ? csrf.getTokenFromState(req) : undefined;
  if (typeof sent !== 'string' || typeof stored !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
