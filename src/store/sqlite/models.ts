/** Model versions on SQLite: saved, published (one at a time per scope), rolled back, retired. */
import type Database from 'better-sqlite3';
import { toModel, type ModelRow } from '../model-row';
import {
  byNumber,
  modelSql,
  modelValues,
  noSuchModel,
  type ModelTable,
  type ModelVersions,
  type NewModel,
  type Scope,
} from '../model-versions';

type Params = [Record<number, unknown>];

export function createModelStatements(db: Database.Database, table: ModelTable) {
  const sql = modelSql(table);
  const insert = db.prepare<Params, { version: number }>(sql.insert);
  const byVersion = db.prepare<Params, ModelRow>(sql.byVersion);
  const published = db.prepare<Params, ModelRow>(sql.published);
  const all = db.prepare<Params, ModelRow>(sql.list);
  const setPublished = db.prepare<Params>(sql.publish);
  const retireOthers = db.prepare<Params>(sql.retireOthers);

  const save = db.transaction((scope: Scope, m: NewModel): number => {
    const { version } = insert.get(byNumber([...scope, ...modelValues(m)]))!;
    if (table.savingPublishedRetires && m.status === 'published') {
      retireOthers.run(byNumber([...scope, version]));
    }
    return version;
  });
  const publish = db.transaction((scope: Scope, version: number, at: string) => {
    if (setPublished.run(byNumber([...scope, version, at])).changes === 0) {
      throw noSuchModel(version);
    }
    retireOthers.run(byNumber([...scope, version]));
  });

  const versions: ModelVersions<'sync'> = {
    save,
    get(scope, version) {
      const r = byVersion.get(byNumber([...scope, version]));
      return r ? toModel(r) : null;
    },
    published(scope) {
      const r = published.get(byNumber(scope));
      return r ? toModel(r) : null;
    },
    list: (scope) => all.all(byNumber(scope)).map(toModel),
    publish,
  };
  return versions;
}
