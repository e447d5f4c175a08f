/** Building the deps a CLI command needs from its flags, and the shared output helpers. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { JobResult } from '../contracts/functions';
import { LeadLensError } from '../contracts/errors';
import { composeDeps, DEFAULT_DB_FILE, type AppDeps } from '../server/compose';
import { createLogger } from '../server/logger';
import { resolvePortal } from './config';

export interface CrmFlags {
  crm?: string;
  instanceUrl?: string;
  baseUrl?: string;
  token?: string;
  tokenFile?: string;
  portal?: string;
  db?: string;
  json?: boolean;
}

/** The flags every CRM-facing command takes. */
export function withCrmFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--crm <crm>', 'which CRM').choices(['hubspot', 'salesforce']).default('hubspot'),
    )
    .option('--base-url <url>', 'API base URL (default: the default portal of hubspot.config.yml)')
    .option(
      '--instance-url <url>',
      'Salesforce instance URL, a bare origin (default: SALESFORCE_INSTANCE_URL); credentials from SALESFORCE_ACCESS_TOKEN (or --token-file), or SALESFORCE_REFRESH_TOKEN + SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET',
    )
    .option(
      '--token-file <file>',
      'file holding the private app access token (default: HUBSPOT_ACCESS_TOKEN_FILE, HUBSPOT_ACCESS_TOKEN, then hubspot.config.yml)',
    )
    .addOption(
      new Option(
        '--token <token>',
        'the access token itself — avoid: the process list shows it to every user; use --token-file or HUBSPOT_ACCESS_TOKEN',
      ),
    )
    .option(
      '--portal <id>',
      'portal (hub) id the data is filed under (default: HUBSPOT_PORTAL_ID, the config portalId, or "default")',
    )
    .option(
      '--db <file>',
      'SQLite state file (ignored when DATABASE_URL is a postgres:// URL)',
      DEFAULT_DB_FILE,
    )
    .option('--json', 'print one machine-readable JSON summary on stdout');
}

/**
 * Read-only commands (status, listings, cards, alerts, verify) never create the store. Opening a
 * SQLite file that does not exist creates a new, empty one, and the command then answers
 * "nothing" (`[]`, no model) — which reads as "no models yet", not "wrong file", and leaves a
 * stray database behind. With DATABASE_URL set the store is PostgreSQL: nothing to check here.
 */
export function requireExistingStore(
  flags: CrmFlags,
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (env.DATABASE_URL) return;
  const file = flags.db ?? DEFAULT_DB_FILE;
  if (file === ':memory:' || existsSync(file)) return;
  throw new LeadLensError(
    'NOT_FOUND',
    `There is no LeadLens state file at ${path.resolve(file)}; \`leadlens ${command}\` only reads the state that \`leadlens run\` (or sync, train) writes, so it creates none.`,
    {
      hint: `Pass --db with the file those commands used (default ${DEFAULT_DB_FILE}, relative to the directory they ran in), or set DATABASE_URL for a PostgreSQL store; on a new install run \`leadlens run\` first.`,
      details: { db: path.resolve(file) },
    },
  );
}

export function openDeps(flags: CrmFlags, opts: { readOnly?: string } = {}): Promise<AppDeps> {
  if (opts.readOnly !== undefined) requireExistingStore(flags, opts.readOnly);
  if (flags.crm === 'salesforce') return openSalesforceDeps(flags);
  const portal = resolvePortal({
    baseUrl: flags.baseUrl,
    token: flags.token,
    tokenFile: flags.tokenFile,
    portalId: flags.portal,
  });
  // Logs go to stderr as JSON only when asked; the CLI talks to people through the progress bar.
  const log = createLogger({ level: process.env.LEADLENS_LOG_LEVEL ?? 'warn' });
  return composeDeps({
    baseUrl: portal.baseUrl,
    token: portal.token,
    portalId: portal.portalId,
    dbFile: flags.db,
    log,
    now: clockFromEnv(),
  });
}

/**
 * Salesforce deps from flags and the environment. The org's data is filed under --portal,
 * SALESFORCE_ORG_ID, or "salesforce".
 */
