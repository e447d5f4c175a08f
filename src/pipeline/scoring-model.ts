/**
 * The scoring envelope: what a stored model version holds (`StoredModel.artifact`), everything
 * scoring needs and nothing else — the model artifact (encoders, parameters, calibration,
 * background; src/model's own versioned format) and the feature plan it was trained on (each
 * field's source, CRM property or engineered signal, and the value labels reasons read with).
 *
 * Why an envelope and not more fields in the model artifact: `model` is pure numerics and may
 * not import `features` (DESIGN import rules); its artifact is the same whether it was trained
 * from a CSV export or a CRM, and `leadlens train --out` writes it alone. The CRM part — where a
 * value comes from and how it reads to a rep — is the pipeline's, so the pipeline owns the
 * envelope and versions it beside the artifact's own `schemaVersion`.
 *
 * Versions: 1 is the envelope. Before it (version 0) a stored model held the bare artifact and
 * the plan lived in the training report; `MIGRATIONS[0]` lifts such a row into version 1 — the
 * one place the report is still read, and only for rows stored before the envelope.
 *
 * Segment models (optional `segments`, src/pipeline/segments): the admin segments whose own
 * model beat the global one, each with the definition it was trained on (property, values — the
 * routing stays the training's whatever the settings say later) and its own artifact and plan.
 * An envelope without them is read as before: the global model scores everyone.
 */
import { z } from 'zod';
import { LeadLensError } from '../errors';
import type { FeatureField } from '../features';
import { loadModel, type Model, type ModelArtifact } from '../model';
import type { StoredModel, StoreOps } from '../store/port';
import { FeatureFieldSchema } from './feature-plan';
import { readReport } from './report';

export const SCORING_MODEL_FORMAT = 'leadlens.scoring-model';
const SCORING_MODEL_VERSION = 1;

const EnvelopeSchema = z.object({
  format: z.literal(SCORING_MODEL_FORMAT),
  version: z.literal(SCORING_MODEL_VERSION),
  /** The model artifact, checked and migrated by src/model's loadModel. */
  model: z.record(z.string(), z.unknown()),
  features: z.array(FeatureFieldSchema),
  segments: z
    .array(
      z.object({
        key: z.string(),
        label: z.string(),
        property: z.string(),
        values: z.array(z.string()),
        model: z.record(z.string(), z.unknown()),
        features: z.array(FeatureFieldSchema),
      }),
    )
    .optional(),
});
type Envelope = z.infer<typeof EnvelopeSchema>;

/** A loaded model version: the fitted model and the plan to build its rows from records. */
export interface ScoringModel {
  model: Model;
  /** The fields the model was trained on, with their source and value labels. */
  features: readonly FeatureField[];
  /** Field → (raw value → how it reads to a rep). */
  valueLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** A segment's own model inside a version, with the definition that routes records to it. */
export interface SegmentModel extends ScoringModel {
  key: string;
  label: string;
  property: string;
  values: readonly string[];
}

/** A stored model version, loaded for scoring. */
export interface LoadedModel extends ScoringModel {
  version: number;
  /** Segment models of this version (empty: the global model scores every record). */
  segments?: readonly SegmentModel[];
}

/** What `packScoringModel` stores of a segment model. */
export interface PackedSegment {
  key: string;
  label: string;
  property: string;
  values: string[];
  artifact: ModelArtifact;
  features: readonly FeatureField[];
}

/** What a row stored before the envelope needs to be lifted: its training report. */
export interface LegacySources {
  /** The report's `featureFields` (they had `source` and `valueLabels`); null if unreadable. */
  reportFeatures(): readonly FeatureField[] | null;
}

type Migration = (old: unknown, legacy: LegacySources) => Record<string, unknown>;

const MIGRATIONS: Readonly<Record<number, Migration>> = {
  0: (artifact, legacy) => {
    const features = legacy.reportFeatures();
    if (!features) {
      throw new LeadLensError(
        'ARTIFACT_INVALID',
        'This model version was stored before models carried their feature plan, and its training report is unreadable.',
        { hint: 'Retrain (`leadlens run --retrain always`) or publish another version.' },
      );
    }
    return { format: SCORING_MODEL_FORMAT, version: 1, model: artifact, features };
  },
};

export function packScoringModel(
  artifact: ModelArtifact,
  features: readonly FeatureField[],
  segments: readonly PackedSegment[] = [],
): string {
  const envelope: Envelope = {
    format: SCORING_MODEL_FORMAT,
    version: SCORING_MODEL_VERSION,
    model: artifact as unknown as Record<string, unknown>,
    features: features.map((f) => ({ ...f })),
    ...(segments.length
      ? {
          segments: segments.map((g) => ({
            key: g.key,
            label: g.label,
            property: g.property,
            values: [...g.values],
            model: g.artifact as unknown as Record<string, unknown>,
            features: g.features.map((f) => ({ ...f })),
          })),
        }
      : {}),
  };
  return JSON.stringify(envelope);
}

function versionOf(json: unknown): number {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new LeadLensError('ARTIFACT_INVALID', 'The stored model is not a JSON object.', {
      hint: 'Retrain the model, or restore the store from a backup.',
    });
  }
  const o = json as Record<string, unknown>;
  if (o.format === SCORING_MODEL_FORMAT) {
    if (typeof o.version !== 'number' || !Number.isInteger(o.version)) {
      throw new LeadLensError('ARTIFACT_INVALID', 'The stored model has no valid version.', {
        hint: 'Retrain the model, or restore the store from a backup.',
      });
    }
    return o.version;
  }
  // A bare model artifact: stored before the envelope.
  if ('schemaVersion' in o) return 0;
  throw new LeadLensError(
    'ARTIFACT_INVALID',
    'The stored model is neither a scoring envelope nor a model artifact.',
    {
      hint: 'Retrain the model, or restore the store from a backup.',
    },
  );
}

