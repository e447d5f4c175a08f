/**
 * Composition: the adapters behind the ports, built once per process (server, CLI, worker) or
 * per call (a HubSpot function). The only place that knows which CRM and which store are real.
 */
import { createHubSpotCrm, retryOptionsFromEnv } from '../crm/hubspot';
import type * as SalesforceAdapter from '../crm/salesforce';
import type { SalesforceCrmOptions } from '../crm/salesforce';
import type { CrmPort } from '../crm/port';
import { LeadLensError } from '../errors';
import type { PipelineDeps, Logger } from '../pipeline/deps';
import { DEFAULT_DB_FILE } from '../store/default-file';
import { openStoreEngine } from '../store/open';
import type { Install, StoreEngine, StoreOps } from '../store/port';
import { secretBoxFromEnv } from '../store/secrets';
import { createLogger } from './logger';
import type { OAuthTokens } from './oauth/tokens';

export interface AppDeps extends PipelineDeps {
  close(): Promise<void>;
}

export interface ComposeOptions {
  baseUrl: string;
  token: string;
  /** The portal this process serves; 'default' when the CLI is told none. */
  portalId?: string;
  /** A postgres:// URL selects PostgreSQL (default: DATABASE_URL); otherwise SQLite. */
  databaseUrl?: string | null;
  /** SQLite file; default ./.leadlens/leadlens.db */
  dbFile?: string;
  /** An engine opened by the caller (a worker shares one across portals); not closed here. */
  engine?: StoreEngine;
  log?: Logger;
  seed?: number;
  now?: () => number;
  /** Salesforce instead of HubSpot (then `baseUrl` and `token` are ignored). */
  salesforce?: SalesforceCrmOptions;
}

/** `LEADLENS_CRM_TIMEOUT_MS`: the deadline of one CRM request (default 30 s). */
function timeoutFromEnv(env: NodeJS.ProcessEnv): { timeoutMs?: number } {
  const n = Number(env.LEADLENS_CRM_TIMEOUT_MS);
  return env.LEADLENS_CRM_TIMEOUT_MS && Number.isFinite(n) && n > 0 ? { timeoutMs: n } : {};
}

/**
 * The Salesforce adapter, loaded only when a Salesforce org is asked for: jsforce and its HTTP
 * stack stay out of HubSpot function bundles, which build:hubspot replaces this module in (a
 * function has 128 MB and serves HubSpot only). require, not import(): the CLI runs through
 * tsx's CommonJS hook, which import() bypasses.
 */
function salesforceAdapter(): typeof SalesforceAdapter {
  return require('../crm/salesforce') as typeof SalesforceAdapter;
}

export { DEFAULT_DB_FILE };
export const DEFAULT_PORTAL_ID = 'default';

/** The store engine a process uses, from DATABASE_URL / the SQLite file and the key env. */
export function openEngine(opts: {
  databaseUrl?: string | null;
  dbFile?: string;
  legacyPortalId?: string | null;
  env?: NodeJS.ProcessEnv;
}): Promise<StoreEngine> {
  const env = opts.env ?? process.env;
  return openStoreEngine({
    databaseUrl: opts.databaseUrl === undefined ? (env.DATABASE_URL ?? null) : opts.databaseUrl,
    sqliteFile: opts.dbFile ?? DEFAULT_DB_FILE,
    secrets: secretBoxFromEnv(env),
    legacyPortalId: opts.legacyPortalId ?? null,
  });
}

export async function composeDeps(opts: ComposeOptions): Promise<AppDeps> {
  const portalId = opts.portalId ?? DEFAULT_PORTAL_ID;
  const engine =
    opts.engine ??
    (await openEngine({
      databaseUrl: opts.databaseUrl,
      dbFile: opts.dbFile,
      legacyPortalId: portalId,
    }));
  let store;
  try {
    store = engine.forPortal(portalId);
  } catch (e) {
    if (!opts.engine) await engine.close();
    throw e;
  }
  const log = opts.log ?? createLogger();
  let crm: CrmPort;
  try {
    crm = opts.salesforce
      ? salesforceAdapter().createSalesforceCrm({
          ...opts.salesforce,
          now: opts.now ?? opts.salesforce.now,
        })
      : createHubSpotCrm({
          accessToken: opts.token,
          basePath: opts.baseUrl,
          retry: retryOptionsFromEnv(process.env),
          ...timeoutFromEnv(process.env),
          log: (event, fields) => log.info(event, fields),
        });
  } catch (e) {
    if (!opts.engine) await engine.close();
    throw e;
  }
  if (crm.kind === 'salesforce') await adaptSettingsToSalesforce(store, opts.now ?? Date.now);
  return {
    crm,
    store,
    log,
    now: opts.now ?? Date.now,
    seed: opts.seed ?? 42,
    close: async () => {
      if (!opts.engine) await engine.close();
    },
  };
}

