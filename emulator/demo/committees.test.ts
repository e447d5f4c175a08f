import * as C from './catalog';
import { COMMITTEE_MIN_SIZE, IN_MARKET_DAYS, isDecisionMaker } from './committees';
import { DAY } from './contact';
import { generatePortal } from './generate';
import { expectSeparatedOutcomes } from '../../test/support/rank-auc';

const seniorityOf = (title: string) => C.TITLES.findIndex((ts) => ts.includes(title));
const SIZES = ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'];

describe('demo portal with buying committees (option `committees`)', () => {
  const portal = generatePortal({ seed: 'committees', contacts: 1500, committees: true });
  const { contacts, deals } = portal.state.stores;
  const assoc = portal.state.associations;
  const now = Date.parse(portal.now);
  const companyOf = (contactId: number) => assoc.list('contacts', contactId, 'companies')[0]![0];
  // The company's size index, as its contacts' employee range states it.
  const sizeOf = (contactId: number) =>
    SIZES.indexOf(contacts.value(contacts.get(contactId)!, 'numemployees') ?? '');
  const committeeCompany = (contactId: number) => {
    const industry = contacts.value(contacts.get(contactId)!, 'industry');
    return sizeOf(contactId) >= COMMITTEE_MIN_SIZE && industry !== 'EDUCATION_MANAGEMENT';
  };
  const accountDeals = portal.dealTruths().filter(([, t]) => t.kind === 'account');

  test('same seed, same portal; the option changes it', () => {
    const again = generatePortal({ seed: 'committees', contacts: 1500, committees: true });
    expect(again.fingerprint()).toBe(portal.fingerprint());
    expect(generatePortal({ seed: 'committees', contacts: 1500 }).fingerprint()).not.toBe(
      portal.fingerprint(),
    );
  });

  test('a committee deal is associated with an engaged decision maker and ≥ 1 other member of the company', () => {
    expect(accountDeals.length).toBeGreaterThan(40);
    for (const [id, t] of accountDeals) {
      const companyId = assoc.list('deals', Number(id), 'companies')[0]![0];
      const members = assoc.list('deals', Number(id), 'contacts').map(([c]) => c);
      expect(members.length).toBeGreaterThanOrEqual(2);
      for (const c of members) {
        expect(companyOf(c)).toBe(companyId);
        // Every member's 30-day mark (its engagement known) precedes the deal.
        expect(Date.parse(portal.truth(c)!.asOf)).toBeLessThan(Date.parse(t.openedAt));
      }
      const size = sizeOf(members[0]!);
      const titles = members.map((c) => contacts.value(contacts.get(c)!, 'jobtitle') ?? '');
      expect(titles.some((tt) => isDecisionMaker({ seniority: seniorityOf(tt) }, size))).toBe(true);
    }
  });

  test('at companies of 5+ employees nobody buys alone: customers are the members of won committee deals', () => {
    const wonMembers = new Set<number>();
    for (const [id, t] of accountDeals)
      if (t.won) for (const [c] of assoc.list('deals', Number(id), 'contacts')) wonMembers.add(c);
    let committeeContacts = 0;
    for (const [id, truth] of portal.truths()) {
      const cid = Number(id);
      if (truth.customerAtAsOf || !committeeCompany(cid)) continue;
      committeeContacts++;
      const customer = contacts.value(contacts.get(cid)!, 'lifecyclestage') === 'customer';
      expect(customer).toBe(wonMembers.has(cid));
      // No won deal of its own.
      for (const [d] of assoc.list('contacts', cid, 'deals')) {
        const dt = portal.dealTruth(d)!;
        if (dt.kind === 'contact') expect(dt.won).not.toBe(true);
      }
    }
    expect(committeeContacts).toBeGreaterThan(800);
    expect(wonMembers.size).toBeGreaterThan(10);
  });

  test("a company's members arrive within its in-market window", () => {
    const created = new Map<number, number[]>();
    for (const [id, truth] of portal.truths()) {
      const cid = Number(id);
      if (truth.customerAtAsOf || !committeeCompany(cid)) continue;
      const list = created.get(companyOf(cid)) ?? [];
      list.push(contacts.get(cid)!.createdAt);
      created.set(companyOf(cid), list);
    }
    const spans = [...created.values()].map((ts) => Math.max(...ts) - Math.min(...ts));
    const within = spans.filter((s) => s <= IN_MARKET_DAYS * DAY).length;
    expect(within / spans.length).toBeGreaterThan(0.95);
  });

  test('committee deals walk the stages, never after the clock, and their truths separate outcomes', () => {
    expectSeparatedOutcomes(accountDeals.map(([, t]) => t));
    for (const [id, t] of accountDeals) {
      const history = deals.versions(deals.get(id)!, 'dealstage');
      for (const v of history) expect(v.timestamp).toBeLessThanOrEqual(now);
      const last = history[0]!.value;
      if (t.won === true) expect(last).toBe('closedwon');
      else if (t.won === false) expect(last).toBe('closedlost');
      const truth = portal.companyTruth(assoc.list('deals', Number(id), 'companies')[0]![0])!;
      expect(truth.dealId).toBe(Number(id));
      expect(truth.committee.size).toBeGreaterThanOrEqual(2);
    }
  });
});