/** Parses a stored model (any supported version) into what scoring needs. */
export function unpackScoringModel(text: string, legacy: LegacySources): ScoringModel {
  return unpackWithSegments(text, legacy).global;
}

function unpackWithSegments(
  text: string,
  legacy: LegacySources,
): { global: ScoringModel; segments: SegmentModel[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LeadLensError('ARTIFACT_INVALID', 'The stored model is not JSON.', {
      hint: 'Retrain the model, or restore the store from a backup.',
      cause: e,
    });
  }
  let v = versionOf(json);
  if (v > SCORING_MODEL_VERSION) {
    throw new LeadLensError(
      'ARTIFACT_INVALID',
      `The stored model has envelope version ${v}; this LeadLens reads up to ${SCORING_MODEL_VERSION}.`,
      { hint: 'Upgrade LeadLens to score with it, or publish a model trained by this version.' },
    );
  }
  while (v < SCORING_MODEL_VERSION) {
    json = MIGRATIONS[v]!(json, legacy);
    v += 1;
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LeadLensError(
      'ARTIFACT_INVALID',
      `The stored model is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}.`,
      { hint: 'Retrain the model, or restore the store from a backup.' },
    );
  }
  const global = scoringPart(parsed.data.model, parsed.data.features);
  const segments = (parsed.data.segments ?? []).map((g) => ({
    key: g.key,
    label: g.label,
    property: g.property,
    values: g.values,
    ...scoringPart(g.model, g.features),
  }));
  return { global, segments };
}

function scoringPart(artifact: Record<string, unknown>, features: FeatureField[]): ScoringModel {
  const model = loadModel(artifact);
  // Rows are built from the plan: every field the model reads must be in it (a plan lifted
  // from an old report may list more — fields the model's own guard left out).
  const planned = new Set(features.map((f) => f.name));
  const missing = model.encoder.fields.filter((f) => !planned.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    throw new LeadLensError(
      'ARTIFACT_INVALID',
      `The stored model reads fields its feature plan does not build: ${missing.slice(0, 5).join(', ')}.`,
      { hint: 'Retrain the model.' },
    );
  }
  return {
    model,
    features,
    valueLabels: new Map(features.flatMap((f) => (f.valueLabels ? [[f.name, f.valueLabels]] : []))),
  };
}

/**
 * A model file for CSV scoring: a scoring envelope, or the bare artifact `leadlens train --out`
 * writes. CSV rows already hold every field by name, so only the value labels of an envelope
 * matter there.
 */
export function scoringModelFromFile(json: unknown): ScoringModel {
  const o = json as Record<string, unknown> | null;
  if (o && typeof o === 'object' && o.format === SCORING_MODEL_FORMAT) {
    return unpackScoringModel(JSON.stringify(o), { reportFeatures: () => null });
  }
  const model = loadModel(json);
  return { model, features: [], valueLabels: new Map() };
}

/**
 * Parsed models by their stored text: the same text is the same model whatever portal or
 * version number it is stored under. The most recently used are kept: a worker serves many
 * portals, each with its published model and maybe a shadow.
 */
const cache = new Map<string, LoadedModel>();
const CACHE_SIZE = 16;

/** The published model, parsed once per process and version. */
export async function publishedModel(store: StoreOps): Promise<LoadedModel> {
  const stored = await store.getPublishedModel();
  if (!stored) {
    throw new LeadLensError('NO_MODEL', 'There is no published model yet.', {
      hint: 'Run `leadlens train` (or `leadlens run`) first.',
    });
  }
  return loadedModel(stored);
}

export function loadedModel(stored: StoredModel): LoadedModel {
  const key = stored.artifact;
  const hit = cache.get(key);
  if (hit && hit.version === stored.version) return hit;
  // Only a version stored before the scoring envelope reads its report (for its plan).
  const { global, segments } = unpackWithSegments(stored.artifact, {
    reportFeatures: () => readReport(stored)?.featureFields ?? null,
  });
  const entry: LoadedModel = { version: stored.version, ...global, segments };
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry;
}
