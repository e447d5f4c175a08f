/**
 * Ledger rows on the marketplace install: the authorize redirect, the token endpoint with both
 * grants, token info, refresh-token deletion, expiry, the OAuth burst limit, uninstall.
 * Through the real @hubspot/api-client (its oauth APIs and its authorize-URL helper).
 */
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { failure } from './sdk-calls';

const REDIRECT = 'https://leadlens.example.com/oauth/callback';
const SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'oauth'];

describe('OAuth install of a marketplace app', () => {
  let emu: HubSpotEmulator;
  let sdk: Client;
  const app = { clientId: 'leadlens-client', clientSecret: 'leadlens-secret' };
  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      contacts: 5,
      portals: [
        { hubId: 900_001, contacts: 5, seed: 'second' },
        { hubId: 900_002, contacts: 5, seed: 'third' },
      ],
      oauthApps: [{ name: 'LeadLens', ...app, redirectUris: [REDIRECT], scopes: SCOPES }],
      oauth: { accessTokenTtlMs: 60_000 },
      oauthTenSecondly: 3,
    });
    sdk = new Client({ basePath: emu.url, numberOfApiCallRetries: 0 });
  });
  afterAll(() => emu.close());

  /** The consent screen: the SDK builds the URL for app.hubspot.com, the emulator serves it. */
  async function authorize(query: Record<string, string> = {}, portalId?: number) {
    const url = new URL(
      sdk.oauth.getAuthorizationUrl(app.clientId, REDIRECT, SCOPES.join(' '), undefined, 'st8'),
    );
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    if (portalId) url.searchParams.set('portalId', String(portalId));
    return fetch(`${emu.url}/oauth/authorize${url.search}`, { redirect: 'manual' });
  }
  async function install(portalId?: number) {
    const res = await authorize({}, portalId);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    return sdk.oauth.tokensApi.create(
      'authorization_code',
      code,
      REDIRECT,
      app.clientId,
      app.clientSecret,
    );
  }

  test('[oauth-authorize] consent redirects to the registered URL with a code and the state', async () => {
    const res = await authorize();
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(REDIRECT);
    expect(to.searchParams.get('state')).toBe('st8');
    expect(to.searchParams.get('code')).toMatch(/^[0-9a-f]{48}$/);
    const wrongRedirect = await authorize({ redirect_uri: 'https://evil.example/cb' });
    expect(wrongRedirect.status).toBe(400);
    expect(((await wrongRedirect.json()) as { status: string }).status).toBe('BAD_REDIRECT_URI');
    const extraScope = await authorize({ scope: `${SCOPES.join(' ')} crm.objects.deals.write` });
    expect(extraScope.status).toBe(400);
  });

  test('[oauth-token] the code buys access + refresh tokens (form-encoded, 1800 s by default), once', async () => {
    const res = await authorize({}, 900_001);
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    // The raw answer, as HubSpot documents it (hub_id and scopes since 2025-08).
    const raw = await fetch(`${emu.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: REDIRECT,
        code,
      }),
    });
    const body = (await raw.json()) as Record<string, unknown>;
    expect(body).toEqual({
      token_type: 'bearer',
      refresh_token: expect.any(String),
      access_token: expect.any(String),
      expires_in: 60,
      hub_id: 900_001,
      scopes: SCOPES,
    });
    const again = await failure(
      sdk.oauth.tokensApi.create(
        'authorization_code',
        code,
        REDIRECT,
        app.clientId,
        app.clientSecret,
      ),
    );
    expect([again.code, again.body.status, again.body.message]).toEqual([
      400,
      'BAD_AUTH_CODE',
      'missing or unknown auth code',
    ]);
    const json = await fetch(`${emu.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(json.status).toBe(400);
    // The token works against its own portal's data.
    const client = new Client({
      accessToken: String(body.access_token),
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    const page = await client.crm.contacts.basicApi.getPage(100);
    expect(page.results.map((r) => r.id)).toEqual(
      emu
        .portalOf(900_001)
        .truths()
        .map(([id]) => id),
    );
  });

  test('[oauth-refresh] a refresh token buys new access tokens; bad ones answer BAD_REFRESH_TOKEN', async () => {
    const first = await install();
    const second = await sdk.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      app.clientId,
      app.clientSecret,
      first.refreshToken,
    );
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toBe(first.refreshToken);
    const bad = await failure(
      sdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        app.clientId,
        app.clientSecret,
        'nope',
      ),
    );
    expect([bad.code, bad.body.status]).toEqual([400, 'BAD_REFRESH_TOKEN']);
    const wrongSecret = await failure(
      sdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        app.clientId,
        'x',
        first.refreshToken,
      ),
    );
    expect(wrongSecret.body.status).toBe('BAD_CLIENT_SECRET');
  });

  test('[oauth-info] token info names the portal, app and scopes; deleting the refresh token leaves access tokens working', async () => {
    const t = await install();
    const info = await sdk.oauth.accessTokensApi.get(t.accessToken);
    expect(info.hubId).toBe(62_515);
    expect(info.scopes).toEqual(SCOPES);
    expect(info.expiresIn).toBeGreaterThan(50);
    await sdk.oauth.refreshTokensApi.archive(t.refreshToken);
    const refused = await failure(
      sdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        app.clientId,
        app.clientSecret,
        t.refreshToken,
      ),
    );
    expect(refused.body.status).toBe('BAD_REFRESH_TOKEN');
    const client = new Client({
      accessToken: t.accessToken,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    await expect(client.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
  });

  test('[oauth-expiry] an expired access token answers 401 EXPIRED_AUTHENTICATION until refreshed', async () => {
    const t = await install();
    const control = await fetch(`${emu.url}/__emulator/tokens/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.accessToken }),
    });
    expect(control.ok).toBe(true);
    const client = new Client({
      accessToken: t.accessToken,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    const err = await failure(client.crm.contacts.basicApi.getPage(1));
    expect([err.code, err.body.category]).toEqual([401, 'EXPIRED_AUTHENTICATION']);
    const fresh = await sdk.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      app.clientId,
      app.clientSecret,
      t.refreshToken,
    );
    const renewed = new Client({
      accessToken: fresh.accessToken,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    await expect(renewed.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
  });

  test('[oauth-limits] marketplace apps: 110 per 10 s (3 here), shared by all their tokens in the account, no daily headers', async () => {
    const a = await install(900_002);
    const b = await install(900_002);
    const get = (token: string) =>
      new Client({ accessToken: token, basePath: emu.url }).apiRequest({
        method: 'GET',
        path: '/crm/v3/objects/contacts?limit=1',
      });
    const answers = [];
    for (const token of [a.accessToken, b.accessToken, a.accessToken, b.accessToken])
      answers.push(await get(token));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0].headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(answers[0].headers.get('x-hubspot-ratelimit-daily')).toBeNull();
  });

  test('[uninstall] uninstalling revokes the install’s tokens; no uninstall notification exists to send', async () => {
    const t = await install(900_001);
    const client = new Client({
      accessToken: t.accessToken,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    const del = await client.apiRequest({
      method: 'DELETE',
      path: '/appinstalls/v3/external-install',
    });
    expect(del.status).toBe(204);
    const err = await failure(client.crm.contacts.basicApi.getPage(1));
    expect([err.code, err.body.category]).toEqual([401, 'INVALID_AUTHENTICATION']);
    const refresh = await failure(
      sdk.oauth.tokensApi.create(
        'refresh_token',
        undefined,
        undefined,
        app.clientId,
        app.clientSecret,
        t.refreshToken,
      ),
    );
    expect(refresh.body.status).toBe('BAD_REFRESH_TOKEN');
  });

  test('[leads-schema-scope] lead properties need crm.objects.leads.*: there is no crm.schemas.leads scope', async () => {
    const grant = await install();
    const client = new Client({
      accessToken: grant.accessToken,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    const refused = await failure(client.crm.properties.coreApi.getAll('leads'));
    expect(refused.code).toBe(403);
    expect(JSON.stringify(refused.body)).toContain(
      '"requiredGranularScopes":["crm.objects.leads.read"]',
    );
    const app = emu.hub.registerApp({ name: 'leads reader', scopes: ['crm.objects.leads.read'] });
    const reader = emu.hub.addStaticToken(emu.hub.defaultHubId, app.appId);
    const allowed = new Client({
      accessToken: reader.token,
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
    await expect(allowed.crm.properties.coreApi.getAll('leads')).resolves.toHaveProperty('results');
    // Contacts keep their schema scopes.
    await expect(client.crm.properties.coreApi.getAll('contacts')).rejects.toMatchObject({
      code: 403,
    });
  });
});
