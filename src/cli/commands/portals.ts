/**
 * `leadlens portals`: the portals a multi-portal deployment serves (the installs table). A
 * private app's token is read from a file or the environment — never from argv, where any
 * user of the machine can see it — and stored encrypted (LEADLENS_ENCRYPTION_KEYS).
 */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { LeadLensError } from '../../contracts/errors';
import { HUBSPOT_API } from '../config';
import { DEFAULT_DB_FILE, openEngine } from '../../server/compose';
import type { StoreEngine } from '../../store/port';
import { Secret } from '../../store/secrets';
import { printJson } from '../context';

async function withEngine<T>(db: string, fn: (engine: StoreEngine) => Promise<T>): Promise<T> {
  const engine = await openEngine({ dbFile: db });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

function readToken(flagFile: string | undefined): string {
  // The same sources, in the same order, as every other command's HubSpot token.
  const file = flagFile ?? (process.env.HUBSPOT_ACCESS_TOKEN_FILE || undefined);
  if (file) {
    try {
      const token = readFileSync(file, 'utf8').trim();
      if (token) return token;
    } catch (e) {
      throw new LeadLensError('CONFIG_INVALID', `Could not read the token file ${file}.`, {
        hint: 'Give a file that holds the private app token on its first line.',
        cause: e,
      });
    }
  }
  const env = process.env.HUBSPOT_ACCESS_TOKEN;
  if (env) return env.trim();
  throw new LeadLensError('CONFIG_INVALID', 'No private app token was given.', {
    hint: 'Pass --token-file FILE, or set HUBSPOT_ACCESS_TOKEN_FILE or HUBSPOT_ACCESS_TOKEN.',
  });
}

export function register(program: Command): void {
  const portals = program
    .command('portals')
    .description(
      'The portals this deployment serves (workers schedule every installed one); tokens stored encrypted.',
    );
  const dbOption = [
    '--db <file>',
    'SQLite file when DATABASE_URL is not set',
    DEFAULT_DB_FILE,
  ] as const;

  portals
    .command('add')
    .description('Install a portal with a private app token (static auth).')
    .requiredOption('--portal <id>', 'portal (hub) id')
    .option('--base-url <url>', 'API base URL', HUBSPOT_API)
    .option(
      '--token-file <file>',
      'file holding the private app token (default: HUBSPOT_ACCESS_TOKEN_FILE, then HUBSPOT_ACCESS_TOKEN)',
    )
    .option('--scopes <list>', 'comma-separated scopes the token was granted', '')
    .option(...dbOption)
    .action(
      async (flags: {
        portal: string;
        baseUrl: string;
        tokenFile?: string;
        scopes: string;
        db: string;
      }) => {
        const token = readToken(flags.tokenFile);
        await withEngine(flags.db, async (engine) => {
          await engine.forPortal(flags.portal).saveInstall({
            auth: 'private_app',
            hubId: /^\d+$/.test(flags.portal) ? flags.portal : null,
            scopes: flags.scopes
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
            apiBaseUrl: flags.baseUrl.replace(/\/$/, ''),
            accessToken: new Secret(token),
            accessTokenExpiresAt: null,
            refreshToken: null,
            installedAt: new Date().toISOString(),
          });
          printJson({ installed: flags.portal, auth: 'private_app', apiBaseUrl: flags.baseUrl });
        });
      },
    );

  portals
    .command('list')
    .description('List the installed and uninstalled portals, and who is running each one now.')
    .option(...dbOption)
    .action(async (flags: { db: string }) => {
      await withEngine(flags.db, async (engine) => {
        const leases = new Map((await engine.listLeases()).map((l) => [l.portalId, l]));
        printJson(
          (await engine.listInstalls()).map((i) => {
            const l = leases.get(i.portalId);
            return {
              ...i,
              running: l?.live
                ? { holder: l.holder, purpose: l.purpose, since: l.acquiredAt }
                : null,
            };
          }),
        );
      });
    });

  portals
    .command('remove')
    .description(
      'Uninstall a portal: its tokens are erased and workers stop running it; its data stays.',
    )
    .requiredOption('--portal <id>', 'portal (hub) id')
    .option(...dbOption)
    .action(async (flags: { portal: string; db: string }) => {
      await withEngine(flags.db, async (engine) => {
        await engine.forPortal(flags.portal).markUninstalled(new Date().toISOString());
        printJson({ uninstalled: flags.portal });
      });
    });

  portals
    .command('rotate-keys')
    .description(
      'Re-encrypt every stored token under the first key of LEADLENS_ENCRYPTION_KEYS (then the old keys can be dropped).',
    )
    .option(...dbOption)
    .action(async (flags: { db: string }) => {
      await withEngine(flags.db, async (engine) => {
        const out = await engine.rotateSecrets();
        printJson(out);
        if (out.unreadable.length > 0) process.exitCode = 1;
      });
    });
}
