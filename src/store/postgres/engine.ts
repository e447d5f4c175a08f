/**
 * The PostgreSQL engine over `pg`: one pool per process, tables in their own schema
 * (`leadlens` by default), every query bound to one portal id. Time for leases comes from the
 * database's clock, so workers on different machines agree on when a lease expired.
 */
import { Pool } from 'pg';
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
  toFailure,
  toInstallRecord,
  toRecord,
  type FeedbackDbRow,
  toScore,
  type FailureDbRow,
  type InstallDbRow,
  type RecordDbRow,
  type ScoreDbRow,
} from '../common';
import type {
  FeedbackRow,
  InstallSummary,
  JobCheckpoint,
  LeaseInfo,
  PortalStore,
  StoreEngine,
  StoreOps,
  WriteFailureRow,
} from '../port';
import type { SecretBox } from '../secrets';
import { sortKey } from '../sort-key';
import { PgConn } from './conn';
import { governanceOps } from './governance';
import { migratePostgres, SCHEMA_NAME } from './migrations';
import { MODELS, modelPortOps, OBJECT_MODELS } from '../model-versions';
import { pgModelVersions } from './models';

export interface PostgresEngineOptions {
  secrets?: SecretBox | null;
  /** Schema of LeadLens's tables; default 'leadlens'. */
  schema?: string;
  /** Pool size per process; default 10. */
  poolSize?: number;
}

interface LeaseRow {
  token: string;
  holder: string | null;
  purpose: string | null;
  acquired_at: Date | null;
  renewed_at: Date | null;
  expires_at: Date | null;
  live: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : '');
const toLease = (r: LeaseRow): LeaseInfo => ({
  holder: r.holder ?? '',
  purpose: r.purpose ?? '',
  token: Number(r.token),
  acquiredAt: iso(r.acquired_at),
  renewedAt: iso(r.renewed_at),
  expiresAt: iso(r.expires_at),
});

const LEASE_COLUMNS =
  'token, holder, purpose, acquired_at, renewed_at, expires_at, (holder IS NOT NULL AND expires_at > clock_timestamp()) AS live';