function openSalesforceDeps(
  flags: CrmFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AppDeps> {
  const instanceUrl = flags.instanceUrl ?? env.SALESFORCE_INSTANCE_URL;
  if (!instanceUrl) {
    throw new LeadLensError('CONFIG_INVALID', 'No Salesforce instance URL was given.', {
      hint: 'Pass --instance-url https://<my-domain>.my.salesforce.com or set SALESFORCE_INSTANCE_URL.',
    });
  }
  if (flags.token) {
    process.stderr.write(
      'warning: --token shows the token to every user of this machine; use --token-file or SALESFORCE_ACCESS_TOKEN.\n',
    );
  }
  const accessToken =
    (flags.tokenFile ? readFileSync(flags.tokenFile, 'utf8').trim() : undefined) ??
    flags.token ??
    env.SALESFORCE_ACCESS_TOKEN;
  const share = env.SALESFORCE_API_BUDGET_SHARE
    ? Number(env.SALESFORCE_API_BUDGET_SHARE)
    : undefined;
  if (share !== undefined && !(share > 0 && share <= 1)) {
    throw new LeadLensError('CONFIG_INVALID', 'SALESFORCE_API_BUDGET_SHARE must be in (0, 1].', {
      hint: "e.g. 0.5 lets LeadLens use half of the org's daily API allowance.",
    });
  }
  // Write-back calls above this many leads use Bulk API 2.0; "off" keeps them on Collections.
  const bulkRaw = env.SALESFORCE_BULK_THRESHOLD?.trim();
  const bulkThreshold =
    bulkRaw === undefined || bulkRaw === ''
      ? undefined
      : bulkRaw === 'off'
        ? null
        : Number(bulkRaw);
  if (
    typeof bulkThreshold === 'number' &&
    !(Number.isInteger(bulkThreshold) && bulkThreshold >= 0)
  ) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      'SALESFORCE_BULK_THRESHOLD must be a whole number or "off".',
      {
        hint: 'Default 2,000 (Salesforce: Bulk API 2.0 for more than 2,000 records).',
      },
    );
  }
  const log = createLogger({ level: env.LEADLENS_LOG_LEVEL ?? 'warn' });
  return composeDeps({
    baseUrl: instanceUrl,
    token: '',
    portalId: flags.portal ?? env.SALESFORCE_ORG_ID ?? 'salesforce',
    dbFile: flags.db,
    log,
    now: clockFromEnv(),
    salesforce: {
      instanceUrl,
      ...(accessToken ? { accessToken } : {}),
      ...(env.SALESFORCE_REFRESH_TOKEN ? { refreshToken: env.SALESFORCE_REFRESH_TOKEN } : {}),
      ...(env.SALESFORCE_CLIENT_ID ? { clientId: env.SALESFORCE_CLIENT_ID } : {}),
      ...(env.SALESFORCE_CLIENT_SECRET ? { clientSecret: env.SALESFORCE_CLIENT_SECRET } : {}),
      ...(env.SALESFORCE_LOGIN_URL ? { loginUrl: env.SALESFORCE_LOGIN_URL } : {}),
      ...(share !== undefined ? { dailyBudgetShare: share } : {}),
      ...(bulkThreshold !== undefined ? { bulkThreshold } : {}),
    },
  });
}

/** A progress line on stderr for a TTY; silent otherwise (CI logs, --json). */
export function progressReporter(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_r: JobResult) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {stage} | {progress} | elapsed {duration_formatted} | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(7, 0, { stage: 'starting', progress: '' });
  const stages = ['provision', 'sync', 'train', 'score', 'monitor', 'writeback', 'spikes', 'done'];
  return {
    update(r: JobResult) {
      const stage = String(r.summary.stage ?? r.job);
      bar.update(Math.max(0, stages.indexOf(stage)), { stage, progress: r.progress });
    },
    stop: () => bar.stop(),
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * LEADLENS_LEASE_TTL_MS: how long a run's lease outlives its last renewal (default 120 s). A
 * killed run frees its portal after this long; it must outlast the longest blocking step.
 */
export function leaseTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!env.LEADLENS_LEASE_TTL_MS) return undefined;
  const ms = Number(env.LEADLENS_LEASE_TTL_MS);
  if (!Number.isInteger(ms) || ms < 500) {
    throw new LeadLensError('CONFIG_INVALID', 'LEADLENS_LEASE_TTL_MS must be an integer ≥ 500.', {
      hint: 'Unset it for the default (120000), or give milliseconds.',
    });
  }
  return ms;
}

/**
 * LEADLENS_NOW (ISO) pins "now" for reproducible runs: back-scoring as of a date, or comparing
 * two runs exactly. Unset, the clock is the real one.
 */
export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): (() => number) | undefined {
  if (!env.LEADLENS_NOW) return undefined;
  const t = Date.parse(env.LEADLENS_NOW);
  if (!Number.isFinite(t))
    throw new Error(
      `LEADLENS_NOW must be an ISO date-time, got ${JSON.stringify(env.LEADLENS_NOW)}.`,
    );
  return () => t;
}
