/** `leadlens serve`: the express host (functions, webhooks, workflow action, pages). */
import type { Server } from 'node:http';
import path from 'node:path';
import { type Command } from 'commander';
import { LeadLensError } from '../../contracts/errors';
import type { PipelineDeps } from '../../pipeline';
import { createServer, type ServerOptions } from '../../server/app';
import {
  assertSafeBind,
  configuredAdminCredential,
  generatedAdminCredential,
  isLoopbackHost,
  LOOPBACK_HOSTS,
  type AdminCredential,
} from '../../server/auth';
import { DEFAULT_DB_FILE, openEngine } from '../../server/compose';
import { createLogger } from '../../server/logger';
import { createMarketplaceServer } from '../../server/marketplace';
import { oauthConfigFromEnv } from '../../server/oauth/config';
import { hubspotOAuthApi } from '../../server/oauth/hubspot-oauth';
import { OAuthTokens } from '../../server/oauth/tokens';
import { portalDirectory } from '../../server/portals';
import { isPostgresUrl } from '../../store/open';
import {
  cancelPortalJobs,
  DEFAULT_QUEUE_CONFIG,
  ensureQueues,
  openBoss,
  sendPipelineJob,
} from '../../worker/queue';
import { clockFromEnv, openDeps, withCrmFlags, type CrmFlags } from '../context';
import { secretFrom } from '../secrets';

export interface ListenOptions extends Omit<ServerOptions, 'allowedHosts'> {
  port: number;
  host?: string;
}

/**
 * Binds the server. Beyond loopback only with a configured admin token (assertSafeBind); on
 * loopback the pages answer only to loopback host names (and the public URL's), so a rebinding
 * DNS name cannot reach them through the operator's browser.
 */
export function listen(
  deps: PipelineDeps,
  opts: ListenOptions,
): Promise<{ server: Server; url: string; flushWebhooks: () => Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  assertSafeBind(host, opts.admin);
  const { app, flushWebhooks } = createServer(deps, {
    ...opts,
    allowedHosts: isLoopbackHost(host) ? LOOPBACK_HOSTS : undefined,
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(opts.port, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({ server, url: `http://${shown}:${port}`, flushWebhooks });
    });
    server.on('error', reject);
  });
}

/**
 * The admin credential for `serve`/`demo`: configured (LEADLENS_ADMIN_TOKEN, a token file), or
 * — on loopback only — generated into a 0600 file beside the database.
 */
export function adminFor(opts: {
  host: string;
  tokenFile?: string;
  dbFile?: string;
  env?: NodeJS.ProcessEnv;
}): AdminCredential {
  const configured = configuredAdminCredential({ file: opts.tokenFile, env: opts.env });
  if (configured) return configured;
  if (!isLoopbackHost(opts.host)) {
    assertSafeBind(opts.host, null); // throws, with what to do
  }
  return generatedAdminCredential(
    path.join(path.dirname(opts.dbFile ?? DEFAULT_DB_FILE), 'admin-token'),
  );
}

