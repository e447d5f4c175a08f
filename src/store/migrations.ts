/**
 * Numbered schema migrations. A database records the last one applied in `schema_version`;
 * opening an older file applies the missing ones in order, each in its own transaction, so a
 * crash mid-upgrade leaves the file at a consistent earlier version. Never edit a migration
 * that has shipped: add the next number instead.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'CRM mirror, jobs, models, scores, write-back ledger, settings, feedback, events',
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
    description: "the feature plan sync decides, as its own record (it was in sync's checkpoint)",
    up(db) {
      db.exec(`
        CREATE TABLE feature_plan (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          data TEXT NOT NULL,
          saved_at TEXT NOT NULL
        );
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function currentSchemaVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

/** Applies every migration above the file's version, up to `target` (tests stop early). */
export function migrate(db: Database.Database, target: number = LATEST_SCHEMA_VERSION): number {
  let version = currentSchemaVersion(db);
  for (const m of MIGRATIONS) {
    if (m.version <= version || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
        m.version,
        new Date().toISOString(),
      );
    })();
    version = m.version;
  }
  return version;
}
