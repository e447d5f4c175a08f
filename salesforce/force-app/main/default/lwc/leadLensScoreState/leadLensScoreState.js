/**
 * The score part of every LeadLens record card, in each state of its getRecord wire: a spinner
 * until the record arrives; the LDS error, with the permission-set hint when a LeadLens field is
 * named, and "Try again" (a `retry` event: the card asks LDS again); "Not scored yet" with when
 * LeadLens scores this kind of record; or the score through c-lead-lens-score-details. The card
 * passes what it loaded (c/leadLensCardBase `score`) and its words; nothing here reads records.
 */
import { LightningElement, api } from 'lwc';
import { ldsErrorHint, ldsErrorMessage } from 'c/leadLensCardView';

export default class LeadLensScoreState extends LightningElement {
  /** `{ card, error }`: a `salesforceCard()` result (null until the record arrives), the error. */
  @api score = { card: null, error: undefined };
  /**
   * The card's words: `label` what the number is ("Likelihood to close won"), `name` what is
   * loaded ("LeadLens deal score"), `record` whose fields ("opportunity").
   */
  @api text = { label: 'LeadLens score', name: 'LeadLens score', record: 'record' };

  get loading() {
    return !this.score.card && !this.score.error;
  }

  get loadingText() {
    return `Loading the ${this.text.name}…`;
  }

  get errorTitle() {
    return `Could not load the ${this.text.name}.`;
  }

  get errorMessage() {
    const { error } = this.score;
    return error
      ? ldsErrorMessage(error, `Salesforce did not return the ${this.text.record} fields.`)
      : null;
  }

  /** Without field-level security on our fields LDS fails naming one: say how to fix it. */
  get errorHint() {
    return this.score.error ? ldsErrorHint(this.errorMessage) : null;
  }

  get notScored() {
    return this.cardOf('not_scored');
  }

  /** The card for c-lead-lens-score-details, which renders score, tier and factors. */
  get scored() {
    return this.cardOf('scored');
  }

  cardOf(kind) {
    const { card, error } = this.score;
    return !error && card && card.view.kind === kind ? card : null;
  }

  handleRetry() {
    this.dispatchEvent(new CustomEvent('retry'));
  }
}
