/**
 * Model versions, for both engines and both version tables: `models` (contact models, versions
 * numbered per portal) and `object_models` (deal and account models, numbered per portal and
 * object type). One SQL text per statement serves both engines: parameters are `$1`, `$2`, …,
 * which PostgreSQL binds by position and better-sqlite3 as named parameters "1", "2", …
 * (`byNumber`). Every statement's first parameters are the table's scope values, in order.
 */
import { LeadLensError } from '../contracts/errors';
import type { ObjectModelOps, ObjectModelType, StoredModel, StoreOps } from './port';

export interface ModelTable {
  readonly name: 'models' | 'object_models';
  /** The columns a version number is unique within. */
  readonly scope: readonly string[];
  /** Whether saving a published version retires the scope's other published ones. */
  readonly savingPublishedRetires: boolean;
}

export const MODELS: ModelTable = {
  name: 'models',
  scope: ['portal_id'],
  savingPublishedRetires: false,
};

export const OBJECT_MODELS: ModelTable = {
  name: 'object_models',
  scope: ['portal_id', 'object_type'],
  savingPublishedRetires: true,
};

export type NewModel = Omit<StoredModel, 'version'>;

/** The values of a scope: the portal id, then (`object_models`) the object type. */
export type Scope = readonly string[];

export function modelSql({ name, scope }: ModelTable) {
  const k = scope.length;
  const scopeParams = scope.map((_, i) => `$${i + 1}`);
  const inScope = scope.map((c, i) => `${c} = ${scopeParams[i]}`).join(' AND ');
  /** The n-th parameter after the scope's. */
  const p = (n: number) => `$${k + n}`;
  return {
    /** scope, then `modelValues(m)` → the new version: one more than the scope's highest. */
    insert: `INSERT INTO ${name} (${scope.join(', ')}, version, status, model_type, artifact,
       report, trained_at, published_at)
     SELECT ${scopeParams.join(', ')}, COALESCE(MAX(version), 0) + 1, ${[1, 2, 3, 4, 5, 6].map(p).join(', ')}
       FROM ${name} WHERE ${inScope}
     RETURNING version`,
    /** scope, version */
    byVersion: `SELECT * FROM ${name} WHERE ${inScope} AND version = ${p(1)}`,
    /** scope */
    published: `SELECT * FROM ${name} WHERE ${inScope} AND status = 'published'
      ORDER BY version DESC LIMIT 1`,
    /** scope */
    list: `SELECT * FROM ${name} WHERE ${inScope} ORDER BY version`,
    /** scope, version, at → one row changed, or none when there is no such version. */
    publish: `UPDATE ${name} SET status = 'published', published_at = ${p(2)}
      WHERE ${inScope} AND version = ${p(1)}`,
    /** scope, version: every other published version of the scope is retired. */
    retireOthers: `UPDATE ${name} SET status = 'retired'
      WHERE ${inScope} AND status = 'published' AND version <> ${p(1)}`,
  };
}

/** A model's values after the scope's, in the column order of `insert`. */
export const modelValues = (m: NewModel) => [
  m.status,
  m.modelType,
  m.artifact,
  m.report,
  m.trainedAt,
  m.publishedAt,
];

/** Positional values as better-sqlite3's named parameters "1", "2", … (the `$n` of the SQL). */
export const byNumber = (values: readonly unknown[]): Record<number, unknown> =>
  Object.fromEntries(values.map((v, i) => [i + 1, v]));

export function noSuchModel(version: number): LeadLensError {
  return new LeadLensError('NO_MODEL', `There is no model version ${version} to publish.`, {
    hint: 'List the stored versions with `leadlens models list` and pick one of them.',
  });
}

/** What an engine's statement gives: the value (SQLite, synchronous) or its promise (PostgreSQL). */
export type Ret<S extends 'sync' | 'async', T> = S extends 'sync' ? T : Promise<T>;

/** One version table's statements on one engine. */
export interface ModelVersions<S extends 'sync' | 'async'> {
  save(scope: Scope, m: NewModel): Ret<S, number>;
  get(scope: Scope, version: number): Ret<S, StoredModel | null>;
  published(scope: Scope): Ret<S, StoredModel | null>;
  list(scope: Scope): Ret<S, StoredModel[]>;
  /** Throws NO_MODEL (`noSuchModel`) when the scope has no such version. */
  publish(scope: Scope, version: number, at: string): Ret<S, void>;
}

type ModelPortOps = ObjectModelOps &
  Pick<StoreOps, 'saveModel' | 'getModel' | 'getPublishedModel' | 'listModels' | 'publishModel'>;

/** The port's model calls of `portal`, each worded for the user by the engine's `op`. */
export function modelPortOps<S extends 'sync' | 'async'>(
  portal: string,
  models: ModelVersions<S>,
  objectModels: ModelVersions<S>,
  op: <T>(what: string, fn: () => Ret<S, T>) => Promise<T>,
): ModelPortOps {
  const of = (type: ObjectModelType): Scope => [portal, type];
  return {
    saveModel: (m) => op('save a model', () => models.save([portal], m)),
    getModel: (version) => op('read a model', () => models.get([portal], version)),
    getPublishedModel: () => op('read the published model', () => models.published([portal])),
    listModels: () => op('list models', () => models.list([portal])),
    publishModel: (version, at) =>
      op('publish a model', () => models.publish([portal], version, at)),
    saveObjectModel: (type, m) => op('save a model', () => objectModels.save(of(type), m)),
    getObjectModel: (type, version) =>
      op('read a model', () => objectModels.get(of(type), version)),
    getPublishedObjectModel: (type) =>
      op('read the published model', () => objectModels.published(of(type))),
    listObjectModels: (type) => op('list models', () => objectModels.list(of(type))),
  };
}
