/**
 * The one factors view: which factors a surface shows, and the "other factors" that make what
 * it shows add up. The HubSpot card, the preview pages (src/server/preview) and
 * `leadlens score --csv --explain` all show `factorsView`'s lines, so on every surface
 *
 *     base + Σ shown points + other factors = the shown score
 *
 * holds by construction: "other factors" is computed from the shown score, never copied from a
 * payload that may list more factors than a surface shows. Pure, and importing only types, so
 * the cards (which may import only types from src/contracts) and the server share it.
 */
import type { Factor, FactorsPayload } from '../src/contracts/factors';

/** How many factors a surface shows unless it asks for another number. */
export const DEFAULT_SHOWN = 6;

export interface FactorLine {
  field: string;
  label: string;
  /** The value as the rep reads it; null when missing. */
  value: string | null;
  points: number;
  /** Signed, with a real minus sign: "+18", "−7". */
  pointsText: string;
  logOdds: number;
  reason: string;
}

export interface FactorsView {
  score: number;
  base: number;
  /** The shown factors, strongest first. */
  shown: FactorLine[];
  /** The shown factors raising the score, strongest first. */
  positives: FactorLine[];
  /** The shown factors lowering it, strongest first. */
  negatives: FactorLine[];
  /** score − base − Σ shown points: the points of every factor not shown. */
  otherPoints: number;
  /** "+3" / "−2", or null when the other factors sum to 0. */
  otherPointsText: string | null;
}

export function signedPoints(points: number): string {
  if (points > 0) return `+${points}`;
  if (points < 0) return `\u2212${Math.abs(points)}`;
  return '0';
}

function line(f: Factor): FactorLine {
  return {
    field: f.field,
    label: f.label,
    value: f.value,
    points: f.points,
    pointsText: signedPoints(f.points),
    logOdds: f.logOdds,
    reason: f.reason,
  };
}

const strength = (a: Factor, b: Factor): number =>
  Math.abs(b.points) - Math.abs(a.points) || Math.abs(b.logOdds) - Math.abs(a.logOdds);

/**
 * The factors of `payload` a surface shows for `score`: the `top` strongest (a factor worth 0
 * points is never shown: "+0" tells a rep nothing), and the rest as "other factors". Null when
 * there is nothing to show, or when the payload explains another score than the one shown
 * (a stale or hand-edited property): wrong reasons are worse than none.
 */
export function factorsView(
  payload: FactorsPayload | null,
  score: number | null,
  top: number = DEFAULT_SHOWN,
): FactorsView | null {
  if (!payload || score === null || payload.score !== score) return null;
  const shown = payload.top
    .filter((f) => f.points !== 0)
    .sort(strength)
    .slice(0, Math.max(0, top))
    .map(line);
  const otherPoints = score - payload.base - shown.reduce((s, f) => s + f.points, 0);
  return {
    score,
    base: payload.base,
    shown,
    positives: shown.filter((f) => f.points > 0),
    negatives: shown.filter((f) => f.points < 0),
    otherPoints,
    otherPointsText: otherPoints === 0 ? null : signedPoints(otherPoints),
  };
}
