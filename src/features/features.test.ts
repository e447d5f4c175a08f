import type { CrmRecord, DealOutcome, PropertyVersion } from '../contracts/records';
import {
  buildTrainingSet,
  companySizeBand,
  conversionMoment,
  DAY_MS,
  DEFAULT_CONTACT_SPEC,
  emailDomainKind,
  isOpenAt,
  readPlan,
  seniority,
  snapshot,
  specFromProperties,
  type FeatureSpec,
} from './index';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (dayOffset: number) => new Date(T0 + dayOffset * DAY_MS).toISOString();
const h = (...pairs: Array<[number, string | null]>): PropertyVersion[] =>
  pairs.map(([d, value]) => ({ value, timestamp: iso(d) }));

function contact(id: string, over: Partial<CrmRecord> = {}): CrmRecord {
  return {
    id,
    objectType: 'contact',
    createdAt: iso(0),
    updatedAt: iso(0),
    properties: {},
    history: {},
    associations: {},
    ...over,
  };
}

const CUSTOMER = { kind: 'lifecycle_customer', horizonDays: 120 } as const;

describe('snapshot', () => {
  it('never uses a value recorded after asOf (a planted post-asOf change)', () => {
    const rec = contact('1', {
      updatedAt: iso(60),
      properties: { industry: 'Banking', hs_analytics_num_page_views: '400' },
      history: {
        industry: h([0, 'Retail'], [45, 'Banking']),
        hs_analytics_num_page_views: h([1, '2'], [10, '5'], [50, '400']),
      },
    });
    const row = snapshot(rec, T0 + 30 * DAY_MS, DEFAULT_CONTACT_SPEC);
    expect(row.industry).toBe('Retail');
    expect(row.hs_analytics_num_page_views).toBe(5);
    const later = snapshot(rec, T0 + 55 * DAY_MS, DEFAULT_CONTACT_SPEC);
    expect(later.industry).toBe('Banking');
    expect(later.hs_analytics_num_page_views).toBe(400);
  });

  it('uses a current value without history only if the record did not change since asOf', () => {
    const stale = contact('1', { updatedAt: iso(10), properties: { country: 'France' } });
    const changed = contact('2', { updatedAt: iso(40), properties: { country: 'France' } });
    expect(snapshot(stale, T0 + 30 * DAY_MS, DEFAULT_CONTACT_SPEC).country).toBe('France');
    expect(snapshot(changed, T0 + 30 * DAY_MS, DEFAULT_CONTACT_SPEC).country).toBeNull();
  });

  it('types CRM strings: numbers, booleans, dates, multi-select', () => {
    const spec: FeatureSpec = {
      fields: [
        { name: 'n', label: 'n', type: 'number', source: 'property' },
        { name: 'b', label: 'b', type: 'bool', source: 'property' },
        { name: 'd', label: 'd', type: 'date', source: 'property' },
        { name: 'e', label: 'e', type: 'date', source: 'property' },
        { name: 'm', label: 'm', type: 'multi', source: 'property' },
        { name: 'x', label: 'x', type: 'number', source: 'property' },
      ],
      skipped: [],
    };
    const rec = contact('1', {
      properties: {
        n: '12.5',
        b: 'true',
        d: '2023-12-22',
        e: String(T0 - 2 * DAY_MS),
        m: 'a; b;;c',
        x: 'twelve',
      },
    });
    expect(snapshot(rec, T0, spec)).toEqual({
      n: 12.5,
      b: true,
      d: 10,
      e: 2,
      m: ['a', 'b', 'c'],
      x: null,
    });
  });

  it('computes engineered signals at asOf and never outputs the e-mail or title', () => {
    const asOfDay = 40;
    const rec = contact('1', {
      updatedAt: iso(100),
      properties: { email: 'ann@acme.io', jobtitle: 'VP Sales' },
      history: {
        email: h([0, 'ann@gmail.com'], [60, 'ann@acme.io']),
        jobtitle: h([0, 'Vice President, Sales']),
        numemployees: h([0, '25-50']),
        hs_analytics_source: h([0, 'ORGANIC_SEARCH']),
        // page views: 2 at day 1, 10 at day 20, 30 at day 36, 90 at day 70 (after asOf)
        hs_analytics_num_page_views: h([1, '2'], [20, '10'], [36, '30'], [70, '90']),
        hs_analytics_num_visits: h([1, '1'], [36, '4']),
      },
    });
    const row = snapshot(rec, T0 + asOfDay * DAY_MS, DEFAULT_CONTACT_SPEC);
    expect(row.contact_age_days).toBe(40);
    expect(row.email_domain_kind).toBe('free');
    expect(row.seniority).toBe('vp');
    expect(row.company_size_band).toBe('11-50');
    expect(row.source).toBe('organic_search');
    expect(row.days_since_last_visit).toBe(4);
    expect(row.days_since_last_engagement).toBe(4);
    // last 7 days: 30 - 10 = 20; the 7 before (days 26–33): 10 - 10 = 0
    expect(row.page_views_last_7d).toBe(20);
    expect(row.page_views_trend_7d).toBe(20);
    // last 30 days (day 10 → 40): 30 - 2 = 28; 30 before (−20 → 10): 2 - 0 = 2
    expect(row.page_views_last_30d).toBe(28);
    expect(row.page_views_trend_30d).toBe(26);
    expect(row.email_clicks_last_7d).toBeNull();
    // decayed: 2·0.5^(39/14) + 8·0.5^(20/14) + 20·0.5^(4/14) + 1·0.5^(39/14) + 3·0.5^(4/14)
    const d = (n: number, age: number) => n * Math.pow(0.5, age / 14);
    expect(row.activity_decayed).toBeCloseTo(
      d(2, 39) + d(8, 20) + d(20, 4) + d(1, 39) + d(3, 4),
      2,
    );
    const text = JSON.stringify(row);
    expect(text).not.toContain('ann@');
    expect(text).not.toMatch(/vice president/i);
  });

  it('classifies domains, titles and sizes', () => {
    expect(emailDomainKind(null)).toBe('missing');
    expect(emailDomainKind('x@cs.stanford.edu')).toBe('education');
    expect(emailDomainKind('x@ox.ac.uk')).toBe('education');
    expect(emailDomainKind('x@Hotmail.com')).toBe('free');
    expect(emailDomainKind('x@globex.com')).toBe('corporate');
    expect(seniority('Chief Executive Officer')).toBe('c_level');
    expect(seniority('Co-Founder')).toBe('c_level');
    expect(seniority('Director of Marketing')).toBe('director');
    expect(seniority('Marketing Manager')).toBe('manager');
    expect(seniority('Marketing intern')).toBe('student_intern');
    expect(seniority('Accountant')).toBe('individual');
    expect(seniority('')).toBe('unknown');
    expect(companySizeBand('1000+')).toBe('1001+');
    expect(companySizeBand('7')).toBe('1-10');
    expect(companySizeBand(null)).toBe('unknown');
  });
});

