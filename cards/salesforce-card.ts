/**
 * The Salesforce card's pure half. `npm run build:salesforce` bundles this file (with
 * card-view.ts and factors-view.ts, the HubSpot card's own view code) into the LWC module
 * `c/leadLensCardView`, so the Lightning card and the HubSpot card turn the same
 * `leadlens_factors` payload into the same score, tier, factors and freshness: there is one
 * implementation, not two to keep in step. scripts/build-salesforce.test.ts runs the bundled
 * module and the HubSpot path over the same records and asserts equal views.
 *
 * Pure, no imports but the view code and types (cards may import only types from src/contracts).
 */
import type { CardData } from '../src/contracts/functions';
import { cardFromProps, metaLine, toCardView, type CardProps, type CardView } from './card-view';

/**
 * The Salesforce field each `leadlens_*` property the card reads lives in (SALESFORCE_FIELDS
 * of src/contracts/properties.ts; a test holds the two equal, cards may not import values).
 */
export const SALESFORCE_CARD_FIELDS = {
  leadlens_score: 'LeadLens_Score__c',
  leadlens_tier: 'LeadLens_Tier__c',
  leadlens_factors: 'LeadLens_Factors__c',
  leadlens_reasons: 'LeadLens_Reasons__c',
  leadlens_model_version: 'LeadLens_Model_Version__c',
  leadlens_scored_at: 'LeadLens_Scored_At__c',
  leadlens_score_change: 'LeadLens_Score_Change__c',
} as const satisfies Record<keyof CardProps, string>;

/** One field of a Lightning Data Service record (`getRecord`'s `data.fields[name]`). */
export interface LdsField {
  value: unknown;
  /** The formatted value; for a picklist, the label of the value (the admin's tier name). */
  displayValue?: string | null;
}

/** What the card reads of a `getRecord` record. */
export interface LdsRecord {
  fields: Record<string, LdsField | undefined>;
}

/** LDS gives numbers as numbers and DateTimes as ISO strings; the view reads property strings. */
function asProperty(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** The record's fields as the HubSpot card's properties, and the tier's label. */
export function propsFromRecord(record: LdsRecord): { props: CardProps; tierLabel: string | null } {
  const props: CardProps = {};
  for (const [prop, field] of Object.entries(SALESFORCE_CARD_FIELDS)) {
    props[prop as keyof CardProps] = asProperty(record.fields[field]?.value);
  }
  const tier = record.fields[SALESFORCE_CARD_FIELDS.leadlens_tier];
  return { props, tierLabel: tier?.displayValue ?? null };
}

/** A Lead or Contact record → the CardData the HubSpot card would build from the same values. */
export function cardFromRecord(
  objectApiName: string,
  recordId: string,
  record: LdsRecord,
): CardData {
  const ref = {
    objectType: objectApiName === 'Contact' ? ('contact' as const) : ('lead' as const),
    objectId: recordId,
  };
  const { props, tierLabel } = propsFromRecord(record);
  return cardFromProps(ref, ref, props, tierLabel);
}

export interface SalesforceCard {
  view: CardView;
  /** The small print under the factors (metaLine), null when the record is not scored. */
  meta: string | null;
}

/** Everything the Lightning card renders for a record at `now`. */
export function salesforceCard(
  objectApiName: string,
  recordId: string,
  record: LdsRecord,
  now: Date,
): SalesforceCard {
  const view = toCardView(cardFromRecord(objectApiName, recordId, record), now);
  return { view, meta: view.kind === 'scored' ? metaLine(view) : null };
}
