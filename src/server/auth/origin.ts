/**
 * Who may even knock: the browser-facing part of the server (pages, login, operator API)
 * refuses requests another site makes on the operator's behalf, and — bound to loopback —
 * requests for a host name that is not ours (DNS rebinding: evil.example resolving to
 * 127.0.0.1 makes the browser treat our server as evil.example's own).
 *
 * A request is cross-site when the browser says so (Sec-Fetch-Site: same-site or cross-site;
 * "same-site" counts because another port or subdomain is another application) or, for
 * browsers that send no Fetch Metadata, when its Origin is not ours. A cross-site top-level
 * navigation (a link to /report in an e-mail) is let through as anonymous — it lands on the
 * login page, never on data; every other cross-site request is refused with 403.
 * HubSpot-signed routes are mounted before this and do not pass through it: the signature is
 * what authenticates them, and HubSpot's servers are not a browser.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './respond';

export interface OriginPolicyOptions {
  /** The public URL of this server (its origin is ours too). */
  publicBaseUrl?: string;
  /**
   * Host names the server answers to; unset = any (a server behind a proxy that sets Host).
   * Bound to loopback, the CLI passes 127.0.0.1 / localhost / ::1 plus the public URL's host.
   */
  allowedHosts?: string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function isCrossSite(req: Request, publicBaseUrl?: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = req.get('origin');
  if (origin === undefined) return false; // not a browser's cross-origin request
  const ours = new Set([`${req.protocol}://${req.get('host') ?? ''}`]);
  const pub = originOf(publicBaseUrl);
  if (pub) ours.add(pub);
  return !ours.has(origin);
}

export function originPolicy(opts: OriginPolicyOptions) {
  const bare = (h: string) => h.replace(/^\[|\]$/g, '').toLowerCase();
  const allowed = opts.allowedHosts?.map(bare);
  if (allowed && originOf(opts.publicBaseUrl))
    allowed.push(bare(new URL(opts.publicBaseUrl!).hostname));
  return (req: Request, res: Response, next: NextFunction) => {
    if (allowed) {
      const hostname = hostnameOf(req.get('host'));
      const host = hostname === null ? null : bare(hostname);
      if (!host || !allowed.includes(host)) {
        sendError(res, 421, 'HOST_NOT_ALLOWED', 'This server does not answer to that host name.', {
          hint: 'Open it by the address it listens on (e.g. http://127.0.0.1:3000), or set --public-url to the name you use.',
        });
        return;
      }
    }
    if (!isCrossSite(req, opts.publicBaseUrl)) return next();
    const navigation =
      SAFE_METHODS.has(req.method) &&
      (req.get('sec-fetch-mode') === undefined || req.get('sec-fetch-mode') === 'navigate');
    if (navigation) {
      res.locals.crossSite = true; // credentials, if any, are ignored for this request
      return next();
    }
    sendError(res, 403, 'CROSS_SITE_REFUSED', 'Requests from other sites are refused.', {
      hint: 'Use LeadLens from its own pages, or call the API with an Authorization: Bearer admin token (no browser).',
    });
  };
}
