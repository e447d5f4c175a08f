/**
 * Scores and the write-back ledger. The ledger holds what the CRM *confirmed*, so write-back
 * can send only the values that differ and a resumed run never rewrites a finished batch.
 */
import type Database from 'better-sqlite3';
import type { ScoreRow, StoredObjectType } from './port';
import { sortKey } from './sort-key';

interface Row {
  object_type: string;
  id: string;
  model_version: number;
  probability: number;
  score: number;
  tier: string;
  factors: string;
  reasons: string;
  scored_at: string;
}

function toScore(r: Row): ScoreRow {
  return {
    objectType: r.object_type as StoredObjectType,
    id: r.id,
    modelVersion: r.model_version,
    probability: r.probability,
    score: r.score,
    tier: r.tier,
    factors: r.factors,
    reasons: r.reasons,
    scoredAt: r.scored_at,
  };
}

/** SQLite's default limit of host parameters per statement is 32,766; stay well below. */
const IN_CHUNK = 500;

export function createScoreStore(db: Database.Database) {
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO scores (object_type, id, sort_key, model_version, probability, score,
       tier, factors, reasons, scored_at)
     VALUES (@objectType, @id, @sortKey, @modelVersion, @probability, @score, @tier, @factors,
       @reasons, @scoredAt)`,
  );
  const one = db.prepare<[string, string], Row>(
    'SELECT * FROM scores WHERE object_type = ? AND id = ?',
  );
  const page = db.prepare<[string, string, number], Row>(
    'SELECT * FROM scores WHERE object_type = ? AND sort_key > ? ORDER BY sort_key LIMIT ?',
  );
  const count = db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM scores WHERE object_type = ?',
  );
  const writtenOne = db.prepare<[string, string], { properties: string }>(
    'SELECT properties FROM written WHERE object_type = ? AND id = ?',
  );
  const writtenUpsert = db.prepare(
    'INSERT OR REPLACE INTO written (object_type, id, properties, written_at) VALUES (?, ?, ?, ?)',
  );

  const put = db.transaction((rows: readonly ScoreRow[]) => {
    for (const r of rows) upsert.run({ ...r, sortKey: sortKey(r.id) });
  });

  const getWritten = (objectType: StoredObjectType, ids: readonly string[]) => {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = db
        .prepare<unknown[], { id: string; properties: string }>(
          `SELECT id, properties FROM written WHERE object_type = ? AND id IN (${chunk
            .map(() => '?')
            .join(',')})`,
        )
        .all(objectType, ...chunk);
      for (const r of rows) out.set(r.id, JSON.parse(r.properties) as Record<string, string>);
    }
    return out;
  };

  const markWritten = db.transaction(
    (
      objectType: StoredObjectType,
      entries: ReadonlyArray<{ id: string; properties: Record<string, string> }>,
      at: string,
    ) => {
      for (const e of entries) {
        const prev = writtenOne.get(objectType, e.id);
        const merged = {
          ...(prev ? (JSON.parse(prev.properties) as Record<string, string>) : {}),
          ...e.properties,
        };
        writtenUpsert.run(objectType, e.id, JSON.stringify(merged), at);
      }
    },
  );

  return {
    put: (rows: readonly ScoreRow[]): void => put(rows),
    get(objectType: StoredObjectType, id: string): ScoreRow | null {
      const r = one.get(objectType, id);
      return r ? toScore(r) : null;
    },
    list(
      objectType: StoredObjectType,
      opts: { afterId?: string | null; limit: number },
    ): ScoreRow[] {
      const after = opts.afterId == null ? '' : sortKey(opts.afterId);
      return page.all(objectType, after, opts.limit).map(toScore);
    },
    count: (objectType: StoredObjectType): number => count.get(objectType)?.n ?? 0,
    getWritten,
    markWritten: (
      objectType: StoredObjectType,
      entries: ReadonlyArray<{ id: string; properties: Record<string, string> }>,
      at: string,
    ): void => markWritten(objectType, entries, at),
  };
}
