/**
 * Buying committees for the demo org (`generateOrg({ committees: true })`): Leads belong to
 * companies, each company has an Account from its first Lead on (lead-to-account matching: the
 * Lead's Company is the Account's Name), converted Leads become Contacts of that Account, and
 * each company with ≥ 2 Leads gets one account Opportunity whose hidden win propensity is the
 * HubSpot demo's company truth (`companyLogit` of emulator/demo/accounts.ts) read from its
 * committee at the account's moment: size, seniority, how many members engaged, the best and
 * combined member propensity, company size and industry. The committee members already
 * Contacts when the Opportunity opens get OpportunityContactRole rows.
 *
 * Everything is drawn from its own random stream, so the Leads' own draws keep their order.
 */
import { companyLogit, type CommitteeObservables } from '../demo/accounts';
import { SIZE_BOUNDS } from '../demo/catalog';
import { Rng } from '../demo/rng';
import { type Org } from './org';
import { INDUSTRY } from './schema';

const DAY = 86_400_000;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const iso = (t: number) => new Date(t).toISOString();
const isoDate = (t: number) => iso(t).slice(0, 10);

/** Mean Leads per company (the HubSpot demo has ~4 contacts a company). */
const LEADS_PER_COMPANY = 3.5;
const FIRST = ['Apex', 'Blue', 'Cedar', 'Delta', 'Ember', 'Fjord', 'Granite', 'Harbor'];
const SECOND = ['North', 'Bright', 'Silver', 'River', 'Summit', 'Quartz', 'Vista', 'Willow'];
const SUFFIX = ['Systems', 'Labs', 'Group', 'Partners', 'Works', 'Holdings', 'Analytics'];
/** Salesforce industries → the HubSpot demo's industry effects in `companyLogit`. */
const INDUSTRY_AS_HUBSPOT: Record<string, string> = {
  Technology: 'COMPUTER_SOFTWARE',
  Finance: 'FINANCIAL_SERVICES',
  Retail: 'RETAIL',
  'Not For Profit': 'NONPROFIT_ORGANIZATION_MANAGEMENT',
};
/** Stages an account Opportunity walks after Qualification (the stage it is created in). */
const PATH = ['Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review'];

export interface SfCompany {
  name: string;
  industry: string;
  employees: number;
  domain: string;
  /** The Account's id, once its creation ran. */
  accountId: string | null;
  members: SfMember[];
}

/** What the generator knows of one Lead when it builds committees. */
export interface SfMember {
  leadId: string;
  createdAt: number;
  /** The Lead's snapshot moment (created + 30 days). */
  asOf: number;
  seniority: number;
  /** Showed intent by its snapshot: a meeting, two calls or a campaign response. */
  engaged: boolean;
  propensity: number;
}

export interface AccountTruth {
  /** The company's true win propensity for its account Opportunity, from its committee at `asOf`. */
  propensity: number;
  asOf: string;
  committee: CommitteeObservables;
  opportunityId: string | null;
  /** Its outcome: null while open (censored) or not yet opened. */
  won: boolean | null;
}

export function sizeIndexOf(employees: number): number {
  const i = SIZE_BOUNDS.findIndex(([, hi]) => employees <= hi);
  return i < 0 ? SIZE_BOUNDS.length - 1 : i;
}

/** The companies of `leads` Leads and each Lead's company index, from the committees' stream. */
export function planCompanies(
  seed: string,
  leads: number,
): { companies: SfCompany[]; of: number[] } {
  const rng = new Rng(`salesforce|${seed}|${leads}|committees`);
  const k = Math.max(1, Math.round(leads / LEADS_PER_COMPANY));
  const names = new Set<string>();
  const companies: SfCompany[] = [];
  for (let i = 0; i < k; i++) {
    let name = `${rng.pick(FIRST)} ${rng.pick(SECOND)} ${rng.pick(SUFFIX)}`;
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    companies.push({
      name,
      industry: rng.pick(INDUSTRY),
      employees: Math.max(1, Math.round(10 ** rng.uniform(0, 4.3))),
      domain: `${name.replace(/ /g, '').toLowerCase()}.com`,
      accountId: null,
      members: [],
    });
  }
  const of = Array.from({ length: leads }, () => rng.int(0, k - 1));
  return { companies, of };
}

export function committeeAt(company: SfCompany, at: number): CommitteeObservables {
  const present = company.members.filter((m) => m.createdAt <= at);
  const seen = present.filter((m) => m.asOf <= at);
  let best = 0;
  let none = 1;
  for (const m of seen) {
    best = Math.max(best, m.propensity);
    none *= 1 - m.propensity;
  }
  return {
    size: present.length,
    engaged: seen.filter((m) => m.engaged).length,
    maxSeniority: Math.max(0, ...present.map((m) => m.seniority)),
    senior: present.filter((m) => m.seniority >= 3).length,
    best,
    combined: 1 - none,
    sizeIndex: sizeIndexOf(company.employees),
    industry: INDUSTRY_AS_HUBSPOT[company.industry] ?? company.industry,
  };
}