describe('specFromProperties', () => {
  const meta = [
    { name: 'industry', label: 'Industry', type: 'enumeration', fieldType: 'select' },
    { name: 'hs_analytics_num_page_views', label: 'Views', type: 'number', fieldType: 'number' },
    { name: 'budget_k', label: 'Budget (k$)', type: 'number', fieldType: 'number' },
    { name: 'uses_sso', label: 'Uses SSO', type: 'bool', fieldType: 'booleancheckbox' },
    { name: 'tools', label: 'Tools', type: 'enumeration', fieldType: 'checkbox' },
    { name: 'trial_end', label: 'Trial end', type: 'datetime', fieldType: 'date' },
    { name: 'plan', label: 'Plan', type: 'string', fieldType: 'text' },
    { name: 'notes', label: 'Notes', type: 'string', fieldType: 'textarea' },
    { name: 'email', label: 'Email', type: 'string', fieldType: 'text' },
    { name: 'leadlens_score', label: 'Score', type: 'number', fieldType: 'number' },
  ];

  it('types custom properties from their CRM type and removes the excluded', () => {
    const spec = specFromProperties(
      meta,
      [
        'budget_k',
        'uses_sso',
        'tools',
        'trial_end',
        'plan',
        'notes',
        'email',
        'leadlens_score',
        'nope',
      ],
      ['industry', 'seniority'],
      { distinctCounts: { plan: 4, notes: 900 } },
    );
    const byName = Object.fromEntries(spec.fields.map((f) => [f.name, f]));
    expect(byName.industry).toBeUndefined();
    expect(byName.seniority).toBeUndefined();
    expect(byName.hs_analytics_num_page_views?.type).toBe('number');
    expect(byName.budget_k).toEqual({
      name: 'budget_k',
      label: 'Budget (k$)',
      type: 'number',
      source: 'property',
    });
    expect(byName.uses_sso?.type).toBe('bool');
    expect(byName.tools?.type).toBe('multi');
    expect(byName.trial_end?.type).toBe('date');
    expect(byName.plan?.type).toBe('category');
    expect(byName.source?.source).toBe('engineered');
    const skipped = Object.fromEntries(spec.skipped.map((s) => [s.name, s.reason]));
    expect(skipped.notes).toMatch(/900 distinct/);
    expect(skipped.email).toMatch(/personal/);
    expect(skipped.leadlens_score).toMatch(/personal data or a score/);
    expect(skipped.nope).toMatch(/no contact property/);
    // The sync reads custom properties with history.
    expect(readPlan(spec).history).toEqual(
      expect.arrayContaining(['budget_k', 'tools', 'lifecyclestage']),
    );
  });
});

