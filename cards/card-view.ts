/**
 * The card's pure half: CRM property strings → what the card shows. Cards may import only types
 * from src/contracts, so the factors JSON is checked here by hand (the server's zod schema is
 * the authority; anything that does not look like it is treated as "no factors").
 */
import type { CardData } from '../src/contracts/functions';
import type { Factor, FactorsPayload } from '../src/contracts/factors';
import { isLeadLensError } from '../src/errors';

/** The `leadlens_*` properties the card reads (src/contracts/properties.ts names). */
export const CARD_PROPERTIES = [
  'leadlens_score',
  'leadlens_tier',
  'leadlens_factors',
  'leadlens_reasons',
  'leadlens_model_version',
  'leadlens_scored_at',
  'leadlens_score_change',
] as const;

export type CardProps = Partial<Record<(typeof CARD_PROPERTIES)[number], string | null>>;

export type TagVariant = 'default' | 'success' | 'warning' | 'error' | 'info';
export type BarVariant = 'success' | 'warning' | 'danger';

export interface FactorView {
  label: string;
  value: string | null;
  /** Signed, with a real minus sign: "+18", "−7". */
  pointsText: string;
  points: number;
  reason: string;
}

export interface ScoredView {
  kind: 'scored';
  score: number;
  tier: { value: string; label: string; variant: TagVariant } | null;
  barVariant: BarVariant;
  positives: FactorView[];
  negatives: FactorView[];
  base: number | null;
  otherPointsText: string | null;
  modelVersion: string | null;
  freshness: string | null;
  change: { text: string; direction: 'increase' | 'decrease' } | null;
  changeText: string;
  reasons: string | null;
}

export interface NotScoredView {
  kind: 'not_scored';
}

export type CardView = ScoredView | NotScoredView;

export const MAX_FACTORS_PER_SIDE = 3;

export function signedPoints(points: number): string {
  if (points > 0) return `+${points}`;
  if (points < 0) return `\u2212${Math.abs(points)}`;
  return '0';
}

function isFactor(x: unknown): x is Factor {
  if (typeof x !== 'object' || x === null) return false;
  const f = x as Record<string, unknown>;
  return (
    typeof f.field === 'string' &&
    typeof f.label === 'string' &&
    (typeof f.value === 'string' || f.value === null) &&
    Number.isInteger(f.points) &&
    typeof f.reason === 'string'
  );
}

export function parseFactorsPayload(raw: string | null | undefined): FactorsPayload | null {
  if (!raw) return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const p = data as Record<string, unknown>;
  if (p.v !== 1 || !Array.isArray(p.top) || !p.top.every(isFactor)) return null;
  if (!Number.isInteger(p.score) || !Number.isInteger(p.base)) return null;
  return {
    v: 1,
    score: p.score as number,
    base: p.base as number,
    top: p.top,
    otherPoints: Number.isInteger(p.otherPoints) ? (p.otherPoints as number) : 0,
    modelVersion: typeof p.modelVersion === 'string' ? p.modelVersion : '',
  };
}

/** "just now", "12 min ago", "3 h ago", "5 d ago"; null when the timestamp is unusable. */
export function formatAge(iso: string | null | undefined, now: Date): string | null {
  if (!iso) return null;
  // HubSpot datetime properties may come back as epoch-ms strings.
  const t = /^\d+$/.test(iso) ? Number(iso) : Date.parse(iso);
  if (!Number.isFinite(t)) return null;
  const minutes = Math.floor(Math.max(0, now.getTime() - t) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

const TIER_VARIANTS: Record<string, TagVariant> = {
  tier_1: 'success',
  tier_2: 'info',
  tier_3: 'warning',
  tier_4: 'default',
  tier_5: 'default',
};

function humanTier(value: string): string {
  const m = /^tier_(\d)$/.exec(value);
  return m ? `Tier ${m[1]}` : value;
}

function toNumber(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

function factorView(f: Factor): FactorView {
  return {
    label: f.label,
    value: f.value,
    points: f.points,
    pointsText: signedPoints(f.points),
    reason: f.reason,
  };
}

/**
 * @param props raw property values of the record
 * @param tierLabel the formatted (label) value of leadlens_tier when HubSpot provides one
 */
export function toCardView(props: CardProps, now: Date, tierLabel?: string | null): CardView {
  const rawScore = toNumber(props.leadlens_score);
  if (rawScore === null) return { kind: 'not_scored' };
  const score = Math.round(Math.min(100, Math.max(0, rawScore)));
  const factors = parseFactorsPayload(props.leadlens_factors);
  const top = factors?.top ?? [];
  const positives = top
    .filter((f) => f.points > 0)
    .sort((a, b) => b.points - a.points)
    .slice(0, MAX_FACTORS_PER_SIDE)
    .map(factorView);
  const negatives = top
    .filter((f) => f.points < 0)
    .sort((a, b) => a.points - b.points)
    .slice(0, MAX_FACTORS_PER_SIDE)
    .map(factorView);
  const tierValue = props.leadlens_tier?.trim() || null;
  const tier = tierValue
    ? {
        value: tierValue,
        label: tierLabel && tierLabel !== tierValue ? tierLabel : humanTier(tierValue),
        variant: TIER_VARIANTS[tierValue] ?? 'default',
      }
    : null;
  const change = toNumber(props.leadlens_score_change);
  const rounded = change === null ? null : Math.round(change);
  return {
    kind: 'scored',
    score,
    tier,
    barVariant: score >= 70 ? 'success' : score >= 40 ? 'warning' : 'danger',
    positives,
    negatives,
    base: factors?.base ?? null,
    otherPointsText:
      factors && factors.otherPoints !== 0 ? signedPoints(factors.otherPoints) : null,
    modelVersion: props.leadlens_model_version?.trim() || factors?.modelVersion || null,
    freshness: formatAge(props.leadlens_scored_at, now),
    change:
      rounded === null || rounded === 0
        ? null
        : {
            text: signedPoints(rounded),
            direction: rounded > 0 ? 'increase' : 'decrease',
          },
    changeText:
      rounded === null
        ? 'First score'
        : rounded === 0
          ? 'No change since the last score'
          : `${signedPoints(rounded)} since the last score`,
    reasons: props.leadlens_reasons?.trim() || null,
  };
}

/** A refreshed CardData (from score-record) in the same shape as the record's properties. */
export function cardDataToProps(card: CardData): { props: CardProps; tierLabel: string | null } {
  const str = (n: number | null) => (n === null ? null : String(n));
  return {
    props: {
      leadlens_score: str(card.score),
      leadlens_tier: card.tier?.value ?? null,
      leadlens_factors: card.factors ? JSON.stringify(card.factors) : null,
      leadlens_reasons: card.reasons,
      leadlens_model_version: card.modelVersion,
      leadlens_scored_at: card.scoredAt,
      leadlens_score_change: str(card.scoreChange),
    },
    tierLabel: card.tier?.label ?? null,
  };
}

/** A lead has its own score when any leadlens_score value is set on it. */
export function hasOwnScore(props: CardProps): boolean {
  return toNumber(props.leadlens_score) !== null;
}

/** The errors that mean "no model yet": the card shows "not enough data" instead. */
export function isNoModelError(e: unknown): boolean {
  return isLeadLensError(e, 'NO_MODEL') || isLeadLensError(e, 'NOT_ENOUGH_DATA');
}
