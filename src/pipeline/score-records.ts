/**
 * CRM records through the one scorer: each snapshot as of a moment with the model's own feature
 * plan, then its `leadlens_factors` payload, reason text and tier.
 */
import { FACTORS_MAX_CHARS, type FactorsPayload } from '../contracts/factors';
import type { CrmRecord } from '../contracts/records';
import { tierFor, type Tier } from '../contracts/settings';
import { snapshot, type FeatureRow } from '../features';
import type { ScoreRow, StoredObjectType } from '../store/port';
import type { LoadedModel } from './scoring-model';
import { scoreRows, type QualityTally } from './scoring';

/** Each record as of `asOf`, with the model's own feature plan. */
export function snapshotRecords(
  lm: LoadedModel,
  records: readonly CrmRecord[],
  asOf: number,
): FeatureRow[] {
  const spec = { fields: lm.features, skipped: [] };
  return records.map((r) => snapshot(r, asOf, spec));
}

/** Up to three positive and three negative factors are stored with every score. */
export const TOP_K = 6;

/** Scores records as of `asOf`; returns one ScoreRow per record, in input order. */
export function scoreRecords(
  lm: LoadedModel,
  records: readonly CrmRecord[],
  opts: {
    objectType: StoredObjectType;
    asOf: number;
    tiers: readonly Tier[];
    scoredAt: string;
    /** The records' snapshots with this model's plan, when the caller already built them. */
    rows?: readonly FeatureRow[];
    /** Adds up values read as missing (never seen in training, wrong type). */
    quality?: QualityTally;
  },
): ScoreRow[] {
  const rows = opts.rows ?? snapshotRecords(lm, records, opts.asOf);
  return scoreRows(lm, rows, { top: TOP_K, quality: opts.quality }).map((s, i) => {
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
