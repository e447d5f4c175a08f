/**
 * LeadLens score card for Lead and Contact record pages. It reads the LeadLens fields through
 * Lightning Data Service (getRecord), so it needs no Apex and no callout, and it renders them
 * with `c/leadLensCardView`: the HubSpot card's own view code (cards/card-view.ts,
 * cards/factors-view.ts), bundled in by `npm run build:salesforce`. Score, tier, factors that
 * add up to the score, and freshness are therefore the same on both CRMs.
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { salesforceCard } from 'c/leadLensCardView';

import LEAD_SCORE from '@salesforce/schema/Lead.LeadLens_Score__c';
import LEAD_TIER from '@salesforce/schema/Lead.LeadLens_Tier__c';
import LEAD_FACTORS from '@salesforce/schema/Lead.LeadLens_Factors__c';
import LEAD_REASONS from '@salesforce/schema/Lead.LeadLens_Reasons__c';
import LEAD_MODEL_VERSION from '@salesforce/schema/Lead.LeadLens_Model_Version__c';
import LEAD_SCORED_AT from '@salesforce/schema/Lead.LeadLens_Scored_At__c';
import LEAD_SCORE_CHANGE from '@salesforce/schema/Lead.LeadLens_Score_Change__c';
import CONTACT_SCORE from '@salesforce/schema/Contact.LeadLens_Score__c';
import CONTACT_TIER from '@salesforce/schema/Contact.LeadLens_Tier__c';
import CONTACT_FACTORS from '@salesforce/schema/Contact.LeadLens_Factors__c';
import CONTACT_REASONS from '@salesforce/schema/Contact.LeadLens_Reasons__c';
import CONTACT_MODEL_VERSION from '@salesforce/schema/Contact.LeadLens_Model_Version__c';
import CONTACT_SCORED_AT from '@salesforce/schema/Contact.LeadLens_Scored_At__c';
import CONTACT_SCORE_CHANGE from '@salesforce/schema/Contact.LeadLens_Score_Change__c';

// Field imports (not strings) make Salesforce refuse to delete a field the card reads, and the
// fields are required: a user without the LeadLens permission set gets an error that says so,
// not a misleading "not scored yet".
const FIELDS = {
  Lead: [
    LEAD_SCORE,
    LEAD_TIER,
    LEAD_FACTORS,
    LEAD_REASONS,
    LEAD_MODEL_VERSION,
    LEAD_SCORED_AT,
    LEAD_SCORE_CHANGE,
  ],
  Contact: [
    CONTACT_SCORE,
    CONTACT_TIER,
    CONTACT_FACTORS,
    CONTACT_REASONS,
    CONTACT_MODEL_VERSION,
    CONTACT_SCORED_AT,
    CONTACT_SCORE_CHANGE,
  ],
};

// The HubSpot card's Tag variants and ProgressBar variants, as SLDS classes.
const TAG_CLASS = {
  success: 'slds-badge slds-theme_success',
  info: 'slds-badge slds-badge_inverse',
  warning: 'slds-badge slds-theme_warning',
  error: 'slds-badge slds-theme_error',
  default: 'slds-badge',
};
const BAR_CLASS = {
  success: 'bar-fill bar-success',
  warning: 'bar-fill bar-warning',
  danger: 'bar-fill bar-danger',
};

/** The message of a Lightning Data Service error (a body array, an object, or an Error). */
function errorText(error) {
  const body = error && error.body;
  if (Array.isArray(body)) {
    const text = body
      .map((e) => e && e.message)
      .filter(Boolean)
      .join(' ');
    if (text) return text;
  } else if (body && typeof body.message === 'string' && body.message) {
    return body.message;
  }
  if (error && typeof error.message === 'string' && error.message) return error.message;
  return 'Salesforce did not return the record fields.';
}

const withKeys = (lines, side) => lines.map((f, i) => ({ ...f, key: `${side}-${i}-${f.field}` }));

export default class LeadLensScoreCard extends LightningElement {
  @api recordId;

  // Unset until the page names the object, so LDS asks once, for the right object's fields.
  fields;
  record;
  error;
  card = null;
  _objectApiName;

  /** Set by the record page: Lead or Contact (the card is offered on those two only). */
  @api
  get objectApiName() {
    return this._objectApiName;
  }
  set objectApiName(value) {
    this._objectApiName = value;
    this.fields = FIELDS[value];
  }

  @wire(getRecord, { recordId: '$recordId', fields: '$fields' })
  wiredRecord({ data, error }) {
    this.record = data;
    this.error = error;
    // Once per record change: freshness ("3 h ago") is as of the moment the record arrived.
    this.card = data ? salesforceCard(this._objectApiName, this.recordId, data, new Date()) : null;
  }

  get view() {
    const card = this.card;
    return card ? card.view : null;
  }

  get iconName() {
    return this._objectApiName === 'Contact' ? 'standard:contact' : 'standard:lead';
  }

  get loading() {
    return !this.record && !this.error;
  }

  get errorMessage() {
    return this.error ? errorText(this.error) : null;
  }

  /** Without field-level security on our fields LDS fails naming one: say how to fix it. */
  get errorHint() {
    return this.error && /LeadLens_\w+__c/.test(errorText(this.error))
      ? 'Ask your Salesforce admin to assign you the LeadLens Read permission set.'
      : null;
  }

  get notScored() {
    return !this.error && this.view !== null && this.view.kind === 'not_scored';
  }

  get scored() {
    const view = this.view;
    if (!view || view.kind !== 'scored') return null;
    return {
      score: view.score,
      tierLabel: view.tier ? view.tier.label : null,
      tierClass: TAG_CLASS[view.tier ? view.tier.variant : 'default'],
      barClass: BAR_CLASS[view.barVariant],
      barStyle: `width: ${view.score}%`,
      barDescription: `${view.score} / 100`,
      change: view.change,
      changeClass: view.change ? `trend trend-${view.change.direction}` : 'trend',
      changeArrow: view.change && view.change.direction === 'increase' ? '▲' : '▼',
      positives: withKeys(view.positives, 'up'),
      negatives: withKeys(view.negatives, 'down'),
      hasPositives: view.positives.length > 0,
      hasNegatives: view.negatives.length > 0,
      meta: this.card.meta,
    };
  }

  /** Ask LDS to fetch the record again (the HubSpot card's "Try again" refetch). */
  retry() {
    this.error = undefined;
    notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
  }
}
