/**
 * CardData — what the card, the preview page and the workflow action show — from the store
 * (`storedCard`, the one way to read a card from the store) or, for a record LeadLens does not
 * score, from its `leadlens_*` CRM properties.
 */
import type { CardData } from '../contracts/functions';
import { parseFactors } from '../contracts/factors';
import { LEADLENS_PROPERTIES as P } from '../contracts/properties';
import type { Tier } from '../contracts/settings';
import type { ScoreRow, StoredObjectType, StoreOps } from '../store/port';
import { desiredCoreValues } from './writeback-plan';

// Account-only members (Salesforce Contacts made on an Account) have no backend card: their
// Lightning card reads the record's own fields.
type Ref = { objectType: Exclude<StoredObjectType, 'account_contact'>; objectId: string };

function tierOf(value: string | null | undefined, tiers: readonly Tier[]): CardData['tier'] {
  if (!value) return null;
  return { value, label: tiers.find((t) => t.value === value)?.label ?? value };
}

export function cardFromProperties(
  ref: Ref,
  source: Ref,
  props: Record<string, string | null | undefined>,
  tiers: readonly Tier[],
): CardData {
  const num = (v: string | null | undefined) =>
    v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v);
  return {
    objectType: ref.objectType,
    objectId: ref.objectId,
    source,
    score: num(props[P.score]),
    tier: tierOf(props[P.tier], tiers),
    factors: parseFactors(props[P.factors]),
    reasons: props[P.reasons] ?? null,
    modelVersion: props[P.modelVersion] ?? null,
    scoredAt: props[P.scoredAt] ?? null,
    scoreChange: num(props[P.scoreChange]),
  };
}

/**
 * The card of a stored score: its desired values, with the change and time of the last
 * confirmed write when the score is the one written (else this score's own time, no change yet).
 */
function cardFromStore(
  ref: Ref,
  row: ScoreRow,
  written: Record<string, string> | undefined,
  tiers: readonly Tier[],
): CardData {
  const props: Record<string, string> = { ...written, ...desiredCoreValues(row) };
  if (!written?.[P.scoredAt] || written[P.score] !== String(row.score)) {
    props[P.scoredAt] = row.scoredAt;
  }
  return cardFromProperties(ref, ref, props, tiers);
}

/** The card of a record from the store; null when LeadLens has no score for it. */
export async function storedCard(store: StoreOps, ref: Ref): Promise<CardData | null> {
  const row = await store.getScore(ref.objectType, ref.objectId);
  if (!row) return null;
  const written = (await store.getWritten(ref.objectType, [ref.objectId])).get(ref.objectId);
  return cardFromStore(ref, row, written, (await store.getSettings()).tiers);
}
