/**
 * Raw HTTP for the access tests: node:http, because a browser's fetch (and undici's) forbids
 * the headers an attacker's request differs by (Origin, Sec-Fetch-*, Host), and because the
 * tests must see redirects instead of following them.
 */
import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { sign } from '../../src/server/hubspot-signature';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: {
          ...(opts.body !== undefined ? { 'content-length': Buffer.byteLength(opts.body) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export async function listenOn(app: Express): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Headers HubSpot puts on a v3-signed request to `url` (the full URL HubSpot calls). */
export function hubspotHeaders(
  secret: string,
  method: string,
  url: string,
  rawBody: string,
  timestamp = Date.now(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-hubspot-signature-v3': sign('v3', secret, { method, url, rawBody, timestamp }),
    'x-hubspot-request-timestamp': String(timestamp),
  };
}

function cookieOf(res: RawResponse): string | undefined {
  const set = res.headers['set-cookie'];
  return set?.map((c) => c.split(';')[0]).find((c) => c.startsWith('leadlens.sid='));
}

export function csrfFieldOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field in the page');
  return m[1];
}

/** Signs in through the form as a browser would; returns the session cookie and CSRF token. */
export async function signIn(
  base: string,
  token: string,
): Promise<{ cookie: string; csrf: string; loginStatus: number }> {
  const page = await request(base, 'GET', '/login');
  const pre = cookieOf(page);
  if (!pre) throw new Error('the login page set no session cookie');
  const res = await request(base, 'POST', '/login', {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: pre,
      origin: base,
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ token, _csrf: csrfFieldOf(page.body), next: '/' }).toString(),
  });
  const cookie = cookieOf(res);
  if (res.status !== 303 || !cookie) return { cookie: pre, csrf: '', loginStatus: res.status };
  const session = await request(base, 'GET', '/api/session', { headers: { cookie } });
  return {
    cookie,
    csrf: (JSON.parse(session.body) as { csrfToken: string }).csrfToken,
    loginStatus: 303,
  };
}
