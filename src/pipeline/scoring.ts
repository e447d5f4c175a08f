/**
 * The one scorer. Every score LeadLens writes or shows — the batch score job, the card's
 * refresh, webhook rescoring, the workflow action, `leadlens score --csv`, the held-out slice of
 * the model report — comes out of `scoreRows`: feature rows → calibrated probability → exact
 * explanation → integer points that sum to the score → the top factors with their reason text
 * (built once, from the value as a rep reads it) and the points of all the others.
 * `scoreRecords` puts CRM records through it: snapshot as of a moment with the model's own
 * feature plan, then the `leadlens_factors` payload, reason text and tier of each record.
 */
import { LeadLensError } from '../errors';
import { FACTORS_MAX_CHARS, type Factor, type FactorsPayload } from '../contracts/factors';
import type { CrmRecord } from '../contracts/records';
import { tierFor, type Tier } from '../contracts/settings';
import { describeExplanation, explainRows, explanationBase } from '../explain';
import { snapshot } from '../features';
import type { RawRow } from '../model';
import type { ScoreRow, StoredModel, StoredObjectType, StorePort } from '../store/port';
import { readReport } from './report';
import { unpackScoringModel, type ScoringModel } from './scoring-model';

/** A stored model version, loaded for scoring. */
export interface LoadedModel extends ScoringModel {
  version: number;
}

/** One scored row: base + Σ top points + otherPoints = score, always. */
export interface Scored {
  /** Calibrated probability. */
  probability: number;
  /** Displayed score and baseline, integers 0–100. */
  score: number;
  base: number;
  /** The factors worth showing, strongest first; empty when not explained. */
  top: Factor[];
  /** Points of every factor not in `top`. */
  otherPoints: number;
}

export interface ScoreOptions {
  /** How many factors to keep (the strongest positives and negatives). */
  top: number;
  /** False: probability and score only (no explanation is computed). */
  explain?: boolean;
}

/** The scorer. Rows hold each field of the model by name, raw or typed. */
export function scoreRows(sm: ScoringModel, rows: readonly RawRow[], opts: ScoreOptions): Scored[] {
  if (rows.length === 0) return [];
  const { model, valueLabels } = sm;
  if (opts.explain === false) {
    const base = Math.round(100 * model.calibrate(explanationBase(model)));
    const margins = model.margin(model.encoder.transform(rows));
    return Array.from(margins, (m) => {
      const probability = model.calibrate(m);
      const score = Math.round(100 * probability);
      return { probability, score, base, top: [], otherPoints: score - base };
    });
  }
  const show = (field: string, value: string): string => valueLabels.get(field)?.[value] ?? value;
  return explainRows(model, rows).map((expl) => {
    const d = describeExplanation(model, expl, opts.top, show);
    return {
      probability: d.probability,
      score: d.score,
      base: d.base,
      top: d.factors,
      otherPoints: d.otherPoints,
    };
  });
}

/**
 * Parsed models by their stored text: the same text is the same model whatever portal or
 * version number it is stored under. A few are kept (the published one, a shadow, a rollback).
 */
const cache = new Map<string, LoadedModel>();
const CACHE_SIZE = 4;

/** The published model, parsed once per process and version. */
export function publishedModel(store: StorePort): LoadedModel {
  const stored = store.getPublishedModel();
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
  const entry: LoadedModel = {
    version: stored.version,
    // Only a version stored before the scoring envelope reads its report (for its plan).
    ...unpackScoringModel(stored.artifact, {
      reportFeatures: () => readReport(stored)?.featureFields ?? null,
    }),
  };
  cache.delete(key);
  cache.set(key, entry);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry;
}

/** Up to three positive and three negative factors are stored with every score. */
export const TOP_K = 6;

/** Scores records as of `asOf`; returns one ScoreRow per record, in input order. */
export function scoreRecords(
  lm: LoadedModel,
  records: readonly CrmRecord[],
  opts: { objectType: StoredObjectType; asOf: number; tiers: readonly Tier[]; scoredAt: string },
): ScoreRow[] {
  const spec = { fields: lm.features, skipped: [] };
  const rows = records.map((r) => snapshot(r, opts.asOf, spec));
  return scoreRows(lm, rows, { top: TOP_K }).map((s, i) => {
    const payload = fitFactors({
      v: 1,
      score: s.score,
      base: s.base,
      top: s.top,
      otherPoints: s.otherPoints,
      modelVersion: String(lm.version),
    });
    return {
      objectType: opts.objectType,
      id: records[i].id,
      modelVersion: lm.version,
      probability: s.probability,
      score: s.score,
      tier: tierFor(s.score, opts.tiers).value,
      factors: JSON.stringify(payload),
      reasons: payload.top.map((f) => f.reason).join('\n'),
      scoredAt: opts.scoredAt,
    };
  });
}

/** Keeps the JSON under the property's budget by moving the weakest shown factors to "other". */
function fitFactors(payload: FactorsPayload): FactorsPayload {
  let p = payload;
  while (JSON.stringify(p).length > FACTORS_MAX_CHARS && p.top.length > 0) {
    const dropped = p.top[p.top.length - 1];
    p = { ...p, top: p.top.slice(0, -1), otherPoints: p.otherPoints + dropped.points };
  }
  return p;
}
