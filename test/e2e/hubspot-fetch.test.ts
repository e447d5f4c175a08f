/**
 * hubspot.fetch calls of the card and settings page (issue 13's marketplace variant, verified
 * here): HubSpot signs method + URL (with the portalId/userId/userEmail/appId it appends) +
 * body + timestamp. Two portals behind one server through a test double of `resolvePortal`:
 * each signed caller reaches its own portal's data only; forged, stale, altered, replayed and
 * foreign requests are refused.
 */
import type { Server } from 'node:http';
import type { Settings } from '../../src/contracts/settings';
import type { SettingsResult } from '../../src/contracts/functions';
import { silentLogger, type PipelineDeps } from '../../src/pipeline';
import { createServer } from '../../src/server/app';
import { adminCredential } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { hubspotHeaders, listenOn, request } from './http';
import { tempDb } from './helpers';

const SECRET = 'fetch-client-secret-51d0aa';
const APP_ID = '4242';
const A = '1001';
const B = '2002';

describe('hubspot.fetch: signature, portal binding, replay', () => {
  const portals = new Map<string, AppDeps>();
  let server: Server;
  let base: string;
  let failNext = false;

  beforeAll(async () => {
    for (const [id, label] of [
      [A, 'Alpha hot'],
      [B, 'Bravo hot'],
    ] as const) {
      const deps = await composeDeps({
        baseUrl: 'http://127.0.0.1:9',
        token: `token-of-${id}`,
        dbFile: tempDb(`fetch-${id}`),
        log: silentLogger,
      });
      const s = await deps.store.getSettings();
      const tiers = s.tiers.map((t, i) => (i === 0 ? { ...t, label } : t));
      await deps.store.saveSettings({ ...s, tiers } as Settings, new Date().toISOString());
      portals.set(id, deps);
    }
    const unused = await composeDeps({
      baseUrl: 'http://127.0.0.1:9',
      token: 'self-hosted',
      dbFile: tempDb('fetch-unused'),
      log: silentLogger,
    });
    portals.set('self', unused);
    const { app } = createServer(unused, {
      clientSecret: SECRET,
      admin: adminCredential('fetch-admin-token-0000000000000000000', 'test'),
      appId: APP_ID,
      resolvePortal: async (portalId): Promise<PipelineDeps | null> => {
        if (failNext) {
          failNext = false;
          throw new Error('store unavailable');
        }
        return portalId === 'self' ? null : (portals.get(portalId) ?? null);
      },
    });
    ({ server, base } = await listenOn(app));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await Promise.all([...portals.values()].map((d) => d.close()));
  });

  const query = (portalId: string, extra = '') =>
    `portalId=${portalId}&userId=77&userEmail=rep%40example.com&appId=${APP_ID}${extra}`;

  /** A request as HubSpot sends it: signed over `signedPath`, sent to `sentPath`. */
  const call = (
    fn: string,
    parameters: unknown,
    opts: {
      q?: string;
      sentQ?: string;
      body?: string;
      sentBody?: string;
      timestamp?: number;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const q = opts.q ?? query(A);
    const body = opts.body ?? JSON.stringify({ parameters });
    const signedUrl = `${base}/hubspot/functions/${fn}?${q}`;
    return request(base, 'POST', `/hubspot/functions/${fn}?${opts.sentQ ?? q}`, {
      headers: opts.headers ?? hubspotHeaders(SECRET, 'POST', signedUrl, body, opts.timestamp),
      body: opts.sentBody ?? body,
    });
  };
  const settingsOf = (r: { body: string }) => JSON.parse(r.body) as SettingsResult;

  it('each portal reads its own settings, never the other one', async () => {
    const a = await call('settings', { action: 'get' }, { q: query(A) });
    expect(a.status).toBe(200);
    expect(settingsOf(a).settings.tiers[0].label).toBe('Alpha hot');
    const b = await call('settings', { action: 'get' }, { q: query(B) });
    expect(b.status).toBe(200);
    expect(settingsOf(b).settings.tiers[0].label).toBe('Bravo hot');
  });

  it('feedback lands in the caller’s portal, attributed to the signed user', async () => {
    const res = await call(
      'feedback',
      { objectId: '614', kind: 'too_high', comment: 'student', userId: 'someone-else' },
      { q: query(B) },
    );
    expect(res.status).toBe(200);
    const inB = await portals.get(B)!.store.listFeedback({ limit: 10 });
    expect(inB).toHaveLength(1);
    expect(inB[0].userId).toBe('77');
    expect(await portals.get(A)!.store.listFeedback({ limit: 10 })).toHaveLength(0);
  });

  it('changing the portal (or any signed part) after signing is refused', async () => {
    const swapped = await call('settings', { action: 'get' }, { q: query(A), sentQ: query(B) });
    expect(swapped.status).toBe(401);
    const body = JSON.stringify({ parameters: { action: 'get' } });
    const altered = await call('settings', null, {
      body,
      sentBody: JSON.stringify({ parameters: { action: 'get', x: 1 } }),
    });
    expect(altered.status).toBe(401);
    const otherFn = await request(base, 'POST', `/hubspot/functions/feedback?${query(A)}`, {
      headers: hubspotHeaders(
        SECRET,
        'POST',
        `${base}/hubspot/functions/settings?${query(A)}`,
        body,
      ),
      body,
    });
    expect(otherFn.status).toBe(401);
  });

  it('a portalId the card smuggled in before HubSpot’s own is refused', async () => {
    // The card picks the URL; HubSpot appends its parameters. Both copies are signed.
    const res = await call('settings', { action: 'get' }, { q: `portalId=${B}&${query(A)}` });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.message).toMatch(/portalId appears 2 times/);
  });

  it('forged, stale, future, unsigned and foreign-secret requests are refused', async () => {
    const body = JSON.stringify({ parameters: { action: 'get' } });
    const url = `${base}/hubspot/functions/settings?${query(A)}`;
    const cases: Array<[string, Record<string, string>]> = [
      ['unsigned', { 'content-type': 'application/json' }],
      [
        'forged',
        { ...hubspotHeaders(SECRET, 'POST', url, body), 'x-hubspot-signature-v3': 'AAAA' },
      ],
      ['stale', hubspotHeaders(SECRET, 'POST', url, body, Date.now() - 301_000)],
      ['future', hubspotHeaders(SECRET, 'POST', url, body, Date.now() + 301_000)],
      ['other secret', hubspotHeaders('another-apps-secret', 'POST', url, body)],
      [
        'no timestamp',
        { ...hubspotHeaders(SECRET, 'POST', url, body), 'x-hubspot-request-timestamp': '' },
      ],
    ];
    for (const [name, headers] of cases) {
      const res = await request(base, 'POST', url.slice(base.length), { headers, body });
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
  });

  it('a replay is refused; after a 5xx the same signed request may be retried once', async () => {
    const body = JSON.stringify({ parameters: { objectId: '615', kind: 'other' } });
    const url = `${base}/hubspot/functions/feedback?${query(A)}`;
    const headers = hubspotHeaders(SECRET, 'POST', url, body);
    const send = () => request(base, 'POST', url.slice(base.length), { headers, body });
    const first = await send();
    expect(first.status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body).error.reason).toBe('replayed');

    const body2 = JSON.stringify({ parameters: { objectId: '616', kind: 'other' } });
    const headers2 = hubspotHeaders(SECRET, 'POST', url, body2);
    failNext = true;
    const failed = await request(base, 'POST', url.slice(base.length), {
      headers: headers2,
      body: body2,
    });
    expect(failed.status).toBe(500);
    const retried = await request(base, 'POST', url.slice(base.length), {
      headers: headers2,
      body: body2,
    });
    expect(retried.status).toBe(200);
    expect(
      (await portals.get(A)!.store.listFeedback({ limit: 10 })).map((f) => f.recordId).sort(),
    ).toEqual(['615', '616']);
  });

  it('another app, an unknown portal and a missing portalId are refused', async () => {
    const otherApp = await call(
      'settings',
      { action: 'get' },
      { q: `portalId=${A}&userId=77&appId=99` },
    );
    expect(otherApp.status).toBe(403);
    expect(JSON.parse(otherApp.body).error.code).toBe('APP_MISMATCH');
    const unknown = await call('settings', { action: 'get' }, { q: query('3003') });
    expect(unknown.status).toBe(403);
    expect(JSON.parse(unknown.body).error.code).toBe('PORTAL_UNKNOWN');
    const none = await call('settings', { action: 'get' }, { q: `userId=77&appId=${APP_ID}` });
    expect(none.status).toBe(400);
  });

  it('only the card’s and settings page’s functions are reachable; jobs are not', async () => {
    for (const fn of ['run', 'sync', 'train', 'score']) {
      const res = await call(fn, {}, { q: query(A) });
      expect({ fn, status: res.status }).toEqual({ fn, status: 404 });
    }
    expect(await portals.get(A)!.store.getJob('run')).toBeNull();
  });
});
