/**
 * Composition: the adapters behind the ports, built once per process (server, CLI) or per
 * call (a HubSpot function). The only place that knows which CRM and which store are real.
 */
import path from 'node:path';
import { createHubSpotCrm } from '../crm/hubspot';
import { LeadLensError } from '../errors';
import type { PipelineDeps, Logger } from '../pipeline/deps';
import { openSqliteStore } from '../store/sqlite';
import { createLogger } from './logger';

export interface AppDeps extends PipelineDeps {
  close(): void;
}

export interface ComposeOptions {
  baseUrl: string;
  token: string;
  /** SQLite file; default ./.leadlens/leadlens.db */
  dbFile?: string;
  log?: Logger;
  seed?: number;
  now?: () => number;
}

export const DEFAULT_DB_FILE = path.join('.leadlens', 'leadlens.db');

export function composeDeps(opts: ComposeOptions): AppDeps {
  const store = openSqliteStore(opts.dbFile ?? DEFAULT_DB_FILE);
  const log = opts.log ?? createLogger();
  const crm = createHubSpotCrm({
    accessToken: opts.token,
    basePath: opts.baseUrl,
    log: (event, fields) => log.info(event, fields),
  });
  return {
    crm,
    store,
    log,
    now: opts.now ?? Date.now,
    seed: opts.seed ?? 42,
    close: () => store.close(),
  };
}

/** A HubSpot function's deps: the token and base path come from the function's secrets. */
export function composeFromEnv(env: NodeJS.ProcessEnv = process.env): AppDeps {
  const token = env.PRIVATE_APP_ACCESS_TOKEN ?? env.HUBSPOT_ACCESS_TOKEN;
  if (!token) {
    throw new LeadLensError('CONFIG_INVALID', 'PRIVATE_APP_ACCESS_TOKEN is not set.', {
      hint: 'Add it as a secret of the function (hs secret add PRIVATE_APP_ACCESS_TOKEN).',
    });
  }
  return composeDeps({
    baseUrl: env.HUBSPOT_BASE_PATH ?? 'https://api.hubapi.com',
    token,
    dbFile: env.LEADLENS_DB,
  });
}