/**
 * Lifecycle stages are HubSpot's: on Salesforce a lifecycle conversion definition (the default)
 * can never label anything, so it becomes "the lead is converted" with the same horizon.
 */
async function adaptSettingsToSalesforce(
  store: { getSettings: StoreOps['getSettings']; saveSettings: StoreOps['saveSettings'] },
  now: () => number,
): Promise<void> {
  const s = await store.getSettings();
  if (s.conversion.kind !== 'lifecycle_customer' && s.conversion.kind !== 'lifecycle_sql') return;
  await store.saveSettings(
    { ...s, conversion: { kind: 'lead_converted', horizonDays: s.conversion.horizonDays } },
    new Date(now()).toISOString(),
  );
}

/** The token a portal's CRM calls use now; never logged, never returned. */
export function accessTokenOf(install: Install, now: number): string {
  if (install.status !== 'installed') {
    throw new LeadLensError('CONFIG_INVALID', `Portal ${install.portalId} is uninstalled.`, {
      hint: 'Install LeadLens in that portal again (`leadlens portals add` for a private app, the marketplace install for OAuth).',
    });
  }
  const token = install.accessToken?.reveal();
  if (install.auth === 'private_app' && token) return token;
  const expires = install.accessTokenExpiresAt ? Date.parse(install.accessTokenExpiresAt) : NaN;
  if (install.auth === 'oauth' && token && expires - now > 60_000) return token;
  throw new LeadLensError(
    'CRM_AUTH',
    install.auth === 'oauth'
      ? `Portal ${install.portalId}'s OAuth access token has expired, and this process has no OAuth client to refresh it.`
      : `Portal ${install.portalId} has no private app token stored.`,
    {
      hint:
        install.auth === 'oauth'
          ? "Set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (the marketplace app's) so access tokens are refreshed."
          : 'Store one with `leadlens portals add --portal <id>` (token from HUBSPOT_ACCESS_TOKEN or --token-file).',
    },
  );
}

export interface PortalComposeOptions {
  log: Logger;
  now?: () => number;
  seed?: number;
  /** Refreshes OAuth installs' access tokens (marketplace); without it they are used until expiry. */
  oauth?: OAuthTokens;
}

/**
 * Deps for one portal of a multi-portal process (a worker, the marketplace server): its store
 * on the shared engine and a CRM client with that portal's own token and API base URL, from
 * its install row. OAuth installs get a token source that refreshes before expiry and after a
 * 401 (oauth/tokens.ts).
 */
export async function composeForPortal(
  engine: StoreEngine,
  portalId: string,
  opts: PortalComposeOptions,
): Promise<PipelineDeps> {
  const store = engine.forPortal(portalId);
  const install = await store.getInstall();
  if (!install) {
    throw new LeadLensError('CONFIG_INVALID', `Portal ${portalId} is not installed.`, {
      hint: 'Install it first (`leadlens portals add --portal <id>` for a private app).',
    });
  }
  const now = opts.now ?? Date.now;
  const log = opts.log;
  const oauth = install.auth === 'oauth' && install.status === 'installed' ? opts.oauth : undefined;
  const crm = createHubSpotCrm({
    accessToken: oauth ? oauth.sourceFor(portalId) : accessTokenOf(install, now()),
    basePath: install.apiBaseUrl,
    retry: retryOptionsFromEnv(process.env),
    ...timeoutFromEnv(process.env),
    log: (event, fields) => log.info(event, { portal: portalId, ...fields }),
  });
  return { crm, store, log, now, seed: opts.seed ?? 42 };
}

/** A HubSpot function's deps: the token, portal and database come from the function's secrets. */
export function composeFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<AppDeps> {
  const token = env.PRIVATE_APP_ACCESS_TOKEN ?? env.HUBSPOT_ACCESS_TOKEN;
  if (!token) {
    throw new LeadLensError('CONFIG_INVALID', 'PRIVATE_APP_ACCESS_TOKEN is not set.', {
      hint: 'Add it as a secret of the function (hs secret add PRIVATE_APP_ACCESS_TOKEN).',
    });
  }
  return composeDeps({
    baseUrl: env.HUBSPOT_BASE_PATH ?? 'https://api.hubapi.com',
    token,
    portalId: env.LEADLENS_PORTAL_ID ?? env.HUBSPOT_PORTAL_ID ?? DEFAULT_PORTAL_ID,
    databaseUrl: env.DATABASE_URL ?? null,
    dbFile: env.LEADLENS_DB,
  });
}
