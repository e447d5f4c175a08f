/**
 * The marketplace app (issue 13, item 3), end to end against the emulator through the real
 * @hubspot/api-client, on PostgreSQL: three HubSpot accounts install LeadLens through OAuth
 * (consent → callback → code exchange → refresh token encrypted at rest) and one backend
 * serves them all. Each portal's pipeline runs with its own token — one access token expires
 * in the middle of a run and is refreshed once — and every portal ends with its own scores in
 * its own account. Signed hubspot.fetch calls, webhooks and workflow actions reach only their
 * own portal; forged, stale and foreign ones are refused. Uninstalling (from our side, or in
 * HubSpot) erases the tokens and cancels the portal's queued jobs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import listEndpoints from 'express-list-endpoints';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client as PgClient } from 'pg';
import type PgBoss from 'pg-boss';
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import type { SettingsResult } from '../../src/contracts/functions';
import type { Settings } from '../../src/contracts/settings';
import {
  makeBudget,
  runJob,
  runPipelineJob,
  silentLogger,
  type PipelineDeps,
} from '../../src/pipeline';
import type { JobResult } from '../../src/contracts/functions';
import { adminCredential } from '../../src/server/auth';
import { createMarketplaceServer } from '../../src/server/marketplace';
import { MARKETPLACE_SCOPES, type OAuthAppConfig } from '../../src/server/oauth/config';
import { hubspotOAuthApi } from '../../src/server/oauth/hubspot-oauth';
import { OAuthTokens } from '../../src/server/oauth/tokens';
import { portalDirectory, type PortalDirectory } from '../../src/server/portals';
import { openStoreEngine } from '../../src/store/open';
import type { StoreEngine } from '../../src/store/port';
import { createSecretBox } from '../../src/store/secrets';
import {
  cancelPortalJobs,
  ensureQueues,
  openBoss,
  sendPipelineJob,
  DEFAULT_QUEUE_CONFIG,
} from '../../src/worker/queue';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { hubspotHeaders, request, signIn, type RawResponse } from './http';
import { allContacts } from './helpers';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const CLIENT_ID = 'leadlens-marketplace-client';
const CLIENT_SECRET = 'leadlens-marketplace-secret-9f31c2d4e5';
const ADMIN_TOKEN = 'marketplace-admin-token-5e0c7a9b1d3f2468';
const A = 62_515;
const B = 700_001;
const C = 700_002;
const HUBS = [A, B, C];
const NOW = Date.now() + 3_600_000;

type Stats = { byRoute: Record<string, Record<string, number>> };

describe('marketplace app: OAuth installs, one backend, three portals', () => {
  let emu: HubSpotEmulator;
  let db: TestDatabase;
  let engine: StoreEngine;
  let boss: PgBoss;
  let server: Server;
  let base: string;
  let appId: number;
  let tokens: OAuthTokens;
  let portals: PortalDirectory;
  let config: OAuthAppConfig;
  let flush: () => Promise<void>;
  let app: Express;

  const tokenCalls = async (status = '200') => {
    const s = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as Stats;
    return s.byRoute['POST /oauth/v1/token']?.[status] ?? 0;
  };
  const storedAccessToken = async (hub: number) =>
    (await engine.forPortal(String(hub)).getInstall())!.accessToken!.reveal();

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      seed: 'mkt-a',
      contacts: 300,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      portals: [
        { hubId: B, seed: 'mkt-b', contacts: 300, rateLimit: { secondly: null } },
        { hubId: C, seed: 'mkt-c', contacts: 300, rateLimit: { secondly: null } },
      ],
      oauthTenSecondly: null,
    });
    db = await createTestDatabase('marketplace');
    engine = await openStoreEngine({
      databaseUrl: db.url,
      sqliteFile: '/nonexistent',
      secrets: createSecretBox(KEYS),
    });
    boss = await openBoss(db.url, { schedule: false, supervise: false });
    await ensureQueues(boss, DEFAULT_QUEUE_CONFIG, db.url);

    // The server's port first: the redirect URL the app registers names it.
    server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    appId = emu.hub.registerApp({
      name: 'LeadLens (marketplace)',
      auth: 'oauth',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [`${base}/oauth/callback`],
      scopes: [...MARKETPLACE_SCOPES],
    }).appId;
    config = {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${base}/oauth/callback`,
      scopes: [...MARKETPLACE_SCOPES],
      optionalScopes: [],
      authorizeUrl: `${emu.url}/oauth/authorize`,
      apiBaseUrl: emu.url,
    };
    const api = hubspotOAuthApi(config);
    tokens = new OAuthTokens({
      api,
      engine,
      apiBaseUrl: emu.url,
      log: silentLogger,
      onRevoked: async (portalId) => void (await cancelPortalJobs(boss, portalId)),
    });
    portals = portalDirectory(engine, { log: silentLogger, oauth: tokens, now: () => NOW });
    const created = createMarketplaceServer({
      engine,
      portals,
      oauth: { config, tokens, api },
      clientSecret: CLIENT_SECRET,
      appId: String(appId),
      admin: adminCredential(ADMIN_TOKEN, 'test'),
      log: silentLogger,
      webhookBatchWindowMs: 50,
      cancelJobs: (portalId) => cancelPortalJobs(boss, portalId),
    });
    flush = created.flushWebhooks;
    app = created.app;
    server.on('request', app);
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await boss?.stop({ graceful: false, wait: true });
    await engine?.close();
    await db?.drop();
    await emu?.close();
  });

  /** A browser installing LeadLens: our install URL → HubSpot consent (for `hub`) → callback. */
  async function startInstall(hub: number) {
    const start = await fetch(`${base}/oauth/install`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const cookie = start.headers.get('set-cookie')!.split(';')[0];
    const consent = new URL(start.headers.get('location')!);
    consent.searchParams.set('portalId', String(hub)); // the account the user picks
    const back = await fetch(consent, { redirect: 'manual' });
    expect(back.status).toBe(302);
    return { cookie, callback: back.headers.get('location')!, consent };
  }
  async function install(hub: number) {
    const { cookie, callback } = await startInstall(hub);
    const done = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
    return {
      status: done.status,
      text: await done.text(),
      setCookie: done.headers.get('set-cookie'),
    };
  }

  it('installs three accounts through consent and the callback; tokens encrypted at rest', async () => {
    const { consent } = await startInstall(A);
    expect(consent.origin + consent.pathname).toBe(`${emu.url}/oauth/authorize`);
    expect(consent.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(consent.searchParams.get('redirect_uri')).toBe(`${base}/oauth/callback`);
    expect(consent.searchParams.get('scope')!.split(' ')).toEqual([...MARKETPLACE_SCOPES]);
    expect(consent.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    for (const hub of HUBS) {
      const res = await install(hub);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`HubSpot account ${hub}`);
      // The state cookie is spent.
      expect(res.setCookie).toMatch(/leadlens_oauth=;/);
    }
    const installs = await engine.listInstalls();
    expect(installs.map((i) => [i.portalId, i.auth, i.status])).toEqual(
      HUBS.map((h) => [String(h), 'oauth', 'installed']),
    );
    for (const hub of HUBS) {
      const inst = (await engine.forPortal(String(hub)).getInstall())!;
      expect(inst.hubId).toBe(String(hub));
      expect(inst.scopes).toEqual([...MARKETPLACE_SCOPES]);
      expect(inst.refreshToken).not.toBeNull();
      // The token belongs to that account (HubSpot's own token info says so).
      const info = await new Client({ basePath: emu.url }).oauth.accessTokensApi.get(
        inst.accessToken!.reveal(),
      );
      expect([info.hubId, info.appId]).toEqual([hub, appId]);
    }
    // At rest: only ciphertexts, never the tokens.
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ a: string; r: string }>(
        'SELECT access_token_enc AS a, refresh_token_enc AS r FROM leadlens.installs',
      );
      const dump = JSON.stringify(rows);
      expect(rows).toHaveLength(3);
      for (const hub of HUBS) {
        const inst = (await engine.forPortal(String(hub)).getInstall())!;
        expect(dump).not.toContain(inst.accessToken!.reveal());
        expect(dump).not.toContain(inst.refreshToken!.reveal());
      }
      expect(rows.every((r) => r.a.startsWith('v1:k1:') && r.r.startsWith('v1:k1:'))).toBe(true);
    } finally {
      await pg.end();
    }
  });

  it('every route of the marketplace server is listed in docs/security.md and refuses anonymous callers', async () => {
    const routes = listEndpoints(app as never).flatMap((e) =>
      e.methods.map((method) => ({ method, path: e.path })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(7);
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/security.md'), 'utf8');
    for (const r of routes) {
      expect(doc).toContain(`\`${r.method} ${r.path}\``);
      const res = await request(
        base,
        r.method,
        r.path.replace(':name', 'settings').replace(':portalId', String(A)),
        {
          headers: { 'content-type': 'application/json' },
          body: '[]',
        },
      );
      if (r.path === '/oauth/install') {
        // Public by design: it only starts a consent that HubSpot and the user must grant.
        expect(res.status).toBe(302);
        continue;
      }
      if (r.method === 'GET' && r.path === '/login') {
        expect(res.body).toContain('name="token"'); // the sign-in form, no data
        continue;
      }
      const toLogin = res.status === 303 && String(res.headers.location).startsWith('/login');
      expect(toLogin || [401, 403].includes(res.status)).toBe(true);
    }
  });

  it('every route of the marketplace server refuses wrong credentials, and cross-site calls carrying the admin session', async () => {
    const routes = listEndpoints(app as never).flatMap((e) =>
      e.methods.map((method) => ({ method, path: e.path })),
    );
    // Public by design: the consent start and the sign-in form (checked above).
    const isPublic = (r: { method: string; path: string }) =>
      r.path === '/oauth/install' || (r.method === 'GET' && r.path === '/login');
    const refused = (res: RawResponse) =>
      [401, 403, 421].includes(res.status) ||
      (res.status === 303 && String(res.headers.location).startsWith('/login'));
    const session = await signIn(base, ADMIN_TOKEN);
    expect(session.loginStatus).toBe(303);
    const body = '{"parameters":{}}';
    const now = Date.now();
    for (const r of routes.filter((x) => !isPublic(x))) {
      const p =
        r.path.replace(':name', 'settings').replace(':portalId', String(A)) +
        (r.path.startsWith('/hubspot/') ? `?portalId=${A}&userId=7` : '');
      const url = `${base}${p}`;
      const variants: Array<[string, Record<string, string>]> = [
        ['wrong bearer', { authorization: `Bearer ${'x'.repeat(40)}` }],
        ['forged session', { cookie: 'leadlens.sid=s%3Aforged.c2lnbmF0dXJl' }],
        [
          'forged signature',
          {
            ...hubspotHeaders(CLIENT_SECRET, r.method, url, body, now),
            'x-hubspot-signature-v3': 'Zm9yZ2Vk',
          },
        ],
        ['other secret', hubspotHeaders('not-the-secret', r.method, url, body, now)],
        ['stale signature', hubspotHeaders(CLIENT_SECRET, r.method, url, body, now - 6 * 60_000)],
        [
          'cross-site with the admin session',
          {
            cookie: session.cookie,
            'x-csrf-token': session.csrf,
            origin: 'http://evil.example',
            'sec-fetch-site': 'cross-site',
            'sec-fetch-mode': 'cors',
            'content-type': 'text/plain',
          },
        ],
        [
          'foreign Origin with the admin session',
          { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: 'http://evil.example' },
        ],
      ];
      for (const [name, headers] of variants) {
        const res = await request(base, r.method, p, {
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
  });

  it('refuses a callback this browser did not start (login CSRF); the code stays unused', async () => {
    const { callback } = await startInstall(B);
    // The victim's browser has no state cookie, or the one of another install attempt.
    const bare = await fetch(callback, { redirect: 'manual' });
    expect(bare.status).toBe(403);
    const other = await startInstall(C);
    const crossed = await fetch(callback, {
      headers: { cookie: other.cookie },
      redirect: 'manual',
    });
    expect(crossed.status).toBe(403);
    const doubled = await fetch(callback, {
      headers: { cookie: `${other.cookie}; ${other.cookie}` },
      redirect: 'manual',
    });
    expect(doubled.status).toBe(403);
    // Refused before the exchange: HubSpot would still take the code (codes are single-use).
    const code = new URL(callback).searchParams.get('code')!;
    const grant = await new Client({ basePath: emu.url }).oauth.tokensApi.create(
      'authorization_code',
      code,
      config.redirectUri,
      CLIENT_ID,
      CLIENT_SECRET,
    );
    expect(grant.accessToken).toBeTruthy();
  });

  it("runs each portal's pipeline with its own token; a token expired mid-run is refreshed once", async () => {
    const before = await tokenCalls();
    let expired: string | null = null;
    for (const hub of HUBS) {
      const deps = (await portals.resolve(String(hub)))!;
      // Slices of a quarter second of real time (the pipeline's own clock is pinned).
      let res: JobResult | null = null;
      for (let slice = 1; res?.status !== 'done'; slice++) {
        res = await runJob(deps, runPipelineJob({ retrain: 'always' }), {
          budget: makeBudget(250, Date.now),
          restart: slice === 1,
        });
        expect(['continue', 'done']).toContain(res.status);
        if (hub === A && slice === 3) {
          // HubSpot expires portal A's access token in the middle of its run.
          expired = await storedAccessToken(A);
          const r = await fetch(`${emu.url}/__emulator/tokens/expire`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: expired }),
          });
          expect(r.status).toBe(200);
        }
      }
    }
    expect(expired).not.toBeNull();
    // One refresh for the expired token, and the run went on with the new one.
    expect(await tokenCalls()).toBe(before + 1);
    expect(await storedAccessToken(A)).not.toBe(expired);
    const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as Stats;
    const refused = Object.values(stats.byRoute).reduce((n, s) => n + (s['401'] ?? 0), 0);
    expect(refused).toBeGreaterThanOrEqual(1);

    // Every portal's scores are in its own account, equal to its own store's; ids overlap
    // across accounts (each numbers contacts from 100001), values do not.
    for (const hub of HUBS) {
      const store = engine.forPortal(String(hub));
      const token = await storedAccessToken(hub);
      const inCrm = await allContacts(emu.url, ['leadlens_score'], token);
      expect(inCrm.map((c) => c.id)).toEqual(
        emu
          .portalOf(hub)
          .truths()
          .map(([id]) => id),
      );
      const scored = inCrm.filter((c) => c.properties.leadlens_score !== null);
      expect(scored.length).toBe(await store.countScores('contact'));
      expect(scored.length).toBeGreaterThan(200);
      for (const c of scored.slice(0, 50)) {
        const row = await store.getScore('contact', c.id);
        expect(String(row!.score)).toBe(c.properties.leadlens_score);
      }
    }
    const [a, b] = await Promise.all(
      [A, B].map(async (h) =>
        (await engine.forPortal(String(h)).listScores('contact', { limit: 300 })).map(
          (s) => s.score,
        ),
      ),
    );
    expect(a).not.toEqual(b);
  }, 240_000);

  it('refreshes before expiry, one refresh for many concurrent calls', async () => {
    // A process whose clock says B's token has two minutes left (margin: five).
    const early = new OAuthTokens({
      api: hubspotOAuthApi(config),
      engine,
      apiBaseUrl: emu.url,
      log: silentLogger,
      now: () => Date.now() + 28 * 60_000,
    });
    const old = await storedAccessToken(B);
    const before = await tokenCalls();
    const got = await Promise.all(
      Array.from({ length: 8 }, () => early.sourceFor(String(B)).current()),
    );
    expect(await tokenCalls()).toBe(before + 1);
    expect(new Set(got).size).toBe(1);
    expect(got[0]).not.toBe(old);
    expect(await storedAccessToken(B)).toBe(got[0]);
    // Another process (this test's directory) finds its cached token still fresh by its clock;
    // after a 401 it takes the row's newer token instead of refreshing again.
    const deps = (await portals.resolve(String(B)))!;
    await fetch(`${emu.url}/__emulator/tokens/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: old }),
    });
    await expect(deps.crm.getRecord('contact', '100001', ['email'])).resolves.not.toBeNull();
    expect(await tokenCalls()).toBe(before + 1);
  });

  const fetchQuery = (hub: number | string, extra = '') =>
    `portalId=${hub}&userId=77&userEmail=rep%40example.com&appId=${appId}${extra}`;
  const callFn = (
    fn: string,
    parameters: unknown,
    hub: number | string,
    opts: { secret?: string; timestamp?: number } = {},
  ) => {
    const body = JSON.stringify({ parameters });
    const path = `/hubspot/functions/${fn}?${fetchQuery(hub)}`;
    return request(base, 'POST', path, {
      headers: hubspotHeaders(
        opts.secret ?? CLIENT_SECRET,
        'POST',
        `${base}${path}`,
        body,
        opts.timestamp,
      ),
      body,
    });
  };

  it('hubspot.fetch: each portal reaches its own settings; forged, stale and foreign calls are refused', async () => {
    for (const hub of HUBS) {
      const store = engine.forPortal(String(hub));
      const s = await store.getSettings();
      const tiers = s.tiers.map((t, i) => (i === 0 ? { ...t, label: `Hot in ${hub}` } : t));
      await store.saveSettings({ ...s, tiers } as Settings, new Date().toISOString());
    }
    for (const hub of HUBS) {
      const res = await callFn('settings', { action: 'get' }, hub);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as SettingsResult).settings.tiers[0].label).toBe(
        `Hot in ${hub}`,
      );
    }
    // Feedback lands in the caller's portal only.
    const fb = await callFn('feedback', { objectId: '100001', kind: 'too_high', comment: 'x' }, C);
    expect(fb.status).toBe(200);
    expect(await engine.forPortal(String(C)).listFeedback({ limit: 5 })).toHaveLength(1);
    expect(await engine.forPortal(String(B)).listFeedback({ limit: 5 })).toHaveLength(0);

    expect((await callFn('settings', { action: 'get' }, 999_999)).status).toBe(403);
    expect(
      (await callFn('settings', { action: 'get' }, A, { secret: 'not-the-secret' })).status,
    ).toBe(401);
    expect(
      (await callFn('settings', { action: 'get' }, A, { timestamp: Date.now() - 6 * 60_000 }))
        .status,
    ).toBe(401);
    // Signed for A, sent as B.
    const body = JSON.stringify({ parameters: { action: 'get' } });
    const swapped = await request(base, 'POST', `/hubspot/functions/settings?${fetchQuery(B)}`, {
      headers: hubspotHeaders(
        CLIENT_SECRET,
        'POST',
        `${base}/hubspot/functions/settings?${fetchQuery(A)}`,
        body,
      ),
      body,
    });
    expect(swapped.status).toBe(401);
  });

  it('workflow actions and webhooks are served from the portal HubSpot signed', async () => {
    const id = '100002';
    const scoreIn = async (hub: number) =>
      (await engine.forPortal(String(hub)).getScore('contact', id))?.score ?? null;
    for (const hub of [B, C]) {
      const body = JSON.stringify({
        callbackId: `cb-${hub}`,
        origin: { portalId: hub, actionDefinitionId: 1, actionDefinitionVersion: 1 },
        context: { source: 'WORKFLOWS', workflowId: 5 },
        object: { objectId: Number(id), objectType: 'CONTACT' },
        inputFields: {},
      });
      const url = `${base}/workflow-actions/lead-score`;
      const res = await request(base, 'POST', '/workflow-actions/lead-score', {
        headers: hubspotHeaders(CLIENT_SECRET, 'POST', url, body),
        body,
      });
      expect(res.status).toBe(200);
      const out = JSON.parse(res.body) as { outputFields: { score: number | null } };
      expect(out.outputFields.score).toBe(await scoreIn(hub));
    }
    // A webhook event of C changes C's contact only; B's contact with the same id is untouched.
    const beforeB = await engine.forPortal(String(B)).getScore('contact', id);
    const event = (hub: number, eventId: number) => ({
      eventId,
      portalId: hub,
      subscriptionType: 'object.propertyChange',
      objectTypeId: '0-1',
      objectId: Number(id),
      propertyName: 'jobtitle',
      occurredAt: Date.now(),
    });
    const body = JSON.stringify([event(C, 91), event(999_999, 92)]);
    const url = `${base}/webhooks/hubspot`;
    const res = await request(base, 'POST', '/webhooks/hubspot', {
      headers: hubspotHeaders(CLIENT_SECRET, 'POST', url, body),
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ received: 2, queued: 1, foreign: 1 });
    await flush();
    expect(await engine.forPortal(String(B)).getScore('contact', id)).toEqual(beforeB);
    expect(await engine.forPortal(String(C)).rememberEvent('91', new Date().toISOString())).toBe(
      false,
    );
    expect(await engine.forPortal(String(B)).rememberEvent('91', new Date().toISOString())).toBe(
      true,
    );
  });

  it('uninstall from our side: HubSpot uninstalls, tokens erased, queued jobs cancelled', async () => {
    const hub = String(B);
    const oldToken = await storedAccessToken(B);
    await sendPipelineJob(boss, { portalId: hub, task: 'run', restart: false, full: false });
    await sendPipelineJob(boss, { portalId: String(A), task: 'run', restart: false, full: false });
    const refused = await request(base, 'POST', `/api/installs/${hub}/uninstall`, {});
    expect(refused.status).toBe(401);
    const res = await request(base, 'POST', `/api/installs/${hub}/uninstall`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      portalId: hub,
      uninstalledInHubSpot: true,
      jobsCancelled: 1,
    });
    const inst = (await engine.forPortal(hub).getInstall())!;
    expect([inst.status, inst.accessToken, inst.refreshToken]).toEqual(['uninstalled', null, null]);
    // HubSpot revoked the install's tokens; the app is gone from the account.
    expect(emu.hub.portal(B)!.installed.has(appId)).toBe(false);
    const gone = await fetch(`${emu.url}/oauth/v1/access-tokens/${oldToken}`);
    expect(gone.status).toBe(404);
    expect(await portals.resolve(hub)).toBeNull();
    expect((await callFn('settings', { action: 'get' }, B)).status).toBe(403);
    // A's queued job is still there.
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ portal: string; state: string }>(
        "SELECT data->>'portalId' AS portal, state::text AS state FROM leadlens_jobs.job WHERE name = 'leadlens-pipeline' ORDER BY 1",
      );
      expect(rows).toEqual([
        { portal: String(A), state: 'created' },
        { portal: hub, state: 'cancelled' },
      ]);
    } finally {
      await pg.end();
    }
  });

  it('uninstalled in HubSpot: the next refresh is refused and the portal is marked uninstalled', async () => {
    const hub = String(C);
    const deps: PipelineDeps = (await portals.resolve(hub))!;
    const cp = await fetch(`${emu.url}/__emulator/uninstall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portalId: C, appId }),
    });
    expect(cp.status).toBe(200);
    // The revoked access token answers 401; the refresh answers BAD_REFRESH_TOKEN.
    await expect(deps.crm.getRecord('contact', '100001', ['email'])).rejects.toMatchObject({
      code: 'CRM_AUTH',
    });
    const inst = (await engine.forPortal(hub).getInstall())!;
    expect([inst.status, inst.accessToken, inst.refreshToken]).toEqual(['uninstalled', null, null]);
    expect(await portals.resolve(hub)).toBeNull();
    expect((await callFn('settings', { action: 'get' }, C)).status).toBe(403);
    expect(await tokenCalls('400')).toBeGreaterThanOrEqual(1);
  });
});
