// The LeadLens account card on an Account, rendered by the LWC engine with the getRecord and
// getRelatedListRecordsBatch wires driven by the LDS test adapters: the account score with
// factors that add up, the buying committee (the Account's Contacts with their LeadLens scores,
// tiers, seniority and roles), and every empty and error state of both.
import LeadLensAccountScoreCard from 'c/leadLensAccountScoreCard';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecordsBatch } from 'lightning/uiRelatedListApi';
import { MINUS, factorLines, flush, q, qa, renderedSum, text } from 'leadlens-lwc-test/dom';
import {
  LEADLENS_FIELD_NAMES,
  READ_PERMISSION_HINT,
  expectFieldAccessError,
  expectRetryThroughLds,
  mountCard,
  useCardTestHooks,
} from 'leadlens-lwc-test/card';

const SCORED = require('./data/scored.json');
const NOT_SCORED = require('./data/notScored.json');
const COMMITTEE = require('./data/committee.json');
const COMMITTEE_NO_ROLES = require('./data/committeeNoRoles.json');
const COMMITTEE_EMPTY = require('./data/committeeEmpty.json');
const COMMITTEE_DENIED = require('./data/committeeDenied.json');

const mount = (record) =>
  mountCard('c-lead-lens-account-score-card', LeadLensAccountScoreCard, record, 'Account');

function members(el) {
  return qa(el, 'member').map((m) => ({
    name: text(m.querySelector('[data-id="member-name"]')),
    title: text(m.querySelector('[data-id="member-title"]')),
    role: text(m.querySelector('[data-id="member-role"]')),
    score: text(m.querySelector('[data-id="member-score"]')),
    tier: text(m.querySelector('[data-id="member-tier"]')),
    notScored: m.querySelector('[data-id="member-not-scored"]') !== null,
  }));
}

