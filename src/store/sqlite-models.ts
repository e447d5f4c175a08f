/** Model versions: saved, published (one at a time), rolled back, retired. */
import type Database from 'better-sqlite3';
import { LeadLensError } from '../contracts/errors';
import type { ModelStatus, StoredModel } from './port';

interface ModelRow {
  version: number;
  status: string;
  model_type: string;
  artifact: string;
  report: string;
  trained_at: string;
  published_at: string | null;
}

function toModel(r: ModelRow): StoredModel {
  return {
    version: r.version,
    status: r.status as ModelStatus,
    modelType: r.model_type,
    artifact: r.artifact,
    report: r.report,
    trainedAt: r.trained_at,
    publishedAt: r.published_at,
  };
}

export function createModelStore(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO models (status, model_type, artifact, report, trained_at, published_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const byVersion = db.prepare<[number], ModelRow>('SELECT * FROM models WHERE version = ?');
  const published = db.prepare<[], ModelRow>(
    "SELECT * FROM models WHERE status = 'published' ORDER BY version DESC LIMIT 1",
  );
  const all = db.prepare<[], ModelRow>('SELECT * FROM models ORDER BY version');
  const retire = db.prepare(
    "UPDATE models SET status = 'retired' WHERE status = 'published' AND version <> ?",
  );
  const setPublished = db.prepare(
    "UPDATE models SET status = 'published', published_at = ? WHERE version = ?",
  );

  const publish = db.transaction((version: number, at: string) => {
    if (!byVersion.get(version)) {
      throw new LeadLensError('NO_MODEL', `There is no model version ${version} to publish.`, {
        hint: 'List the stored versions with `leadlens status` and pick one of them.',
      });
    }
    retire.run(version);
    setPublished.run(at, version);
  });

  return {
    save(m: Omit<StoredModel, 'version'>): number {
      return Number(
        insert.run(m.status, m.modelType, m.artifact, m.report, m.trainedAt, m.publishedAt)
          .lastInsertRowid,
      );
    },
    get(version: number): StoredModel | null {
      const r = byVersion.get(version);
      return r ? toModel(r) : null;
    },
    published(): StoredModel | null {
      const r = published.get();
      return r ? toModel(r) : null;
    },
    list: (): StoredModel[] => all.all().map(toModel),
    publish: (version: number, at: string): void => publish(version, at),
  };
}
