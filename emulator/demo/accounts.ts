/**
 * Accounts: each company's contacts as a buying committee, and one account deal per committee
 * that moves through the deal stages with timestamps. Drawn from their own random stream after
 * every contact, contact deal and lead is made, so a portal's contacts (and everything the
 * contacts' tests pin) are the same with or without accounts.
 *
 * Hidden truths: a company's win propensity is a deterministic function of its committee as
 * the portal shows it at the account's moment (`asOf`: when the committee's third member — or
 * the second, in a pair — is 30 days old) — size, seniority, how many members engage, the best and the combined member
 * propensity — and of the company's size and industry. The account deal opens a few days
 * later; its own propensity adds the amount's surprise (a deal priced above the company's
 * norm wins less). Outcome and stage path follow: won deals walk every stage, lost ones stop
 * early and stall, and slow movers are likelier losers — so stage, days in stage and velocity
 * say something a model can read, while no stage is reached before its timestamp.
 */
import type { PortalState } from '../hubspot/state/portal';
import { DAY, type CompanyInfo } from './contact';
import { type Observables } from './propensity';
import { type Rng } from './rng';

/** What the generator knows of one contact when it builds committees. */
export interface Member {
  id: number;
  companyId: number;
  createdAt: number;
  asOf: number;
  seniority: number;
  obs: Observables;
  propensity: number;
  imported: boolean;
}

export interface CommitteeObservables {
  /** Members created by the account's asOf. */
  size: number;
  /** Members (past their own 30-day snapshot by asOf) that showed intent: ≥ 8 page views, pricing views or a demo request. */
  engaged: number;
  maxSeniority: number;
  /** Members of director level or above (seniority ≥ 3). */
  senior: number;
  /** Best and combined (1 − Π(1 − p)) member propensity among members past their snapshot. */
  best: number;
  combined: number;
  sizeIndex: number;
  industry: string;
}

export interface CompanyTruth {
  /** The company's true win propensity for its account deal, from its committee at `asOf`. */
  propensity: number;
  asOf: string;
  committee: CommitteeObservables;
  /** The account deal's id, when it opened before the generator clock. */
  dealId: number | null;
  /** Its outcome: null while open (censored). */
  won: boolean | null;
}

