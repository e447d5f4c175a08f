/**
 * The SQLite engine over better-sqlite3: one real database file in WAL mode (readers never
 * block the writer; a killed process loses at most the open transaction). Records are kept as
 * compact JSON text columns; ids are ordered through `sortKey`. Every statement takes the
 * portal id as its first parameter; `forPortal` binds it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LeadLensError } from '../../contracts/errors';
import type { CrmRecord, DealOutcome } from '../../contracts/records';
import {
  checkPortalId,
  fenceStore,
  jobLocked,
  leaseLost,
  openInstall,
  parseSettings,
  reseal,
  sealInstall,
  storeError,
  toFeedback,
  toInstallRecord,
  toRecord,
  type FeedbackDbRow,
  type InstallDbRow,
  type RecordDbRow,
} from '../common';
import type {
  FeedbackRow,
  InstallSummary,
  JobCheckpoint,
  LeaseInfo,
  PortalStore,
  StoredObjectType,
  StoreEngine,
  StoreOps,
} from '../port';
import type { SecretBox } from '../secrets';
import { sortKey } from '../sort-key';
import { SqliteConn } from './conn';
import { migrate } from './migrations';
import { createGovernanceStatements } from './governance';
import { MODELS, modelPortOps, OBJECT_MODELS } from '../model-versions';
import { createModelStatements } from './models';
import { createScoreStatements } from './scores';

/** How long a writer waits for another process's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

interface RecordRow extends RecordDbRow {
  history_synced_at: string | null;
}

interface LeaseRow {
  token: number;
  holder: string | null;
  purpose: string | null;
  acquired_at: string | null;
  renewed_at: string | null;
  expires_at: string | null;
}

function toLease(r: LeaseRow): LeaseInfo {
  return {
    holder: r.holder ?? '',
    purpose: r.purpose ?? '',
    token: r.token,
    acquiredAt: r.acquired_at ?? '',
    renewedAt: r.renewed_at ?? '',
    expiresAt: r.expires_at ?? '',
  };
}

export interface SqliteEngineOptions {
  /** Encrypts install tokens; required only to store or read them. */
  secrets?: SecretBox | null;
  /** The portal that rows from before portals existed belong to (see migrations.ts). */
  legacyPortalId?: string | null;
}

function openDatabase(file: string, opts: SqliteEngineOptions): Database.Database {
  let db: Database.Database | null = null;
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL + NORMAL is durable across process crashes (only an OS crash can lose the last commit).
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, undefined, { legacyPortalId: opts.legacyPortalId ?? null });
    return db;
  } catch (e) {
    db?.close();
    if (e instanceof LeadLensError) throw e;
    throw new LeadLensError('STORE_ERROR', `Could not open the LeadLens database at ${file}.`, {
      hint: 'Check that the folder is writable and the file is a LeadLens SQLite database (delete it to start over).',
      cause: e,
    });
  }
}

