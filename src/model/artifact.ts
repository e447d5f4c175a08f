/**
 * The model artifact: versioned JSON holding everything needed to score and explain — feature
 * schema, encoder state, core parameters, calibration, background means, training window and
 * metrics. `loadModel` validates it and migrates older schema versions forward step by step, so
 * an artifact written today keeps loading after the format changes.
 */
import { z } from 'zod';
import { type Calibration } from './evaluation/calibration';
import { FittedEncoder, type EncoderState } from './encoding/encoder';
import { ModelError } from './errors';
import { Model } from './fitted';
import { ensembleFromJSON, ensembleToJSON } from './trees/tree-ensemble';
import type { FieldInfo, ModelCore } from './types';

export const CURRENT_SCHEMA_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const FieldInfoSchema = z.object({
  name: z.string(),
  label: z.string(),
  type: z.enum(['number', 'category', 'bool', 'date', 'multi']),
});
const FieldStateSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string(),
    label: z.string(),
    type: z.enum(['number', 'date']),
    lo: finite,
    hi: finite,
    mean: finite,
    scale: finite.refine((v) => v > 0, 'must be > 0'),
    indicator: z.boolean(),
    reference: finite.optional(),
    // Dates written a/b/yyyy: the order decided at training (zod would drop it unlisted).
    dateOrder: z.enum(['day-first', 'month-first']).optional(),
    dateOrderGuessed: z.boolean().optional(),
  }),
  z.object({
    name: z.string(),
    label: z.string(),
    type: z.literal('bool'),
    mean: finite,
    indicator: z.boolean(),
  }),
  z.object({
    name: z.string(),
    label: z.string(),
    type: z.enum(['category', 'multi']),
    values: z.array(z.string()),
    indicator: z.boolean(),
    rare: z.array(z.string()).optional(),
  }),
]);
const EncoderStateSchema = z.object({
  missing: z.enum(['impute', 'nan']),
  placeholders: z.array(z.string()),
  placeholderLevels: z.boolean().optional(),
  multiSeparator: z.string().min(1),
  fields: z.array(FieldStateSchema),
});
const CalibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none'), input: z.enum(['logit', 'probability']) }),
  z.object({
    method: z.literal('platt'),
    a: finite.refine((a) => a >= 0, 'must be ≥ 0'),
    b: finite,
  }),
  z
    .object({ method: z.literal('isotonic'), x: z.array(finite).min(1), y: z.array(finite).min(1) })
    .refine((c) => c.x.length === c.y.length, 'x and y differ in length')
    .refine((c) => c.y.every((v, k) => k === 0 || v >= c.y[k - 1]!), 'y must be non-decreasing'),
]);
const CoreSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('logistic'), coef: z.array(finite), intercept: finite }),
  z.object({ kind: z.enum(['gbdt', 'tree', 'ml-cart']), ensemble: z.unknown() }),
]);

export const ArtifactV1Schema = z.object({
  schemaVersion: z.literal(1),
  kind: z.enum(['logistic', 'gbdt', 'tree', 'ml-cart']),
  featureSchema: z.array(FieldInfoSchema),
  encoder: EncoderStateSchema,
  core: CoreSchema,
  calibration: CalibrationSchema,
  backgroundMean: z.array(finite),
  trainingWindow: z.object({
    from: z.number().nullable(),
    to: z.number().nullable(),
    rows: z.number().int().min(0),
  }),
  metrics: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
});
export type ModelArtifact = z.infer<typeof ArtifactV1Schema>;

/**
 * Migrations keyed by the version they upgrade FROM: MIGRATIONS[1] turns a v1 object into v2.
 * When the format changes, bump CURRENT_SCHEMA_VERSION and add the step here.
 */
export type Migration = (old: Record<string, unknown>) => Record<string, unknown>;
export const MIGRATIONS: Readonly<Record<number, Migration>> = {};

function invalid(message: string, details?: Record<string, unknown>): ModelError {
  return new ModelError(
    'ARTIFACT_INVALID',
    message,
    'Retrain the model, or restore the artifact file from a backup.',
    details,
  );
}

/** Brings any supported older artifact up to `target` by applying the migrations in order. */
export function migrate(
  json: unknown,
  target = CURRENT_SCHEMA_VERSION,
  table: Readonly<Record<number, Migration>> = MIGRATIONS,
): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('The model artifact is not a JSON object.');
  }
  let obj = json as Record<string, unknown>;
  const declared = obj.schemaVersion;
  if (typeof declared !== 'number' || !Number.isInteger(declared) || declared < 1) {
    throw invalid(
      `The model artifact has no valid schemaVersion (got ${JSON.stringify(declared)}).`,
    );
  }
  let v: number = declared;
  if (v > target) {
    throw new ModelError(
      'ARTIFACT_INVALID',
      `The model artifact has schemaVersion ${v}; this LeadLens reads up to ${target}.`,
      'Upgrade LeadLens to load it, or retrain with this version.',
    );
  }
  while (v < target) {
    const step = table[v];
    if (!step) throw invalid(`No migration from model artifact schemaVersion ${v}.`);
    obj = step(obj);
    v = v + 1;
    obj = { ...obj, schemaVersion: v };
  }
  return obj;
}

export interface ArtifactMeta {
  featureSchema: readonly FieldInfo[];
  trainingWindow: ModelArtifact['trainingWindow'];
  metrics: Record<string, unknown>;
  createdBy: string;
}

export function toArtifact(model: Model, meta: ArtifactMeta): ModelArtifact {
  const c = model.core;
  const core: ModelArtifact['core'] =
    c.kind === 'logistic'
      ? { kind: 'logistic', coef: Array.from(c.coef), intercept: c.intercept }
      : { kind: c.kind, ensemble: ensembleToJSON(c.ensemble) };
  // A JSON round trip drops NaN/undefined the same way a file write would.
  return JSON.parse(
    JSON.stringify({
      schemaVersion: CURRENT_SCHEMA_VERSION,
      kind: c.kind,
      featureSchema: meta.featureSchema,
      encoder: model.encoder.toJSON(),
      core,
      calibration: model.calibration,
      backgroundMean: Array.from(model.backgroundMean),
      trainingWindow: meta.trainingWindow,
      metrics: meta.metrics,
      createdBy: meta.createdBy,
    }),
  ) as ModelArtifact;
}

/** Validates an artifact (any supported version) and rebuilds the fitted model. */
export function loadModel(json: unknown): Model {
  const parsed = ArtifactV1Schema.safeParse(migrate(json));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(
      `The model artifact is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
      { path: issue.path.map(String) },
    );
  }
  const a = parsed.data;
  const encState = a.encoder as EncoderState;
  const schemaNames = a.featureSchema.map((f) => f.name).join('\u0000');
  if (schemaNames !== encState.fields.map((f) => f.name).join('\u0000')) {
    throw invalid('The artifact feature schema and encoder list different fields.');
  }
  let core: ModelCore;
  if (a.core.kind === 'logistic') {
    core = { kind: 'logistic', coef: Float64Array.from(a.core.coef), intercept: a.core.intercept };
  } else {
    try {
      core = { kind: a.core.kind, ensemble: ensembleFromJSON(a.core.ensemble) };
    } catch (e) {
      throw invalid(`The artifact tree ensemble is invalid: ${(e as Error).message}`);
    }
  }
  if (core.kind !== a.kind)
    throw invalid(`The artifact says kind "${a.kind}" but holds a ${core.kind} core.`);
  return new Model(
    core,
    new FittedEncoder(encState),
    a.calibration as Calibration,
    Float64Array.from(a.backgroundMean),
  );
}
