/**
 * Issue 12 (access): every route of the server, enumerated from the express router so a new
 * route cannot be missed, is refused without credentials, with wrong ones and cross-site; the
 * legitimate callers (admin token, signed-in session with its CSRF token, HubSpot's signed
 * calls) still get in. The route table of docs/security.md must list every route.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import listEndpoints from 'express-list-endpoints';
import { silentLogger } from '../../src/pipeline';
import { createServer } from '../../src/server/app';
import { adminCredential, LOOPBACK_HOSTS } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { hubspotHeaders, listenOn, request, signIn, type RawResponse } from './http';
import { tempDb } from './helpers';

const SECRET = 'access-client-secret-7c2e41';
const ADMIN_TOKEN = 'access-admin-token-3f9a1c0e5b7d2468ace0';
const PORTAL = '62515';

type Kind = 'hubspot' | 'hubspot-fetch' | 'admin';
interface Route {
  method: string;
  path: string;
  kind: Kind;
}

function kindOf(p: string): Kind {
  if (p.startsWith('/webhooks/') || p.startsWith('/workflow-actions/')) return 'hubspot';
  if (p.startsWith('/hubspot/')) return 'hubspot-fetch';
  return 'admin';
}

const concrete = (p: string) => p.replace(':name', 'settings').replace(':id', '614');

/** A refusal: 401/403/421, or a redirect to the login page (browsers asking for a page). */
function refused(r: RawResponse): boolean {
  if ([401, 403, 421].includes(r.status)) return true;
  return r.status === 303 && String(r.headers.location).startsWith('/login');
}

