// The LeadLens score card rendered by the LWC engine with a mocked getRecord wire adapter (the
// @salesforce/sfdx-lwc-jest LDS test adapter): scored, not scored yet, error, stale, Contact.
// The expected texts are the HubSpot card's for the same payloads (cards/card-view.test.ts,
// cards/LeadScoreCard.test.tsx); scripts/build-salesforce.test.ts proves the views equal.
import LeadLensScoreCard from 'c/leadLensScoreCard';
import { salesforceCard } from 'c/leadLensCardView';
import { getRecord } from 'lightning/uiRecordApi';
import { MINUS, factorLines, flush, parsePoints, q, qa, text } from 'leadlens-lwc-test/dom';
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
const STALE = require('./data/stale.json');
const NOT_SCORED = require('./data/notScored.json');
const CONTACT = require('./data/contact.json');
// A Contact created on an Account (no Lead): scored by the lead model, as the run writes it.
const CONTACT_ON_ACCOUNT = require('./data/contactOnAccount.json');

const mount = (record, objectApiName) =>
  mountCard('c-lead-lens-score-card', LeadLensScoreCard, record, objectApiName);

describe('c-lead-lens-score-card', () => {
  useCardTestHooks();

  it('asks getRecord for the LeadLens fields of the page object, by field import', async () => {
    mount(SCORED);
    await flush();
    const lead = getRecord.getLastConfig();
    expect(lead.recordId).toBe(SCORED.id);
    expect(lead.fields.map((f) => `${f.objectApiName}.${f.fieldApiName}`)).toEqual(
      LEADLENS_FIELD_NAMES.map((n) => `Lead.${n}`),
    );

    mount(CONTACT, 'Contact');
    await flush();
    expect(getRecord.getLastConfig().fields.map((f) => f.objectApiName)).toEqual(
      LEADLENS_FIELD_NAMES.map(() => 'Contact'),
    );
  });

  it('shows a spinner until the record arrives', async () => {
    const el = mount(SCORED);
    await flush();
    expect(spinner(el)).not.toBeNull();
    expect(q(el, 'score')).toBeNull();
  });

  it('renders a scored lead like the HubSpot card: score, tier, factors that add up, freshness', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    await flush();

    expect(el.shadowRoot.querySelector('lightning-card').iconName).toBe('standard:lead');
    expect(text(q(el, 'score'))).toBe('78');
    expect(text(q(el, 'tier'))).toBe('Hot');
    expect(q(el, 'tier').className).toBe('slds-badge slds-theme_success');
    expect(text(q(el, 'trend'))).toBe(`▼ ${MINUS}4`);
    expect(q(el, 'trend').className).toContain('trend-decrease');
    const bar = q(el, 'bar');
    expect(bar.getAttribute('aria-valuenow')).toBe('78');
    expect(bar.getAttribute('aria-valuetext')).toBe('78 / 100');
    expect(bar.firstElementChild.className).toBe('bar-fill bar-success');
    expect(bar.firstElementChild.style.width).toBe('78%');

    const positives = factorLines(el, 'positives');
    const negatives = factorLines(el, 'negatives');
    expect(positives).toEqual([
      { points: '+22', label: 'Company size', reason: 'Company size 1: +22' },
      { points: '+18', label: 'Pricing visits', reason: 'Visited pricing 3× this week: +18' },
      { points: '+12', label: 'Lead source', reason: 'Lead source is Referral: +12' },
    ]);
    expect(negatives).toEqual([
      { points: `${MINUS}7`, label: 'E-mail domain', reason: 'Student e-mail domain: −7' },
    ]);

    const meta = text(q(el, 'score-meta'));
    expect(meta).toBe(
      `Baseline 31 · other factors +2 · model v3 · scored 3 h ago · ${MINUS}4 since the last score`,
    );
    // What the rep reads adds up: baseline + shown points + other factors = the shown score.
    const shown = [...positives, ...negatives].reduce((s, f) => s + parsePoints(f.points), 0);
    const base = Number(/Baseline (\d+)/.exec(meta)[1]);
    const other = parsePoints(/other factors ([+−]\d+)/.exec(meta)[1]);
    expect(base + shown + other).toBe(78);
    expect(q(el, 'note')).toBeNull();

    // And the DOM is the shared view module's output, line for line.
    const { view } = salesforceCard('Lead', SCORED.id, SCORED, NOW);
    expect(positives.map((f) => f.points)).toEqual(view.positives.map((f) => f.pointsText));
    expect(negatives.map((f) => f.reason)).toEqual(view.negatives.map((f) => f.reason));
  });

  it('says "Not scored yet" for a record without a score', async () => {
    const el = mount(NOT_SCORED);
    getRecord.emit(NOT_SCORED);
    await flush();
    expect(text(q(el, 'empty-title'))).toBe('Not scored yet');
    expect(text(q(el, 'empty-text'))).toBe(
      'This record has no LeadLens score. Scores appear after the next scoring run.',
    );
    expect(q(el, 'score')).toBeNull();
    expect(q(el, 'error')).toBeNull();
  });

  it('shows the LDS error (e.g. no field access) and retries through LDS', async () => {
    const el = mount(SCORED);
    await expectFieldAccessError(
      el,
      SCORED,
      'LeadLens_Score__c',
      'Could not load the LeadLens score.',
    );
    await expectRetryThroughLds(el, SCORED);
    expect(text(q(el, 'score'))).toBe('78');
  });

  it('shows the message of an error body that is an object', async () => {
    const message = 'The requested resource does not exist';
    await expectErrorWithoutHint(mount(SCORED), message, { message }, 404, 'Not Found');
  });

  it('shows no factors when they explain another score than the shown one (stale)', async () => {
    const el = mount(STALE);
    getRecord.emit(STALE);
    await flush();
    expect(text(q(el, 'score'))).toBe('60');
    expect(text(q(el, 'tier'))).toBe('Warm');
    expect(q(el, 'tier').className).toBe('slds-badge slds-badge_inverse');
    expect(q(el, 'bar').firstElementChild.className).toBe('bar-fill bar-warning');
    expect(text(q(el, 'trend'))).toBe('▲ +18');
    expect(qa(el, 'factor')).toHaveLength(0);
    expect(text(q(el, 'score-meta'))).toBe('model v3 · scored 12 d ago · +18 since the last score');
    // Said, not left blank: the factors are for the score before (78).
    expect(q(el, 'note').dataset.kind).toBe('stale');
    expect(text(q(el, 'note'))).toBe(
      'The factors on this record explain an earlier score (78), not 60, so they are not shown. The next scoring run writes matching ones.',
    );
  });

  it('renders a Contact, humanising a tier without a label and ignoring unreadable factors', async () => {
    const el = mount(CONTACT, 'Contact');
    getRecord.emit(CONTACT);
    await flush();
    expect(el.shadowRoot.querySelector('lightning-card').iconName).toBe('standard:contact');
    expect(text(q(el, 'score'))).toBe('13');
    expect(text(q(el, 'tier'))).toBe('Tier 4');
    expect(q(el, 'tier').className).toBe('slds-badge');
    expect(q(el, 'bar').firstElementChild.className).toBe('bar-fill bar-danger');
    expect(q(el, 'trend')).toBeNull();
    expect(qa(el, 'factor')).toHaveLength(0);
    expect(text(q(el, 'score-meta'))).toBe(
      'model v2 · scored just now · No change since the last score',
    );
    expect(q(el, 'note').dataset.kind).toBe('withheld');
  });

  it('renders a Contact created on an Account: its own score, tier and factors that add up', async () => {
    const el = mount(CONTACT_ON_ACCOUNT, 'Contact');
    getRecord.emit(CONTACT_ON_ACCOUNT);
    await flush();
    expect(getRecord.getLastConfig().recordId).toBe(CONTACT_ON_ACCOUNT.id);
    expect(el.shadowRoot.querySelector('lightning-card').iconName).toBe('standard:contact');
    expect(text(q(el, 'score'))).toBe('46');
    expect(text(q(el, 'tier'))).toBe('Warm');
    const positives = factorLines(el, 'positives');
    const negatives = factorLines(el, 'negatives');
    expect(positives.map((f) => f.label)).toEqual([
      'Job title',
      'Logged calls and e-mails',
      'Industry',
    ]);
    expect(negatives.map((f) => f.label)).toEqual(['Campaign responses']);
    const meta = text(q(el, 'score-meta'));
    const shown = [...positives, ...negatives].reduce((s, f) => s + parsePoints(f.points), 0);
    const base = Number(/Baseline (\d+)/.exec(meta)[1]);
    const other = parsePoints(/other factors ([+−]\d+)/.exec(meta)[1]);
    expect(base + shown + other).toBe(46);
    expect(q(el, 'note')).toBeNull();
    const { view } = salesforceCard('Contact', CONTACT_ON_ACCOUNT.id, CONTACT_ON_ACCOUNT, NOW);
    expect(positives.map((f) => f.points)).toEqual(view.positives.map((f) => f.pointsText));
  });
});