export interface DealTruth {
  /** P(this deal closes won), given what was known when it opened. */
  propensity: number;
  kind: 'account' | 'contact';
  won: boolean | null;
  openedAt: string;
  closedAt: string | null;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const iso = (t: number) => new Date(t).toISOString();
/** Stages an account deal walks after `appointmentscheduled` (the stage it is created in). */
const PATH = ['qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
const INDUSTRY: Record<string, number> = {
  COMPUTER_SOFTWARE: 0.3,
  FINANCIAL_SERVICES: 0.2,
  RETAIL: -0.2,
  NONPROFIT_ORGANIZATION_MANAGEMENT: -0.4,
};

export function companyLogit(c: CommitteeObservables): number {
  let z = -2.3;
  z += 0.45 * Math.min(c.engaged, 4); // engagement spread: several engaged members
  z += 0.15 * Math.min(c.size, 8);
  z += 0.25 * Math.min(c.senior, 3);
  z += c.maxSeniority >= 4 ? 0.5 : 0; // a VP or C-level in the room
  z += 1.2 * c.best + 0.8 * c.combined;
  z -= 0.1 * (c.sizeIndex - 3.5) ** 2;
  z += INDUSTRY[c.industry] ?? 0;
  return z;
}

const engaged = (o: Observables) => o.pageViews >= 8 || o.pricingViews > 0 || o.demoRequested;

export function committeeAt(
  members: readonly Member[],
  at: number,
  company: CompanyInfo,
): CommitteeObservables {
  const present = members.filter((m) => m.createdAt <= at);
  const seen = present.filter((m) => m.asOf <= at);
  let best = 0;
  let none = 1;
  for (const m of seen) {
    best = Math.max(best, m.propensity);
    none *= 1 - m.propensity;
  }
  return {
    size: present.length,
    engaged: seen.filter((m) => engaged(m.obs)).length,
    maxSeniority: Math.max(0, ...present.map((m) => m.seniority)),
    senior: present.filter((m) => m.seniority >= 3).length,
    best,
    combined: 1 - none,
    sizeIndex: company.sizeIndex,
    industry: company.industry,
  };
}

/**
 * Adds one account deal per company whose committee has at least two members; answers the
 * truths by company id and deal id (contact deals' truths are the caller's).
 */
export function addAccounts(
  state: PortalState,
  rng: Rng,
  companies: readonly CompanyInfo[],
  members: readonly Member[],
  now: number,
): { companies: Map<number, CompanyTruth>; deals: Map<number, DealTruth> } {
  const byCompany = membersByCompany(members);
  const planned: Array<{ company: CompanyInfo; truth: CompanyTruth; deal: AccountDealPlan }> = [];
  for (const company of companies) {
    const list = byCompany.get(company.id);
    if (!list || list.length < 2) continue;
    // The account's moment: its third member (its second, in a pair) is 30 days old.
    const asOf = list.map((m) => m.asOf).sort((a, b) => a - b)[Math.min(list.length, 3) - 1]!;
    if (asOf > now) continue;
    const committee = committeeAt(list, asOf, company);
    const z = companyLogit(committee);
    const truth: CompanyTruth = {
      propensity: sigmoid(z),
      asOf: iso(asOf),
      committee,
      dealId: null,
      won: null,
    };
    const deal = planAccountDeal(rng, company, z, asOf);
    deal.contactIds = list.filter((m) => m.createdAt <= deal.openAt).map((m) => m.id);
    planned.push({ company, truth, deal });
  }
  // Ids grow with createdate among account deals, as in HubSpot.
  planned.sort((a, b) => a.deal.openAt - b.deal.openAt);
  const companyTruths = new Map<number, CompanyTruth>();
  const dealTruths = new Map<number, DealTruth>();
  for (const { company, truth, deal } of planned) {
    companyTruths.set(company.id, truth);
    if (deal.openAt > now) continue;
    const created = createAccountDeal(state, deal, company.id, deal.contactIds, now);
    truth.dealId = created.id;
    truth.won = created.won;
    dealTruths.set(created.id, created.truth);
  }
  return { companies: companyTruths, deals: dealTruths };
}

/** The committee members of each company, in generator order; imported contacts are not. */
export function membersByCompany(members: readonly Member[]): Map<number, Member[]> {
  const byCompany = new Map<number, Member[]>();
  for (const m of members) {
    if (m.imported) continue;
    const list = byCompany.get(m.companyId);
    if (list) list.push(m);
    else byCompany.set(m.companyId, [m]);
  }
  return byCompany;
}

/**
 * A planned account deal created in the portal as it stands at `now` (its events up to then),
 * associated with its company and `contactIds`: its id, its outcome if closed by then, and its
 * truth. The accounts and committees options create their deals alike.
 */
export function createAccountDeal(
  state: PortalState,
  deal: AccountDealPlan,
  companyId: number,
  contactIds: readonly number[],
  now: number,
): { id: number; won: boolean | null; truth: DealTruth } {
  const deals = state.stores.deals;
  const rec = deals.create(deal.props, { timestamp: deal.openAt, sourceType: 'CRM_UI' });
  for (const e of deal.events) {
    if (e.t > now) break;
    deals.write(rec, e.props, { timestamp: e.t, sourceType: 'CRM_UI' });
  }
  state.associations.add('deals', rec.id, 'companies', companyId, 341);
  for (const c of contactIds) state.associations.add('deals', rec.id, 'contacts', c, 3);
  const won = deal.closeAt <= now ? deal.won : null;
  return {
    id: rec.id,
    won,
    truth: {
      propensity: deal.propensity,
      kind: 'account',
      won,
      openedAt: iso(deal.openAt),
      closedAt: won === null ? null : iso(deal.closeAt),
    },
  };
}

interface AccountDealPlan {
  openAt: number;
  closeAt: number;
  won: boolean;
  propensity: number;
  props: Record<string, string>;
  events: Array<{ t: number; props: Record<string, string> }>;
  contactIds: number[];
}

export function planAccountDeal(
  rng: Rng,
  company: CompanyInfo,
  z: number,
  asOf: number,
): AccountDealPlan {
  const openAt = Math.round(asOf + rng.uniform(1, 15) * DAY);
  const surprise = rng.normal();
  const amount = Math.round(4000 * (1 + company.sizeIndex) * Math.exp(0.5 * surprise));
  const propensity = sigmoid(z - 0.35 * surprise);
  const won = rng.chance(propensity);
  // Won deals walk every stage; lost ones stop after 0–3 and stall before closing lost.
  const steps = won ? PATH.length : rng.int(0, PATH.length - 1);
  // Likelier winners move faster; a lost deal's stages drag.
  const pace = (won ? 9 : 16) * (1.4 - propensity);
  const events: AccountDealPlan['events'] = [];
  let t = openAt;
  for (let i = 0; i < steps; i++) {
    t += Math.round((2 + rng.exponential(1 / pace)) * DAY);
    const props: Record<string, string> = { dealstage: PATH[i]! };
    // The amount is revised once the buyer has seen the proposal.
    if (PATH[i] === 'decisionmakerboughtin' && rng.chance(0.5))
      props.amount = String(Math.round(amount * Math.exp(0.1 * rng.normal())));
    events.push({ t, props });
  }
  const closeAt =
    t + Math.round((won ? 2 + rng.exponential(1 / 6) : 10 + rng.exponential(1 / 30)) * DAY);
  const close: Record<string, string> = {
    dealstage: won ? 'closedwon' : 'closedlost',
    closedate: iso(closeAt),
  };
  if (!won)
    close.closed_lost_reason = rng.pick(['Budget', 'Timing', 'Chose competitor', 'No decision']);
  events.push({ t: closeAt, props: close });
  return {
    openAt,
    closeAt,
    won,
    propensity,
    props: {
      dealname: `${company.name} – platform`,
      amount: String(amount),
      pipeline: 'default',
      dealstage: 'appointmentscheduled',
      dealtype: 'newbusiness',
      closedate: iso(openAt + rng.uniform(45, 120) * DAY),
    },
    events,
    contactIds: [],
  };
}
