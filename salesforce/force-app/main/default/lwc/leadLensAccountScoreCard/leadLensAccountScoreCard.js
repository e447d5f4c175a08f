/**
 * LeadLens account card for Account record pages: how likely this account is to buy, its tier
 * and the factors behind it (the Account's LeadLens fields, through getRecord), and the buying
 * committee — the Account's Contacts with title, seniority, role and their own LeadLens score
 * and tier (the Contacts related list, and the contacts' roles on the account from
 * AccountContactRelation, through getRelatedListRecordsBatch). No Apex, no callout. The score
 * renders through c-lead-lens-score-state (with c/leadLensCardBase) and the committee through the HubSpot company
 * card's committee view (c/leadLensCardView `salesforceCommittee`).
 */
import { api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecordsBatch } from 'lightning/uiRelatedListApi';
import LeadLensCardBase from 'c/leadLensCardBase';
import {
  COMMITTEE_CONTACT_FIELDS,
  COMMITTEE_RELATION_FIELDS,
  SLDS_TAG_CLASS,
  ldsErrorHint,
  ldsErrorMessage,
  salesforceCard,
  salesforceCommittee,
} from 'c/leadLensCardView';

import SCORE from '@salesforce/schema/Account.LeadLens_Score__c';
import TIER from '@salesforce/schema/Account.LeadLens_Tier__c';
import FACTORS from '@salesforce/schema/Account.LeadLens_Factors__c';
import REASONS from '@salesforce/schema/Account.LeadLens_Reasons__c';
import MODEL_VERSION from '@salesforce/schema/Account.LeadLens_Model_Version__c';
import SCORED_AT from '@salesforce/schema/Account.LeadLens_Scored_At__c';
import SCORE_CHANGE from '@salesforce/schema/Account.LeadLens_Score_Change__c';

const FIELDS = [SCORE, TIER, FACTORS, REASONS, MODEL_VERSION, SCORED_AT, SCORE_CHANGE];
/** Contacts listed; a bigger committee says "50+" (the related list pages). */
const PAGE = 50;
const CONTACTS = 'Contacts';
// Exists only with "Contacts to Multiple Accounts"; without it, members are listed without roles.
const RELATIONS = 'AccountContactRelations';

/** A batch result's records, or its error messages (statusCode ≥ 400: `result` is the errors). */
function batchPart(data, index, relatedListId) {
  const results = (data && data.results) || [];
  const item =
    results.find(
      (r) =>
        r &&
        r.result &&
        r.result.listReference &&
        r.result.listReference.relatedListId === relatedListId,
    ) || results[index];
  if (!item) return { records: null, error: null, more: false };
  if (item.statusCode >= 400 || !item.result || !Array.isArray(item.result.records)) {
    return { records: null, error: { body: item.result }, more: false };
  }
  return { records: item.result.records, error: null, more: !!item.result.nextPageToken };
}

/** The committee section's error state: the LDS message and, for a LeadLens field, the hint. */
function committeeError(error) {
  const message = ldsErrorMessage(error, "Salesforce did not return the account's contacts.");
  return { error: message, hint: ldsErrorHint(message) };
}

/** The committee section's state from the related lists' answer (one kind at a time). */
function committeeState(data, error) {
  if (error) return committeeError(error);
  if (!data) return { loading: true };
  const contacts = batchPart(data, 0, CONTACTS);
  if (contacts.error) return committeeError(contacts.error);
  // Roles are extra: without AccountContactRelation (or access to it) the list stays.
  const relations = batchPart(data, 1, RELATIONS).records;
  const view = salesforceCommittee(contacts.records || [], relations);
  if (view.members.length === 0) return { empty: true };
  const count = `${view.members.length}${contacts.more ? '+' : ''}`;
  return {
    members: view.members.map((m) => ({
      ...m,
      titleText: m.title || 'No job title',
      scoreText: m.score === null ? null : String(m.score),
      tierClass: m.tier ? SLDS_TAG_CLASS[m.tier.variant] : null,
      url: `/lightning/r/Contact/${m.id}/view`,
    })),
    summary: `${count} contacts, ${view.senior} director level or above, ${view.scored} scored`,
  };
}

export default class LeadLensAccountScoreCard extends LeadLensCardBase {
  @api recordId;
  /** Set by the record page (Account). */
  @api objectApiName;

  text = { label: 'Likelihood to buy', name: 'LeadLens account score', record: 'account' };
  /** What the committee section shows: { loading } | { error, hint } | { empty } | { members, summary }. */
  committee = { loading: true };

  relatedLists = [
    { relatedListId: CONTACTS, fields: COMMITTEE_CONTACT_FIELDS, pageSize: PAGE },
    { relatedListId: RELATIONS, fields: COMMITTEE_RELATION_FIELDS, pageSize: PAGE },
  ];

  @wire(getRecord, { recordId: '$recordId', fields: FIELDS })
  wiredRecord(answer) {
    this.showRecord(answer, (data) => salesforceCard('Account', this.recordId, data, new Date()));
  }

  @wire(getRelatedListRecordsBatch, {
    parentRecordId: '$recordId',
    relatedListParameters: '$relatedLists',
  })
  wiredCommittee({ data, error }) {
    // Once per answer, not per render: the template reads several parts of it.
    this.committee = committeeState(data, error);
  }

  /** Ask the related lists again (a new parameter array makes the wire fetch). */
  retryCommittee() {
    this.committee = { loading: true };
    this.relatedLists = this.relatedLists.map((p) => ({ ...p }));
  }
}
