/**
 * `leadlens worker` with marketplace installs: two portals of one emulator install the OAuth
 * app. Portal A's access token has expired by the time its job runs — the worker refreshes
 * it (HUBSPOT_CLIENT_ID/SECRET) and the whole run completes; portal B was uninstalled in
 * HubSpot — the worker's refresh is refused, B is marked uninstalled, its tokens erased and its
 * other queued job cancelled.
 */
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { Client as PgClient } from 'pg';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { silentLogger } from '../../src/pipeline';
import { MARKETPLACE_SCOPES } from '../../src/server/oauth/config';
import { hubspotOAuthApi } from '../../src/server/oauth/hubspot-oauth';
import { OAuthTokens } from '../../src/server/oauth/tokens';
import { openStoreEngine } from '../../src/store/open';
import type { StoreEngine } from '../../src/store/port';
import { createSecretBox } from '../../src/store/secrets';
import {
  DEFAULT_QUEUE_CONFIG,
  ensureQueues,
  openBoss,
  sendPipelineJob,
} from '../../src/worker/queue';
import { leadlens, type BoundedChild } from '../support/child';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const KEYS = `k1:${randomBytes(32).toString('base64')}`;
const CLIENT = { id: 'worker-oauth-client', secret: 'worker-oauth-secret-77aa01' };
const REDIRECT = 'https://leadlens.example.com/oauth/callback';
const A = 62_515;
const B = 800_001;

async function until(cond: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('worker: OAuth installs refreshed, revoked installs cleaned up', () => {
  let emu: HubSpotEmulator;
  let db: TestDatabase;
  let engine: StoreEngine;
  let boss: PgBoss;
  let worker: BoundedChild | null = null;
  let workerLog = '';
  let appId: number;

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      seed: 'worker-oauth-a',
      contacts: 300,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      portals: [{ hubId: B, seed: 'worker-oauth-b', contacts: 100, rateLimit: { secondly: null } }],
      oauthApps: [
        {
          name: 'LeadLens',
          clientId: CLIENT.id,
          clientSecret: CLIENT.secret,
          redirectUris: [REDIRECT],
          scopes: [...MARKETPLACE_SCOPES],
        },
      ],
      oauthTenSecondly: null,
    });
    appId = emu.hub.appByClientId(CLIENT.id)!.appId;
    db = await createTestDatabase('workeroauth');
    engine = await openStoreEngine({
      databaseUrl: db.url,
      sqliteFile: 'unused',
      secrets: createSecretBox(KEYS),
    });
    boss = await openBoss(db.url, { schedule: false, supervise: false });
    await ensureQueues(boss, DEFAULT_QUEUE_CONFIG, db.url);
    const config = {
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      redirectUri: REDIRECT,
      scopes: [...MARKETPLACE_SCOPES],
      optionalScopes: [],
      authorizeUrl: `${emu.url}/oauth/authorize`,
      apiBaseUrl: emu.url,
    };
    const tokens = new OAuthTokens({
      api: hubspotOAuthApi(config),
      engine,
      apiBaseUrl: emu.url,
      log: silentLogger,
    });
    for (const hub of [A, B]) {
      const consent = new URL(`${emu.url}/oauth/authorize`);
      consent.search = new URLSearchParams({
        client_id: CLIENT.id,
        redirect_uri: REDIRECT,
        scope: MARKETPLACE_SCOPES.join(' '),
        portalId: String(hub),
      }).toString();
      const res = await fetch(consent, { redirect: 'manual' });
      const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
      expect((await tokens.install(code)).portalId).toBe(String(hub));
      await engine
        .forPortal(String(hub))
        .saveSettings(
          { ...DEFAULT_SETTINGS, schedule: { ...DEFAULT_SETTINGS.schedule, enabled: false } },
          new Date().toISOString(),
        );
    }
  }, 60_000);

  afterAll(async () => {
    if (worker?.running()) {
      worker.kill('SIGTERM');
      // A graceful stop gets 20 s, then SIGKILL.
      const grace = setTimeout(() => worker?.kill('SIGKILL'), 20_000);
      await worker.done;
      clearTimeout(grace);
    }
    await boss?.stop({ graceful: false, wait: true });
    await engine?.close();
    await db?.drop();
    await emu?.close();
  });

  it('refreshes an expired token and completes the run; a revoked install is cleaned up', async () => {
    const staleA = (await engine.forPortal(String(A)).getInstall())!.accessToken!.reveal();
    await fetch(`${emu.url}/__emulator/tokens/expire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: staleA }),
    });
    await fetch(`${emu.url}/__emulator/uninstall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portalId: B, appId }),
    });
    await sendPipelineJob(boss, { portalId: String(A), task: 'run', restart: false, full: false });
    await sendPipelineJob(boss, { portalId: String(B), task: 'run', restart: false, full: false });
    await sendPipelineJob(boss, {
      portalId: String(B),
      task: 'score',
      restart: false,
      full: false,
    });

    // With a deadline: a hung worker is SIGKILLed, it cannot hold jest.
    worker = leadlens(
      ['worker', '--concurrency', '1', '--no-schedule'],
      {
        DATABASE_URL: db.url,
        LEADLENS_ENCRYPTION_KEYS: KEYS,
        LEADLENS_NOW: new Date(Date.now() + 3_600_000).toISOString(),
        LEADLENS_LOG_LEVEL: 'info',
        HUBSPOT_CLIENT_ID: CLIENT.id,
        HUBSPOT_CLIENT_SECRET: CLIENT.secret,
        HUBSPOT_API_BASE_URL: emu.url,
        LEADLENS_JOB_SLICE_MS: '5000',
        LEADLENS_WORKER_POLL_SECONDS: '0.5',
        LEADLENS_JOB_RETRY_DELAY_SECONDS: '1',
        LEADLENS_JOB_RETRY_LIMIT: '2',
      },
      { deadlineMs: 10 * 60_000 },
    );
    worker.child.stderr!.on('data', (d) => (workerLog += d));
    worker.child.stdout!.on('data', (d) => (workerLog += d));

    const a = engine.forPortal(String(A));
    await until(async () => (await a.getJob('run'))?.status === 'done', 'portal A run', 180_000);
    expect(await a.countScores('contact')).toBeGreaterThan(200);
    const refreshed = (await a.getInstall())!;
    expect(refreshed.status).toBe('installed');
    expect(refreshed.accessToken!.reveal()).not.toBe(staleA);

    const b = engine.forPortal(String(B));
    await until(async () => (await b.getInstall())?.status === 'uninstalled', 'portal B', 60_000);
    const inst = (await b.getInstall())!;
    expect([inst.accessToken, inst.refreshToken]).toEqual([null, null]);
    expect(await b.countScores('contact')).toBe(0);
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    try {
      await until(
        async () =>
          (
            await pg.query(
              `SELECT 1 FROM leadlens_jobs.job WHERE name = 'leadlens-pipeline' AND data->>'portalId' = $1 AND state IN ('created', 'retry', 'active')`,
              [String(B)],
            )
          ).rowCount === 0,
        "portal B's jobs gone",
        60_000,
      );
    } finally {
      await pg.end();
    }
    // No token reached the worker's log.
    expect(workerLog).not.toContain(staleA);
    expect(workerLog).not.toContain(refreshed.accessToken!.reveal());
    expect(workerLog).not.toContain(refreshed.refreshToken!.reveal());
  }, 300_000);
});
