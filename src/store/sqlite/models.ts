/** Model versions per portal: saved, published (one at a time), rolled back, retired. */
import type Database from 'better-sqlite3';
import { LeadLensError } from '../../contracts/errors';
import { toModel, type ModelRow } from '../model-row';
import type { StoredModel } from '../port';

export function noSuchModel(version: number): LeadLensError {
  return new LeadLensError('NO_MODEL', `There is no model version ${version} to publish.`, {
    hint: 'List the stored versions with `leadlens models list` and pick one of them.',
  });
}

export function createModelStatements(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO models (portal_id, version, status, model_type, artifact, report, trained_at,
       published_at)
     VALUES (?, (SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE portal_id = ?),
       ?, ?, ?, ?, ?, ?)
     RETURNING version`,
  );
  const byVersion = db.prepare<[string, number], ModelRow>(
    'SELECT * FROM models WHERE portal_id = ? AND version = ?',
  );
  const published = db.prepare<[string], ModelRow>(
    "SELECT * FROM models WHERE portal_id = ? AND status = 'published' ORDER BY version DESC LIMIT 1",
  );
  const all = db.prepare<[string], ModelRow>(
    'SELECT * FROM models WHERE portal_id = ? ORDER BY version',
  );
  const retire = db.prepare(
    "UPDATE models SET status = 'retired' WHERE portal_id = ? AND status = 'published' AND version <> ?",
  );
  const setPublished = db.prepare(
    "UPDATE models SET status = 'published', published_at = ? WHERE portal_id = ? AND version = ?",
  );

  const publish = db.transaction((portal: string, version: number, at: string) => {
    if (!byVersion.get(portal, version)) throw noSuchModel(version);
    retire.run(portal, version);
    setPublished.run(at, portal, version);
  });

  return {
    save(portal: string, m: Omit<StoredModel, 'version'>): number {
      const row = insert.get(
        portal,
        portal,
        m.status,
        m.modelType,
        m.artifact,
        m.report,
        m.trainedAt,
        m.publishedAt,
      ) as { version: number };
      return row.version;
    },
    get(portal: string, version: number): StoredModel | null {
      const r = byVersion.get(portal, version);
      return r ? toModel(r) : null;
    },
    published(portal: string): StoredModel | null {
      const r = published.get(portal);
      return r ? toModel(r) : null;
    },
    list: (portal: string): StoredModel[] => all.all(portal).map(toModel),
    publish: (portal: string, version: number, at: string): void => publish(portal, version, at),
  };
}
