/**
 * CardData — what the card, the preview page and the workflow action show — from the LeadLens
 * properties of a record. A lead with no score of its own shows its associated contact's.
 */
import type { CardData } from '../contracts/functions';
import { parseFactors } from '../contracts/factors';
import { LEADLENS_PROPERTIES as P } from '../contracts/properties';
import type { Tier } from '../contracts/settings';
import type { ScoreRow, StoredObjectType } from '../store/port';
import { desiredCoreValues } from './writeback-plan';

export function cardFromProperties(
  ref: { objectType: StoredObjectType; objectId: string },
  source: { objectType: StoredObjectType; objectId: string },
  props: Record<string, string | null | undefined>,
  tiers: readonly Tier[],
): CardData {
  const num = (v: string | null | undefined) =>
    v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v);
  const tierValue = props[P.tier] ?? null;
  const tier = tierValue
    ? { value: tierValue, label: tiers.find((t) => t.value === tierValue)?.label ?? tierValue }
    : null;
  return {
    objectType: ref.objectType,
    objectId: ref.objectId,
    source,
    score: num(props[P.score]),
    tier,
    factors: parseFactors(props[P.factors]),
    reasons: props[P.reasons] ?? null,
    modelVersion: props[P.modelVersion] ?? null,
    scoredAt: props[P.scoredAt] ?? null,
    scoreChange: num(props[P.scoreChange]),
  };
}

/** Card data from the store: the desired values merged over what was last written. */
export function cardFromStore(
  row: ScoreRow,
  written: Record<string, string> | undefined,
  tiers: readonly Tier[],
): CardData {
  const props: Record<string, string> = { ...written, ...desiredCoreValues(row) };
  if (!written?.[P.scoredAt] || written[P.score] !== String(row.score)) {
    props[P.scoredAt] = row.scoredAt;
  }
  const ref = { objectType: row.objectType, objectId: row.id };
  return cardFromProperties(ref, ref, props, tiers);
}
