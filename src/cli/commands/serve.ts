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
import { DEFAULT_DB_FILE } from '../../server/compose';
import { openDeps, withCrmFlags, type CrmFlags } from '../context';
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
