import { TITLES, FREE_DOMAINS } from './catalog';
import { generatePortal, type DemoPortal } from './generate';
import { propensity, HORIZON_DAYS, type Observables } from './propensity';
import { EMPLOYEE_RANGES, LIFECYCLE_STAGES } from '../hubspot/state/schema';
import { rankAuc as auc } from '../../test/support/rank-auc';

const DAY = 86_400_000;

/** Value of a property at time t, read back from the portal's history (newest first). */
function valueAt(p: DemoPortal, id: number, name: string, t: number): string | null {
  const store = p.state.stores.contacts;
  const v = store.versions(store.get(id)!, name).find((x) => x.timestamp <= t);
  return v ? v.value : null;
}

describe('demo portal generator', () => {
  const portal = generatePortal({ seed: 'test', contacts: 3000 });
  const contacts = portal.state.stores.contacts;
  const truths = portal.truths();

  test('same seed → identical portal; another seed → a different one', () => {
    const again = generatePortal({ seed: 'test', contacts: 3000 });
    expect(again.fingerprint()).toBe(portal.fingerprint());
    expect(generatePortal({ seed: 'other', contacts: 1000 }).fingerprint()).not.toBe(
      portal.fingerprint(),
    );
  });

  test('stableSeed: the same contacts at any clock; by default the clock is part of the stream', () => {
    const at = (now: string, stableSeed: boolean) => {
      const c = generatePortal({ seed: 'test', contacts: 200, now, stableSeed }).state.stores
        .contacts;
      return c.ids
        .map((id) => `${c.value(c.get(id)!, 'email')}|${c.value(c.get(id)!, 'industry')}`)
        .join(',');
    };
    const [a, b] = ['2026-10-01T00:00:00.000Z', '2026-10-02T07:13:01.123Z'];
    expect(at(a, true)).toBe(at(b, true));
    expect(at(a, false)).not.toBe(at(b, false));
  });

  test('10–30 % of labelled contacts convert and the true propensity separates them (AUC)', () => {
    const labelled = truths.filter(([, t]) => !t.censored && !t.customerAtAsOf);
    const rate = labelled.filter(([, t]) => t.converted).length / labelled.length;
    expect(rate).toBeGreaterThan(0.1);
    expect(rate).toBeLessThan(0.3);
    const a = auc(
      labelled.map(([, t]) => t.propensity),
      labelled.map(([, t]) => t.converted),
    );
    expect(a).toBeGreaterThan(0.75);
    expect(portal.summary.customersAtAsOf / portal.summary.contacts).toBeLessThan(0.01);
  });

  test('censoring and conversion dates follow asOf + 120 days and the generator clock', () => {
    const now = Date.parse(portal.now);
    for (const [, t] of truths) {
      const asOf = Date.parse(t.asOf);
      expect(t.censored).toBe(asOf + HORIZON_DAYS * DAY > now);
      if (t.converted && !t.customerAtAsOf) {
        const c = Date.parse(t.convertedAt!);
        expect(c).toBeGreaterThan(asOf);
        expect(c).toBeLessThanOrEqual(asOf + HORIZON_DAYS * DAY);
      }
    }
  });

  test('the truth is recoverable: recomputing it from history at asOf gives the same propensity', () => {
    const start = Date.parse(portal.now) - 540 * DAY;
    const span = Date.parse(portal.now) - start;
    let checked = 0;
    for (const [sid, t] of truths.slice(0, 600)) {
      if (t.customerAtAsOf) continue;
      const id = Number(sid);
      const asOf = Date.parse(t.asOf);
      const num = (name: string, at = asOf) => Number(valueAt(portal, id, name, at) ?? 0);
      const email = valueAt(portal, id, 'email', asOf)!;
      const domain = email.split('@')[1];
      const obs: Observables = {
        pageViews: num('hs_analytics_num_page_views'),
        visits: num('hs_analytics_num_visits'),
        visitsLast7d:
          num('hs_analytics_num_visits') - num('hs_analytics_num_visits', asOf - 7 * DAY),
        pricingViews: num('pricing_page_views'),
        demoRequested: valueAt(portal, id, 'demo_requested', asOf) === 'true',
        forms: num('num_conversion_events'),
        emailClicks: num('hs_email_click'),
        sizeIndex: EMPLOYEE_RANGES.indexOf(valueAt(portal, id, 'numemployees', asOf)!),
        seniority: TITLES.findIndex((ts) => ts.includes(valueAt(portal, id, 'jobtitle', asOf)!)),
        emailKind: FREE_DOMAINS.includes(domain)
          ? 'free'
          : domain.endsWith('.edu')
            ? 'education'
            : 'corporate',
        source: valueAt(portal, id, 'hs_analytics_source', asOf)!,
        industry: valueAt(portal, id, 'industry', asOf)!,
        calendar: (asOf - start) / span,
      };
      expect(propensity(obs)).toBeCloseTo(t.propensity, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  test('traps: onboarding_status / contract_signed_date appear only at or after conversion', () => {
    let seen = 0;
    for (const [sid, t] of truths) {
      const rec = contacts.get(sid)!;
      for (const name of ['onboarding_status', 'contract_signed_date']) {
        const vs = contacts.versions(rec, name);
        if (!t.converted) expect(vs).toHaveLength(0);
        else
          for (const v of vs)
            expect(v.timestamp).toBeGreaterThanOrEqual(Date.parse(t.convertedAt!));
        seen += vs.length;
      }
    }
    expect(seen).toBeGreaterThan(100);
  });

  test('traps: web_sessions_total is a near-duplicate of hs_analytics_num_visits', () => {
    let n = 0;
    let close = 0;
    for (const [sid] of truths) {
      const rec = contacts.get(sid)!;
      const v = contacts.value(rec, 'hs_analytics_num_visits');
      const w = contacts.value(rec, 'web_sessions_total');
      if (v === null || w === null) continue;
      n++;
      if (Math.abs(Number(v) - Number(w)) <= Math.max(1, 0.2 * Number(v))) close++;
    }
    expect(close / n).toBeGreaterThan(0.95);
  });

  test('lifecycle stages only move forward and stamp their hs_lifecyclestage_*_date', () => {
    for (const [sid] of truths.slice(0, 1000)) {
      const rec = contacts.get(sid)!;
      const stages = contacts
        .versions(rec, 'lifecyclestage')
        .reverse()
        .map((v) => LIFECYCLE_STAGES.indexOf(v.value));
      expect(stages).toEqual([...stages].sort((a, b) => a - b));
      expect(new Set(stages).size).toBe(stages.length);
      const current = contacts.value(rec, 'lifecyclestage')!;
      expect(contacts.value(rec, `hs_lifecyclestage_${current}_date`)).not.toBeNull();
    }
  });

  test('companies, deals (won at conversion, some lost) and leads are associated', () => {
    const deals = portal.state.stores.deals;
    let won = 0;
    let lost = 0;
    for (const id of deals.ids) {
      // Account deals (a company's buying committee) are accounts.test.ts's.
      if (portal.dealTruth(id)!.kind !== 'contact') continue;
      const rec = deals.get(id)!;
      const stage = deals.value(rec, 'dealstage');
      if (stage === 'closedwon') won++;
      if (stage === 'closedlost') lost++;
      const [[contactId]] = portal.state.associations.list('deals', id, 'contacts');
      if (stage === 'closedwon') expect(portal.truth(contactId)!.converted).toBe(true);
    }
    expect(won).toBeGreaterThan(100);
    expect(lost).toBeGreaterThan(20);
    const leads = portal.state.stores.leads;
    expect(leads.ids.length).toBeGreaterThan(100);
    expect(portal.state.associations.list('leads', leads.ids[0], 'contacts')[0][1]).toEqual([578]);
    expect(portal.state.associations.list('contacts', contacts.ids[0], 'companies')[0][1]).toEqual([
      279,
    ]);
  });

  test('an empty portal is allowed', () => {
    const empty = generatePortal({ contacts: 0 });
    expect(empty.state.stores.contacts.ids).toHaveLength(0);
  });
});

describe('the injected market shift (off by default)', () => {
  const o: Observables = {
    pageViews: 20,
    visits: 8,
    visitsLast7d: 2,
    pricingViews: 3,
    demoRequested: true,
    forms: 1,
    emailClicks: 2,
    sizeIndex: 5,
    seniority: 4,
    emailKind: 'corporate',
    source: 'REFERRALS',
    industry: 'COMPUTER_SOFTWARE',
    calendar: 0.3,
  };

  test('changes what predicts conversion from its moment on, and nothing before', () => {
    const shift = { at: 0.5 };
    expect(propensity(o, shift)).toBe(propensity(o));
    const later = { ...o, calendar: 0.8 };
    // The intent-heavy senior referral at a large firm was a great lead; after the shift less so.
    expect(propensity(later, shift)).toBeLessThan(propensity(later) - 0.2);
    const social = { ...later, source: 'SOCIAL_MEDIA', pricingViews: 0, demoRequested: false };
    expect(propensity(social, shift)).toBeGreaterThan(propensity(social));
    expect(propensity(later, { at: 0.5, strength: 0 })).toBe(propensity(later));
  });

  test('a shifted portal is the unshifted one up to the shift', () => {
    const plain = generatePortal({ seed: 'shift', contacts: 1500 });
    const shifted = generatePortal({ seed: 'shift', contacts: 1500, marketShift: { at: 0.7 } });
    const a = plain.truths();
    const b = shifted.truths();
    const start = Date.parse(a[0]![1].asOf);
    const end = Date.parse(a[a.length - 1]![1].asOf);
    const before = a.filter(([, t]) => (Date.parse(t.asOf) - start) / (end - start) < 0.6);
    expect(before.length).toBeGreaterThan(500);
    for (const [id, t] of before) expect(shifted.truth(id)).toEqual(t);
    expect(b.some(([id, t]) => plain.truth(id)?.propensity !== t.propensity)).toBe(true);
    expect(() => generatePortal({ contacts: 10, marketShift: { at: 2 } })).toThrow(/marketShift/);
  });

  test('a surge brings a growing wave of leads from the shift on, the same portal before it', () => {
    const plain = generatePortal({ seed: 'shift', contacts: 1500 });
    const wave = generatePortal({
      seed: 'shift',
      contacts: 1500,
      marketShift: { at: 0.7, surge: 4 },
    });
    const created = (p: typeof plain) => {
      const c = p.state.stores.contacts;
      return c.ids.map((id) => c.byId.get(id)!);
    };
    const a = created(plain);
    const b = created(wave);
    const start = a[0]!.createdAt;
    const span = Date.parse(plain.now) - start;
    // The calendar starts with the span, a little before the first contact.
    const from = Date.parse(plain.now) - 540 * 86_400_000 + 0.7 * 540 * 86_400_000;
    // Up to the first contact whose outcome the shift changes (its asOf, 30 days on, is after it).
    const before = a.filter((r) => r.createdAt < from - 30 * 86_400_000);
    expect(before.length).toBeGreaterThan(900);
    for (const r of before) expect(wave.truth(r.id)).toEqual(plain.truth(r.id));
    const after = a.filter((r) => r.createdAt >= from).length;
    expect(b.length).toBeGreaterThan(a.length + 1.5 * after);
    expect(wave.summary.contacts).toBe(b.length);
    // Growing: the last tenth of the calendar gets more new leads than the tenth after the shift.
    const count = (lo: number, hi: number) =>
      b.filter((r) => r.createdAt >= start + lo * span && r.createdAt < start + hi * span).length;
    expect(count(0.9, 1)).toBeGreaterThan(count(0.7, 0.8) * 1.5);
    const social = (rs: typeof a) =>
      rs.filter((r) =>
        ['SOCIAL_MEDIA', 'PAID_SOCIAL'].includes(
          wave.state.stores.contacts.value(r, 'hs_analytics_source') ?? '',
        ),
      ).length / rs.length;
    expect(social(b.filter((r) => r.createdAt >= from))).toBeGreaterThan(2 * social(before));
    expect(() => generatePortal({ contacts: 10, marketShift: { at: 0.5, surge: -1 } })).toThrow(
      /surge/,
    );
  });
});
