import {
  ldsErrorHint,
  ldsErrorMessage,
  salesforceCard,
  salesforceCommittee,
  type LdsListRecord,
  type LdsRecord,
} from './salesforce-card';

const NOW = new Date('2026-03-10T12:00:00.000Z');

function record(score: number | null, factors: object | string | null): LdsRecord {
  return {
    fields: {
      LeadLens_Score__c: { value: score },
      LeadLens_Tier__c: { value: score === null ? null : 'tier_2', displayValue: 'Warm' },
      LeadLens_Factors__c: {
        value: factors === null || typeof factors === 'string' ? factors : JSON.stringify(factors),
      },
      LeadLens_Model_Version__c: { value: 'v1' },
      LeadLens_Scored_At__c: { value: '2026-03-10T11:00:00.000Z' },
      LeadLens_Score_Change__c: { value: null },
    },
  };
}

const factor = (field: string, points: number) => ({
  field,
  label: field,
  value: null,
  points,
  logOdds: points / 20,
  reason: `${field}: ${points}`,
});

describe('salesforceCard notes', () => {
  const payload = (score: number, top: object[], otherPoints = 0) => ({
    v: 1,
    score,
    base: 40,
    otherPoints,
    modelVersion: 'v1',
    top,
  });

  it('none when the factors explain the score', () => {
    const card = salesforceCard(
      'Opportunity',
      '006',
      record(50, payload(50, [factor('a', 10)])),
      NOW,
    );
    expect(card.note).toBeNull();
    expect(card.notScoredText).toBeNull();
    expect(card.view.kind).toBe('scored');
  });

  it('no signal only when nothing — shown or other — moved the score from the baseline', () => {
    expect(salesforceCard('Account', '001', record(40, payload(40, [])), NOW).note?.kind).toBe(
      'no_signal',
    );
    // Points outside the shown factors (a zero-point top, "other factors" +3) are signal.
    const other = salesforceCard(
      'Account',
      '001',
      record(43, payload(43, [factor('zero', 0)], 3)),
      NOW,
    );
    expect(other.note).toBeNull();
    expect(other.meta).toContain('other factors +3');
  });

  it('stale names the score the factors explain; withheld covers missing and unreadable ones', () => {
    const stale = salesforceCard('Opportunity', '006', record(52, payload(64, [])), NOW).note;
    expect(stale?.kind).toBe('stale');
    expect(stale?.text).toContain('(64), not 52');
    for (const f of [null, '{"v":2', '[]']) {
      expect(salesforceCard('Opportunity', '006', record(52, f), NOW).note?.kind).toBe('withheld');
    }
  });

  it('closed wins over the rest and keeps the factors', () => {
    const card = salesforceCard(
      'Opportunity',
      '006',
      record(50, payload(50, [factor('a', 10)])),
      NOW,
      { closed: true },
    );
    expect(card.note?.kind).toBe('closed');
    expect(card.view.kind === 'scored' && card.view.positives).toHaveLength(1);
  });

  it("not scored: each object's own text, never a score", () => {
    const texts = ['Lead', 'Contact', 'Opportunity', 'Account'].map(
      (o) => salesforceCard(o, 'x', record(null, null), NOW).notScoredText,
    );
    expect(texts[2]).toContain('open opportunities');
    expect(texts[3]).toContain('accounts with at least one contact');
    expect(new Set(texts).size).toBe(3);
    const card = salesforceCard('Account', 'x', record(null, null), NOW);
    expect(card.view.kind).toBe('not_scored');
    expect([card.meta, card.note]).toEqual([null, null]);
  });
});

describe('salesforceCommittee', () => {
  const contact = (id: string, fields: Record<string, unknown>): LdsListRecord => ({
    id,
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: v }])),
  });

  it('keys roles by contact id, prefers the labels, and names a contact without a name', () => {
    const view = salesforceCommittee(
      [
        contact('003A', { Name: 'Ann', Title: 'CFO', LeadLens_Score__c: 12.6 }),
        contact('003B', { Name: null, Email: null, Title: null, LeadLens_Score__c: null }),
      ],
      [
        {
          fields: {
            ContactId: { value: '003A' },
            Roles: { value: 'Economic Buyer;Other', displayValue: 'Economic Buyer;Other' },
          },
        },
        { fields: { ContactId: { value: '003B' }, Roles: { value: null } } },
      ],
    );
    expect(view.members.map((m) => [m.id, m.name, m.seniority, m.role, m.score])).toEqual([
      ['003A', 'Ann', 'C-level', 'Economic Buyer, Other', 13],
      ['003B', 'Contact 003B', 'Unknown', null, null],
    ]);
    expect([view.scored, view.senior]).toEqual([1, 1]);
    expect(salesforceCommittee([], null).members).toEqual([]);
  });
});

describe('LDS errors', () => {
  it('reads every shape the wire gives, else the fallback; hints only on a LeadLens field', () => {
    expect(ldsErrorMessage({ body: [{ message: 'a' }, { message: 'b' }] }, 'f')).toBe('a b');
    expect(ldsErrorMessage({ body: { message: 'c' } }, 'f')).toBe('c');
    expect(ldsErrorMessage(new Error('d'), 'f')).toBe('d');
    expect(ldsErrorMessage({ body: [] }, 'f')).toBe('f');
    expect(ldsErrorMessage(undefined, 'f')).toBe('f');
    expect(ldsErrorHint("No such column 'LeadLens_Tier__c'")).toMatch(/LeadLens Read/);
    expect(ldsErrorHint('Server error')).toBeNull();
    expect(ldsErrorHint(null)).toBeNull();
  });
});
