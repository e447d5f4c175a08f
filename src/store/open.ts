/**
 * Which engine: PostgreSQL when DATABASE_URL is a postgres:// URL, else the SQLite file.
 * Composition roots (server, CLI, worker, functions) call this; the pipeline never does.
 *
 * Each engine is loaded only when chosen: a worker on PostgreSQL never loads the native
 * better-sqlite3, and build:hubspot swaps the SQLite engine out of the function bundles
 * altogether (HubSpot functions keep no disk; their state is in PostgreSQL).
 */
import { LeadLensError } from '../contracts/errors';
import type { StoreEngine } from './port';
import type * as PostgresEngine from './postgres/engine';
import type { SecretBox } from './secrets';
import type * as SqliteEngine from './sqlite/engine';

export interface OpenStoreOptions {
  /** postgres://… selects PostgreSQL; anything else is ignored in favour of `sqliteFile`. */
  databaseUrl?: string | null;
  sqliteFile: string;
  secrets?: SecretBox | null;
  /** SQLite only: the portal that rows written before portals existed belong to. */
  legacyPortalId?: string | null;
  /** PostgreSQL only: schema of the tables (default 'leadlens'). */
  schema?: string;
}

export function isPostgresUrl(url: string | null | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}

export async function openStoreEngine(opts: OpenStoreOptions): Promise<StoreEngine> {
  if (opts.databaseUrl && !isPostgresUrl(opts.databaseUrl)) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      'DATABASE_URL must be a postgres:// (or postgresql://) URL.',
      {
        hint: 'Unset DATABASE_URL to use the embedded SQLite file (--db), or point it at PostgreSQL.',
      },
    );
  }
  if (isPostgresUrl(opts.databaseUrl)) {
    // require, not import(): the CLI runs through tsx's CommonJS hook, which import() bypasses.
    const { openPostgresEngine } = require('./postgres/engine') as typeof PostgresEngine;
    return openPostgresEngine(opts.databaseUrl, { secrets: opts.secrets, schema: opts.schema });
  }
  const { openSqliteEngine } = require('./sqlite/engine') as typeof SqliteEngine;
  return openSqliteEngine(opts.sqliteFile, {
    secrets: opts.secrets,
    legacyPortalId: opts.legacyPortalId,
  });
}
