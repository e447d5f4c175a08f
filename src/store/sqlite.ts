/**
 * The SQLite implementation of StorePort over better-sqlite3: one real database file in WAL
 * mode (readers never block the writer; a killed process loses at most the open transaction).
 * Records are kept as compact JSON text columns; ids are ordered through `sortKey`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LeadLensError } from '../contracts/errors';
import type { CrmRecord, DealOutcome } from '../contracts/records';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../contracts/settings';
import type {
  FeedbackRow,
  JobCheckpoint,
  ScoreRow,
  StoredModel,
  StoredObjectType,
  StorePort,
} from './port';
import { migrate } from './migrations';
import { sortKey } from './sort-key';
import { createModelStore } from './sqlite-models';
import { createScoreStore } from './sqlite-scores';

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

interface RecordRow {
  object_type: string;
  id: string;
  created_at: string;
  updated_at: string;
  properties: string;
  history: string;
  associations: string;
  history_synced_at: string | null;
}

function toRecord(r: RecordRow): CrmRecord {
  return {
    id: r.id,
    objectType: r.object_type as CrmRecord['objectType'],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    properties: JSON.parse(r.properties) as CrmRecord['properties'],
    history: JSON.parse(r.history) as CrmRecord['history'],
    associations: JSON.parse(r.associations) as CrmRecord['associations'],
  };
}

function openDatabase(file: string): Database.Database {
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL + NORMAL is durable across process crashes (only an OS crash can lose the last commit).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (e) {
    throw new LeadLensError('STORE_ERROR', `Could not open the LeadLens database at ${file}.`, {
      hint: 'Check that the folder is writable and the file is a LeadLens SQLite database (delete it to start over).',
      cause: e,
    });
  }
}

export function openSqliteStore(file: string): StorePort {
  const db = openDatabase(file);

  const selectRecord = db.prepare<[string, string], RecordRow>(
    'SELECT * FROM records WHERE object_type = ? AND id = ?',
  );
  const insertRecord = db.prepare(
    `INSERT OR REPLACE INTO records
       (object_type, id, sort_key, created_at, updated_at, properties, history, associations,
        history_synced_at)
     VALUES (@objectType, @id, @sortKey, @createdAt, @updatedAt, @properties, @history,
             @associations, @historySyncedAt)`,
  );
  const listRecordsStmt = db.prepare<[string, string, number], RecordRow>(
    'SELECT * FROM records WHERE object_type = ? AND sort_key > ? ORDER BY sort_key LIMIT ?',
  );
  const countRecordsStmt = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM records WHERE object_type = ?',
  );
  const backlogStmt = db.prepare<[number], { id: string }>(
    `SELECT id FROM records INDEXED BY records_history_backlog
      WHERE object_type = 'contact' AND (history_synced_at IS NULL OR history_synced_at < updated_at)
      ORDER BY sort_key LIMIT ?`,
  );
  const markSyncedStmt = db.prepare(
    "UPDATE records SET history_synced_at = ? WHERE object_type = 'contact' AND id = ?",
  );
  const upsertDealStmt = db.prepare(
    'INSERT OR REPLACE INTO deals (id, sort_key, data) VALUES (?, ?, ?)',
  );
  const listDealsStmt = db.prepare<[], { data: string }>(
    'SELECT data FROM deals ORDER BY sort_key',
  );
  const getJobStmt = db.prepare<[string], { data: string }>('SELECT data FROM jobs WHERE job = ?');
  const saveJobStmt = db.prepare('INSERT OR REPLACE INTO jobs (job, data) VALUES (?, ?)');
  const getSettingsStmt = db.prepare<[], { data: string }>(
    'SELECT data FROM settings WHERE id = 1',
  );
  const saveSettingsStmt = db.prepare(
    'INSERT OR REPLACE INTO settings (id, data, saved_at) VALUES (1, ?, ?)',
  );
  const getPlanStmt = db.prepare<[], { data: string; saved_at: string }>(
    'SELECT data, saved_at FROM feature_plan WHERE id = 1',
  );
  const savePlanStmt = db.prepare(
    'INSERT OR REPLACE INTO feature_plan (id, data, saved_at) VALUES (1, ?, ?)',
  );
  const addFeedbackStmt = db.prepare(
    `INSERT INTO feedback (object_type, record_id, kind, comment, score, model_version, user_id,
       created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const listFeedbackStmt = db.prepare<[number], Record<string, unknown>>(
    'SELECT * FROM feedback ORDER BY id DESC LIMIT ?',
  );
  const rememberEventStmt = db.prepare(
    'INSERT OR IGNORE INTO events (event_id, seen_at) VALUES (?, ?)',
  );

  const upsertRecords = db.transaction((records: readonly CrmRecord[]) => {
    for (const rec of records) {
      const old = selectRecord.get(rec.objectType, rec.id);
      const prev = old ? toRecord(old) : null;
      // Merged, not replaced: a list page brings current values and associations, a history
      // read brings history; neither may wipe what the other stored.
      const properties = { ...(prev?.properties ?? {}), ...rec.properties };
      const history = { ...(prev?.history ?? {}), ...rec.history };
      const associations = { ...(prev?.associations ?? {}), ...rec.associations };
      insertRecord.run({
        objectType: rec.objectType,
        id: rec.id,
        sortKey: sortKey(rec.id),
        createdAt: rec.createdAt,
        updatedAt: rec.updatedAt,
        properties: JSON.stringify(properties),
        history: JSON.stringify(history),
        associations: JSON.stringify(associations),
        historySyncedAt: old?.history_synced_at ?? null,
      });
    }
  });

  const guard = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof LeadLensError) throw e;
      throw new LeadLensError('STORE_ERROR', `The LeadLens database failed to ${what}.`, {
        hint: 'If another LeadLens process holds the database, wait for it or stop it; otherwise check the disk.',
        cause: e,
      });
    }
  };

  const models = createModelStore(db);
  const scores = createScoreStore(db);

  const store: StorePort = {
    transaction<T>(fn: () => T): T {
      // better-sqlite3 nests transactions as savepoints, so the inner writes of a method
      // called inside `fn` commit or roll back together with the checkpoint.
      return db.transaction(fn)();
    },

    upsertRecords: (records) => guard('store records', () => upsertRecords(records)),
    getRecord(objectType: StoredObjectType, id: string) {
      const row = selectRecord.get(objectType, id);
      return row ? toRecord(row) : null;
    },
    listRecords(objectType, { afterId, limit }) {
      const after = afterId == null ? '' : sortKey(afterId);
      return listRecordsStmt.all(objectType, after, limit).map(toRecord);
    },
    countRecords: (objectType) => countRecordsStmt.get(objectType)?.n ?? 0,
    idsNeedingHistory: (limit) => backlogStmt.all(limit).map((r) => r.id),
    markHistorySynced: (ids, at) =>
      guard('mark history synced', () =>
        db.transaction(() => {
          for (const id of ids) markSyncedStmt.run(at, id);
        })(),
      ),
    upsertDeals: (deals) =>
      guard('store deals', () =>
        db.transaction(() => {
          for (const d of deals) upsertDealStmt.run(d.id, sortKey(d.id), JSON.stringify(d));
        })(),
      ),
    listDeals: () => listDealsStmt.all().map((r) => JSON.parse(r.data) as DealOutcome),

    getJob(job) {
      const row = getJobStmt.get(job);
      return row ? (JSON.parse(row.data) as JobCheckpoint) : null;
    },
    saveJob: (cp) =>
      guard('save a job checkpoint', () => saveJobStmt.run(cp.job, JSON.stringify(cp))),

    saveModel: (m: Omit<StoredModel, 'version'>) => guard('save a model', () => models.save(m)),
    getFeaturePlan() {
      const row = getPlanStmt.get();
      return row ? { plan: row.data, savedAt: row.saved_at } : null;
    },
    saveFeaturePlan: (plan, at) => guard('save the feature plan', () => savePlanStmt.run(plan, at)),

    getModel: (version) => models.get(version),
    getPublishedModel: () => models.published(),
    listModels: () => models.list(),
    publishModel: (version, at) => guard('publish a model', () => models.publish(version, at)),

    putScores: (rows: readonly ScoreRow[]) => guard('store scores', () => scores.put(rows)),
    getScore: (objectType, id) => scores.get(objectType, id),
    listScores: (objectType, opts) => scores.list(objectType, opts),
    countScores: (objectType) => scores.count(objectType),
    getWritten: (objectType, ids) => scores.getWritten(objectType, ids),
    markWritten: (objectType, entries, at) =>
      guard('record written values', () => scores.markWritten(objectType, entries, at)),

    getSettings(): Settings {
      const row = getSettingsStmt.get();
      if (!row) return DEFAULT_SETTINGS;
      const parsed = SettingsSchema.safeParse(JSON.parse(row.data));
      if (!parsed.success) {
        throw new LeadLensError('STORE_ERROR', 'The stored settings are not valid any more.', {
          hint: 'Save the settings again from the settings page (or `leadlens settings`).',
          details: { issues: parsed.error.issues.map((i) => i.message) },
        });
      }
      return parsed.data;
    },
    saveSettings: (settings, at) =>
      guard('save settings', () => saveSettingsStmt.run(JSON.stringify(settings), at)),
    addFeedback: (f: FeedbackRow) =>
      guard('save feedback', () =>
        Number(
          addFeedbackStmt.run(
            f.objectType,
            f.recordId,
            f.kind,
            f.comment,
            f.score,
            f.modelVersion,
            f.userId,
            f.createdAt,
          ).lastInsertRowid,
        ),
      ),
    listFeedback: ({ limit }) =>
      listFeedbackStmt.all(limit).map((r): FeedbackRow => ({
        id: r.id as number,
        objectType: r.object_type as StoredObjectType,
        recordId: r.record_id as string,
        kind: r.kind as string,
        comment: r.comment as string,
        score: r.score as number | null,
        modelVersion: r.model_version as number | null,
        userId: r.user_id as string | null,
        createdAt: r.created_at as string,
      })),
    rememberEvent: (eventId, at) =>
      guard('remember an event', () => rememberEventStmt.run(eventId, at).changes === 1),

    close() {
      if (db.open) db.close();
    },
  };
  return store;
}
