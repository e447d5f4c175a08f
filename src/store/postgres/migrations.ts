/**
 * PostgreSQL schema migrations, numbered like SQLite's (never edit a shipped one; add the next).
 * They run in one transaction under an advisory lock, so any number of workers and servers can
 * start at once against a new or older database: the first upgrades it, the others wait and
 * then find nothing left to do.
 *
 * Text columns that are compared or ordered (sort keys, ISO timestamps) use the "C" collation:
 * the database's default collation may sort punctuation and digits differently from SQLite,
 * and paging by id must agree between engines.
 */
import type { PoolClient } from 'pg';

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = (
  [
    {
      version: 1,
      description:
        'CRM mirror, jobs, models, scores, write-back ledger, settings, feedback, events, leases, installs — every row keyed by portal',
      sql: `
      CREATE TABLE records (
        portal_id text NOT NULL,
        object_type text NOT NULL,
        id text NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        created_at text NOT NULL,
        updated_at text COLLATE "C" NOT NULL,
        properties text NOT NULL,
        history text NOT NULL,
        associations text NOT NULL,
        history_synced_at text COLLATE "C",
        PRIMARY KEY (portal_id, object_type, id)
      );
      CREATE UNIQUE INDEX records_order ON records (portal_id, object_type, sort_key);
      CREATE INDEX records_history_backlog ON records (portal_id, object_type, sort_key)
        WHERE history_synced_at IS NULL OR history_synced_at < updated_at;

      CREATE TABLE deals (
        portal_id text NOT NULL,
        id text NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        data text NOT NULL,
        PRIMARY KEY (portal_id, id)
      );
      CREATE INDEX deals_order ON deals (portal_id, sort_key);

      CREATE TABLE jobs (
        portal_id text NOT NULL,
        job text NOT NULL,
        data text NOT NULL,
        PRIMARY KEY (portal_id, job)
      );

      CREATE TABLE models (
        portal_id text NOT NULL,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('published', 'shadow', 'retired')),
        model_type text NOT NULL,
        artifact text NOT NULL,
        report text NOT NULL,
        trained_at text NOT NULL,
        published_at text,
        PRIMARY KEY (portal_id, version)
      );

      CREATE TABLE scores (
        portal_id text NOT NULL,
        object_type text NOT NULL,
        id text NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        model_version integer NOT NULL,
        probability double precision NOT NULL,
        score double precision NOT NULL,
        tier text NOT NULL,
        factors text NOT NULL,
        reasons text NOT NULL,
        scored_at text NOT NULL,
        PRIMARY KEY (portal_id, object_type, id)
      );
      CREATE UNIQUE INDEX scores_order ON scores (portal_id, object_type, sort_key);

      CREATE TABLE written (
        portal_id text NOT NULL,
        object_type text NOT NULL,
        id text NOT NULL,
        properties text NOT NULL,
        written_at text NOT NULL,
        PRIMARY KEY (portal_id, object_type, id)
      );

      CREATE TABLE settings (
        portal_id text PRIMARY KEY,
        data text NOT NULL,
        saved_at text NOT NULL
      );

      CREATE TABLE feedback (
        id bigserial PRIMARY KEY,
        portal_id text NOT NULL,
        object_type text NOT NULL,
        record_id text NOT NULL,
        kind text NOT NULL,
        comment text NOT NULL,
        score double precision,
        model_version integer,
        user_id text,
        created_at text NOT NULL
      );
      CREATE INDEX feedback_portal ON feedback (portal_id, id);

      CREATE TABLE events (
        portal_id text NOT NULL,
        event_id text NOT NULL,
        seen_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (portal_id, event_id)
      );
      CREATE INDEX events_seen_at ON events (seen_at);

      CREATE TABLE leases (
        portal_id text PRIMARY KEY,
        token bigint NOT NULL,
        holder text,
        purpose text,
        acquired_at timestamptz,
        renewed_at timestamptz,
        expires_at timestamptz
      );

      CREATE TABLE installs (
        portal_id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('installed', 'uninstalled')),
        auth text NOT NULL CHECK (auth IN ('private_app', 'oauth')),
        hub_id text,
        scopes text NOT NULL,
        api_base_url text NOT NULL,
        access_token_enc text,
        access_token_expires_at text,
        refresh_token_enc text,
        installed_at text NOT NULL,
        uninstalled_at text,
        updated_at text NOT NULL
      );
    `,
    },
    {
      version: 2,
      description: 'the feature plan sync decides, as its own record per portal',
      sql: `
      CREATE TABLE feature_plan (
        portal_id text PRIMARY KEY,
        data text NOT NULL,
        saved_at text NOT NULL
      );
    `,
    },
    {
      version: 21,
      description:
        'signed requests claimed per portal until they expire (the hubspot.fetch replay guard, shared by every process)',
      sql: `
      CREATE TABLE request_claims (
        portal_id text NOT NULL,
        claim_key text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (portal_id, claim_key)
      );
      CREATE INDEX request_claims_expiry ON request_claims (portal_id, expires_at);
    `,
    },
    {
      version: 9,
      description:
        'governance: model scores kept for judging, alerts, the decision log, monitoring runs',
      sql: `
      CREATE TABLE model_scores (
        portal_id text NOT NULL,
        model_version integer NOT NULL,
        id text NOT NULL,
        sort_key text COLLATE "C" NOT NULL,
        scored_at text NOT NULL,
        probability double precision NOT NULL,
        score double precision NOT NULL,
        tier text NOT NULL,
        paired_version integer,
        paired_probability double precision,
        paired_tier text,
        PRIMARY KEY (portal_id, model_version, sort_key, id)
      );

      CREATE TABLE alerts (
        id bigserial PRIMARY KEY,
        portal_id text NOT NULL,
        kind text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('warn', 'alert')),
        model_version integer,
        subject text NOT NULL,
        value double precision NOT NULL,
        threshold double precision NOT NULL,
        message text NOT NULL,
        created_at text NOT NULL,
        resolved_at text,
        crm_task_id text
      );
      CREATE INDEX alerts_portal ON alerts (portal_id, id);

      CREATE TABLE decisions (
        id bigserial PRIMARY KEY,
        portal_id text NOT NULL,
        model_version integer NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        details text NOT NULL,
        at text NOT NULL
      );
      CREATE INDEX decisions_portal ON decisions (portal_id, model_version, id);

      CREATE TABLE monitor_runs (
        id bigserial PRIMARY KEY,
        portal_id text NOT NULL,
        model_version integer NOT NULL,
        at text NOT NULL,
        data text NOT NULL
      );
      CREATE INDEX monitor_runs_portal ON monitor_runs (portal_id, id);
    `,
    },
    {
      version: 3,
      description: 'write failures per record (reason, attempts, what was sent)',
      sql: `
      CREATE TABLE write_failures (
        portal_id text NOT NULL,
        object_type text NOT NULL,
        id text NOT NULL,
        code text NOT NULL,
        message text NOT NULL,
        retryable boolean NOT NULL,
        attempts integer NOT NULL,
        values_key text NOT NULL,
        failed_at text COLLATE "C" NOT NULL,
        PRIMARY KEY (portal_id, object_type, id)
      );
      CREATE INDEX write_failures_recent ON write_failures (portal_id, failed_at);
      ALTER TABLE written ADD COLUMN crm_updated_at text COLLATE "C";
    `,
    },
    {
      version: 23,
      description: 'feedback states an outcome (label corrections); score spikes and their tasks',
      sql: `
      ALTER TABLE feedback ADD COLUMN outcome text;

      CREATE TABLE score_spikes (
        id bigserial PRIMARY KEY,
        portal_id text NOT NULL,
        object_type text NOT NULL,
        record_id text NOT NULL,
        scored_at text NOT NULL,
        from_score double precision,
        to_score double precision NOT NULL,
        from_tier text,
        to_tier text NOT NULL,
        reason text NOT NULL,
        model_version integer,
        created_at text NOT NULL,
        crm_task_id text,
        UNIQUE (portal_id, object_type, record_id, scored_at)
      );
      CREATE INDEX score_spikes_portal ON score_spikes (portal_id, id);
    `,
    },
    {
      version: 31,
      description: 'deal and account model versions, numbered per object type (issue 16)',
      sql: `
      CREATE TABLE object_models (
        portal_id text NOT NULL,
        object_type text NOT NULL,
        version integer NOT NULL,
        status text NOT NULL CHECK (status IN ('published', 'shadow', 'retired')),
        model_type text NOT NULL,
        artifact text NOT NULL,
        report text NOT NULL,
        trained_at text NOT NULL,
        published_at text,
        PRIMARY KEY (portal_id, object_type, version)
      );
    `,
    },
    {
      version: 41,
      description: "kept model scores remember the record's segment (per-segment shadow, issue 16)",
      sql: 'ALTER TABLE model_scores ADD COLUMN segment text',
    },
    // Versions were taken by parallel branches ahead of time, so the list is kept in version
    // order here rather than by where each entry sits in the file.
  ] satisfies PgMigration[]
).sort((a, b) => a.version - b.version);

export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;

/** Any fixed 64-bit number; it only has to differ from other advisory locks on the database. */
const MIGRATION_LOCK = 0x4c4c5f4d49475241n; // "LL_MIGRA"

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Brings `schema` up to `target`; returns the version it is at afterwards. */
export async function migratePostgres(
  client: PoolClient,
  schema: string,
  target: number = PG_LATEST_SCHEMA_VERSION,
): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT MAX(version) AS v FROM schema_version',
    );
    let version = rows[0]?.v ?? 0;
    for (const m of PG_MIGRATIONS) {
      if (m.version <= version || m.version > target) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version]);
      version = m.version;
    }
    await client.query('COMMIT');
    return version;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
