/**
 * The card's pure half: a CardData (from the record's properties, the store or a refresh) →
 * what the card shows, one form change each. Shared with the server's preview pages. Cards may
 * import only types from src/contracts, so the factors JSON is checked here by hand (the
 * server's zod schema is the authority; anything that does not look like it is "no factors").
 */
import type { CardData } from '../src/contracts/functions';
import type { Factor, FactorsPayload } from '../src/contracts/factors';
import { isLeadLensError } from '../src/errors';
import {
  DEFAULT_SHOWN,
  factorsView,
  signedPoints,
  type FactorLine,
  type FactorsView,
} from './factors-view';

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

export interface ScoredView {
  kind: 'scored';
  score: number;
  tier: { value: string; label: string; variant: TagVariant } | null;
  /** The colour of the record's tier: the admin's thresholds decide it, not fixed cut-offs. */
  barVariant: BarVariant;
  /** The one factors view (factors-view.ts); null when the record has no usable factors. */
  factors: FactorsView | null;
  positives: FactorLine[];
  negatives: FactorLine[];
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

export { signedPoints };

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
    top: p.top.map((f) => ({ ...f, logOdds: typeof f.logOdds === 'number' ? f.logOdds : 0 })),
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

/**
 * A tier's colours by its rank (tier_1 is the best). Which tier a score is in is the admin's
 * thresholds' decision, so the tag and the bar follow them; with the default tiers the bar is
 * green from 70, yellow from 40, red below, as before.
 */
export function tierTone(value: string | null): { tag: TagVariant; bar: BarVariant } {
  switch (value) {
    case 'tier_1':
      return { tag: 'success', bar: 'success' };
    case 'tier_2':
      return { tag: 'info', bar: 'warning' };
    case 'tier_3':
      return { tag: 'warning', bar: 'danger' };
    case null:
      return { tag: 'default', bar: 'warning' };
    default:
      return { tag: 'default', bar: 'danger' };
  }
}

/** The label of a tier value when HubSpot gave none (the property's option label is the admin's). */
function humanTier(value: string): string {
  const m = /^tier_(\d)$/.exec(value);
  return m ? `Tier ${m[1]}` : value;
}

function toNumber(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

type Ref = { objectType: CardData['objectType']; objectId: string };

/**
 * A record's card from its `leadlens_*` properties, as the HubSpot card reads them.
 * @param tierLabel the formatted value of leadlens_tier (its option label: the admin's name)
 */
export function cardFromProps(
  ref: Ref,
  source: Ref,
  props: CardProps,
  tierLabel: string | null,
): CardData {
  const tierValue = props.leadlens_tier?.trim() || null;
  const rawScore = toNumber(props.leadlens_score);
  return {
    ...ref,
    source,
    score: rawScore === null ? null : Math.round(Math.min(100, Math.max(0, rawScore))),
    tier: tierValue
      ? {
          value: tierValue,
          label: tierLabel && tierLabel !== tierValue ? tierLabel : humanTier(tierValue),
        }
      : null,
    factors: parseFactorsPayload(props.leadlens_factors),
    reasons: props.leadlens_reasons?.trim() || null,
    modelVersion: props.leadlens_model_version?.trim() || null,
    scoredAt: props.leadlens_scored_at ?? null,
    scoreChange: toNumber(props.leadlens_score_change),
  };
}

/** What the card and the preview page show for a card (from the CRM, the store or a refresh). */
export function toCardView(card: CardData, now: Date, top: number = DEFAULT_SHOWN): CardView {
  if (card.score === null) return { kind: 'not_scored' };
  const score = card.score;
  const factors = factorsView(card.factors, score, top);
  const tone = tierTone(card.tier?.value ?? null);
  const rounded = card.scoreChange === null ? null : Math.round(card.scoreChange);
  return {
    kind: 'scored',
    score,
    tier: card.tier ? { ...card.tier, variant: tone.tag } : null,
    barVariant: tone.bar,
    factors,
    positives: factors?.positives ?? [],
    negatives: factors?.negatives ?? [],
    base: factors?.base ?? null,
    otherPointsText: factors?.otherPointsText ?? null,
    modelVersion: card.modelVersion || card.factors?.modelVersion || null,
    freshness: formatAge(card.scoredAt, now),
    change:
      rounded === null || rounded === 0
        ? null
        : { text: signedPoints(rounded), direction: rounded > 0 ? 'increase' : 'decrease' },
    changeText:
      rounded === null
        ? 'First score'
        : rounded === 0
          ? 'No change since the last score'
          : `${signedPoints(rounded)} since the last score`,
    reasons: card.reasons,
  };
}

/** The small print under the factors, the same on the card and the preview page. */
export function metaLine(view: ScoredView): string {
  const parts = [
    view.base !== null ? `Baseline ${view.base}` : null,
    view.otherPointsText ? `other factors ${view.otherPointsText}` : null,
    view.modelVersion ? `model ${view.modelVersion}` : null,
    view.freshness ? `scored ${view.freshness}` : null,
    view.changeText,
  ];
  return parts.filter((p): p is string => p !== null).join(' · ');
}

/**
 * Deals and companies carry the card's properties under their own prefix
 * (`leadlens_deal_score`, `leadlens_account_tier`; src/contracts/properties.ts): their names, and
 * the card's props read back from them.
 */
export const OBJECT_PREFIX = { deal: 'leadlens_deal_', company: 'leadlens_account_' } as const;

export function objectCardProperties(objectType: keyof typeof OBJECT_PREFIX): string[] {
  return CARD_PROPERTIES.map((n) => OBJECT_PREFIX[objectType] + n.slice('leadlens_'.length));
}

export function cardPropsOf(
  objectType: keyof typeof OBJECT_PREFIX,
  props: Record<string, string | null | undefined>,
): CardProps {
  const out: CardProps = {};
  for (const n of CARD_PROPERTIES)
    out[n] = props[OBJECT_PREFIX[objectType] + n.slice('leadlens_'.length)] ?? null;
  return out;
}

/** A lead has its own score when any leadlens_score value is set on it. */
export function hasOwnScore(props: CardProps): boolean {
  return toNumber(props.leadlens_score) !== null;
}

/** The errors that mean "no model yet": the card shows "not enough data" instead. */
export function isNoModelError(e: unknown): boolean {
  return isLeadLensError(e, 'NO_MODEL') || isLeadLensError(e, 'NOT_ENOUGH_DATA');
}
