/** Model versions on PostgreSQL: saved, published (one at a time per scope), rolled back, retired. */
import { toModel, type ModelRow } from '../model-row';
import {
  modelSql,
  modelValues,
  noSuchModel,
  type ModelTable,
  type ModelVersions,
} from '../model-versions';
import type { PgConn } from './conn';

export function pgModelVersions(
  conn: PgConn,
  table: ModelTable,
  /** Runs `fn` in the caller's transaction, or in a new one. */
  atomic: <T>(fn: () => Promise<T>) => Promise<T>,
): ModelVersions<'async'> {
  const sql = modelSql(table);
  return {
    save: (scope, m) =>
      atomic(async () => {
        // Versions are numbered per scope; concurrent saves for one scope queue here.
        await conn.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `leadlens.${table.name}:${scope.join(':')}`,
        ]);
        const [{ version }] = await conn.query<{ version: number }>(sql.insert, [
          ...scope,
          ...modelValues(m),
        ]);
        if (table.savingPublishedRetires && m.status === 'published') {
          await conn.execute(sql.retireOthers, [...scope, version]);
        }
        return version;
      }),
    get: async (scope, version) => {
      const [r] = await conn.query<ModelRow>(sql.byVersion, [...scope, version]);
      return r ? toModel(r) : null;
    },
    published: async (scope) => {
      const [r] = await conn.query<ModelRow>(sql.published, [...scope]);
      return r ? toModel(r) : null;
    },
    list: async (scope) => (await conn.query<ModelRow>(sql.list, [...scope])).map(toModel),
    publish: (scope, version, at) =>
      atomic(async () => {
        if ((await conn.execute(sql.publish, [...scope, version, at])) === 0) {
          throw noSuchModel(version);
        }
        await conn.execute(sql.retireOthers, [...scope, version]);
      }),
  };
}
