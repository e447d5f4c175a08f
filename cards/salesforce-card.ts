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
import {
  cardFromProps,
  metaLine,
  toCardView,
  type CardProps,
  type BarVariant,
  type CardView,
  type ScoredView,
  type TagVariant,
} from './card-view';
import { toCommitteeView, type AssociatedContact, type CommitteeView } from './committee-view';

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

/** The record pages the LeadLens cards are offered on, and what the pipeline calls each. */
export const SALESFORCE_OBJECT_TYPES = {
  Lead: 'lead',
  Contact: 'contact',
  Opportunity: 'deal',
  Account: 'company',
} as const;

export type SalesforceObject = keyof typeof SALESFORCE_OBJECT_TYPES;

/** A record of one of those objects → the CardData the HubSpot card would build from the same values. */
export function cardFromRecord(
  objectApiName: string,
  recordId: string,
  record: LdsRecord,
): CardData {
  const ref = {
    objectType: SALESFORCE_OBJECT_TYPES[objectApiName as SalesforceObject] ?? ('lead' as const),
    objectId: recordId,
  };
  const { props, tierLabel } = propsFromRecord(record);
  return cardFromProps(ref, ref, props, tierLabel);
}

/**
 * Why a score is shown without the factors a rep expects, or how to read them. Every kind is
 * decided from the record's own fields (the card makes no other call):
 * - `stale`: the factors explain another score than the one on the record (written by an
 *   earlier run and the score changed since, or the score was edited by hand);
 * - `withheld`: a score with no readable factors beside it;
 * - `no_signal`: factors that explain the score, none of which moved it from the baseline;
 * - `closed`: an Opportunity closed after it was scored (LeadLens scores open deals only).
 */
export interface ScoreNote {
  kind: 'stale' | 'withheld' | 'no_signal' | 'closed';
  text: string;
}

export function scoreNote(
  card: CardData,
  view: ScoredView,
  opts: { closed?: boolean } = {},
): ScoreNote | null {
  if (opts.closed) {
    return {
      kind: 'closed',
      text: 'This opportunity is closed. The score is from its last scoring while it was open; LeadLens scores open deals only.',
    };
  }
  if (!view.factors) {
    if (card.factors && card.factors.score !== view.score) {
      return {
        kind: 'stale',
        text: `The factors on this record explain an earlier score (${card.factors.score}), not ${view.score}, so they are not shown. The next scoring run writes matching ones.`,
      };
    }
    return {
      kind: 'withheld',
      text: 'No readable factors are stored with this score, so LeadLens cannot show why. The next scoring run writes them.',
    };
  }
  if (view.factors.shown.length === 0 && view.factors.otherPoints === 0) {
    return {
      kind: 'no_signal',
      text: `No factor moved this score from the baseline of ${view.factors.base}: the model found nothing in this record's fields that sets it apart.`,
    };
  }
  return null;
}

/** What each card says when the record has no score: when LeadLens scores such a record. */
export const NOT_SCORED_TEXT: Record<SalesforceObject, string> = {
  Lead: 'This record has no LeadLens score. Scores appear after the next scoring run.',
  Contact: 'This record has no LeadLens score. Scores appear after the next scoring run.',
  Opportunity:
    'This opportunity has no LeadLens deal score. LeadLens scores open opportunities once the org has enough closed ones to learn from; while the deal model finds no signal it withholds scores rather than guess. Closed opportunities are not scored.',
  Account:
    'This account has no LeadLens account score. LeadLens scores accounts with at least one contact once the org has enough won and lost deals to learn from; while the account model finds no signal it withholds scores rather than guess.',
};

export interface SalesforceCard {
  view: CardView;
  /** The small print under the factors (metaLine), null when the record is not scored. */
  meta: string | null;
  /** Why the factors are missing or how to read them (scoreNote), null when they explain the score. */
  note: ScoreNote | null;
  /** The not-scored text for the object, null when the record is scored. */
  notScoredText: string | null;
}

/**
 * Everything the Lightning card renders for a record at `now`. `closed`: the Opportunity's
 * IsClosed (the deal card reads it beside the LeadLens fields).
 */
export function salesforceCard(
  objectApiName: string,
  recordId: string,
  record: LdsRecord,
  now: Date,
  opts: { closed?: boolean } = {},
): SalesforceCard {
  const card = cardFromRecord(objectApiName, recordId, record);
  const view = toCardView(card, now);
  if (view.kind !== 'scored') {
    return {
      view,
      meta: null,
      note: null,
      notScoredText: NOT_SCORED_TEXT[objectApiName as SalesforceObject] ?? NOT_SCORED_TEXT.Lead,
    };
  }
  return { view, meta: metaLine(view), note: scoreNote(card, view, opts), notScoredText: null };
}

/** One record of a related list (`getRelatedListRecords…` records): its id and fields. */
export interface LdsListRecord extends LdsRecord {
  id: string;
}

