/** Deal and account model versions on SQLite (`object_models`, migration 31). */
import type Database from 'better-sqlite3';
import type { ObjectModelType, StoredModel } from '../port';
import { toModel, type ModelRow } from '../model-row';

export function createObjectModelStatements(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO object_models (portal_id, object_type, version, status, model_type, artifact,
       report, trained_at, published_at)
     VALUES (?, ?, (SELECT COALESCE(MAX(version), 0) + 1 FROM object_models
       WHERE portal_id = ? AND object_type = ?), ?, ?, ?, ?, ?, ?)
     RETURNING version`,
  );
  const retire = db.prepare(
    `UPDATE object_models SET status = 'retired'
      WHERE portal_id = ? AND object_type = ? AND status = 'published'`,
  );
  const byVersion = db.prepare<[string, string, number], ModelRow>(
    'SELECT * FROM object_models WHERE portal_id = ? AND object_type = ? AND version = ?',
  );
  const published = db.prepare<[string, string], ModelRow>(
    `SELECT * FROM object_models WHERE portal_id = ? AND object_type = ? AND status = 'published'
      ORDER BY version DESC LIMIT 1`,
  );
  const all = db.prepare<[string, string], ModelRow>(
    'SELECT * FROM object_models WHERE portal_id = ? AND object_type = ? ORDER BY version',
  );
  const save = db.transaction(
    (portal: string, type: ObjectModelType, m: Omit<StoredModel, 'version'>): number => {
      if (m.status === 'published') retire.run(portal, type);
      const row = insert.get(
        portal,
        type,
        portal,
        type,
        m.status,
        m.modelType,
        m.artifact,
        m.report,
        m.trainedAt,
        m.publishedAt,
      ) as { version: number };
      return row.version;
    },
  );
  return {
    save,
    get(portal: string, type: ObjectModelType, version: number): StoredModel | null {
      const r = byVersion.get(portal, type, version);
      return r ? toModel(r) : null;
    },
    published(portal: string, type: ObjectModelType): StoredModel | null {
      const r = published.get(portal, type);
      return r ? toModel(r) : null;
    },
    list: (portal: string, type: ObjectModelType): StoredModel[] =>
      all.all(portal, type).map(toModel),
  };
}