describe('access to every route of the server', () => {
  let deps: AppDeps;
  let server: Server;
  let base: string;
  let routes: Route[];
  let session: { cookie: string; csrf: string };

  beforeAll(async () => {
    // No CRM call is made by these requests; the base URL points nowhere on purpose.
    deps = await composeDeps({
      baseUrl: 'http://127.0.0.1:9',
      token: 'hs-token-not-used',
      dbFile: tempDb('access'),
      log: silentLogger,
    });
    const { app } = createServer(deps, {
      clientSecret: SECRET,
      admin: adminCredential(ADMIN_TOKEN, 'test'),
      portalId: PORTAL,
      webhookBatchWindowMs: 10,
      allowedHosts: LOOPBACK_HOSTS,
      // This test sends dozens of refused sign-ins from one address on purpose.
      maxLoginFailures: 10_000,
    });
    routes = listEndpoints(app as never).flatMap((e) =>
      e.methods.map((method) => ({ method, path: e.path, kind: kindOf(e.path) })),
    );
    ({ server, base } = await listenOn(app));
    const s = await signIn(base, ADMIN_TOKEN);
    expect(s.loginStatus).toBe(303);
    session = s;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
  });

  const send = (r: Route, headers: Record<string, string>, body?: string) =>
    request(base, r.method, concrete(r.path), {
      headers,
      body: r.method === 'GET' ? undefined : (body ?? '{"parameters":{}}'),
    });
  const signedUrl = (r: Route) =>
    `${base}${concrete(r.path)}${r.kind === 'hubspot-fetch' ? `?portalId=${PORTAL}&userId=7` : ''}`;
  const pathOf = (r: Route) => signedUrl(r).slice(base.length);
  const isPublic = (r: Route) => r.method === 'GET' && r.path === '/login';

  it('finds every route, and docs/security.md lists each of them', () => {
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/security.md'), 'utf8');
    for (const r of routes) expect(doc).toContain(`\`${r.method} ${r.path}\``);
  });

  it('without credentials every route refuses; only the login page answers, with no data', async () => {
    for (const r of routes) {
      const res = await send(r, { 'content-type': 'application/json' });
      if (isPublic(r)) {
        expect(res.status).toBe(200);
        expect(res.body).toContain('name="token"');
        continue;
      }
      expect({ route: `${r.method} ${r.path}`, refused: refused(res) }).toEqual({
        route: `${r.method} ${r.path}`,
        refused: true,
      });
    }
    expect(await deps.store.getJob('run')).toBeNull();
  });

  it('with wrong credentials every route refuses', async () => {
    const now = Date.now();
    for (const r of routes.filter((x) => !isPublic(x))) {
      const body = '{"parameters":{}}';
      const url = signedUrl(r);
      const variants: Array<[string, Record<string, string>]> = [
        ['wrong bearer', { authorization: `Bearer ${'x'.repeat(40)}` }],
        ['malformed bearer', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
        ['forged session', { cookie: 'leadlens.sid=s%3Aforged.c2lnbmF0dXJl' }],
        [
          'forged signature',
          {
            ...hubspotHeaders(SECRET, r.method, url, body, now),
            'x-hubspot-signature-v3': 'Zm9yZ2Vk',
          },
        ],
        ['other secret', hubspotHeaders('not-the-secret', r.method, url, body, now)],
        ['stale signature', hubspotHeaders(SECRET, r.method, url, body, now - 6 * 60_000)],
        ['signed other body', hubspotHeaders(SECRET, r.method, url, '{"parameters":{"x":1}}', now)],
      ];
      for (const [name, headers] of variants) {
        const res = await request(base, r.method, pathOf(r), {
          headers: { 'content-type': 'application/json', ...headers },
          body: r.method === 'GET' ? undefined : body,
        });
        expect({ route: `${r.method} ${r.path}`, name, refused: refused(res) }).toEqual({
          route: `${r.method} ${r.path}`,
          name,
          refused: true,
        });
      }
    }
    expect(await deps.store.getJob('run')).toBeNull();
  });

  it('cross-site requests carrying the admin session are refused on every route', async () => {
    const other = `http://127.0.0.1:${Number(new URL(base).port) + 1}`;
    const attacks: Array<[string, Record<string, string>]> = [
      [
        'cross-site fetch',
        { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      ],
      [
        'cross-site form',
        {
          origin: 'http://evil.example',
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'navigate',
        },
      ],
      [
        'same-site other origin',
        { origin: other, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' },
      ],
      ['old browser, foreign Origin', { origin: 'http://evil.example' }],
    ];
    for (const r of routes.filter((x) => !isPublic(x))) {
      for (const [name, headers] of attacks) {
        for (const type of [
          'text/plain',
          'application/json',
          'application/x-www-form-urlencoded',
        ]) {
          const res = await send(r, {
            ...headers,
            cookie: session.cookie,
            'x-csrf-token': session.csrf,
            'content-type': type,
          });
          expect({ route: `${r.method} ${r.path}`, name, type, refused: refused(res) }).toEqual({
            route: `${r.method} ${r.path}`,
            name,
            type,
            refused: true,
          });
        }
      }
    }
    expect(await deps.store.getJob('run')).toBeNull();
  });

  it('a rebinding host name is refused even with the admin token', async () => {
    for (const r of routes.filter((x) => x.kind === 'admin')) {
      const res = await send(r, {
        host: `rebind.evil.example:${new URL(base).port}`,
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
      });
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 421,
      });
    }
  });

  it('the legitimate caller of each route gets in', async () => {
    // /login and /logout are the browser's: signIn() above and the sign-out test cover them.
    for (const r of routes.filter((x) => x.path !== '/login' && x.path !== '/logout')) {
      let res: RawResponse;
      if (r.kind === 'admin') {
        res = await send(
          r,
          { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          r.path === '/functions/:name' ? '{"parameters":{"action":"get"}}' : undefined,
        );
      } else {
        const body =
          r.kind === 'hubspot-fetch'
            ? '{"parameters":{"action":"get"}}'
            : r.path.startsWith('/webhooks/')
              ? JSON.stringify([
                  {
                    eventId: 1,
                    portalId: Number(PORTAL),
                    subscriptionType: 'contact.deletion',
                    objectId: 614,
                  },
                ])
              : JSON.stringify({
                  origin: { portalId: Number(PORTAL) },
                  object: { objectId: 614, objectType: 'CONTACT' },
                });
        res = await request(base, r.method, pathOf(r), {
          headers: hubspotHeaders(SECRET, r.method, signedUrl(r), body),
          body,
        });
      }
      expect({ route: `${r.method} ${r.path}`, refused: refused(res) }).toEqual({
        route: `${r.method} ${r.path}`,
        refused: false,
      });
      expect(res.status).toBeLessThan(500);
    }
  });

  it('a signed-in session works for pages and, with its CSRF token and JSON, for the API', async () => {
    const page = await request(base, 'GET', '/report', {
      headers: { cookie: session.cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(page.status).toBe(200);
    const call = (headers: Record<string, string>) =>
      request(base, 'POST', '/functions/settings', {
        headers: {
          cookie: session.cookie,
          'sec-fetch-site': 'same-origin',
          origin: base,
          ...headers,
        },
        body: '{"parameters":{"action":"get"}}',
      });
    expect(
      (await call({ 'content-type': 'application/json', 'x-csrf-token': session.csrf })).status,
    ).toBe(200);
    const noCsrf = await call({ 'content-type': 'application/json' });
    expect(noCsrf.status).toBe(403);
    expect(JSON.parse(noCsrf.body).error.code).toBe('CSRF_INVALID');
    const badCsrf = await call({
      'content-type': 'application/json',
      'x-csrf-token': 'x'.repeat(256),
    });
    expect(badCsrf.status).toBe(403);
    const plain = await call({ 'content-type': 'text/plain', 'x-csrf-token': session.csrf });
    expect(plain.status).toBe(415);
  });

  it('signing out ends the session', async () => {
    const s = await signIn(base, ADMIN_TOKEN);
    const same = { cookie: s.cookie, origin: base, 'sec-fetch-site': 'same-origin' };
    const page = await request(base, 'GET', '/logout', { headers: same });
    expect(page.status).toBe(200);
    const forged = await request(base, 'POST', '/logout', {
      headers: { ...same, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=nope',
    });
    expect(forged.status).toBe(403);
    const out = await request(base, 'POST', '/logout', {
      headers: { ...same, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    const after = await request(base, 'GET', '/api/status', { headers: { cookie: s.cookie } });
    expect(after.status).toBe(401);
  });

  it('a wrong sign-in is refused and does not create an admin session', async () => {
    const s = await signIn(base, 'y'.repeat(40));
    expect(s.loginStatus).toBe(401);
    const res = await request(base, 'GET', '/api/status', { headers: { cookie: s.cookie } });
    expect(res.status).toBe(401);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'POST /functions/%s is 404, as admin and through hubspot.fetch',
    async (name) => {
      const admin = await request(base, 'POST', `/functions/${name}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(admin.status).toBe(404);
      expect(JSON.parse(admin.body).error.code).toBe('NOT_FOUND');
      const url = `${base}/hubspot/functions/${name}?portalId=${PORTAL}&userId=7`;
      const signed = await request(base, 'POST', url.slice(base.length), {
        headers: hubspotHeaders(SECRET, 'POST', url, '{}'),
        body: '{}',
      });
      expect(signed.status).toBe(404);
    },
  );

  it('oversized and malformed bodies answer 4xx, never 5xx (HubSpot retries 5xx)', async () => {
    const big = JSON.stringify([{ eventId: 1, pad: 'x'.repeat(3 * 1024 * 1024) }]);
    const webhook = await request(base, 'POST', '/webhooks/hubspot', {
      headers: hubspotHeaders(SECRET, 'POST', `${base}/webhooks/hubspot`, big),
      body: big,
    });
    expect(webhook.status).toBe(413);
    expect(JSON.parse(webhook.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    const wf = await request(base, 'POST', '/workflow-actions/lead-score', {
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(wf.status).toBe(413);
    const fnBig = await request(base, 'POST', '/functions/settings', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(fnBig.status).toBe(413);
    const fnBad = await request(base, 'POST', '/functions/settings', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"parameters":',
    });
    expect(fnBad.status).toBe(400);
    const url = `${base}/hubspot/functions/settings?portalId=${PORTAL}`;
    const fetchBig = JSON.stringify({ parameters: { pad: 'x'.repeat(1100 * 1024) } });
    const hf = await request(base, 'POST', url.slice(base.length), {
      headers: hubspotHeaders(SECRET, 'POST', url, fetchBig),
      body: fetchBig,
    });
    expect(hf.status).toBe(413);
  });

  it('signed calls for another portal are refused or dropped', async () => {
    const url = `${base}/workflow-actions/lead-score`;
    const body = JSON.stringify({
      origin: { portalId: 999 },
      object: { objectId: 614, objectType: 'CONTACT' },
    });
    const wf = await request(base, 'POST', '/workflow-actions/lead-score', {
      headers: hubspotHeaders(SECRET, 'POST', url, body),
      body,
    });
    expect(wf.status).toBe(403);
    const events = JSON.stringify([
      { eventId: 77, portalId: 999, subscriptionType: 'contact.creation', objectId: 614 },
    ]);
    const wh = await request(base, 'POST', '/webhooks/hubspot', {
      headers: hubspotHeaders(SECRET, 'POST', `${base}/webhooks/hubspot`, events),
      body: events,
    });
    expect(wh.status).toBe(200);
    expect(JSON.parse(wh.body)).toMatchObject({ received: 1, queued: 0, foreign: 1 });
    const furl = `${base}/hubspot/functions/settings?portalId=999`;
    const hf = await request(base, 'POST', furl.slice(base.length), {
      headers: hubspotHeaders(SECRET, 'POST', furl, '{}'),
      body: '{}',
    });
    expect(hf.status).toBe(403);
    expect(JSON.parse(hf.body).error.code).toBe('PORTAL_UNKNOWN');
  });
});
