// The LeadLens deal card on an Opportunity, rendered by the LWC engine with the getRecord wire
// driven by the LDS test adapter: scored (factors that add up, model version, when scored), not
// scored yet, no signal, factors withheld, stale, closed since scored, and wire errors.
import LeadLensDealScoreCard from 'c/leadLensDealScoreCard';
import { salesforceCard } from 'c/leadLensCardView';
import { getRecord } from 'lightning/uiRecordApi';
import { MINUS, factorLines, flush, q, qa, renderedSum, text } from 'leadlens-lwc-test/dom';
import {
  LEADLENS_FIELD_NAMES,
  NOW,
  expectErrorWithoutHint,
  expectFieldAccessError,
  expectRetryThroughLds,
  mountCard,
  spinner,
  useCardTestHooks,
} from 'leadlens-lwc-test/card';

const SCORED = require('./data/scored.json');
const NOT_SCORED = require('./data/notScored.json');
const STALE = require('./data/stale.json');
const CLOSED = require('./data/closed.json');
const NO_SIGNAL = require('./data/noSignal.json');
const WITHHELD = require('./data/withheld.json');

const mount = (record) =>
  mountCard('c-lead-lens-deal-score-card', LeadLensDealScoreCard, record, 'Opportunity');

async function shown(record) {
  const el = mount(record);
  getRecord.emit(record);
  await flush();
  return el;
}

describe('c-lead-lens-deal-score-card', () => {
  useCardTestHooks();

  it("asks getRecord for the Opportunity's LeadLens fields (required) and IsClosed (optional)", async () => {
    mount(SCORED);
    await flush();
    const config = getRecord.getLastConfig();
    expect(config.recordId).toBe(SCORED.id);
    expect(config.fields.map((f) => `${f.objectApiName}.${f.fieldApiName}`)).toEqual(
      LEADLENS_FIELD_NAMES.map((n) => `Opportunity.${n}`),
    );
    expect(config.optionalFields.map((f) => f.fieldApiName)).toEqual(['IsClosed']);
  });

  it('shows a spinner until the record arrives', async () => {
    const el = mount(SCORED);
    await flush();
    expect(spinner(el)).not.toBeNull();
    expect(q(el, 'score')).toBeNull();
  });

  it('renders the deal score: tier, factors whose points add up, model version and when scored', async () => {
    const el = await shown(SCORED);
    expect(el.shadowRoot.querySelector('lightning-card').iconName).toBe('standard:opportunity');
    expect(text(q(el, 'score-label'))).toBe('Likelihood to close won');
    expect(text(q(el, 'score'))).toBe('64');
    expect(text(q(el, 'tier'))).toBe('Warm');
    expect(q(el, 'tier').className).toBe('slds-badge slds-badge_inverse');
    expect(q(el, 'bar').firstElementChild.className).toBe('bar-fill bar-warning');
    expect(text(q(el, 'trend'))).toBe('▲ +5');
    expect(factorLines(el, 'positives')).toEqual([
      { points: '+14', label: 'Deal stage', reason: 'Deal stage is Proposal: +14' },
      { points: '+8', label: 'Days in stage', reason: '9 days in stage: +8' },
      {
        points: '+6',
        label: 'Engaged committee members',
        reason: '3 engaged committee members: +6',
      },
    ]);
    expect(factorLines(el, 'negatives')).toEqual([
      { points: `${MINUS}5`, label: 'Amount revised', reason: 'Amount was revised: −5' },
    ]);
    expect(text(q(el, 'score-meta'))).toBe(
      'Baseline 38 · other factors +3 · model deal-v2 · scored 3 h ago · +5 since the last score',
    );
    expect(renderedSum(el)).toBe(64);
    expect(q(el, 'note')).toBeNull();
    // The lines are the shared view module's, as on the Lead card and the HubSpot deal card.
    const { view } = salesforceCard('Opportunity', SCORED.id, SCORED, NOW);
    expect(qa(el, 'points').map(text)).toEqual(
      [...view.positives, ...view.negatives].map((f) => f.pointsText),
    );
  });

  it('says "Not scored yet" and when LeadLens scores an opportunity, with no placeholder score', async () => {
    const el = await shown(NOT_SCORED);
    expect(text(q(el, 'empty-title'))).toBe('Not scored yet');
    expect(text(q(el, 'empty-text'))).toBe(
      'This opportunity has no LeadLens deal score. LeadLens scores open opportunities once the org has enough closed ones to learn from; while the deal model finds no signal it withholds scores rather than guess. Closed opportunities are not scored.',
    );
    expect(q(el, 'score')).toBeNull();
    expect(q(el, 'bar')).toBeNull();
    expect(qa(el, 'factor')).toHaveLength(0);
  });

  it('a score no factor moved from the baseline says so (no signal in the record)', async () => {
    const el = await shown(NO_SIGNAL);
    expect(text(q(el, 'score'))).toBe('38');
    expect(qa(el, 'factor')).toHaveLength(0);
    expect(q(el, 'note').dataset.kind).toBe('no_signal');
    expect(text(q(el, 'note'))).toBe(
      "No factor moved this score from the baseline of 38: the model found nothing in this record's fields that sets it apart.",
    );
    expect(text(q(el, 'score-meta'))).toBe(
      'Baseline 38 · model deal-v2 · scored 1 h ago · First score',
    );
  });

  it('a score without factors says they are withheld, inventing none', async () => {
    const el = await shown(WITHHELD);
    expect(text(q(el, 'score'))).toBe('81');
    expect(text(q(el, 'tier'))).toBe('Hot');
    expect(qa(el, 'factor')).toHaveLength(0);
    expect(q(el, 'note').dataset.kind).toBe('withheld');
    expect(text(q(el, 'score-meta'))).toBe('model deal-v1 · scored 24 h ago · First score');
  });

  it('stale factors (for another score) are not shown, and the card says why', async () => {
    const el = await shown(STALE);
    expect(text(q(el, 'score'))).toBe('52');
    expect(text(q(el, 'trend'))).toBe(`▼ ${MINUS}12`);
    expect(qa(el, 'factor')).toHaveLength(0);
    expect(q(el, 'note').dataset.kind).toBe('stale');
    expect(text(q(el, 'note'))).toContain('explain an earlier score (64), not 52');
  });

  it('a deal closed since it was scored keeps its factors and says the score is from while open', async () => {
    const el = await shown(CLOSED);
    expect(text(q(el, 'score'))).toBe('64');
    expect(renderedSum(el)).toBe(64);
    expect(q(el, 'note').dataset.kind).toBe('closed');
    expect(text(q(el, 'note'))).toBe(
      'This opportunity is closed. The score is from its last scoring while it was open; LeadLens scores open deals only.',
    );
  });

  it('a wire error shows the message, the permission-set hint and retries through LDS', async () => {
    const el = mount(SCORED);
    await expectFieldAccessError(
      el,
      SCORED,
      'LeadLens_Tier__c',
      'Could not load the LeadLens deal score.',
    );
    await expectRetryThroughLds(el, SCORED);
    expect(text(q(el, 'score'))).toBe('64');
  });

  it('an error without a body says Salesforce returned nothing, without the hint', async () => {
    const message = 'Salesforce did not return the opportunity fields.';
    await expectErrorWithoutHint(mount(SCORED), message, {}, 500, 'Server Error');
  });
});
