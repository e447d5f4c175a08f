/**
 * CRM records through the one scorer: each snapshot as of a moment with the model's own feature
 * plan, then its `leadlens_factors` payload, reason text and tier. A version with segment models
 * scores each record with the model of its segment (routed by the definition that model was
 * trained on), the others with the global model; the payload says which, and the tier uses the
 * thresholds of the record's segment in the settings.
 */
import { FACTORS_MAX_CHARS, type FactorsPayload } from '../contracts/factors';
import type { CrmRecord } from '../contracts/records';
import { tierFor, tiersForSegment, type Segments, type Tier } from '../contracts/settings';
import { snapshot, type FeatureRow } from '../features';
import type { ScoreRow, StoredObjectType } from '../store/port';
import type { LoadedModel, ScoringModel, SegmentModel } from './scoring-model';
import { scoreRows, type QualityTally, type Scored } from './scoring';
import { segmentOf } from './segments/define';

/** Each record as of `asOf`, with the model's own feature plan. */
export function snapshotRecords(
  lm: Pick<LoadedModel, 'features'>,
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
    /** The settings' segments: each record's tier thresholds (and its segment in the payload). */
    segments?: Segments;
    scoredAt: string;
    /** The records' snapshots with this model's plan, when the caller already built them. */
    rows?: readonly FeatureRow[];
    /** Adds up values read as missing (never seen in training, wrong type). */
    quality?: QualityTally;
  },
): ScoreRow[] {
  const routed = routeRecords(lm, records, opts.asOf);
  const scored: Scored[] = new Array(records.length);
  const globalIdx = routed.flatMap((m, i) => (m ? [] : [i]));
  if (globalIdx.length > 0) {
    const all = opts.rows;
    const rows = all
      ? globalIdx.map((i) => all[i]!)
      : snapshotRecords(
          lm,
          globalIdx.map((i) => records[i]!),
          opts.asOf,
        );
    scoreInto(scored, globalIdx, lm, rows, opts.quality);
  }
  for (const seg of lm.segments ?? []) {
    const idx = routed.flatMap((m, i) => (m === seg ? [i] : []));
    if (idx.length === 0) continue;
    const rows = snapshotRecords(
      seg,
      idx.map((i) => records[i]!),
      opts.asOf,
    );
    scoreInto(scored, idx, seg, rows, opts.quality);
  }
  const segList = opts.segments?.list ?? [];
  return scored.map((s, i) => {
    const own = routed[i];
    // The settings' membership sets the tier thresholds; a model's routing is its training's.
    const segment =
      (segList.length ? segmentOf(records[i]!, opts.asOf, segList) : null) ?? own?.key;
    const payload = fitFactors({
      v: 1,
      score: s.score,
      base: s.base,
      top: s.top,
      otherPoints: s.otherPoints,
      modelVersion: String(lm.version),
      ...(segment ? { segment } : {}),
      ...(lm.segments?.length ? { segmentModel: own !== null } : {}),
    });
    return {
      objectType: opts.objectType,
      id: records[i].id,
      modelVersion: lm.version,
      probability: s.probability,
      score: s.score,
      tier: tierFor(s.score, tiersForSegment(opts.tiers, opts.segments, segment)).value,
      factors: JSON.stringify(payload),
      reasons: payload.top.map((f) => f.reason).join('\n'),
      scoredAt: opts.scoredAt,
    };
  });
}

/** The segment model of each record (null: the global model). */
export function routeRecords(
  lm: LoadedModel,
  records: readonly CrmRecord[],
  asOf: number,
): (SegmentModel | null)[] {
  const segs = lm.segments ?? [];
  if (segs.length === 0) return records.map(() => null);
  return records.map((r) => {
    const key = segmentOf(r, asOf, segs);
    return key === null ? null : segs.find((g) => g.key === key)!;
  });
}

function scoreInto(
  out: Scored[],
  idx: readonly number[],
  sm: ScoringModel,
  rows: readonly FeatureRow[],
  quality: QualityTally | undefined,
): void {
  scoreRows(sm, rows, { top: TOP_K, quality }).forEach((s, j) => {
    out[idx[j]!] = s;
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
