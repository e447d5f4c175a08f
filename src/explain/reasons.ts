/**
 * Reason text and the choice of which factors to show: the strongest positive and negative
 * ones, e.g. "Lead Source is Reference: +12", "Job Title is missing: −3".
 */

/** Structurally the contracts' Factor (explain may not import contracts). */
export interface FactorLike {
  field: string;
  label: string;
  value: string | null;
  points: number;
  logOdds: number;
  reason: string;
}

const MINUS = '\u2212';
const MAX_VALUE_CHARS = 60;

export function formatPoints(points: number): string {
  return points < 0 ? `${MINUS}${-points}` : `+${points}`;
}

export function reasonText(label: string, value: string | null, points: number): string {
  const shown =
    value === null
      ? 'missing'
      : value.length > MAX_VALUE_CHARS
        ? `${value.slice(0, MAX_VALUE_CHARS - 1)}…`
        : value;
  return `${label} is ${shown}: ${formatPoints(points)}`;
}

export function makeFactor(
  field: string,
  label: string,
  value: string | null,
  points: number,
  logOdds: number,
): FactorLike {
  return { field, label, value, points, logOdds, reason: reasonText(label, value, points) };
}

const strength = (a: FactorLike, b: FactorLike): number =>
  Math.abs(b.points) - Math.abs(a.points) || Math.abs(b.logOdds) - Math.abs(a.logOdds);

/**
 * Up to `k` factors: half (rounded up) from the strongest positives, the rest from the
 * strongest negatives, topping up from the other side when one runs short; strongest first.
 * Factors worth 0 displayed points are never shown: a "+0" line tells a rep nothing, and the
 * integers shown must be the ones that add up to the score. `otherPoints` is the sum of
 * everything left out, so shown points + otherPoints = score − base.
 */
export function topFactors(
  all: readonly FactorLike[],
  k: number,
): { top: FactorLike[]; otherPoints: number } {
  const pos = all.filter((f) => f.points > 0).sort(strength);
  const neg = all.filter((f) => f.points < 0).sort(strength);
  let nPos = Math.min(pos.length, Math.ceil(k / 2));
  let nNeg = Math.min(neg.length, k - nPos);
  nPos = Math.min(pos.length, k - nNeg);
  nNeg = Math.min(neg.length, k - nPos);
  const top = [...pos.slice(0, nPos), ...neg.slice(0, nNeg)].sort(strength);
  const shown = new Set(top);
  let otherPoints = 0;
  for (const f of all) if (!shown.has(f)) otherPoints += f.points;
  return { top, otherPoints };
}