type Op = { at: number; run: () => void };

/**
 * One account Opportunity per company with ≥ 2 Leads, as deferred writes (the caller runs every
 * write in time order); the truths by Account id once the Accounts exist (filled as the ops run).
 */
export function planAccountDeals(
  org: Org,
  seed: string,
  leads: number,
  companies: readonly SfCompany[],
  now: number,
  truths: Map<string, AccountTruth>,
): Op[] {
  const rng = new Rng(`salesforce|${seed}|${leads}|account-deals`);
  const ops: Op[] = [];
  for (const company of companies) {
    const list = company.members;
    if (list.length < 2) continue;
    // The account's moment: its third member (its second, in a pair) is 30 days old.
    const asOf = list.map((m) => m.asOf).sort((a, b) => a - b)[Math.min(list.length, 3) - 1]!;
    if (asOf > now) continue;
    const committee = committeeAt(company, asOf);
    const z = companyLogit(committee);
    const truth: AccountTruth = {
      propensity: sigmoid(z),
      asOf: iso(asOf),
      committee,
      opportunityId: null,
      won: null,
    };
    const openAt = Math.round(asOf + rng.uniform(1, 15) * DAY);
    const surprise = rng.normal();
    const sizeIndex = committee.sizeIndex;
    const amount = Math.round(4000 * (1 + sizeIndex) * Math.exp(0.5 * surprise));
    const propensity = sigmoid(z - 0.35 * surprise);
    const won = rng.chance(propensity);
    const steps = won ? PATH.length : rng.int(0, PATH.length - 1);
    const pace = (won ? 9 : 16) * (1.4 - propensity);
    const moves: Array<{ t: number; values: Record<string, string | number | boolean> }> = [];
    let t = openAt;
    for (let i = 0; i < steps; i++) {
      t += Math.round((2 + rng.exponential(1 / pace)) * DAY);
      const values: Record<string, string | number> = { StageName: PATH[i]! };
      if (PATH[i] === 'Negotiation/Review' && rng.chance(0.5))
        values.Amount = Math.round(amount * Math.exp(0.1 * rng.normal()));
      moves.push({ t, values });
    }
    const closeAt =
      t + Math.round((won ? 2 + rng.exponential(1 / 6) : 10 + rng.exponential(1 / 30)) * DAY);
    moves.push({
      t: closeAt,
      values: { StageName: won ? 'Closed Won' : 'Closed Lost', IsClosed: true, IsWon: won },
    });
    const expected = openAt + rng.uniform(45, 120) * DAY;
    // The account exists from its first Lead on; its truth is keyed by its id.
    ops.push({ at: asOf, run: () => truths.set(company.accountId as string, truth) });
    if (openAt > now) continue;
    let oppId = '';
    ops.push({
      at: openAt,
      run: () => {
        const opp = org.insert(
          'Opportunity',
          {
            Name: `${company.name} - platform`,
            AccountId: company.accountId,
            StageName: 'Qualification',
            CloseDate: isoDate(expected),
            Amount: amount,
            IsClosed: false,
            IsWon: false,
            OwnerId: org.userId,
          },
          openAt,
        );
        oppId = String(opp.Id);
        truth.opportunityId = oppId;
        truth.won = closeAt <= now ? won : null;
        // Contact roles for the committee members already Contacts (converted Leads); the most
        // senior is primary (one primary per Opportunity).
        const contacts = list
          .filter((m) => m.createdAt <= openAt)
          .map((m) => ({ m, contactId: org.get('Lead', m.leadId)?.ConvertedContactId ?? null }))
          .filter((x): x is { m: SfMember; contactId: string } => typeof x.contactId === 'string')
          .sort((a, b) => b.m.seniority - a.m.seniority);
        contacts.forEach(({ m, contactId }, i) =>
          org.insert(
            'OpportunityContactRole',
            {
              OpportunityId: oppId,
              ContactId: contactId,
              Role:
                m.seniority >= 4
                  ? 'Decision Maker'
                  : m.seniority >= 3
                    ? 'Economic Buyer'
                    : m.seniority >= 2
                      ? 'Evaluator'
                      : 'Business User',
              IsPrimary: i === 0,
            },
            openAt,
          ),
        );
      },
    });
    for (const mv of moves)
      if (mv.t <= now)
        ops.push({ at: mv.t, run: () => org.update('Opportunity', oppId, mv.values, mv.t) });
  }
  return ops;
}
