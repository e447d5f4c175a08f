/** Deal and account model versions on PostgreSQL (`object_models`, migration 31). */
import { toModel, type ModelRow } from '../model-row';
import type { ObjectModelOps } from '../port';
import type { PgConn } from './conn';

type Op = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export function objectModelOps(
  conn: PgConn,
  portal: string,
  op: Op,
  atomic: <T>(fn: () => Promise<T>) => Promise<T>,
): ObjectModelOps {
  return {
    saveObjectModel: (objectType, m) =>
      op('save a model', () =>
        atomic(async () => {
          // Versions are numbered per portal and object type; concurrent saves queue here.
          await conn.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
            `leadlens.object_models:${portal}:${objectType}`,
          ]);
          if (m.status === 'published') {
            await conn.execute(
              `UPDATE object_models SET status = 'retired'
                WHERE portal_id = $1 AND object_type = $2 AND status = 'published'`,
              [portal, objectType],
            );
          }
          const rows = await conn.query<{ version: number }>(
            `INSERT INTO object_models (portal_id, object_type, version, status, model_type,
               artifact, report, trained_at, published_at)
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8
               FROM object_models WHERE portal_id = $1 AND object_type = $2
             RETURNING version`,
            [
              portal,
              objectType,
              m.status,
              m.modelType,
              m.artifact,
              m.report,
              m.trainedAt,
              m.publishedAt,
            ],
          );
          return rows[0].version;
        }),
      ),
    getObjectModel: (objectType, version) =>
      op('read a model', async () => {
        const rows = await conn.query<ModelRow>(
          'SELECT * FROM object_models WHERE portal_id = $1 AND object_type = $2 AND version = $3',
          [portal, objectType, version],
        );
        return rows[0] ? toModel(rows[0]) : null;
      }),
    getPublishedObjectModel: (objectType) =>
      op('read the published model', async () => {
        const rows = await conn.query<ModelRow>(
          `SELECT * FROM object_models WHERE portal_id = $1 AND object_type = $2
             AND status = 'published' ORDER BY version DESC LIMIT 1`,
          [portal, objectType],
        );
        return rows[0] ? toModel(rows[0]) : null;
      }),
    listObjectModels: (objectType) =>
      op('list models', async () =>
        (
          await conn.query<ModelRow>(
            'SELECT * FROM object_models WHERE portal_id = $1 AND object_type = $2 ORDER BY version',
            [portal, objectType],
          )
        ).map(toModel),
      ),
  };
}
