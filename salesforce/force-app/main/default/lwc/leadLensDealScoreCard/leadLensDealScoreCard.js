/**
 * LeadLens deal card for Opportunity record pages: how likely this open deal is to close won,
 * its tier, the factors behind it (points that add up to the score), the deal model version
 * and when it was scored — the HubSpot deal card's view, read from the Opportunity's LeadLens
 * fields through Lightning Data Service (getRecord; no Apex, no callout). The pipeline writes
 * the same LeadLens_*__c fields on Opportunity as on Lead (src/contracts/salesforce-fields.ts).
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { ldsErrorHint, ldsErrorMessage, salesforceCard } from 'c/leadLensCardView';

import SCORE from '@salesforce/schema/Opportunity.LeadLens_Score__c';
import TIER from '@salesforce/schema/Opportunity.LeadLens_Tier__c';
import FACTORS from '@salesforce/schema/Opportunity.LeadLens_Factors__c';
import REASONS from '@salesforce/schema/Opportunity.LeadLens_Reasons__c';
import MODEL_VERSION from '@salesforce/schema/Opportunity.LeadLens_Model_Version__c';
import SCORED_AT from '@salesforce/schema/Opportunity.LeadLens_Scored_At__c';
import SCORE_CHANGE from '@salesforce/schema/Opportunity.LeadLens_Score_Change__c';
import IS_CLOSED from '@salesforce/schema/Opportunity.IsClosed';

// Required, so a user without the LeadLens permission set gets an error naming the field
// instead of a misleading "not scored".
const FIELDS = [SCORE, TIER, FACTORS, REASONS, MODEL_VERSION, SCORED_AT, SCORE_CHANGE];
// A deal scored while open keeps its fields when it closes: the card says the score is old.
const OPTIONAL_FIELDS = [IS_CLOSED];

export default class LeadLensDealScoreCard extends LightningElement {
  @api recordId;
  /** Set by the record page (Opportunity). */
  @api objectApiName;

  record;
  error;
  card = null;

  @wire(getRecord, { recordId: '$recordId', fields: FIELDS, optionalFields: OPTIONAL_FIELDS })
  wiredRecord({ data, error }) {
    this.record = data;
    this.error = error;
    const closed = data && data.fields.IsClosed ? data.fields.IsClosed.value === true : false;
    // Once per record change: freshness ("3 h ago") is as of the moment the record arrived.
    this.card = data
      ? salesforceCard('Opportunity', this.recordId, data, new Date(), { closed })
      : null;
  }

  get loading() {
    return !this.record && !this.error;
  }

  get errorMessage() {
    return this.error
      ? ldsErrorMessage(this.error, 'Salesforce did not return the opportunity fields.')
      : null;
  }

  get errorHint() {
    return this.error ? ldsErrorHint(this.errorMessage) : null;
  }

  get notScored() {
    const card = this.card;
    return !this.error && card !== null && card.view.kind === 'not_scored' ? card : null;
  }

  get scored() {
    const card = this.card;
    return !this.error && card !== null && card.view.kind === 'scored' ? card : null;
  }

  /** Ask LDS to fetch the record again. */
  retry() {
    this.error = undefined;
    notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
  }
}