function parseTrustProxy(v: string | undefined): boolean | number | string | undefined {
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

interface ServeFlags extends CrmFlags {
  marketplace?: boolean;
  port: string;
  host: string;
  publicUrl?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  adminTokenFile?: string;
  portalId?: string;
  appId?: string;
  trustProxy?: string;
}

export function register(program: Command): void {
  withCrmFlags(
    program
      .command('serve')
      .description(
        'Serve the functions (POST /functions/:name), webhooks, the workflow action, hubspot.fetch calls, the scored-contacts page, card previews and the model report. Pages and the operator API need the admin token (sign in at /login, or Authorization: Bearer); HubSpot calls are verified by signature. See docs/security.md.',
      )
      .option('--port <port>', 'port to listen on (0 picks a free one)', '3000')
      .option(
        '--host <host>',
        'interface to bind; anything but loopback needs a configured admin token',
        '127.0.0.1',
      )
      .option('--public-url <url>', 'the URL HubSpot calls (request signatures cover it)')
      .option(
        '--client-secret-file <file>',
        "file holding the app's client secret (default: HUBSPOT_CLIENT_SECRET_FILE or HUBSPOT_CLIENT_SECRET)",
      )
      .option(
        '--client-secret <secret>',
        'the client secret itself — avoid: the process list shows it; use --client-secret-file or HUBSPOT_CLIENT_SECRET',
      )
      .option(
        '--admin-token-file <file>',
        'file holding the admin token for the pages and API (default: LEADLENS_ADMIN_TOKEN_FILE or LEADLENS_ADMIN_TOKEN; on loopback without one, a generated token in admin-token beside the --db file)',
      )
      .option(
        '--portal-id <id>',
        'the HubSpot portal (account) id this server serves; signed calls for others are refused (default: HUBSPOT_PORTAL_ID)',
      )
      .option(
        '--app-id <id>',
        'the HubSpot app id; hubspot.fetch calls for other apps are refused (default: HUBSPOT_APP_ID)',
      )
      .option(
        '--marketplace',
        'serve every portal that installed the marketplace (OAuth) app: the install flow (/oauth/install, /oauth/callback), and webhooks, workflow actions and hubspot.fetch calls routed to the portal HubSpot signed. Needs HUBSPOT_CLIENT_ID, the client secret, --public-url and LEADLENS_ENCRYPTION_KEYS; with DATABASE_URL (PostgreSQL) installs queue their first run and uninstalls cancel queued jobs. See docs/deploy.md',
      )
      .option(
        '--trust-proxy <value>',
        "express 'trust proxy' behind a TLS-terminating proxy: hop count, 'loopback', or a subnet (so cookies are Secure and client addresses real)",
      ),
  ).action(async (flags: ServeFlags) => {
    const clientSecret = secretFrom({
      what: 'client secret',
      flagValue: flags.clientSecret,
      flagName: '--client-secret',
      fileFlagValue: flags.clientSecretFile,
      fileFlagName: '--client-secret-file',
      envVar: 'HUBSPOT_CLIENT_SECRET',
    });
    if (!clientSecret) {
      throw new LeadLensError('CONFIG_INVALID', 'No client secret.', {
        hint: "Set HUBSPOT_CLIENT_SECRET or pass --client-secret-file FILE: the app's client secret verifies HubSpot's webhooks, workflow actions and hubspot.fetch calls.",
      });
    }
    const portalId = flags.portalId ?? process.env.HUBSPOT_PORTAL_ID;
    const appId = flags.appId ?? process.env.HUBSPOT_APP_ID;
    for (const [name, v] of [
      ['--portal-id', portalId],
      ['--app-id', appId],
    ] as const) {
      if (v !== undefined && !/^\d+$/.test(v)) {
        throw new LeadLensError('CONFIG_INVALID', `${name} must be a number, got ${v}.`, {
          hint: 'Use the numeric id shown in HubSpot (account menu for the portal, app settings for the app).',
        });
      }
    }
    if (
      flags.publicUrl &&
      !flags.publicUrl.startsWith('https://') &&
      !isLoopbackHost(new URL(flags.publicUrl).hostname)
    ) {
      process.stderr.write(
        'leadlens: warning: --public-url is not https: the admin token and session cookie would cross the network in clear text.\n',
      );
    }
    const admin = adminFor({ host: flags.host, tokenFile: flags.adminTokenFile, dbFile: flags.db });
    if (flags.marketplace) {
      await serveMarketplace(flags, { clientSecret: clientSecret.value, appId, admin });
      return;
    }
    // The store is filed under the portal the signed calls must come from.
    const deps = await openDeps({ ...flags, portal: flags.portal ?? portalId });
    const { url, server, flushWebhooks } = await listen(deps, {
      port: Number(flags.port),
      host: flags.host,
      clientSecret: clientSecret.value,
      publicBaseUrl: flags.publicUrl,
      admin,
      portalId,
      appId,
      trustProxy: parseTrustProxy(flags.trustProxy),
    });
    process.stdout.write(`listening on ${url}\n`);
    process.stdout.write(
      `pages and API: sign in at ${url}/login with the admin token (${admin.source}${admin.generated ? ', generated for this machine' : ''})\n`,
    );
    const stop = () => {
      server.close();
      void flushWebhooks().finally(() => void deps.close());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * `leadlens serve --marketplace`: one backend for every portal that installed the OAuth app.
 * Pipelines run on `leadlens worker` processes (PostgreSQL); this process answers HubSpot.
 */
async function serveMarketplace(
  flags: ServeFlags,
  opts: { clientSecret: string; appId: string | undefined; admin: AdminCredential },
): Promise<void> {
  const config = oauthConfigFromEnv(process.env, {
    clientSecret: opts.clientSecret,
    publicUrl: flags.publicUrl,
    needsRedirect: true,
  });
  if (!config) {
    throw new LeadLensError('CONFIG_INVALID', '--marketplace needs the app’s OAuth client id.', {
      hint: 'Set HUBSPOT_CLIENT_ID (the marketplace app’s client id, from its Auth tab in HubSpot).',
    });
  }
  const log = createLogger();
  const databaseUrl = process.env.DATABASE_URL ?? null;
  const engine = await openEngine({ databaseUrl, dbFile: flags.db });
  const boss = isPostgresUrl(databaseUrl)
    ? await openBoss(databaseUrl, { schedule: false, supervise: false })
    : null;
  if (boss && databaseUrl) await ensureQueues(boss, DEFAULT_QUEUE_CONFIG, databaseUrl);
  const api = hubspotOAuthApi(config);
  const cancelJobs = boss ? (portalId: string) => cancelPortalJobs(boss, portalId) : undefined;
  const tokens = new OAuthTokens({
    api,
    engine,
    apiBaseUrl: config.apiBaseUrl,
    log,
    onRevoked: async (portalId) => void (await cancelJobs?.(portalId)),
  });
  const portals = portalDirectory(engine, { log, oauth: tokens, now: clockFromEnv() });
  const host = flags.host;
  assertSafeBind(host, opts.admin);
  const { app, flushWebhooks } = createMarketplaceServer({
    engine,
    portals,
    oauth: { config, tokens, api },
    clientSecret: opts.clientSecret,
    publicBaseUrl: flags.publicUrl,
    appId: opts.appId,
    admin: opts.admin,
    log,
    trustProxy: parseTrustProxy(flags.trustProxy),
    allowedHosts: isLoopbackHost(host) ? LOOPBACK_HOSTS : undefined,
    cancelJobs,
    onInstalled: boss
      ? async (portalId) => {
          await sendPipelineJob(boss, { portalId, task: 'run', restart: false, full: true });
        }
      : undefined,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(Number(flags.port), host, () => resolve(s));
    s.on('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : Number(flags.port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  process.stdout.write(`listening on ${url} (marketplace: every installed portal)\n`);
  process.stdout.write(`install link: ${flags.publicUrl!.replace(/\/+$/, '')}/oauth/install\n`);
  const stop = () => {
    server.close();
    void flushWebhooks()
      .then(() => boss?.stop({ graceful: true, wait: true }))
      .finally(() => void engine.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
