/**
 * What to write for one record: only the LeadLens properties whose value differs from what the
 * CRM last confirmed. A re-tier changes only `leadlens_tier`; an unchanged score writes nothing.
 * The plan depends only on the desired row and the ledger, so re-sending a batch after a crash
 * sends exactly the same values (idempotent).
 */
import { LEADLENS_PROPERTIES as P } from '../contracts/properties';
import type { ScoreRow } from '../store/port';

export function desiredCoreValues(row: ScoreRow): Record<string, string> {
  return {
    [P.score]: String(row.score),
    [P.tier]: row.tier,
    [P.factors]: row.factors,
    [P.reasons]: row.reasons,
    [P.modelVersion]: String(row.modelVersion),
  };
}

export function planRecordWrite(
  row: ScoreRow,
  written: Record<string, string> | undefined,
  scoreJumpPoints: number,
): Record<string, string> | null {
  const desired = desiredCoreValues(row);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired)) if (written?.[k] !== v) out[k] = v;
  if (Object.keys(out).length === 0) return null;

  const rescored = P.score in out || P.factors in out || P.modelVersion in out;
  if (rescored) {
    out[P.scoredAt] = row.scoredAt;
    const previous = written?.[P.score] === undefined ? NaN : Number(written[P.score]);
    const change = Number.isFinite(previous) ? row.score - previous : 0;
    if (written?.[P.scoreChange] !== String(change)) out[P.scoreChange] = String(change);
    const jump = Math.abs(change) >= scoreJumpPoints ? 'true' : 'false';
    if (written?.[P.scoreJump] !== jump) out[P.scoreJump] = jump;
  }
  return out;
}

/** What a write makes of a record's score: a spike when it enters the top tier or jumps up. */
export interface SpikeOfWrite {
  fromScore: number;
  toScore: number;
  fromTier: string | null;
  toTier: string;
  /** 'top_tier' | 'jump' | 'top_tier+jump' */
  reason: string;
  scoredAt: string;
  modelVersion: number;
}

/**
 * A score spike: the new score enters the top tier, or rose by at least `scoreJumpPoints`, against
 * what the CRM last confirmed. A record's first score is not a spike (nothing to jump from), so
 * turning LeadLens on does not page every owner of a top-tier lead; a drop is not one either.
 */
export function spikeOf(
  row: ScoreRow,
  written: Record<string, string> | undefined,
  scoreJumpPoints: number,
  topTier: string,
): SpikeOfWrite | null {
  const before = written?.[P.score];
  const previous = before === undefined || before === '' ? NaN : Number(before);
  if (!Number.isFinite(previous)) return null;
  const fromTier = written?.[P.tier] ?? null;
  const entered = row.tier === topTier && fromTier !== topTier;
  const jumped = row.score - previous >= scoreJumpPoints;
  if (!entered && !jumped) return null;
  return {
    fromScore: previous,
    toScore: row.score,
    fromTier,
    toTier: row.tier,
    reason: entered && jumped ? 'top_tier+jump' : entered ? 'top_tier' : 'jump',
    scoredAt: row.scoredAt,
    modelVersion: row.modelVersion,
  };
}