describe('labels', () => {
  const stage = (...pairs: Array<[number, string]>) => ({ lifecyclestage: h(...pairs) });

  it('finds the conversion moment per definition', () => {
    const rec = contact('1', {
      history: stage([0, 'lead'], [50, 'salesqualifiedlead'], [80, 'customer']),
      associations: { deal: ['d1'] },
    });
    expect(conversionMoment(rec, [], CUSTOMER)).toBe(T0 + 80 * DAY_MS);
    expect(conversionMoment(rec, [], { kind: 'lifecycle_sql', horizonDays: 90 })).toBe(
      T0 + 50 * DAY_MS,
    );
    const deals: DealOutcome[] = [
      {
        id: 'd1',
        createdAt: iso(40),
        closedAt: iso(95),
        isClosed: true,
        isWon: true,
        amount: 5,
        contactIds: [],
      },
      {
        id: 'd2',
        createdAt: iso(40),
        closedAt: iso(70),
        isClosed: true,
        isWon: false,
        amount: 5,
        contactIds: ['1'],
      },
      {
        id: 'd3',
        createdAt: iso(40),
        closedAt: iso(90),
        isClosed: true,
        isWon: true,
        amount: 5,
        contactIds: ['1'],
      },
    ];
    expect(conversionMoment(rec, deals, { kind: 'deal_won', horizonDays: 90 })).toBe(
      T0 + 90 * DAY_MS,
    );
    const byDate = contact('2', { properties: { hs_lifecyclestage_customer_date: iso(33) } });
    expect(conversionMoment(byDate, [], CUSTOMER)).toBe(T0 + 33 * DAY_MS);
    expect(
      conversionMoment(contact('3', { history: stage([0, 'lead']) }), [], CUSTOMER),
    ).toBeNull();
  });

  it('labels within the horizon, censors the too-recent and drops the already converted', () => {
    const now = T0 + 200 * DAY_MS;
    const contacts = [
      contact('won', { history: stage([0, 'lead'], [100, 'customer']) }), // asOf 30, conv 100 → 1
      contact('late', { history: stage([0, 'lead'], [170, 'customer']) }), // conv after 150 → 0
      contact('lost', { history: stage([0, 'lead']) }), // horizon ended at 150 → 0
      contact('early', { history: stage([0, 'lead'], [20, 'customer']) }), // converted before asOf
      contact('young', { createdAt: iso(100), history: stage([100, 'lead']) }), // asOf 130, censored
      contact('youngwon', {
        createdAt: iso(100),
        history: stage([100, 'lead'], [160, 'customer']),
      }),
      contact('baby', { createdAt: iso(190), history: stage([190, 'lead']) }), // asOf after now
    ];
    const set = buildTrainingSet(contacts, [], {
      conversion: CUSTOMER,
      now,
      spec: DEFAULT_CONTACT_SPEC,
    });
    expect(Object.fromEntries(set.ids.map((id, i) => [id, set.labels[i]]))).toEqual({
      won: 1,
      late: 0,
      lost: 0,
      young: null,
      youngwon: 1,
    });
    expect(set.times[0]).toBe(T0 + 30 * DAY_MS);
    expect(set.asOf).toEqual(set.times);
    expect(set.dropped).toEqual({ tooYoung: 1, alreadyConverted: 1, noCreateDate: 0 });
    // A row is the contact at asOf: its lifecycle stage then, not the later "customer".
    expect(set.rows[0].lifecyclestage).toBe('lead');
    expect(isOpenAt(contacts[0], [], CUSTOMER, now)).toBe(false);
    expect(isOpenAt(contacts[2], [], CUSTOMER, now)).toBe(true);
  });
});

describe('value labels for reason text', () => {
  it('carries CRM option labels and names engineered categories', () => {
    const spec = specFromProperties(
      [
        {
          name: 'hs_lead_status',
          label: 'Lead Status',
          type: 'enumeration',
          fieldType: 'select',
          options: [{ value: 'IN_PROGRESS', label: 'In progress' }],
        },
        {
          name: 'hs_analytics_source',
          label: 'Original Source',
          type: 'enumeration',
          fieldType: 'select',
          options: [{ value: 'ORGANIC_SEARCH', label: 'Organic search' }],
        },
      ],
      [],
      [],
    );
    const byName = new Map(spec.fields.map((f) => [f.name, f]));
    expect(byName.get('hs_lead_status')?.valueLabels).toEqual({ IN_PROGRESS: 'In progress' });
    expect(byName.get('source')?.valueLabels).toEqual({ organic_search: 'Organic search' });
    expect(byName.get('seniority')?.valueLabels?.c_level).toBe('C-level');
  });
});
