/**
 * The scoring core shared by the batch job, one-record refreshes and webhook rescoring:
 * features as of now → calibrated probability → exact explanation → integer points that sum to
 * the score → the `leadlens_factors` payload, reason text and tier.
 */
import { LeadLensError } from '../contracts/errors';
import { FACTORS_MAX_CHARS, type FactorsPayload } from '../contracts/factors';
import type { CrmRecord } from '../contracts/records';
import { tierFor, type Tier } from '../contracts/settings';
import { describeExplanation, explainRows, reasonText } from '../explain';
import { snapshot, type FeatureSpec } from '../features';
import { loadModel, type FittedModel } from '../model';
import type { ScoreRow, StoredModel, StoredObjectType, StoreOps } from '../store/port';
import { readReport } from './report';

export interface LoadedModel {
  version: number;
  model: FittedModel;
  spec: FeatureSpec;
  /** Field → (value → how it reads), for reason text. */
  valueLabels: Map<string, Readonly<Record<string, string>>>;
}

/** A worker serves many portals: keep the most recently used models, not every one seen. */
const CACHE_SIZE = 16;
const cache = new Map<string, LoadedModel>();

/** The published model, parsed once per process, portal and version. */
export async function publishedModel(store: StoreOps): Promise<LoadedModel> {
  const stored = await store.getPublishedModel();
  if (!stored) {
    throw new LeadLensError('NO_MODEL', 'There is no published model yet.', {
      hint: 'Run `leadlens train` (or `leadlens run`) first.',
    });
  }
  return loaded(store.portalId, stored);
}

export function loaded(portalId: string, stored: StoredModel): LoadedModel {
  // Versions are numbered per portal: two portals' v1 are different models.
  const key = `${portalId}:${stored.version}:${stored.trainedAt}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const report = readReport(stored);
  if (!report) {
    throw new LeadLensError(
      'STORE_ERROR',
      `Model v${stored.version} has no readable training report.`,
      {
        hint: 'Retrain (`leadlens run --retrain always`) or publish another version.',
      },
    );
  }
  const entry: LoadedModel = {
    version: stored.version,
    model: loadModel(JSON.parse(stored.artifact)),
    spec: { fields: report.featureFields, skipped: [] },
    valueLabels: new Map(
      report.featureFields.flatMap((f) =>
        f.valueLabels ? [[f.name, f.valueLabels] as const] : [],
      ),
    ),
  };
  cache.set(key, entry);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return entry;
}

/** Up to three positive and three negative factors are shown. */
const TOP_K = 6;

/** Scores records as of `asOf`; returns one ScoreRow per record, in input order. */
export function scoreRecords(
  lm: LoadedModel,
  records: readonly CrmRecord[],
  opts: { objectType: StoredObjectType; asOf: number; tiers: readonly Tier[]; scoredAt: string },
): ScoreRow[] {
  if (records.length === 0) return [];
  const rows = records.map((r) => snapshot(r, opts.asOf, lm.spec));
  const explanations = explainRows(lm.model, rows);
  return records.map((r, i) => {
    const d = describeExplanation(lm.model, explanations[i], TOP_K);
    const top = d.factors.map((f) => {
      const shown = f.value === null ? null : (lm.valueLabels.get(f.field)?.[f.value] ?? f.value);
      return shown === f.value
        ? f
        : { ...f, value: shown, reason: reasonText(f.label, shown, f.points) };
    });
    const payload: FactorsPayload = {
      v: 1,
      score: d.score,
      base: d.base,
      top,
      otherPoints: d.otherPoints,
      modelVersion: String(lm.version),
    };
    return {
      objectType: opts.objectType,
      id: r.id,
      modelVersion: lm.version,
      probability: d.probability,
      score: d.score,
      tier: tierFor(d.score, opts.tiers).value,
      factors: fitFactors(payload),
      reasons: top.map((f) => f.reason).join('\n'),
      scoredAt: opts.scoredAt,
    };
  });
}

/** Keeps the JSON under the property's budget by dropping the weakest shown factors. */
function fitFactors(payload: FactorsPayload): string {
  let p = payload;
  let json = JSON.stringify(p);
  while (json.length > FACTORS_MAX_CHARS && p.top.length > 0) {
    const dropped = p.top[p.top.length - 1];
    p = { ...p, top: p.top.slice(0, -1), otherPoints: p.otherPoints + dropped.points };
    json = JSON.stringify(p);
  }
  return json;
}