export function openSqliteEngine(file: string, opts: SqliteEngineOptions = {}): StoreEngine {
  // Old rows are moved under this id for good: it must be one forPortal accepts.
  if (opts.legacyPortalId != null) checkPortalId(opts.legacyPortalId);
  const db = openDatabase(file, opts);
  const conn = new SqliteConn(db);
  const box = opts.secrets ?? null;

  const s = {
    record: db.prepare<[string, string, string], RecordRow>(
      'SELECT * FROM records WHERE portal_id = ? AND object_type = ? AND id = ?',
    ),
    insertRecord: db.prepare(
      `INSERT OR REPLACE INTO records
         (portal_id, object_type, id, sort_key, created_at, updated_at, properties, history,
          associations, history_synced_at)
       VALUES (@portal, @objectType, @id, @sortKey, @createdAt, @updatedAt, @properties,
               @history, @associations, @historySyncedAt)`,
    ),
    listRecords: db.prepare<[string, string, string, number], RecordRow>(
      `SELECT * FROM records WHERE portal_id = ? AND object_type = ? AND sort_key > ?
        ORDER BY sort_key LIMIT ?`,
    ),
    countRecords: db.prepare<[string, string], { n: number }>(
      'SELECT COUNT(*) AS n FROM records WHERE portal_id = ? AND object_type = ?',
    ),
    backlog: db.prepare<[string, number], { id: string }>(
      `SELECT id FROM records INDEXED BY records_history_backlog
        WHERE portal_id = ? AND object_type = 'contact'
          AND (history_synced_at IS NULL OR history_synced_at < updated_at)
        ORDER BY sort_key LIMIT ?`,
    ),
    markSynced: db.prepare(
      "UPDATE records SET history_synced_at = ? WHERE portal_id = ? AND object_type = 'contact' AND id = ?",
    ),
    upsertDeal: db.prepare(
      'INSERT OR REPLACE INTO deals (portal_id, id, sort_key, data) VALUES (?, ?, ?, ?)',
    ),
    listDeals: db.prepare<[string], { data: string }>(
      'SELECT data FROM deals WHERE portal_id = ? ORDER BY sort_key',
    ),
    getJob: db.prepare<[string, string], { data: string }>(
      'SELECT data FROM jobs WHERE portal_id = ? AND job = ?',
    ),
    saveJob: db.prepare('INSERT OR REPLACE INTO jobs (portal_id, job, data) VALUES (?, ?, ?)'),
    getFeaturePlan: db.prepare<[string], { data: string; saved_at: string }>(
      'SELECT data, saved_at FROM feature_plan WHERE portal_id = ?',
    ),
    saveFeaturePlan: db.prepare(
      'INSERT OR REPLACE INTO feature_plan (portal_id, data, saved_at) VALUES (?, ?, ?)',
    ),
    getSettings: db.prepare<[string], { data: string }>(
      'SELECT data FROM settings WHERE portal_id = ?',
    ),
    saveSettings: db.prepare(
      'INSERT OR REPLACE INTO settings (portal_id, data, saved_at) VALUES (?, ?, ?)',
    ),
    addFeedback: db.prepare(
      `INSERT INTO feedback (portal_id, object_type, record_id, kind, comment, score,
         model_version, user_id, created_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    listFeedback: db.prepare<[string, number], FeedbackDbRow>(
      'SELECT * FROM feedback WHERE portal_id = ? ORDER BY id DESC LIMIT ?',
    ),
    rememberEvent: db.prepare(
      'INSERT OR IGNORE INTO events (portal_id, event_id, seen_at) VALUES (?, ?, ?)',
    ),
    pruneClaims: db.prepare('DELETE FROM request_claims WHERE portal_id = ? AND expires_at <= ?'),
    claimRequest: db.prepare(
      `INSERT INTO request_claims (portal_id, claim_key, expires_at) VALUES (@portal, @key, @expires)
       ON CONFLICT (portal_id, claim_key) DO UPDATE SET expires_at = excluded.expires_at
       WHERE request_claims.expires_at <= @now`,
    ),
    releaseRequest: db.prepare('DELETE FROM request_claims WHERE portal_id = ? AND claim_key = ?'),
    lease: db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE portal_id = ?'),
    grantLease: db.prepare(
      `INSERT INTO leases (portal_id, token, holder, purpose, acquired_at, renewed_at, expires_at)
       VALUES (@portal, 1, @holder, @purpose, @now, @now, @expires)
       ON CONFLICT (portal_id) DO UPDATE SET token = token + 1, holder = @holder,
         purpose = @purpose, acquired_at = @now, renewed_at = @now, expires_at = @expires
       RETURNING *`,
    ),
    renewLease: db.prepare(
      `UPDATE leases SET renewed_at = ?, expires_at = ?
        WHERE portal_id = ? AND token = ? AND holder IS NOT NULL RETURNING *`,
    ),
    releaseLease: db.prepare(
      `UPDATE leases SET holder = NULL, purpose = NULL, acquired_at = NULL, renewed_at = NULL,
         expires_at = NULL WHERE portal_id = ? AND token = ?`,
    ),
    install: db.prepare<[string], InstallDbRow>('SELECT * FROM installs WHERE portal_id = ?'),
    saveInstall: db.prepare(
      `INSERT OR REPLACE INTO installs (portal_id, status, auth, hub_id, scopes, api_base_url,
         access_token_enc, access_token_expires_at, refresh_token_enc, installed_at,
         uninstalled_at, updated_at)
       VALUES (@portalId, @status, @auth, @hubId, @scopes, @apiBaseUrl, @accessTokenEnc,
         @accessTokenExpiresAt, @refreshTokenEnc, @installedAt, @uninstalledAt, @updatedAt)`,
    ),
    uninstall: db.prepare(
      `UPDATE installs SET status = 'uninstalled', uninstalled_at = ?, updated_at = ?,
         access_token_enc = NULL, access_token_expires_at = NULL, refresh_token_enc = NULL
       WHERE portal_id = ?`,
    ),
    listInstalls: db.prepare<[], InstallDbRow>('SELECT * FROM installs ORDER BY portal_id'),
    listLeases: db.prepare<[], LeaseRow & { portal_id: string }>(
      'SELECT * FROM leases WHERE holder IS NOT NULL ORDER BY portal_id',
    ),
    resealInstall: db.prepare(
      `UPDATE installs SET access_token_enc = COALESCE(?, access_token_enc),
         refresh_token_enc = COALESCE(?, refresh_token_enc) WHERE portal_id = ?`,
    ),
  };
  const models = createModelStatements(db, MODELS);
  const objectModels = createModelStatements(db, OBJECT_MODELS);
  const scores = createScoreStatements(db);
  const governance = createGovernanceStatements(db);

  const upsertRecords = db.transaction((portal: string, records: readonly CrmRecord[]) => {
    for (const rec of records) {
      const old = s.record.get(portal, rec.objectType, rec.id);
      const prev = old ? toRecord(old) : null;
      // Merged, not replaced: a list page brings current values and associations, a history
      // read brings history; neither may wipe what the other stored.
      s.insertRecord.run({
        portal,
        objectType: rec.objectType,
        id: rec.id,
        sortKey: sortKey(rec.id),
        createdAt: rec.createdAt,
        updatedAt: rec.updatedAt,
        properties: JSON.stringify({ ...(prev?.properties ?? {}), ...rec.properties }),
        history: JSON.stringify({ ...(prev?.history ?? {}), ...rec.history }),
        associations: JSON.stringify({ ...(prev?.associations ?? {}), ...rec.associations }),
        historySyncedAt: old?.history_synced_at ?? null,
      });
    }
  });

  /** One synchronous piece of work on the connection, its failure worded for the user. */
  const op = <T>(what: string, fn: () => T): Promise<T> =>
    conn.run(() => {
      try {
        return fn();
      } catch (e) {
        throw storeError(what, e);
      }
    });

  const nowIso = () => new Date().toISOString();

  function ops(portal: string): StoreOps {
    return {
      portalId: portal,
      ...governance(portal, op),
      ...modelPortOps(portal, models, objectModels, op),
      upsertRecords: (records) => op('store records', () => upsertRecords(portal, records)),
      getRecord: (objectType: StoredObjectType, id: string) =>
        op('read a record', () => {
          const row = s.record.get(portal, objectType, id);
          return row ? toRecord(row) : null;
        }),
      listRecords: (objectType, { afterId, limit }) =>
        op('list records', () =>
          s.listRecords
            .all(portal, objectType, afterId == null ? '' : sortKey(afterId), limit)
            .map(toRecord),
        ),
      countRecords: (objectType) =>
        op('count records', () => s.countRecords.get(portal, objectType)?.n ?? 0),
      idsNeedingHistory: (limit) =>
        op('list the history backlog', () => s.backlog.all(portal, limit).map((r) => r.id)),
      markHistorySynced: (ids, at) =>
        op('mark history synced', () =>
          db.transaction(() => {
            for (const id of ids) s.markSynced.run(at, portal, id);
          })(),
        ),
      upsertDeals: (deals) =>
        op('store deals', () =>
          db.transaction(() => {
            for (const d of deals) s.upsertDeal.run(portal, d.id, sortKey(d.id), JSON.stringify(d));
          })(),
        ),
      listDeals: () =>
        op('list deals', () =>
          s.listDeals.all(portal).map((r) => JSON.parse(r.data) as DealOutcome),
        ),

      getJob: (job) =>
        op('read a job checkpoint', () => {
          const row = s.getJob.get(portal, job);
          return row ? (JSON.parse(row.data) as JobCheckpoint) : null;
        }),
      saveJob: (cp) =>
        op('save a job checkpoint', () => {
          s.saveJob.run(portal, cp.job, JSON.stringify(cp));
        }),

      putScores: (rows) => op('store scores', () => scores.put(portal, rows)),
      getScore: (objectType, id) => op('read a score', () => scores.get(portal, objectType, id)),
      listScores: (objectType, opts) =>
        op('list scores', () => scores.list(portal, objectType, opts)),
      countScores: (objectType) => op('count scores', () => scores.count(portal, objectType)),
      getWritten: (objectType, ids) =>
        op('read written values', () => scores.getWritten(portal, objectType, ids)),
      markWritten: (objectType, entries, at) =>
        op('record written values', () => scores.markWritten(portal, objectType, entries, at)),
      getWrittenUpdatedAt: (objectType, ids) =>
        op('read written times', () => scores.getWrittenUpdatedAt(portal, objectType, ids)),
      recordWriteFailures: (entries, at) =>
        op('record write failures', () => scores.recordFailures(portal, entries, at)),
      clearWriteFailures: (objectType, ids) =>
        op('clear write failures', () => scores.clearFailures(portal, objectType, ids)),
      getWriteFailures: (objectType, ids) =>
        op('read write failures', () => scores.getFailures(portal, objectType, ids)),
      listWriteFailures: ({ limit }) =>
        op('list write failures', () => scores.listFailures(portal, limit)),

      getFeaturePlan: () =>
        op('read the feature plan', () => {
          const row = s.getFeaturePlan.get(portal);
          return row ? { plan: row.data, savedAt: row.saved_at } : null;
        }),
      saveFeaturePlan: (plan, at) =>
        op('save the feature plan', () => {
          s.saveFeaturePlan.run(portal, plan, at);
        }),
      getSettings: () =>
        op('read settings', () => parseSettings(s.getSettings.get(portal)?.data ?? null)),
      saveSettings: (settings, at) =>
        op('save settings', () => {
          s.saveSettings.run(portal, JSON.stringify(settings), at);
        }),
      addFeedback: (f: FeedbackRow) =>
        op('save feedback', () =>
          Number(
            s.addFeedback.run(
              portal,
              f.objectType,
              f.recordId,
              f.kind,
              f.comment,
              f.score,
              f.modelVersion,
              f.userId,
              f.createdAt,
              f.outcome ?? null,
            ).lastInsertRowid,
          ),
        ),
      listFeedback: ({ limit }) =>
        op('list feedback', () => s.listFeedback.all(portal, limit).map(toFeedback)),
      rememberEvent: (eventId, at) =>
        op('remember an event', () => s.rememberEvent.run(portal, eventId, at).changes === 1),

      getInstall: () =>
        op('read the install', () => {
          const row = s.install.get(portal);
          return row ? openInstall(toInstallRecord(row), box) : null;
        }),
      saveInstall: (input) =>
        op('save the install', () => {
          const rec = sealInstall(portal, input, box, nowIso());
          s.saveInstall.run({ ...rec, scopes: JSON.stringify(rec.scopes) });
        }),
      markUninstalled: (at) =>
        op('mark the portal uninstalled', () => {
          s.uninstall.run(at, at, portal);
        }),

      assertLease: (token) =>
        op('check the run lease', () => {
          const row = s.lease.get(portal);
          if (!row || row.token !== token) throw leaseLost(portal, token);
        }),
    };
  }

  function portalStore(portal: string): PortalStore {
    const base = ops(portal);
    const store: PortalStore = {
      ...base,
      transaction: (fn) => conn.transaction(() => fn(base)),
      acquireLease: (req) =>
        conn.transaction(async () => {
          const now = Date.now();
          const row = s.lease.get(portal);
          if (row?.holder && row.expires_at && Date.parse(row.expires_at) > now) {
            throw jobLocked(portal, toLease(row));
          }
          return toLease(
            s.grantLease.get({
              portal,
              holder: req.holder,
              purpose: req.purpose,
              now: new Date(now).toISOString(),
              expires: new Date(now + req.ttlMs).toISOString(),
            }) as LeaseRow,
          );
        }),
      renewLease: (token, ttlMs) =>
        op('renew the run lease', () => {
          const now = Date.now();
          const row = s.renewLease.get(
            new Date(now).toISOString(),
            new Date(now + ttlMs).toISOString(),
            portal,
            token,
          ) as LeaseRow | undefined;
          return row ? toLease(row) : null;
        }),
      releaseLease: (token) =>
        op('release the run lease', () => {
          s.releaseLease.run(portal, token);
        }),
      getLease: () =>
        op('read the run lease', () => {
          const row = s.lease.get(portal);
          if (!row?.holder || !row.expires_at || Date.parse(row.expires_at) <= Date.now()) {
            return null;
          }
          return toLease(row);
        }),
      withFence: (token) => fenceStore(store, token),
      claimRequest: (key, ttlMs) =>
        op('claim a signed request', () => {
          const now = Date.now();
          s.pruneClaims.run(portal, now);
          return s.claimRequest.run({ portal, key, expires: now + ttlMs, now }).changes === 1;
        }),
      releaseRequest: (key) =>
        op('release a signed request', () => {
          s.releaseRequest.run(portal, key);
        }),
    };
    return store;
  }

  return {
    kind: 'sqlite',
    forPortal: (portalId) => portalStore(checkPortalId(portalId)),
    listInstalls: (opts = {}) =>
      op('list installs', () =>
        s.listInstalls
          .all()
          .filter((r) => !opts.status || r.status === opts.status)
          .map((r): InstallSummary => ({
            portalId: r.portal_id,
            status: r.status,
            auth: r.auth,
            hubId: r.hub_id,
            installedAt: r.installed_at,
          })),
      ),
    listLeases: () =>
      op('list leases', () =>
        s.listLeases.all().map((r) => ({
          ...toLease(r),
          portalId: r.portal_id,
          live: !!r.expires_at && Date.parse(r.expires_at) > Date.now(),
        })),
      ),
    rotateSecrets: () =>
      conn.transaction(async () => {
        const out = { rotated: 0, unreadable: [] as string[] };
        if (!box) return out;
        for (const r of s.listInstalls.all()) {
          let a: string | null, b: string | null;
          try {
            a = reseal(r.portal_id, 'access_token', r.access_token_enc, box);
            b = reseal(r.portal_id, 'refresh_token', r.refresh_token_enc, box);
          } catch {
            out.unreadable.push(r.portal_id);
            continue;
          }
          if (a || b) {
            s.resealInstall.run(a, b, r.portal_id);
            out.rotated++;
          }
        }
        return out;
      }),
    async close() {
      await conn.run(() => {
        if (db.open) db.close();
      });
    },
  };
}
