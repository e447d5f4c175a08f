/**
 * LeadLens score card for Lead and Contact record pages. It reads the LeadLens fields through
 * Lightning Data Service (getRecord), so it needs no Apex and no callout, and it renders them
 * with `c/leadLensCardView`: the HubSpot card's own view code (cards/card-view.ts,
 * cards/factors-view.ts), bundled in by `npm run build:salesforce`, through
 * `c-lead-lens-score-state` (shared with the Opportunity and Account cards, as is the
 * getRecord state and retry of `c/leadLensCardBase`). Score, tier, factors that add up to the
 * score, and freshness are therefore the same on both CRMs.
 */
import { api, wire } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import LeadLensCardBase from 'c/leadLensCardBase';
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

export default class LeadLensScoreCard extends LeadLensCardBase {
  @api recordId;

  text = { label: 'LeadLens score', name: 'LeadLens score', record: 'record' };
  // Unset until the page names the object, so LDS asks once, for the right object's fields.
  fields;
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
  wiredRecord(answer) {
    this.showRecord(answer, (data) =>
      salesforceCard(this._objectApiName, this.recordId, data, new Date()),
    );
  }

  get iconName() {
    return this._objectApiName === 'Contact' ? 'standard:contact' : 'standard:lead';
  }
}