/** The Contact fields the account card asks of the Account's Contacts related list. */
export const COMMITTEE_CONTACT_FIELDS = [
  'Contact.Name',
  'Contact.Title',
  'Contact.Email',
  `Contact.${SALESFORCE_CARD_FIELDS.leadlens_score}`,
  `Contact.${SALESFORCE_CARD_FIELDS.leadlens_tier}`,
] as const;

/**
 * The AccountContactRelation fields for the contacts' roles on the account (Roles: Decision
 * Maker, Economic Buyer, …). The object exists only with "Contacts to Multiple Accounts" on;
 * without it the committee is listed without roles.
 */
export const COMMITTEE_RELATION_FIELDS = [
  'AccountContactRelation.ContactId',
  'AccountContactRelation.Roles',
] as const;

const text = (f: LdsField | undefined): string | null =>
  typeof f?.value === 'string' && f.value.trim() ? f.value : null;

/**
 * The buying committee the account card lists: the Account's Contacts with their title,
 * seniority, role and own LeadLens score and tier, highest score first — the HubSpot company
 * card's committee view (toCommitteeView) over the Salesforce records. `relations`: the
 * account's AccountContactRelation records (null when the org has none to read).
 */
export function salesforceCommittee(
  contacts: readonly LdsListRecord[],
  relations: readonly LdsRecord[] | null = null,
): CommitteeView {
  const roles = new Map<string, string>();
  for (const r of relations ?? []) {
    const contact = text(r.fields.ContactId);
    const roleField = r.fields.Roles;
    // A multi-select picklist: values joined by ';', the display value with the labels.
    const role = roleField?.displayValue?.trim() || text(roleField);
    if (contact && role) roles.set(contact, role.split(';').join(', '));
  }
  // toCommitteeView keys members by a number (HubSpot's ids): use the position, map back after.
  const raw: AssociatedContact[] = [];
  const formatted: AssociatedContact[] = [];
  contacts.forEach((c, i) => {
    const f = c.fields;
    const score = f[SALESFORCE_CARD_FIELDS.leadlens_score]?.value;
    const tier = f[SALESFORCE_CARD_FIELDS.leadlens_tier];
    raw.push({
      toObjectId: i,
      properties: {
        // The compound Name as one string; without a name or e-mail, the record id.
        firstname: text(f.Name) ?? (text(f.Email) ? null : `Contact ${c.id}`),
        lastname: null,
        email: text(f.Email),
        jobtitle: text(f.Title),
        hs_buying_role: roles.get(c.id) ?? null,
        leadlens_score:
          typeof score === 'number' || typeof score === 'string' ? String(score) : null,
        leadlens_tier: text(tier),
      },
    });
    formatted.push({
      toObjectId: i,
      properties: { leadlens_tier: tier?.displayValue ?? null },
    });
  });
  const view = toCommitteeView(raw, formatted);
  return {
    ...view,
    members: view.members.map((m) => ({ ...m, id: contacts[Number(m.id)]!.id })),
  };
}

/**
 * The message of a Lightning Data Service error as the wire gives it (`error.body` an array of
 * `{ message }`, an object with `message`, or an Error), else `fallback`.
 */
export function ldsErrorMessage(error: unknown, fallback: string): string {
  const e = error as { body?: unknown; message?: unknown } | null | undefined;
  const body = e?.body;
  if (Array.isArray(body)) {
    const text = body
      .map((b: { message?: unknown } | null) => (typeof b?.message === 'string' ? b.message : ''))
      .filter(Boolean)
      .join(' ');
    if (text) return text;
  } else if (body && typeof (body as { message?: unknown }).message === 'string') {
    const m = (body as { message: string }).message;
    if (m) return m;
  }
  if (typeof e?.message === 'string' && e.message) return e.message;
  return fallback;
}

/**
 * Without field-level security on a LeadLens field, LDS fails naming it: say how to fix it
 * (a "not scored" card would mislead).
 */
export function ldsErrorHint(message: string | null): string | null {
  return message && /LeadLens_\w+__c/.test(message)
    ? 'Ask your Salesforce admin to assign you the LeadLens Read permission set.'
    : null;
}

/** The HubSpot card's Tag variants as SLDS badge classes (the score's tier and the committee's). */
export const SLDS_TAG_CLASS: Record<TagVariant, string> = {
  success: 'slds-badge slds-theme_success',
  info: 'slds-badge slds-badge_inverse',
  warning: 'slds-badge slds-theme_warning',
  error: 'slds-badge slds-theme_error',
  default: 'slds-badge',
};

/** The HubSpot card's ProgressBar variants as the LWC's bar classes (leadLensScoreDetails.css). */
export const SLDS_BAR_CLASS: Record<BarVariant, string> = {
  success: 'bar-fill bar-success',
  warning: 'bar-fill bar-warning',
  danger: 'bar-fill bar-danger',
};
