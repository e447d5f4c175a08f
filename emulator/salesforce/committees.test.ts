/**
 * The demo org's options: without them the org is byte-identical to before they existed (the
 * hash pinned from 3b5a3f9); with `committees` Leads share their company's Account, converted
 * Leads are its Contacts, account Opportunities carry contact roles of the Account's Contacts
 * (one primary each), nothing is dated after the generator clock, and the truths are the HubSpot
 * demo's company formula.
 */
import { createHash } from 'node:crypto';
import { companyLogit } from '../demo/accounts';
import { type AccountTruth } from './committees';
import { generateOrg } from './demo';
import { Org } from './org';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');

function make(opts: { committees?: boolean; segmentDrivers?: boolean } = {}) {
  const org = new Org({ dailyMax: 1e6, accessTtlMs: 0 });
  const accountTruth = new Map<string, AccountTruth>();
  const truth = generateOrg(org, { seed: 'accounts', leads: 400, now: NOW, ...opts, accountTruth });
  return { org, truth, accountTruth };
}

/** `without`: fields left out of every record that has them (to compare with an older schema). */
function hashOf(org: Org, truth: Map<string, unknown>, without: readonly string[] = []): string {
  const h = createHash('sha256');
  for (const name of Object.keys(org.counts()))
    for (const r of org.table(name).values()) {
      const rec = { ...r };
      for (const f of without) delete rec[f];
      h.update(JSON.stringify(rec));
    }
  h.update(JSON.stringify([...truth.entries()]));
  return h.digest('hex');
}

describe('the Salesforce demo org', () => {
  it('is unchanged without options', () => {
    const { org, truth, accountTruth } = make();
    // Re-pinned when Contact got its mailing address (MailingStreet … MailingCountry): every
    // Contact record gained those five keys, all null in this org, and nothing else changed —
    // without them the org hashes to the value pinned before (from 3b5a3f9).
    const mailing = [
      'MailingStreet',
      'MailingCity',
      'MailingState',
      'MailingPostalCode',
      'MailingCountry',
    ];
    for (const c of org.table('Contact').values()) for (const f of mailing) expect(c[f]).toBeNull();
    expect(hashOf(org, truth, mailing)).toBe(
      'f7c9250032a05f7d22ffcd0fcedb30e88bb710c2f97b1a55d2cc6274c38affa6',
    );
    expect(hashOf(org, truth)).toBe(
      '2e7e97c880b61dd1eff372d78c93ae49321210efe2f5d91dbbccab8c43712f13',
    );
    expect(accountTruth.size).toBe(0);
    expect(org.table('OpportunityContactRole').size).toBe(0);
  });

  it('with segment drivers is another org, the same for the same seed', () => {
    const a = make({ segmentDrivers: true });
    const b = make({ segmentDrivers: true });
    expect(hashOf(a.org, a.truth)).toBe(hashOf(b.org, b.truth));
    const plain = make();
    expect(hashOf(a.org, a.truth)).not.toBe(hashOf(plain.org, plain.truth));
    expect(a.org.table('Lead').size).toBe(400);
  });

  it('with committees: Leads share their Account, account Opportunities have contact roles', () => {
    const { org, accountTruth } = make({ committees: true });
    const accounts = [...org.table('Account').values()];
    const byName = new Map(accounts.map((a) => [String(a.Name), a]));
    expect(byName.size).toBe(accounts.length);
    const leads = [...org.table('Lead').values()];
    for (const l of leads) {
      const a = byName.get(String(l.Company))!;
      expect(a).toBeDefined();
      // The Account exists from the company's first Lead on.
      expect(Number(a.CreatedDate)).toBeLessThanOrEqual(Number(l.CreatedDate));
      if (l.IsConverted === true) expect(l.ConvertedAccountId).toBe(a.Id);
    }
    const perAccount = new Map<string, number>();
    for (const c of org.table('Contact').values())
      perAccount.set(String(c.AccountId), (perAccount.get(String(c.AccountId)) ?? 0) + 1);
    expect([...perAccount.values()].filter((n) => n >= 2).length).toBeGreaterThan(10);

    const roles = [...org.table('OpportunityContactRole').values()];
    expect(roles.length).toBeGreaterThan(10);
    const primaries = new Map<string, number>();
    for (const r of roles) {
      const opp = org.get('Opportunity', String(r.OpportunityId))!;
      const contact = org.get('Contact', String(r.ContactId))!;
      expect(contact.AccountId).toBe(opp.AccountId);
      expect(Number(contact.CreatedDate)).toBeLessThanOrEqual(Number(r.CreatedDate));
      if (r.IsPrimary === true)
        primaries.set(String(r.OpportunityId), (primaries.get(String(r.OpportunityId)) ?? 0) + 1);
    }
    expect([...primaries.values()].every((n) => n === 1)).toBe(true);
    for (const table of ['Account', 'Contact', 'Opportunity', 'OpportunityContactRole'])
      for (const r of org.table(table).values())
        expect(Number(r.CreatedDate)).toBeLessThanOrEqual(NOW);

    expect(accountTruth.size).toBeGreaterThan(50);
    for (const [id, t] of accountTruth) {
      expect(org.get('Account', id)).toBeDefined();
      expect(t.propensity).toBeCloseTo(1 / (1 + Math.exp(-companyLogit(t.committee))), 12);
      expect(t.committee.size).toBeGreaterThanOrEqual(2);
      if (t.opportunityId) expect(org.get('Opportunity', t.opportunityId)!.AccountId).toBe(id);
    }
  });
});
