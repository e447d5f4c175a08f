/**
 * Sign-in and sign-out for the self-hosted pages. The form asks for the admin token; a right
 * token regenerates the session (no fixation) and marks it as the admin's. Both forms carry the
 * session's CSRF token; failed attempts are rate-limited per client address.
 */
import express, { type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from '../../pipeline/deps';
import { esc, page } from '../html';
import type { AdminCredential } from './admin-token';
import { safeNext } from './admin';
import { sendError } from './respond';
import { csrfToken, csrfValid, rotateCsrfToken, SESSION_COOKIE } from './session';

export interface LoginOptions {
  admin: AdminCredential;
  log: Logger;
  /** Failed sign-ins allowed per client address per 15 minutes. */
  maxFailures?: number;
}

function loginPage(req: Request, next: string, message?: string): string {
  const alert = message ? `<p class="ll-alert" role="alert">${esc(message)}</p>` : '';
  return page(
    'Sign in — LeadLens',
    `<style>.ll-login{max-width:420px;background:#fff;border:1px solid #dfe3eb;border-radius:6px;padding:20px}
.ll-login label{display:block;margin:12px 0 4px}.ll-login input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:15px}
.ll-login button{margin-top:16px;padding:8px 16px;background:#ff7a59;color:#fff;border:0;border-radius:4px;font-size:15px;cursor:pointer}
.ll-alert{color:#b3261e;font-weight:600}</style>
<h1>Sign in</h1>
<form class="ll-login" method="post" action="/login">
${alert}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="off" required autofocus>
<input type="hidden" name="_csrf" value="${esc(csrfToken(req))}">
<input type="hidden" name="next" value="${esc(next)}">
<button type="submit">Sign in</button>
<p class="muted">The token is in LEADLENS_ADMIN_TOKEN, the admin token file given to
<code>leadlens serve</code>, or — for a local run without one — <code>.leadlens/admin-token</code>.</p>
</form>`,
  );
}

function logoutPage(req: Request): string {
  return page(
    'Sign out — LeadLens',
    `<h1>Sign out</h1>
<form method="post" action="/logout">
<input type="hidden" name="_csrf" value="${esc(csrfToken(req))}">
<button type="submit">Sign out</button>
</form>`,
  );
}

const noStore = (res: Response) => res.set('Cache-Control', 'no-store');

export function loginRouter(opts: LoginOptions): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const limiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: opts.maxFailures ?? 10,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      noStore(res);
      res
        .status(429)
        .type('html')
        .send(
          loginPage(
            req,
            safeNext(req.body?.next),
            'Too many failed sign-ins from this address. Wait 15 minutes, then try again.',
          ),
        );
    },
  });

  router.get('/login', (req, res) => {
    noStore(res);
    const next = safeNext(req.query.next);
    if (req.session?.admin === true && res.locals.crossSite !== true) {
      res.redirect(303, next);
      return;
    }
    res.type('html').send(loginPage(req, next));
  });

  router.post('/login', form, limiter, (req, res, nextFn) => {
    noStore(res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    if (!csrfValid(req)) {
      res
        .status(403)
        .type('html')
        .send(loginPage(req, next, 'The sign-in form expired. Enter the token again.'));
      return;
    }
    if (!opts.admin.matches(typeof body.token === 'string' ? body.token : undefined)) {
      opts.log.warn('admin sign-in refused', { via: 'form' });
      res
        .status(401)
        .type('html')
        .send(loginPage(req, next, 'That is not the admin token.'));
      return;
    }
    // A new session id at the moment of privilege: an id planted before sign-in is worthless.
    req.session.regenerate((err) => {
      if (err) return nextFn(err);
      req.session.admin = true;
      rotateCsrfToken(req);
      req.session.save((saveErr) => {
        if (saveErr) return nextFn(saveErr);
        opts.log.info('admin signed in', { via: 'form' });
        res.redirect(303, next);
      });
    });
  });

  router.get('/logout', (req, res) => {
    noStore(res);
    if (req.session?.admin !== true || res.locals.crossSite === true) {
      res.redirect(303, '/login');
      return;
    }
    res.type('html').send(logoutPage(req));
  });

  router.post('/logout', form, (req, res, nextFn) => {
    noStore(res);
    if (!req.session || !csrfValid(req)) {
      sendError(res, 403, 'CSRF_INVALID', 'Sign-out needs the form from /logout.', {
        hint: 'Open /logout and press Sign out.',
      });
      return;
    }
    req.session.destroy((err) => {
      if (err) return nextFn(err);
      res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });
      res.redirect(303, '/login');
    });
  });

  return router;
}
