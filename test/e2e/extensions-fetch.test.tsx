/**
 * The marketplace variant of the card and the settings page (rendered with
 * @hubspot/ui-extensions/testing) reach the LeadLens backend through the hubspot.fetch seam
 * (cards/transport.ts): a stand-in for HubSpot's proxy — which only forwards to permitted URLs,
 * appends the caller's portalId/userId/userEmail/appId and signs the request with the app's
 * client secret — carries each call to the real marketplace server, which answers for the
 * signed portal only. The private variant of the same seam calls hubspot.serverless.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import {
  Alert,
  Button,
  ErrorState,
  Input,
  LoadingSpinner,
  StatisticsItem,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { SettingsPage } from '../../app/settings/SettingsPage';
import { LeadScoreCard } from '../../cards/LeadScoreCard';
import { functionCaller, type HubSpotRuntime } from '../../cards/transport';
import type { Settings } from '../../src/contracts/settings';
import { runToCompletion, silentLogger } from '../../src/pipeline';
import { adminCredential } from '../../src/server/auth';
import { createMarketplaceServer } from '../../src/server/marketplace';
import { MARKETPLACE_SCOPES } from '../../src/server/oauth/config';
import { hubspotOAuthApi } from '../../src/server/oauth/hubspot-oauth';
import { OAuthTokens } from '../../src/server/oauth/tokens';
import { portalDirectory } from '../../src/server/portals';
import { openStoreEngine } from '../../src/store/open';
import type { StoreEngine } from '../../src/store/port';
import { createSecretBox, Secret } from '../../src/store/secrets';
import { hubspotHeaders, listenOn } from './http';
import { startPortal, tempDb, TOKEN, type Emulator } from './helpers';

const SECRET = 'extensions-fetch-client-secret-4b1e';
const APP_ID = '3131';
const PORTAL = '62515';

describe('card and settings page through hubspot.fetch (marketplace variant)', () => {
  let emu: Emulator;
  let engine: StoreEngine;
  let server: Server;
  let base: string;
  const requests: string[] = [];

  /** HubSpot's proxy as a UI extension in `portalId` sees it. */
  const proxyFor = (portalId: string): HubSpotRuntime => ({
    serverless: () => Promise.reject(new Error('marketplace apps have no app functions')),
    fetch: async (url, options) => {
      const u = new URL(url);
      if (u.origin !== base) throw new Error(`${u.origin} is not in permittedUrls.fetch`);
      for (const [k, v] of Object.entries({
        portalId,
        userId: '77',
        userEmail: 'rep@example.com',
        appId: APP_ID,
      }))
        u.searchParams.append(k, v);
      const body = JSON.stringify(options?.body ?? {});
      requests.push(`${options?.method ?? 'GET'} ${u.pathname}`);
      return fetch(u, {
        method: options?.method ?? 'GET',
        headers: hubspotHeaders(SECRET, options?.method ?? 'GET', u.toString(), body),
        body,
      });
    },
  });

  beforeAll(async () => {
    emu = await startPortal(250, 'extensions-fetch');
    engine = await openStoreEngine({
      databaseUrl: null,
      sqliteFile: tempDb('extensions-fetch'),
      secrets: createSecretBox(`k1:${randomBytes(32).toString('base64')}`),
    });
    // An install whose token the backend uses (a private-app token is enough for this test).
    await engine.forPortal(PORTAL).saveInstall({
      auth: 'private_app',
      hubId: PORTAL,
      scopes: [],
      apiBaseUrl: emu.url,
      accessToken: new Secret(TOKEN),
      accessTokenExpiresAt: null,
      refreshToken: null,
      installedAt: new Date().toISOString(),
    });
    const portals = portalDirectory(engine, {
      log: silentLogger,
      now: () => Date.now() + 3_600_000,
    });
    const deps = (await portals.resolve(PORTAL))!;
    expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
    const s = await deps.store.getSettings();
    await deps.store.saveSettings(
      {
        ...s,
        tiers: s.tiers.map((t, i) => (i === 0 ? { ...t, label: 'Red hot' } : t)),
      } as Settings,
      new Date().toISOString(),
    );
    const config = {
      clientId: 'unused',
      clientSecret: SECRET,
      redirectUri: 'http://127.0.0.1/oauth/callback',
      scopes: [...MARKETPLACE_SCOPES],
      optionalScopes: [],
      authorizeUrl: `${emu.url}/oauth/authorize`,
      apiBaseUrl: emu.url,
    };
    const api = hubspotOAuthApi(config);
    const { app } = createMarketplaceServer({
      engine,
      portals,
      oauth: {
        config,
        api,
        tokens: new OAuthTokens({ api, engine, apiBaseUrl: emu.url, log: silentLogger }),
      },
      clientSecret: SECRET,
      appId: APP_ID,
      admin: adminCredential('extensions-fetch-admin-token-00000000000', 'test'),
      log: silentLogger,
    });
    ({ server, base } = await listenOn(app));
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await engine?.close();
    await emu?.close();
  });

  it('the settings page loads and saves its portal’s settings', async () => {
    const caller = functionCaller(
      { kind: 'marketplace', backendUrl: `${base}/` },
      proxyFor(PORTAL),
    );
    const r = createRenderer('settings');
    r.render(<SettingsPage serverless={caller} />);
    await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull(), { timeoutInMs: 10_000 });
    expect(r.find(Input, { name: 'tier-0-label' }).props.value).toBe('Red hot');
    r.find(Input, { name: 'tier-0-label' }).trigger('onInput', 'Blazing' as never);
    r.find(Button, (b) => b.text === 'Save settings').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.variant).toBe('success'), {
      timeoutInMs: 10_000,
    });
    const saved = await engine.forPortal(PORTAL).getSettings();
    expect(saved.tiers[0].label).toBe('Blazing');
    expect(requests.slice(-2)).toEqual([
      'POST /hubspot/functions/settings',
      'POST /hubspot/functions/settings',
    ]);
  });

  it('the card refreshes a score through the backend', async () => {
    const store = engine.forPortal(PORTAL);
    const row = (await store.listScores('contact', { afterId: null, limit: 1 }))[0];
    const caller = functionCaller({ kind: 'marketplace', backendUrl: base }, proxyFor(PORTAL));
    const r = createRenderer('crm.record.sidebar');
    r.mocks.context.crm.objectId = Number(row.id);
    r.mocks.useCrmProperties.willCall(() => ({
      properties: {},
      error: null,
      isLoading: false,
      isRefetching: false,
      refetch: async () => {},
    }));
    r.render(<LeadScoreCard serverless={caller} />);
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Score refreshed'), {
      timeoutInMs: 10_000,
    });
    expect(r.find(StatisticsItem).props.number).toBe(
      (await store.getScore('contact', row.id))!.score,
    );
    expect(requests.at(-1)).toBe('POST /hubspot/functions/score-record');
  });

  it('a portal where LeadLens is not installed gets an error state, not a blank page', async () => {
    const caller = functionCaller({ kind: 'marketplace', backendUrl: base }, proxyFor('4040'));
    const log = jest.spyOn(console, 'error').mockImplementation(() => {});
    const r = createRenderer('settings');
    r.render(<SettingsPage serverless={caller} />);
    await r.waitFor(() => expect(r.find(ErrorState).props.title).toMatch(/Could not load/), {
      timeoutInMs: 10_000,
    });
    log.mockRestore();
    expect(r.find(ErrorState).find(Text).text).toMatch(/not installed in this portal/);
  });

  it('the private variant calls hubspot.serverless with the same arguments', async () => {
    const calls: unknown[] = [];
    const caller = functionCaller(
      { kind: 'private' },
      {
        serverless: async (name, options) => {
          calls.push([name, options]);
          return { ok: true };
        },
        fetch: () => Promise.reject(new Error('not used')),
      },
    );
    await expect(caller('feedback', { parameters: { objectId: '1' } })).resolves.toEqual({
      ok: true,
    });
    expect(calls).toEqual([['feedback', { parameters: { objectId: '1' } }]]);
  });
});