describe('c-lead-lens-account-score-card', () => {
  useCardTestHooks();

  it("asks for the Account's LeadLens fields and its Contacts and contact roles, with no Apex", async () => {
    mount(SCORED);
    await flush();
    const record = getRecord.getLastConfig();
    expect(record.recordId).toBe(SCORED.id);
    expect(record.fields.map((f) => `${f.objectApiName}.${f.fieldApiName}`)).toEqual(
      LEADLENS_FIELD_NAMES.map((n) => `Account.${n}`),
    );
    const lists = getRelatedListRecordsBatch.getLastConfig();
    expect(lists.parentRecordId).toBe(SCORED.id);
    expect(lists.relatedListParameters).toEqual([
      {
        relatedListId: 'Contacts',
        fields: [
          'Contact.Name',
          'Contact.Title',
          'Contact.Email',
          'Contact.LeadLens_Score__c',
          'Contact.LeadLens_Tier__c',
        ],
        pageSize: 50,
      },
      {
        relatedListId: 'AccountContactRelations',
        fields: ['AccountContactRelation.ContactId', 'AccountContactRelation.Roles'],
        pageSize: 50,
      },
    ]);
  });

  it('renders the account score with factors that add up, and the committee highest score first', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE);
    await flush();

    expect(el.shadowRoot.querySelector('lightning-card').iconName).toBe('standard:account');
    expect(text(q(el, 'score-label'))).toBe('Likelihood to buy');
    expect(text(q(el, 'score'))).toBe('71');
    expect(text(q(el, 'tier'))).toBe('Hot');
    expect(factorLines(el, 'positives').map((f) => f.points)).toEqual(['+12', '+9', '+5']);
    expect(factorLines(el, 'negatives')).toEqual([
      {
        points: `${MINUS}6`,
        label: 'Days since last engagement',
        reason: 'Last engagement 41 days ago: −6',
      },
    ]);
    expect(text(q(el, 'score-meta'))).toBe(
      'Baseline 50 · other factors +1 · model account-v1 · scored 24 h ago · First score',
    );
    expect(renderedSum(el)).toBe(71);

    expect(text(q(el, 'committee-summary'))).toBe(
      '4 contacts, 1 director level or above, 3 scored',
    );
    expect(members(el)).toEqual([
      {
        name: 'Bo Chen',
        title: 'VP Engineering',
        role: 'VP · Decision Maker, Economic Buyer',
        score: '81',
        tier: 'Hot',
        notScored: false,
      },
      {
        name: 'Di Evans',
        title: 'IT Manager',
        role: 'Manager · Technical Buyer',
        score: '55',
        tier: 'Tier 2',
        notScored: false,
      },
      {
        name: 'Ann Lee',
        title: 'Analyst',
        role: 'Individual contributor',
        score: '34',
        tier: 'Cool',
        notScored: false,
      },
      {
        name: 'Cy Diaz',
        title: 'No job title',
        role: 'Unknown',
        score: null,
        tier: null,
        notScored: true,
      },
    ]);
    expect(qa(el, 'member-name')[0].getAttribute('href')).toBe(
      '/lightning/r/Contact/003000000000002AAA/view',
    );
    expect(qa(el, 'member-tier')[0].className).toBe('slds-badge slds-theme_success');
  });

  it('an unscored account says when LeadLens scores accounts and still lists its committee', async () => {
    const el = mount(NOT_SCORED);
    getRecord.emit(NOT_SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE);
    await flush();
    expect(text(q(el, 'empty-title'))).toBe('Not scored yet');
    expect(text(q(el, 'empty-text'))).toContain('This account has no LeadLens account score.');
    expect(text(q(el, 'empty-text'))).toContain('withholds scores rather than guess');
    expect(q(el, 'score')).toBeNull();
    expect(qa(el, 'member')).toHaveLength(4);
  });

  it('lists members without roles when AccountContactRelation cannot be read, and says a page is partial', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE_NO_ROLES);
    await flush();
    expect(q(el, 'committee-error')).toBeNull();
    expect(text(q(el, 'committee-summary'))).toBe(
      '4+ contacts, 1 director level or above, 3 scored',
    );
    expect(members(el).map((m) => m.role)).toEqual([
      'VP',
      'Manager',
      'Individual contributor',
      'Unknown',
    ]);
  });

  it('an account without contacts says so', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE_EMPTY);
    await flush();
    expect(text(q(el, 'committee-empty'))).toBe(
      'No contacts are associated with this account yet.',
    );
    expect(qa(el, 'member')).toHaveLength(0);
    expect(text(q(el, 'score'))).toBe('71');
  });

  it('a Contacts list the user cannot read shows its error and the permission-set hint', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE_DENIED);
    await flush();
    expect(text(q(el, 'committee-error-title'))).toBe('Could not load the buying committee.');
    expect(text(q(el, 'committee-error-message'))).toBe(
      "No such column 'LeadLens_Score__c' on entity 'Contact'.",
    );
    expect(text(q(el, 'committee-error-hint'))).toBe(READ_PERMISSION_HINT);
    expect(qa(el, 'member')).toHaveLength(0);
    // The account's own score is unaffected.
    expect(text(q(el, 'score'))).toBe('71');
  });

  it('a failed related-list wire shows an error and asks again on Try again', async () => {
    const el = mount(SCORED);
    getRecord.emit(SCORED);
    getRelatedListRecordsBatch.error({ message: 'The requested resource does not exist' }, 404);
    await flush();
    expect(text(q(el, 'committee-error-message'))).toBe('The requested resource does not exist');
    const before = getRelatedListRecordsBatch.getLastConfig().relatedListParameters;

    q(el, 'committee-retry').click();
    await flush();
    const after = getRelatedListRecordsBatch.getLastConfig().relatedListParameters;
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
    getRelatedListRecordsBatch.emit(COMMITTEE);
    await flush();
    expect(q(el, 'committee-error')).toBeNull();
    expect(qa(el, 'member')).toHaveLength(4);
  });

  it("a failed record wire shows the account score's error, retries, and keeps the committee", async () => {
    const el = mount(SCORED);
    getRelatedListRecordsBatch.emit(COMMITTEE);
    await expectFieldAccessError(
      el,
      SCORED,
      'LeadLens_Score__c',
      'Could not load the LeadLens account score.',
    );
    expect(qa(el, 'member')).toHaveLength(4);
    await expectRetryThroughLds(el, SCORED);
    expect(text(q(el, 'score'))).toBe('71');
    expect(qa(el, 'member')).toHaveLength(4);
  });
});
