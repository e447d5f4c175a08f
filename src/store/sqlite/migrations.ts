/**
 * Numbered schema migrations. A database records the last one applied in `schema_version`;
 * opening an older file applies the missing ones in order, each in its own transaction, so a
 * crash mid-upgrade leaves the file at a consistent earlier version. Never edit a migration
 * that has shipped: add the next number instead.
 */
import type Database from 'better-sqlite3';
import { LeadLensError } from '../../contracts/errors';

export interface MigrationContext {
  /**
   * The portal that rows written before portals existed (schema ≤ 2) belong to: the one the
   * opener is configured for, which is the configuration that wrote them.
   */
  legacyPortalId: string | null;
}

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database, ctx: MigrationContext): void;
}

export const MIGRATIONS: readonly Migration[] = (
  [
    {
      version: 1,
      description:
        'CRM mirror, jobs, models, scores, write-back ledger, settings, feedback, events',
      up(db) {
        // `sort_key` orders ids numerically when they are numeric (HubSpot ids are), and after
        // all numeric ids otherwise, so paging by "after id" is one indexed range scan.
        db.exec(`
        CREATE TABLE records (
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          properties TEXT NOT NULL,
          history TEXT NOT NULL,
          associations TEXT NOT NULL,
          history_synced_at TEXT,
          PRIMARY KEY (object_type, id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX records_order ON records (object_type, sort_key);

        CREATE TABLE deals (
          id TEXT PRIMARY KEY,
          sort_key TEXT NOT NULL,
          data TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE jobs (
          job TEXT PRIMARY KEY,
          data TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE models (
          version INTEGER PRIMARY KEY AUTOINCREMENT,
          status TEXT NOT NULL CHECK (status IN ('published', 'shadow', 'retired')),
          model_type TEXT NOT NULL,
          artifact TEXT NOT NULL,
          report TEXT NOT NULL,
          trained_at TEXT NOT NULL,
          published_at TEXT
        );

        CREATE TABLE scores (
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          model_version INTEGER NOT NULL,
          probability REAL NOT NULL,
          score REAL NOT NULL,
          tier TEXT NOT NULL,
          factors TEXT NOT NULL,
          reasons TEXT NOT NULL,
          scored_at TEXT NOT NULL,
          PRIMARY KEY (object_type, id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX scores_order ON scores (object_type, sort_key);

        CREATE TABLE written (
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          properties TEXT NOT NULL,
          written_at TEXT NOT NULL,
          PRIMARY KEY (object_type, id)
        ) WITHOUT ROWID;

        CREATE TABLE settings (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          data TEXT NOT NULL,
          saved_at TEXT NOT NULL
        );

        CREATE TABLE feedback (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          object_type TEXT NOT NULL,
          record_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          comment TEXT NOT NULL,
          score REAL,
          model_version INTEGER,
          user_id TEXT,
          created_at TEXT NOT NULL
        );

        CREATE TABLE events (
          event_id TEXT PRIMARY KEY,
          seen_at TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
      },
    },
    {
      version: 2,
      description: 'indexes for the history backlog and for pruning old webhook event ids',
      up(db) {
        // A partial index: only contacts still waiting for history are in it, so the backlog
        // query stays cheap once a 100k-contact portal is fully synced.
        db.exec(`
        CREATE INDEX records_history_backlog ON records (object_type, sort_key)
          WHERE history_synced_at IS NULL OR history_synced_at < updated_at;
        CREATE INDEX events_seen_at ON events (seen_at);
      `);
      },
    },
    {
      version: 3,
      description:
        'every row belongs to a portal; model versions per portal; run leases; portal installs',
      up(db, ctx) {
        const legacyRows = [
          'records',
          'deals',
          'jobs',
          'models',
          'scores',
          'written',
          'settings',
          'feedback',
        ].reduce(
          (n, t) => n + (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n,
          0,
        );
        if (legacyRows > 0 && ctx.legacyPortalId === null) {
          throw new LeadLensError(
            'STORE_ERROR',
            'This LeadLens database was written before portals existed and must be told which portal its data belongs to.',
            {
              hint: 'Open it once from the CLI configured for that portal (e.g. `leadlens status --portal <hub id>`); it is upgraded in place.',
            },
          );
        }
        // SQLite cannot change a primary key in place: each table is rebuilt with portal_id
        // leading its key, and the old rows are copied over under the legacy portal.
        db.prepare('CREATE TEMP TABLE legacy_portal (id TEXT NOT NULL)').run();
        db.prepare('INSERT INTO legacy_portal VALUES (?)').run(ctx.legacyPortalId ?? '');
        db.exec(`
        CREATE TABLE records_v3 (
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          properties TEXT NOT NULL,
          history TEXT NOT NULL,
          associations TEXT NOT NULL,
          history_synced_at TEXT,
          PRIMARY KEY (portal_id, object_type, id)
        ) WITHOUT ROWID;
        INSERT INTO records_v3 SELECT (SELECT id FROM legacy_portal), object_type, id, sort_key,
          created_at, updated_at, properties, history, associations, history_synced_at FROM records;
        DROP TABLE records;
        ALTER TABLE records_v3 RENAME TO records;
        CREATE UNIQUE INDEX records_order ON records (portal_id, object_type, sort_key);
        CREATE INDEX records_history_backlog ON records (portal_id, object_type, sort_key)
          WHERE history_synced_at IS NULL OR history_synced_at < updated_at;

        CREATE TABLE deals_v3 (
          portal_id TEXT NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (portal_id, id)
        ) WITHOUT ROWID;
        INSERT INTO deals_v3 SELECT (SELECT id FROM legacy_portal), id, sort_key, data FROM deals;
        DROP TABLE deals;
        ALTER TABLE deals_v3 RENAME TO deals;
        CREATE INDEX deals_order ON deals (portal_id, sort_key);

        CREATE TABLE jobs_v3 (
          portal_id TEXT NOT NULL,
          job TEXT NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (portal_id, job)
        ) WITHOUT ROWID;
        INSERT INTO jobs_v3 SELECT (SELECT id FROM legacy_portal), job, data FROM jobs;
        DROP TABLE jobs;
        ALTER TABLE jobs_v3 RENAME TO jobs;

        CREATE TABLE models_v3 (
          portal_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('published', 'shadow', 'retired')),
          model_type TEXT NOT NULL,
          artifact TEXT NOT NULL,
          report TEXT NOT NULL,
          trained_at TEXT NOT NULL,
          published_at TEXT,
          PRIMARY KEY (portal_id, version)
        );
        INSERT INTO models_v3 SELECT (SELECT id FROM legacy_portal), version, status, model_type,
          artifact, report, trained_at, published_at FROM models;
        DROP TABLE models;
        ALTER TABLE models_v3 RENAME TO models;

        CREATE TABLE scores_v3 (
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          model_version INTEGER NOT NULL,
          probability REAL NOT NULL,
          score REAL NOT NULL,
          tier TEXT NOT NULL,
          factors TEXT NOT NULL,
          reasons TEXT NOT NULL,
          scored_at TEXT NOT NULL,
          PRIMARY KEY (portal_id, object_type, id)
        ) WITHOUT ROWID;
        INSERT INTO scores_v3 SELECT (SELECT id FROM legacy_portal), object_type, id, sort_key,
          model_version, probability, score, tier, factors, reasons, scored_at FROM scores;
        DROP TABLE scores;
        ALTER TABLE scores_v3 RENAME TO scores;
        CREATE UNIQUE INDEX scores_order ON scores (portal_id, object_type, sort_key);

        CREATE TABLE written_v3 (
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          properties TEXT NOT NULL,
          written_at TEXT NOT NULL,
          PRIMARY KEY (portal_id, object_type, id)
        ) WITHOUT ROWID;
        INSERT INTO written_v3 SELECT (SELECT id FROM legacy_portal), object_type, id, properties,
          written_at FROM written;
        DROP TABLE written;
        ALTER TABLE written_v3 RENAME TO written;

        CREATE TABLE settings_v3 (
          portal_id TEXT PRIMARY KEY,
          data TEXT NOT NULL,
          saved_at TEXT NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO settings_v3 SELECT (SELECT id FROM legacy_portal), data, saved_at FROM settings;
        DROP TABLE settings;
        ALTER TABLE settings_v3 RENAME TO settings;

        CREATE TABLE feedback_v3 (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          record_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          comment TEXT NOT NULL,
          score REAL,
          model_version INTEGER,
          user_id TEXT,
          created_at TEXT NOT NULL
        );
        INSERT INTO feedback_v3 SELECT id, (SELECT id FROM legacy_portal), object_type, record_id,
          kind, comment, score, model_version, user_id, created_at FROM feedback;
        DROP TABLE feedback;
        ALTER TABLE feedback_v3 RENAME TO feedback;
        CREATE INDEX feedback_portal ON feedback (portal_id, id);

        CREATE TABLE events_v3 (
          portal_id TEXT NOT NULL,
          event_id TEXT NOT NULL,
          seen_at TEXT NOT NULL,
          PRIMARY KEY (portal_id, event_id)
        ) WITHOUT ROWID;
        INSERT INTO events_v3 SELECT (SELECT id FROM legacy_portal), event_id, seen_at FROM events;
        DROP TABLE events;
        ALTER TABLE events_v3 RENAME TO events;
        CREATE INDEX events_seen_at ON events (seen_at);

        CREATE TABLE leases (
          portal_id TEXT PRIMARY KEY,
          token INTEGER NOT NULL,
          holder TEXT,
          purpose TEXT,
          acquired_at TEXT,
          renewed_at TEXT,
          expires_at TEXT
        ) WITHOUT ROWID;

        CREATE TABLE installs (
          portal_id TEXT PRIMARY KEY,
          status TEXT NOT NULL CHECK (status IN ('installed', 'uninstalled')),
          auth TEXT NOT NULL CHECK (auth IN ('private_app', 'oauth')),
          hub_id TEXT,
          scopes TEXT NOT NULL,
          api_base_url TEXT NOT NULL,
          access_token_enc TEXT,
          access_token_expires_at TEXT,
          refresh_token_enc TEXT,
          installed_at TEXT NOT NULL,
          uninstalled_at TEXT,
          updated_at TEXT NOT NULL
        ) WITHOUT ROWID;

        DROP TABLE legacy_portal;
      `);
      },
    },
    {
      version: 4,
      description:
        "the feature plan sync decides, as its own record per portal (it was in sync's checkpoint)",
      up(db) {
        db.exec(`
        CREATE TABLE feature_plan (
          portal_id TEXT PRIMARY KEY,
          data TEXT NOT NULL,
          saved_at TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
      },
    },
    {
      version: 5,
      description:
        "write failures per record (reason, attempts, what was sent), so they are shown and not retried blindly; the CRM's modification time after our last write",
      up(db) {
        db.exec(`
        CREATE TABLE write_failures (
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          id TEXT NOT NULL,
          code TEXT NOT NULL,
          message TEXT NOT NULL,
          retryable INTEGER NOT NULL,
          attempts INTEGER NOT NULL,
          values_key TEXT NOT NULL,
          failed_at TEXT NOT NULL,
          PRIMARY KEY (portal_id, object_type, id)
        ) WITHOUT ROWID;
        CREATE INDEX write_failures_recent ON write_failures (portal_id, failed_at);
        ALTER TABLE written ADD COLUMN crm_updated_at TEXT;
      `);
      },
    },
    {
      version: 21,
      description:
        'signed requests claimed per portal until they expire (the hubspot.fetch replay guard, shared by every process)',
      up(db) {
        db.exec(`
        CREATE TABLE request_claims (
          portal_id TEXT NOT NULL,
          claim_key TEXT NOT NULL,
          expires_at INTEGER NOT NULL,
          PRIMARY KEY (portal_id, claim_key)
        ) WITHOUT ROWID;
        CREATE INDEX request_claims_expiry ON request_claims (portal_id, expires_at);
      `);
      },
    },
    {
      version: 11,
      description:
        'governance: model scores kept for judging, alerts, the decision log, monitoring runs',
      up(db) {
        db.exec(`
        CREATE TABLE model_scores (
          portal_id TEXT NOT NULL,
          model_version INTEGER NOT NULL,
          id TEXT NOT NULL,
          sort_key TEXT NOT NULL,
          scored_at TEXT NOT NULL,
          probability REAL NOT NULL,
          score REAL NOT NULL,
          tier TEXT NOT NULL,
          paired_version INTEGER,
          paired_probability REAL,
          paired_tier TEXT,
          PRIMARY KEY (portal_id, model_version, sort_key, id)
        ) WITHOUT ROWID;

        CREATE TABLE alerts (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          portal_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          severity TEXT NOT NULL CHECK (severity IN ('warn', 'alert')),
          model_version INTEGER,
          subject TEXT NOT NULL,
          value REAL NOT NULL,
          threshold REAL NOT NULL,
          message TEXT NOT NULL,
          created_at TEXT NOT NULL,
          resolved_at TEXT,
          crm_task_id TEXT
        );
        CREATE INDEX alerts_portal ON alerts (portal_id, id);

        CREATE TABLE decisions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          portal_id TEXT NOT NULL,
          model_version INTEGER NOT NULL,
          action TEXT NOT NULL,
          actor TEXT NOT NULL,
          reason TEXT NOT NULL,
          details TEXT NOT NULL,
          at TEXT NOT NULL
        );
        CREATE INDEX decisions_portal ON decisions (portal_id, model_version, id);

        CREATE TABLE monitor_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          portal_id TEXT NOT NULL,
          model_version INTEGER NOT NULL,
          at TEXT NOT NULL,
          data TEXT NOT NULL
        );
        CREATE INDEX monitor_runs_portal ON monitor_runs (portal_id, id);
      `);
      },
    },
    {
      version: 23,
      description: 'feedback states an outcome (label corrections); score spikes and their tasks',
      up(db) {
        db.exec(`
        ALTER TABLE feedback ADD COLUMN outcome TEXT;

        CREATE TABLE score_spikes (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          record_id TEXT NOT NULL,
          scored_at TEXT NOT NULL,
          from_score REAL,
          to_score REAL NOT NULL,
          from_tier TEXT,
          to_tier TEXT NOT NULL,
          reason TEXT NOT NULL,
          model_version INTEGER,
          created_at TEXT NOT NULL,
          crm_task_id TEXT,
          UNIQUE (portal_id, object_type, record_id, scored_at)
        );
        CREATE INDEX score_spikes_portal ON score_spikes (portal_id, id);
      `);
      },
    },
    {
      version: 31,
      description: 'deal and account model versions, numbered per object type (issue 16)',
      up(db) {
        db.exec(`
        CREATE TABLE object_models (
          portal_id TEXT NOT NULL,
          object_type TEXT NOT NULL,
          version INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('published', 'shadow', 'retired')),
          model_type TEXT NOT NULL,
          artifact TEXT NOT NULL,
          report TEXT NOT NULL,
          trained_at TEXT NOT NULL,
          published_at TEXT,
          PRIMARY KEY (portal_id, object_type, version)
        );
      `);
      },
    },
    {
      version: 41,
      description: "kept model scores remember the record's segment (per-segment shadow, issue 16)",
      up(db) {
        db.exec('ALTER TABLE model_scores ADD COLUMN segment TEXT');
      },
    },
    // Versions were taken by parallel branches ahead of time, so the list is kept in version
    // order here rather than by where each entry sits in the file.
  ] satisfies Migration[]
).sort((a, b) => a.version - b.version);

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function currentSchemaVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

/** Applies every migration above the file's version, up to `target` (tests stop early). */
export function migrate(
  db: Database.Database,
  target: number = LATEST_SCHEMA_VERSION,
  ctx: MigrationContext = { legacyPortalId: null },
): number {
  let version = currentSchemaVersion(db);
  for (const m of MIGRATIONS) {
    if (m.version <= version || m.version > target) continue;
    // IMMEDIATE takes the write lock before reading the version, so two processes opening an
    // old file at once upgrade it once: the second waits, then finds the work done.
    db.transaction(() => {
      if (currentSchemaVersion(db) >= m.version) return;
      m.up(db, ctx);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
        m.version,
        new Date().toISOString(),
      );
    }).immediate();
    version = m.version;
  }
  return version;
}