/** Last write wins within one call, as SQLite's row-by-row upserts behave. */
function lastById<T>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const t of items) m.set(key(t), t);
  return [...m.values()];
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export async function openPostgresEngine(
  url: string,
  opts: PostgresEngineOptions = {},
): Promise<StoreEngine> {
  const schema = opts.schema ?? 'leadlens';
  if (!SCHEMA_NAME.test(schema)) {
    throw new LeadLensError('CONFIG_INVALID', `"${schema}" is not a usable schema name.`, {
      hint: 'Use lower-case letters, digits and "_".',
    });
  }
  const pool = new Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    application_name: 'leadlens',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, schema);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new LeadLensError(
      'STORE_ERROR',
      `Could not open the LeadLens database at ${describeUrl(url)}.`,
      {
        hint: 'Check DATABASE_URL (postgres://user@host:5432/db), that PostgreSQL is running (`pg_isready`) and that the user may create tables.',
        cause: e,
      },
    );
  }
  const conn = new PgConn(pool);
  const box = opts.secrets ?? null;

  const op = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw storeError(what, e);
    }
  };
  /** Runs `fn` in the caller's transaction, or in a new one. */
  const atomic = <T>(fn: () => Promise<T>): Promise<T> =>
    conn.inTransaction ? fn() : conn.transaction(fn);

  const nowIso = () => new Date().toISOString();
  const models = pgModelVersions(conn, MODELS, atomic);
  const objectModels = pgModelVersions(conn, OBJECT_MODELS, atomic);

  function ops(portal: string): StoreOps {
    return {
      portalId: portal,
      ...governanceOps(conn, portal, op),
      ...modelPortOps(portal, models, objectModels, op),

      upsertRecords: (records) =>
        op('store records', () =>
          atomic(async () => {
            if (records.length === 0) return;
            const merged = new Map<string, CrmRecord>();
            const byType = new Map<string, string[]>();
            for (const r of records)
              byType.set(r.objectType, [...(byType.get(r.objectType) ?? []), r.id]);
            for (const [type, ids] of byType) {
              const rows = await conn.query<RecordDbRow>(
                `SELECT object_type, id, created_at, updated_at, properties, history, associations
                   FROM records WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[])
                   FOR UPDATE`,
                [portal, type, ids],
              );
              for (const row of rows) merged.set(`${row.object_type}/${row.id}`, toRecord(row));
            }
            // Merged, not replaced: a list page brings current values and associations, a
            // history read brings history; neither may wipe what the other stored.
            for (const rec of records) {
              const key = `${rec.objectType}/${rec.id}`;
              const prev = merged.get(key);
              merged.set(key, {
                ...rec,
                properties: { ...(prev?.properties ?? {}), ...rec.properties },
                history: { ...(prev?.history ?? {}), ...rec.history },
                associations: { ...(prev?.associations ?? {}), ...rec.associations },
              });
            }
            const touched = lastById(records, (r) => `${r.objectType}/${r.id}`).map((r) =>
              merged.get(`${r.objectType}/${r.id}`)!,
            );
            await conn.execute(
              `INSERT INTO records (portal_id, object_type, id, sort_key, created_at, updated_at,
                 properties, history, associations)
               SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[],
                 $6::text[], $7::text[], $8::text[], $9::text[])
               ON CONFLICT (portal_id, object_type, id) DO UPDATE SET
                 created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
                 properties = EXCLUDED.properties, history = EXCLUDED.history,
                 associations = EXCLUDED.associations`,
              [
                portal,
                touched.map((r) => r.objectType),
                touched.map((r) => r.id),
                touched.map((r) => sortKey(r.id)),
                touched.map((r) => r.createdAt),
                touched.map((r) => r.updatedAt),
                touched.map((r) => JSON.stringify(r.properties)),
                touched.map((r) => JSON.stringify(r.history)),
                touched.map((r) => JSON.stringify(r.associations)),
              ],
            );
          }),
        ),
      getRecord: (objectType, id) =>
        op('read a record', async () => {
          const rows = await conn.query<RecordDbRow>(
            'SELECT * FROM records WHERE portal_id = $1 AND object_type = $2 AND id = $3',
            [portal, objectType, id],
          );
          return rows[0] ? toRecord(rows[0]) : null;
        }),
      listRecords: (objectType, { afterId, limit }) =>
        op('list records', async () =>
          (
            await conn.query<RecordDbRow>(
              `SELECT * FROM records WHERE portal_id = $1 AND object_type = $2 AND sort_key > $3
                ORDER BY sort_key LIMIT $4`,
              [portal, objectType, afterId == null ? '' : sortKey(afterId), limit],
            )
          ).map(toRecord),
        ),
      countRecords: (objectType) =>
        op('count records', async () => {
          const rows = await conn.query<{ n: string }>(
            'SELECT COUNT(*) AS n FROM records WHERE portal_id = $1 AND object_type = $2',
            [portal, objectType],
          );
          return Number(rows[0].n);
        }),
      idsNeedingHistory: (limit) =>
        op('list the history backlog', async () =>
          (
            await conn.query<{ id: string }>(
              `SELECT id FROM records WHERE portal_id = $1 AND object_type = 'contact'
                 AND (history_synced_at IS NULL OR history_synced_at < updated_at)
               ORDER BY sort_key LIMIT $2`,
              [portal, limit],
            )
          ).map((r) => r.id),
        ),
      markHistorySynced: (ids, at) =>
        op('mark history synced', async () => {
          await conn.execute(
            `UPDATE records SET history_synced_at = $2
              WHERE portal_id = $1 AND object_type = 'contact' AND id = ANY($3::text[])`,
            [portal, at, ids],
          );
        }),
      upsertDeals: (deals) =>
        op('store deals', async () => {
          const rows = lastById(deals, (d) => d.id);
          if (rows.length === 0) return;
          await conn.execute(
            `INSERT INTO deals (portal_id, id, sort_key, data)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
             ON CONFLICT (portal_id, id) DO UPDATE SET data = EXCLUDED.data`,
            [
              portal,
              rows.map((d) => d.id),
              rows.map((d) => sortKey(d.id)),
              rows.map((d) => JSON.stringify(d)),
            ],
          );
        }),
      listDeals: () =>
        op('list deals', async () =>
          (
            await conn.query<{ data: string }>(
              'SELECT data FROM deals WHERE portal_id = $1 ORDER BY sort_key',
              [portal],
            )
          ).map((r) => JSON.parse(r.data) as DealOutcome),
        ),

      getJob: (job) =>
        op('read a job checkpoint', async () => {
          const rows = await conn.query<{ data: string }>(
            'SELECT data FROM jobs WHERE portal_id = $1 AND job = $2',
            [portal, job],
          );
          return rows[0] ? (JSON.parse(rows[0].data) as JobCheckpoint) : null;
        }),
      saveJob: (cp) =>
        op('save a job checkpoint', async () => {
          await conn.execute(
            `INSERT INTO jobs (portal_id, job, data) VALUES ($1, $2, $3)
             ON CONFLICT (portal_id, job) DO UPDATE SET data = EXCLUDED.data`,
            [portal, cp.job, JSON.stringify(cp)],
          );
        }),

      putScores: (rows) =>
        op('store scores', async () => {
          const rs = lastById(rows, (r) => `${r.objectType}/${r.id}`);
          if (rs.length === 0) return;
          await conn.execute(
            `INSERT INTO scores (portal_id, object_type, id, sort_key, model_version, probability,
               score, tier, factors, reasons, scored_at)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[],
               $6::float8[], $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[])
             ON CONFLICT (portal_id, object_type, id) DO UPDATE SET
               model_version = EXCLUDED.model_version, probability = EXCLUDED.probability,
               score = EXCLUDED.score, tier = EXCLUDED.tier, factors = EXCLUDED.factors,
               reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at`,
            [
              portal,
              rs.map((r) => r.objectType),
              rs.map((r) => r.id),
              rs.map((r) => sortKey(r.id)),
              rs.map((r) => r.modelVersion),
              rs.map((r) => r.probability),
              rs.map((r) => r.score),
              rs.map((r) => r.tier),
              rs.map((r) => r.factors),
              rs.map((r) => r.reasons),
              rs.map((r) => r.scoredAt),
            ],
          );
        }),
      getScore: (objectType, id) =>
        op('read a score', async () => {
          const rows = await conn.query<ScoreDbRow>(
            'SELECT * FROM scores WHERE portal_id = $1 AND object_type = $2 AND id = $3',
            [portal, objectType, id],
          );
          return rows[0] ? toScore(rows[0]) : null;
        }),
      listScores: (objectType, { afterId, limit }) =>
        op('list scores', async () =>
          (
            await conn.query<ScoreDbRow>(
              `SELECT * FROM scores WHERE portal_id = $1 AND object_type = $2 AND sort_key > $3
                ORDER BY sort_key LIMIT $4`,
              [portal, objectType, afterId == null ? '' : sortKey(afterId), limit],
            )
          ).map(toScore),
        ),
      countScores: (objectType) =>
        op('count scores', async () => {
          const rows = await conn.query<{ n: string }>(
            'SELECT COUNT(*) AS n FROM scores WHERE portal_id = $1 AND object_type = $2',
            [portal, objectType],
          );
          return Number(rows[0].n);
        }),
      getWritten: (objectType, ids) =>
        op('read written values', async () => {
          const out = new Map<string, Record<string, string>>();
          if (ids.length === 0) return out;
          const rows = await conn.query<{ id: string; properties: string }>(
            `SELECT id, properties FROM written
              WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[])`,
            [portal, objectType, ids],
          );
          for (const r of rows) out.set(r.id, JSON.parse(r.properties) as Record<string, string>);
          return out;
        }),
      markWritten: (objectType, entries, at) =>
        op('record written values', () =>
          atomic(async () => {
            if (entries.length === 0) return;
            const prev = new Map<string, Record<string, string>>();
            const prevAt = new Map<string, string | null>();
            const rows = await conn.query<{
              id: string;
              properties: string;
              crm_updated_at: string | null;
            }>(
              `SELECT id, properties, crm_updated_at FROM written
                WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[]) FOR UPDATE`,
              [portal, objectType, entries.map((e) => e.id)],
            );
            for (const r of rows) {
              prev.set(r.id, JSON.parse(r.properties) as Record<string, string>);
              prevAt.set(r.id, r.crm_updated_at);
            }
            for (const e of entries) {
              prev.set(e.id, { ...(prev.get(e.id) ?? {}), ...e.properties });
              if (e.updatedAt) prevAt.set(e.id, e.updatedAt);
            }
            const ids = [...new Set(entries.map((e) => e.id))];
            await conn.execute(
              `INSERT INTO written (portal_id, object_type, id, properties, written_at, crm_updated_at)
               SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
               ON CONFLICT (portal_id, object_type, id) DO UPDATE SET
                 properties = EXCLUDED.properties, written_at = EXCLUDED.written_at,
                 crm_updated_at = EXCLUDED.crm_updated_at`,
              [
                portal,
                objectType,
                ids,
                ids.map((id) => JSON.stringify(prev.get(id))),
                ids.map(() => at),
                ids.map((id) => prevAt.get(id) ?? null),
              ],
            );
          }),
        ),
      getWrittenUpdatedAt: (objectType, ids) =>
        op('read written times', async () => {
          const out = new Map<string, string>();
          if (ids.length === 0) return out;
          const rows = await conn.query<{ id: string; crm_updated_at: string }>(
            `SELECT id, crm_updated_at FROM written
              WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[])
                AND crm_updated_at IS NOT NULL`,
            [portal, objectType, ids],
          );
          for (const r of rows) out.set(r.id, r.crm_updated_at);
          return out;
        }),
      recordWriteFailures: (entries, at) =>
        op('record write failures', async () => {
          const es = lastById(entries, (e) => `${e.objectType}/${e.id}`);
          if (es.length === 0) return;
          await conn.execute(
            `INSERT INTO write_failures AS f (portal_id, object_type, id, code, message, retryable,
               attempts, values_key, failed_at)
             SELECT $1, t.object_type, t.id, t.code, t.message, t.retryable, 1, t.values_key, $7
               FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                 $8::text[]) AS t(object_type, id, code, message, retryable, values_key)
             ON CONFLICT (portal_id, object_type, id) DO UPDATE SET
               code = EXCLUDED.code, message = EXCLUDED.message, retryable = EXCLUDED.retryable,
               attempts = CASE WHEN f.values_key = EXCLUDED.values_key THEN f.attempts + 1 ELSE 1 END,
               values_key = EXCLUDED.values_key, failed_at = EXCLUDED.failed_at`,
            [
              portal,
              es.map((e) => e.objectType),
              es.map((e) => e.id),
              es.map((e) => e.code),
              es.map((e) => e.message),
              es.map((e) => e.retryable),
              at,
              es.map((e) => e.valuesKey),
            ],
          );
        }),
      clearWriteFailures: (objectType, ids) =>
        op('clear write failures', async () => {
          if (ids.length === 0) return;
          await conn.execute(
            `DELETE FROM write_failures
              WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[])`,
            [portal, objectType, ids],
          );
        }),
      getWriteFailures: (objectType, ids) =>
        op('read write failures', async () => {
          const out = new Map<string, WriteFailureRow>();
          if (ids.length === 0) return out;
          const rows = await conn.query<FailureDbRow>(
            `SELECT * FROM write_failures
              WHERE portal_id = $1 AND object_type = $2 AND id = ANY($3::text[])`,
            [portal, objectType, ids],
          );
          for (const r of rows) out.set(r.id, toFailure(r));
          return out;
        }),
      listWriteFailures: ({ limit }) =>
        op('list write failures', async () => {
          const count = await conn.query<{ n: string }>(
            'SELECT COUNT(*) AS n FROM write_failures WHERE portal_id = $1',
            [portal],
          );
          const rows = await conn.query<FailureDbRow>(
            `SELECT * FROM write_failures WHERE portal_id = $1
              ORDER BY failed_at DESC, object_type, id LIMIT $2`,
            [portal, limit],
          );
          return { total: Number(count[0].n), rows: rows.map(toFailure) };
        }),

      getFeaturePlan: () =>
        op('read the feature plan', async () => {
          const rows = await conn.query<{ data: string; saved_at: string }>(
            'SELECT data, saved_at FROM feature_plan WHERE portal_id = $1',
            [portal],
          );
          return rows[0] ? { plan: rows[0].data, savedAt: rows[0].saved_at } : null;
        }),
      saveFeaturePlan: (plan, at) =>
        op('save the feature plan', async () => {
          await conn.execute(
            `INSERT INTO feature_plan (portal_id, data, saved_at) VALUES ($1, $2, $3)
             ON CONFLICT (portal_id) DO UPDATE SET data = EXCLUDED.data, saved_at = EXCLUDED.saved_at`,
            [portal, plan, at],
          );
        }),
      getSettings: () =>
        op('read settings', async () => {
          const rows = await conn.query<{ data: string }>(
            'SELECT data FROM settings WHERE portal_id = $1',
            [portal],
          );
          return parseSettings(rows[0]?.data ?? null);
        }),
      saveSettings: (settings, at) =>
        op('save settings', async () => {
          await conn.execute(
            `INSERT INTO settings (portal_id, data, saved_at) VALUES ($1, $2, $3)
             ON CONFLICT (portal_id) DO UPDATE SET data = EXCLUDED.data, saved_at = EXCLUDED.saved_at`,
            [portal, JSON.stringify(settings), at],
          );
        }),
      addFeedback: (f: FeedbackRow) =>
        op('save feedback', async () => {
          const rows = await conn.query<{ id: string }>(
            `INSERT INTO feedback (portal_id, object_type, record_id, kind, comment, score,
               model_version, user_id, created_at, outcome)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
            [
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
            ],
          );
          return Number(rows[0].id);
        }),
      listFeedback: ({ limit }) =>
        op('list feedback', async () =>
          (
            await conn.query<FeedbackDbRow>(
              'SELECT * FROM feedback WHERE portal_id = $1 ORDER BY id DESC LIMIT $2',
              [portal, limit],
            )
          ).map(toFeedback),
        ),
      rememberEvent: (eventId, at) =>
        op('remember an event', async () => {
          const n = await conn.execute(
            `INSERT INTO events (portal_id, event_id, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [portal, eventId, at],
          );
          return n === 1;
        }),

      getInstall: () =>
        op('read the install', async () => {
          const rows = await conn.query<InstallDbRow>(
            'SELECT * FROM installs WHERE portal_id = $1',
            [portal],
          );
          return rows[0] ? openInstall(toInstallRecord(rows[0]), box) : null;
        }),
      saveInstall: (input) =>
        op('save the install', async () => {
          const r = sealInstall(portal, input, box, nowIso());
          await conn.execute(
            `INSERT INTO installs (portal_id, status, auth, hub_id, scopes, api_base_url,
               access_token_enc, access_token_expires_at, refresh_token_enc, installed_at,
               uninstalled_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (portal_id) DO UPDATE SET status = EXCLUDED.status, auth = EXCLUDED.auth,
               hub_id = EXCLUDED.hub_id, scopes = EXCLUDED.scopes,
               api_base_url = EXCLUDED.api_base_url, access_token_enc = EXCLUDED.access_token_enc,
               access_token_expires_at = EXCLUDED.access_token_expires_at,
               refresh_token_enc = EXCLUDED.refresh_token_enc,
               installed_at = EXCLUDED.installed_at, uninstalled_at = EXCLUDED.uninstalled_at,
               updated_at = EXCLUDED.updated_at`,
            [
              portal,
              r.status,
              r.auth,
              r.hubId,
              JSON.stringify(r.scopes),
              r.apiBaseUrl,
              r.accessTokenEnc,
              r.accessTokenExpiresAt,
              r.refreshTokenEnc,
              r.installedAt,
              r.uninstalledAt,
              r.updatedAt,
            ],
          );
        }),
      markUninstalled: (at) =>
        op('mark the portal uninstalled', async () => {
          await conn.execute(
            `UPDATE installs SET status = 'uninstalled', uninstalled_at = $2, updated_at = $2,
               access_token_enc = NULL, access_token_expires_at = NULL, refresh_token_enc = NULL
             WHERE portal_id = $1`,
            [portal, at],
          );
        }),

      assertLease: (token) =>
        op('check the run lease', async () => {
          // FOR SHARE: a competing grant (FOR UPDATE) waits until this transaction commits, so
          // a write checked here can never land after a successor took the lease.
          const rows = await conn.query<{ token: string }>(
            'SELECT token FROM leases WHERE portal_id = $1 FOR SHARE',
            [portal],
          );
          if (!rows[0] || Number(rows[0].token) !== token) throw leaseLost(portal, token);
        }),
    };
  }

  function portalStore(portal: string): PortalStore {
    const base = ops(portal);
    const store: PortalStore = {
      ...base,
      transaction: (fn) => conn.transaction(() => fn(base)),
      acquireLease: (req) =>
        op('take the run lease', () =>
          conn.transaction(async () => {
            await conn.execute(
              'INSERT INTO leases (portal_id, token) VALUES ($1, 0) ON CONFLICT DO NOTHING',
              [portal],
            );
            const [row] = await conn.query<LeaseRow>(
              `SELECT ${LEASE_COLUMNS} FROM leases WHERE portal_id = $1 FOR UPDATE`,
              [portal],
            );
            if (row.live) throw jobLocked(portal, toLease(row));
            const [granted] = await conn.query<LeaseRow>(
              `UPDATE leases SET token = token + 1, holder = $2, purpose = $3,
                 acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
                 expires_at = clock_timestamp() + $4 * interval '1 millisecond'
               WHERE portal_id = $1 RETURNING ${LEASE_COLUMNS}`,
              [portal, req.holder, req.purpose, req.ttlMs],
            );
            return toLease(granted);
          }),
        ),
      renewLease: (token, ttlMs) =>
        op('renew the run lease', async () => {
          const rows = await conn.query<LeaseRow>(
            `UPDATE leases SET renewed_at = clock_timestamp(),
               expires_at = clock_timestamp() + $3 * interval '1 millisecond'
             WHERE portal_id = $1 AND token = $2 AND holder IS NOT NULL
             RETURNING ${LEASE_COLUMNS}`,
            [portal, token, ttlMs],
          );
          return rows[0] ? toLease(rows[0]) : null;
        }),
      releaseLease: (token) =>
        op('release the run lease', async () => {
          await conn.execute(
            `UPDATE leases SET holder = NULL, purpose = NULL, acquired_at = NULL,
               renewed_at = NULL, expires_at = NULL WHERE portal_id = $1 AND token = $2`,
            [portal, token],
          );
        }),
      getLease: () =>
        op('read the run lease', async () => {
          const rows = await conn.query<LeaseRow>(
            `SELECT ${LEASE_COLUMNS} FROM leases WHERE portal_id = $1`,
            [portal],
          );
          return rows[0]?.live ? toLease(rows[0]) : null;
        }),
      withFence: (token) => fenceStore(store, token),
      claimRequest: (key, ttlMs) =>
        op('claim a signed request', async () => {
          const now = Date.now();
          await conn.execute(
            'DELETE FROM request_claims WHERE portal_id = $1 AND expires_at <= $2',
            [portal, now],
          );
          // One statement: of two instances claiming at once, exactly one inserts or revives.
          const n = await conn.execute(
            `INSERT INTO request_claims (portal_id, claim_key, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (portal_id, claim_key) DO UPDATE SET expires_at = EXCLUDED.expires_at
             WHERE request_claims.expires_at <= $4`,
            [portal, key, now + ttlMs, now],
          );
          return n === 1;
        }),
      releaseRequest: (key) =>
        op('release a signed request', async () => {
          await conn.execute('DELETE FROM request_claims WHERE portal_id = $1 AND claim_key = $2', [
            portal,
            key,
          ]);
        }),
    };
    return store;
  }

  return {
    kind: 'postgres',
    forPortal: (portalId) => portalStore(checkPortalId(portalId)),
    listInstalls: (opts = {}) =>
      op('list installs', async () =>
        (
          await conn.query<InstallDbRow>(
            `SELECT * FROM installs WHERE ($1::text IS NULL OR status = $1) ORDER BY portal_id`,
            [opts.status ?? null],
          )
        ).map((r): InstallSummary => ({
          portalId: r.portal_id,
          status: r.status,
          auth: r.auth,
          hubId: r.hub_id,
          installedAt: r.installed_at,
        })),
      ),
    listLeases: () =>
      op('list leases', async () =>
        (
          await conn.query<LeaseRow & { portal_id: string }>(
            `SELECT portal_id, ${LEASE_COLUMNS} FROM leases WHERE holder IS NOT NULL
              ORDER BY portal_id`,
          )
        ).map((r) => ({ ...toLease(r), portalId: r.portal_id, live: r.live })),
      ),
    rotateSecrets: () =>
      op('re-encrypt stored tokens', () =>
        conn.transaction(async () => {
          const out = { rotated: 0, unreadable: [] as string[] };
          if (!box) return out;
          const rows = await conn.query<InstallDbRow>('SELECT * FROM installs FOR UPDATE');
          for (const r of rows) {
            let a: string | null, b: string | null;
            try {
              a = reseal(r.portal_id, 'access_token', r.access_token_enc, box);
              b = reseal(r.portal_id, 'refresh_token', r.refresh_token_enc, box);
            } catch {
              out.unreadable.push(r.portal_id);
              continue;
            }
            if (a || b) {
              await conn.execute(
                `UPDATE installs SET access_token_enc = COALESCE($2, access_token_enc),
                   refresh_token_enc = COALESCE($3, refresh_token_enc) WHERE portal_id = $1`,
                [r.portal_id, a, b],
              );
              out.rotated++;
            }
          }
          return out;
        }),
      ),
    close: () => pool.end(),
  };
}
