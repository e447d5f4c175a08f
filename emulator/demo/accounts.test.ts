import { createHash } from 'node:crypto';
import { generatePortal, type DemoPortal } from './generate';
import { expectSeparatedOutcomes, rankAuc as auc } from '../../test/support/rank-auc';

const STAGE_ORDER = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
];

/** Contacts, leads and the first `contactDeals` deals with their history, and the contact truths. */
function contactsHash(p: DemoPortal, contactDeals: number): string {
  const h = createHash('sha256');
  for (const t of ['contacts', 'leads', 'deals'] as const) {
    const store = p.state.stores[t];
    const names = [...store.schema.props.keys()].sort();
    store.ids.forEach((id, i) => {
      if (t === 'deals' && i >= contactDeals) return;
      const rec = store.byId.get(id)!;
      h.update(`${t}:${id}:${rec.createdAt}:${rec.updatedAt}\n`);
      for (const n of names) {
        const vs = store.versions(rec, n);
        if (vs.length) h.update(`${n}=${JSON.stringify(vs)}\n`);
      }
    });
  }
  h.update(JSON.stringify(p.truths()));
  return h.digest('hex');
}

describe('accounts: buying committees and account deals', () => {
  const portal = generatePortal({ seed: 'test', contacts: 3000 });
  const deals = portal.state.stores.deals;
  const now = Date.parse(portal.now);
  const companyTruths = portal.companyTruths();
  const accountDeals = portal.dealTruths().filter(([, t]) => t.kind === 'account');

  test('contacts, leads and contact deals are what they were before accounts existed', () => {
    // Pinned from the generator at 6a78347 (before accounts): same seed, same contacts.
    const contactDeals = portal.dealTruths().filter(([, t]) => t.kind === 'contact').length;
    expect(contactDeals).toBe(800);
    expect(contactsHash(portal, contactDeals)).toBe(
      '0ea7a030b68851d30baec7494f7202f621163517e6418feb301dc0cd5ef9e1fc',
    );
    expect(portal.summary.accountDeals).toBe(accountDeals.length);
    expect(portal.summary.deals).toBe(contactDeals + accountDeals.length);
  });

  test('committees vary in size, seniority and engagement spread', () => {
    const sizes = companyTruths.map(([, t]) => t.committee.size);
    expect(companyTruths.length).toBeGreaterThan(300);
    expect(Math.min(...sizes)).toBe(2);
    expect(new Set(sizes).size).toBeGreaterThanOrEqual(4);
    const engaged = new Set(companyTruths.map(([, t]) => t.committee.engaged));
    expect(engaged.size).toBeGreaterThanOrEqual(3);
    const withVp = companyTruths.filter(([, t]) => t.committee.maxSeniority >= 4).length;
    expect(withVp / companyTruths.length).toBeGreaterThan(0.1);
    expect(withVp / companyTruths.length).toBeLessThan(0.9);
    for (const [id, t] of companyTruths) {
      // The committee is the company's contacts created by the account's asOf.
      const members = portal.state.associations
        .list('companies', Number(id), 'contacts')
        .filter(([cid]) => !portal.truth(cid)!.customerAtAsOf)
        .map(([cid]) => portal.state.stores.contacts.get(cid)!)
        .filter((c) => c.createdAt <= Date.parse(t.asOf));
      expect(members.length).toBe(t.committee.size);
    }
  });

  test('account deals walk the stages in order, timestamped, never after the clock', () => {
    let checked = 0;
    for (const [id, t] of accountDeals) {
      const rec = deals.get(id)!;
      const history = deals.versions(rec, 'dealstage').reverse();
      expect(history[0]!.value).toBe('appointmentscheduled');
      expect(history[0]!.timestamp).toBe(Date.parse(t.openedAt));
      const open = history.filter((v) => v.value.startsWith('closed') === false);
      const idx = open.map((v) => STAGE_ORDER.indexOf(v.value));
      expect(idx).toEqual(idx.map((_, i) => i));
      for (let i = 1; i < history.length; i++)
        expect(history[i]!.timestamp).toBeGreaterThan(history[i - 1]!.timestamp);
      for (const v of history) expect(v.timestamp).toBeLessThanOrEqual(now);
      const last = history[history.length - 1]!.value;
      if (t.won === true) {
        expect(last).toBe('closedwon');
        expect(open).toHaveLength(STAGE_ORDER.length);
      } else if (t.won === false) expect(last).toBe('closedlost');
      else expect(last.startsWith('closed')).toBe(false);
      if (t.closedAt) expect(deals.value(rec, 'closedate')).toBe(t.closedAt);
      expect(Number(deals.value(rec, 'amount'))).toBeGreaterThan(0);
      const company = portal.state.associations.list('deals', Number(id), 'companies');
      expect(company.map(([c]) => String(c))).toEqual([
        companyTruths.find(([, c]) => String(c.dealId) === id)![0],
      ]);
      expect(
        portal.state.associations.list('deals', Number(id), 'contacts').length,
      ).toBeGreaterThan(1);
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  test('the hidden propensities separate the outcomes; both outcomes are common', () => {
    expectSeparatedOutcomes(accountDeals.map(([, t]) => t));
    const companies = companyTruths.filter(([, t]) => t.won !== null);
    expect(
      auc(
        companies.map(([, t]) => t.propensity),
        companies.map(([, t]) => t.won!),
      ),
    ).toBeGreaterThan(0.65);
    const contactDeals = portal
      .dealTruths()
      .filter(([, t]) => t.kind === 'contact' && t.won !== null);
    expect(
      auc(
        contactDeals.map(([, t]) => t.propensity),
        contactDeals.map(([, t]) => t.won!),
      ),
    ).toBeGreaterThan(0.65);
  });

  test('same seed, same accounts', () => {
    const again = generatePortal({ seed: 'test', contacts: 3000 });
    expect(again.companyTruths()).toEqual(companyTruths);
    expect(again.fingerprint()).toBe(portal.fingerprint());
    // The whole default portal, pinned at 3d4c03a (before the `committees` option): options
    // off by default leave it byte-identical.
    expect(portal.fingerprint()).toBe(
      'b142deb67ecf5f8abbd7a417633a21d5216b5d6945b637ffdfff32a2fb4e9733',
    );
  });
});
