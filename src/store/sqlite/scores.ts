/**
 * Scores and the write-back ledger. The ledger holds what the CRM *confirmed*, so write-back
 * can send only the values that differ and a resumed run never rewrites a finished batch.
 */
import type Database from 'better-sqlite3';
import type { ScoreRow, StoredObjectType, WriteFailureRow } from '../port';
import { toFailure, toScore, type FailureDbRow, type ScoreDbRow } from '../common';
import { sortKey } from '../sort-key';

/** SQLite's default limit of host parameters per statement is 32,766; stay well below. */
const IN_CHUNK = 500;

export function createScoreStatements(db: Database.Database) {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO scores (portal_id, object_type, id, sort_key, model_version,
       probability, score, tier, factors, reasons, scored_at)
     VALUES (@portal, @objectType, @id, @sortKey, @modelVersion, @probability, @score, @tier,
       @factors, @reasons, @scoredAt)`,
  );
  const one = db.prepare<[string, string, string], ScoreDbRow>(
    'SELECT * FROM scores WHERE portal_id = ? AND object_type = ? AND id = ?',
  );
  const page = db.prepare<[string, string, string, number], ScoreDbRow>(
    `SELECT * FROM scores WHERE portal_id = ? AND object_type = ? AND sort_key > ?
      ORDER BY sort_key LIMIT ?`,
  );
  const count = db.prepare<[string, string], { n: number }>(
    'SELECT COUNT(*) AS n FROM scores WHERE portal_id = ? AND object_type = ?',
  );
  const writtenOne = db.prepare<
    [string, string, string],
    { properties: string; crm_updated_at: string | null }
  >(
    'SELECT properties, crm_updated_at FROM written WHERE portal_id = ? AND object_type = ? AND id = ?',
  );
  const writtenUpsert = db.prepare(
    `INSERT OR REPLACE INTO written (portal_id, object_type, id, properties, written_at,
       crm_updated_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );

  const put = db.transaction((portal: string, rows: readonly ScoreRow[]) => {
    for (const r of rows) upsert.run({ ...r, portal, sortKey: sortKey(r.id) });
  });

  const getWritten = (portal: string, objectType: StoredObjectType, ids: readonly string[]) => {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = db
        .prepare<unknown[], { id: string; properties: string }>(
          `SELECT id, properties FROM written WHERE portal_id = ? AND object_type = ? AND id IN (${chunk
            .map(() => '?')
            .join(',')})`,
        )
        .all(portal, objectType, ...chunk);
      for (const r of rows) out.set(r.id, JSON.parse(r.properties) as Record<string, string>);
    }
    return out;
  };

  const markWritten = db.transaction(
    (
      portal: string,
      objectType: StoredObjectType,
      entries: ReadonlyArray<{
        id: string;
        properties: Record<string, string>;
        updatedAt?: string;
      }>,
      at: string,
    ) => {
      for (const e of entries) {
        const prev = writtenOne.get(portal, objectType, e.id);
        const merged = {
          ...(prev ? (JSON.parse(prev.properties) as Record<string, string>) : {}),
          ...e.properties,
        };
        writtenUpsert.run(
          portal,
          objectType,
          e.id,
          JSON.stringify(merged),
          at,
          e.updatedAt ?? prev?.crm_updated_at ?? null,
        );
      }
    },
  );

  const failureUpsert = db.prepare(
    `INSERT INTO write_failures (portal_id, object_type, id, code, message, retryable, attempts,
       values_key, failed_at)
     VALUES (@portal, @objectType, @id, @code, @message, @retryable, 1, @valuesKey, @at)
     ON CONFLICT (portal_id, object_type, id) DO UPDATE SET
       code = excluded.code, message = excluded.message, retryable = excluded.retryable,
       attempts = CASE WHEN write_failures.values_key = excluded.values_key
                       THEN write_failures.attempts + 1 ELSE 1 END,
       values_key = excluded.values_key, failed_at = excluded.failed_at`,
  );
  const failureDelete = db.prepare(
    'DELETE FROM write_failures WHERE portal_id = ? AND object_type = ? AND id = ?',
  );
  const failureRecent = db.prepare<[string, number], FailureDbRow>(
    `SELECT * FROM write_failures WHERE portal_id = ? ORDER BY failed_at DESC, object_type, id
      LIMIT ?`,
  );
  const failureCount = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM write_failures WHERE portal_id = ?',
  );
  const recordFailures = db.transaction(
    (
      portal: string,
      entries: ReadonlyArray<Omit<WriteFailureRow, 'attempts' | 'failedAt'>>,
      at: string,
    ) => {
      for (const e of entries)
        failureUpsert.run({ ...e, portal, retryable: e.retryable ? 1 : 0, at });
    },
  );
  const clearFailures = db.transaction(
    (portal: string, objectType: StoredObjectType, ids: readonly string[]) => {
      for (const id of ids) failureDelete.run(portal, objectType, id);
    },
  );
  const getFailures = (portal: string, objectType: StoredObjectType, ids: readonly string[]) => {
    const out = new Map<string, WriteFailureRow>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = db
        .prepare<unknown[], FailureDbRow>(
          `SELECT * FROM write_failures WHERE portal_id = ? AND object_type = ? AND id IN (${chunk
            .map(() => '?')
            .join(',')})`,
        )
        .all(portal, objectType, ...chunk);
      for (const r of rows) out.set(r.id, toFailure(r));
    }
    return out;
  };

  return {
    recordFailures: (
      portal: string,
      entries: ReadonlyArray<Omit<WriteFailureRow, 'attempts' | 'failedAt'>>,
      at: string,
    ): void => recordFailures(portal, entries, at),
    clearFailures: (portal: string, objectType: StoredObjectType, ids: readonly string[]): void =>
      clearFailures(portal, objectType, ids),
    getFailures,
    listFailures: (portal: string, limit: number) => ({
      total: failureCount.get(portal)?.n ?? 0,
      rows: failureRecent.all(portal, limit).map(toFailure),
    }),
    put: (portal: string, rows: readonly ScoreRow[]): void => put(portal, rows),
    get(portal: string, objectType: StoredObjectType, id: string): ScoreRow | null {
      const r = one.get(portal, objectType, id);
      return r ? toScore(r) : null;
    },
    list(
      portal: string,
      objectType: StoredObjectType,
      opts: { afterId?: string | null; limit: number },
    ): ScoreRow[] {
      const after = opts.afterId == null ? '' : sortKey(opts.afterId);
      return page.all(portal, objectType, after, opts.limit).map(toScore);
    },
    count: (portal: string, objectType: StoredObjectType): number =>
      count.get(portal, objectType)?.n ?? 0,
    getWritten,
    markWritten: (
      portal: string,
      objectType: StoredObjectType,
      entries: ReadonlyArray<{
        id: string;
        properties: Record<string, string>;
        updatedAt?: string;
      }>,
      at: string,
    ): void => markWritten(portal, objectType, entries, at),
    getWrittenUpdatedAt(portal: string, objectType: StoredObjectType, ids: readonly string[]) {
      const out = new Map<string, string>();
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        const chunk = ids.slice(i, i + IN_CHUNK);
        const rows = db
          .prepare<unknown[], { id: string; crm_updated_at: string | null }>(
            `SELECT id, crm_updated_at FROM written WHERE portal_id = ? AND object_type = ?
              AND crm_updated_at IS NOT NULL AND id IN (${chunk.map(() => '?').join(',')})`,
          )
          .all(portal, objectType, ...chunk);
        for (const r of rows) if (r.crm_updated_at) out.set(r.id, r.crm_updated_at);
      }
      return out;
    },
  };
}
