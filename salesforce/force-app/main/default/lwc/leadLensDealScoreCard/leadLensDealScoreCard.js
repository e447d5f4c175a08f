/**
 * LeadLens deal card for Opportunity record pages: how likely this open deal is to close won,
 * its tier, the factors behind it (points that add up to the score), the deal model version
 * and when it was scored — the HubSpot deal card's view, read from the Opportunity's LeadLens
 * fields through Lightning Data Service (getRecord; no Apex, no callout). The pipeline writes
 * the same LeadLens_*__c fields on Opportunity as on Lead (src/contracts/salesforce-fields.ts).
 */
import { api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import LeadLensCardBase from 'c/leadLensCardBase';
import { salesforceCard } from 'c/leadLensCardView';

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

export default class LeadLensDealScoreCard extends LeadLensCardBase {
  @api recordId;
  /** Set by the record page (Opportunity). */
  @api objectApiName;

  text = { label: 'Likelihood to close won', name: 'LeadLens deal score', record: 'opportunity' };

  @wire(getRecord, { recordId: '$recordId', fields: FIELDS, optionalFields: OPTIONAL_FIELDS })
  wiredRecord(answer) {
    this.showRecord(answer, (data) => {
      const closed = data.fields.IsClosed ? data.fields.IsClosed.value === true : false;
      return salesforceCard('Opportunity', this.recordId, data, new Date(), { closed });
    });
  }
}
