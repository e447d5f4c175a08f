/**
 * What the LeadLens record cards (Lead/Contact, Opportunity, Account) share in behaviour: one
 * answer of their getRecord wire kept as the state c-lead-lens-score-state renders (the
 * record's `salesforceCard()` or the LDS error), and "Try again". A class to extend, with no
 * template of its own. Each card keeps its own `@api recordId` (what the record page sets) and
 * its own `@wire(getRecord)` (the fields it reads), and passes the wire's answer to `showRecord`.
 */
import { LightningElement } from 'lwc';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';

export default class LeadLensCardBase extends LightningElement {
  /** For c-lead-lens-score-state: the record's card (null until it arrives) or the wire's error. */
  score = { card: null, error: undefined };

  /**
   * Keeps one answer of the getRecord wire. `toCard(data)` runs once per record change, so
   * freshness ("3 h ago") is as of the moment the record arrived, not of each render.
   */
  showRecord({ data, error }, toCard) {
    this.score = { card: data ? toCard(data) : null, error };
  }

  /** Ask LDS to fetch the record again (the HubSpot card's "Try again" refetch). */
  retry() {
    this.score = { ...this.score, error: undefined };
    notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
  }
}
