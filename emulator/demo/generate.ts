/**
 * The demo portal generator: a seeded, deterministic HubSpot account with companies,
 * contacts whose engagement unfolds in property history, deals, lead records and a hidden
 * ground truth per contact. Same options → byte-identical portal (see `fingerprint`).
 */
import { PortalState } from '../hubspot/state/portal';
import { type ObjectStore } from '../hubspot/state/records';
import {
  addAccounts,
  committeeAt,
  createAccountDeal,
  membersByCompany,
  planAccountDeal,
  type CompanyTruth,
  type DealTruth,
  type Member,
} from './accounts';
import * as C from './catalog';
import {
  COMMITTEE_MIN_SIZE,
  consensusOf,
  inMarketWindows,
  IN_MARKET_DAYS,
  type CommitteeCandidate,
} from './committees';
import {
  DAY,
  planContact,
  planContactEarly,
  type ChildPlan,
  type CompanyInfo,
  type ContactOutcome,
  type ContactPlan,
  type ContactSeed,
  type EarlyPlan,
  type Truth,
} from './contact';
import { type MarketShift } from './propensity';
import { Rng } from './rng';

export interface GenerateOptions {
  seed?: string | number;
  contacts?: number;
  /** Generator clock (ISO). Contacts are created over the ~18 months before it. */
  now?: string;
  /**
   * Off by default: from this position of the calendar (0 oldest … 1 newest) on, what predicts
   * conversion changes (see `MarketShift`). For benchmarks of models under concept drift.
   */
  marketShift?: MarketShift;
  /**
   * Off by default: leads from paid channels (PAID_SEARCH, PAID_SOCIAL) convert on drivers of
   * their own (who they are, not how much they browse), for segment models. Like the shift it
   * changes outcomes only: an off portal is byte-identical to one generated before the option.
   */
  segmentDrivers?: boolean;
  /**
   * Off by default: the random streams are keyed by seed and size only, not by `now`, so a
   * portal generated at any clock holds the same contacts at the same distances from it (for
   * tests whose clock follows the real one but whose data must not change run to run).
   */
  stableSeed?: boolean;
  /**
   * Off by default: companies of 5 employees and more buy as buying committees
   * (`committees.ts`): their contacts arrive within an in-market window, none buys alone, and
   * the company's one deal opens when a champion and a decision maker are engaged, wins on its
   * committee (champion's intent, engaged members, functions, a C-level sponsor, passive
   * stakeholders) and is associated with several contacts, who become customers when it wins.
   * An off portal is byte-identical to one generated before the option.
   */
  committees?: boolean;
}
export type { Truth } from './contact';
export type { CompanyTruth, DealTruth, CommitteeObservables } from './accounts';

export interface DemoSummary {
  contacts: number;
  companies: number;
  deals: number;
  leads: number;
  /** Deals opened per company for its buying committee (also counted in `deals`). */
  accountDeals: number;
  converted: number;
  labelled: number;
  labelledConverted: number;
  censored: number;
  customersAtAsOf: number;
  historyVersions: number;
  generationMs: number;
}

export interface DemoPortal {
  readonly seed: string;
  readonly now: string;
  readonly state: PortalState;
  readonly summary: DemoSummary;
  /** Hidden ground truth for a contact id, for tests and benches — never served under /crm. */
  truth(contactId: string | number): Truth | undefined;
  /** Contact ids with their truth, in id order. */
  truths(): Array<[string, Truth]>;
  /** Hidden truth of a company with a buying committee (≥ 2 contacts), by company id. */
  companyTruth(companyId: string | number): CompanyTruth | undefined;
  companyTruths(): Array<[string, CompanyTruth]>;
  /** Hidden win propensity of every deal (account and contact deals), by deal id. */
  dealTruth(dealId: string | number): DealTruth | undefined;
  dealTruths(): Array<[string, DealTruth]>;
  fingerprint(): string;
}

export const DEFAULT_NOW = '2026-11-01T00:00:00.000Z';
const SPAN_DAYS = 540;
const IMPORTED_CUSTOMER_RATE = 0.003;

const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

export function generatePortal(opts: GenerateOptions = {}): DemoPortal {
  const started = Date.now();
  const seed = String(opts.seed ?? 'demo');
  const n = opts.contacts ?? 5000;
  const nowIso = opts.now ?? DEFAULT_NOW;
  const now = Date.parse(nowIso);
  if (!Number.isFinite(now))
    throw new Error(`generatePortal: now must be an ISO date, got "${nowIso}"`);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`generatePortal: contacts must be an integer ≥ 0, got ${n}`);
  const shift = opts.marketShift;
  if (
    shift &&
    !(shift.at >= 0 && shift.at <= 1 && (shift.strength ?? 1) >= 0 && (shift.surge ?? 0) >= 0)
  )
    throw new Error(`generatePortal: marketShift.at must be in [0, 1], strength and surge ≥ 0`);
  // The shift changes outcomes, not the random stream: until the first contact whose outcome
  // it changes, a shifted portal is the same as the unshifted one.
  const streamKey = opts.stableSeed ? `${seed}|${n}` : `${seed}|${n}|${nowIso}`;
  const rng = new Rng(streamKey);
  const start = now - SPAN_DAYS * DAY;
  const state = new PortalState(start - 90 * DAY);
  const truths = new Map<number, Truth>();
  let companyTruths = new Map<number, CompanyTruth>();
  const dealTruths = new Map<number, DealTruth>();
  const summary: DemoSummary = {
    contacts: n,
    companies: 0,
    deals: 0,
    leads: 0,
    accountDeals: 0,
    converted: 0,
    labelled: 0,
    labelledConverted: 0,
    censored: 0,
    customersAtAsOf: 0,
    historyVersions: 0,
    generationMs: 0,
  };

  if (n > 0) {
    // With committees, fewer companies with more contacts each (a buying group is several people).
    const companies = makeCompanies(
      rng,
      state,
      Math.max(3, Math.round(n / (opts.committees ? 5 : 4))),
      start,
    );
    const windows = opts.committees
      ? inMarketWindows(new Rng(`${streamKey}|committees`), companies, start, now)
      : null;
    const inMarket = windows ? inMarketIndex(companies, windows) : () => null;
    const universities = makeUniversities(state, start);
    summary.companies = companies.length + universities.length;
    const createdTimes = Array.from(
      { length: n },
      () => start + rng.uniform(0, SPAN_DAYS - 0.5) * DAY,
    ).sort((a, b) => a - b);
    const arrivals = withSurge(createdTimes, shift, `${streamKey}|surge`, start, now);
    summary.contacts = arrivals.length;
    const emails = new Set<string>();
    const children: Array<{
      kind: 'deals' | 'leads';
      plan: ChildPlan;
      contactId: number;
      companyId: number;
    }> = [];
    const scores: Array<[number, number, number]> = [];
    const members: Member[] = [];
    const contacts = state.stores.contacts;
    const span: [number, number] = [start, now];
    const emit = (cs: ContactSeed, plan: ContactPlan) => {
      const rec = contacts.create(plan.initial, {
        timestamp: plan.createdAt,
        sourceType: plan.initialSource,
      });
      for (const e of plan.events)
        contacts.write(rec, e.props, { timestamp: e.t, sourceType: e.source });
      const companyId = cs.company.id;
      state.associations.add('contacts', rec.id, 'companies', companyId, 279);
      truths.set(rec.id, plan.truth);
      members.push({
        id: rec.id,
        companyId,
        createdAt: plan.createdAt,
        asOf: Date.parse(plan.truth.asOf),
        seniority: cs.seniority,
        obs: plan.obs,
        propensity: plan.truth.propensity,
        imported: cs.imported,
      });
      tally(summary, plan);
      if (!plan.truth.customerAtAsOf)
        // Never after the generator clock: nothing in the portal may be modified in its future.
        scores.push([rec.id, plan.hubspotScore, Math.min(Date.parse(plan.truth.asOf), now)]);
      if (plan.deal)
        children.push({ kind: 'deals', plan: plan.deal, contactId: rec.id, companyId });
      if (plan.lead)
        children.push({ kind: 'leads', plan: plan.lead, contactId: rec.id, companyId });
      return rec.id;
    };
    let committeeDeals: CommitteeDeal[] = [];
    if (!opts.committees)
      for (const { createdAt, surge } of arrivals) {
        const cs = contactSeed(rng, createdAt, companies, universities, emails, surge);
        emit(cs, planContact(rng, cs, now, span, opts.marketShift, !!opts.segmentDrivers));
      }
    else {
      // Everyone's life up to its 30-day mark first; then each company's committee decides;
      // then each contact's story ends as its company's deal (or its own draw) says.
      const early: Array<{ cs: ContactSeed; plan: EarlyPlan }> = [];
      for (const { createdAt, surge } of arrivals) {
        const cs = contactSeed(rng, createdAt, companies, universities, emails, surge, inMarket);
        const plan = planContactEarly(rng, cs, now, span, opts.marketShift, !!opts.segmentDrivers);
        early.push({ cs, plan });
      }
      const decided = decideCommittees(new Rng(`${streamKey}|consensus`), companies, early, now);
      committeeDeals = decided.deals;
      const ids = early.map(({ cs, plan }, i) =>
        emit(cs, plan.finish(decided.outcomes.get(i) ?? plan.drawOwn())),
      );
      for (const d of committeeDeals) d.contactIds = d.members.map((i) => ids[i]!);
    }
    writeHubSpotScores(contacts, scores);
    // Children are created in time order so their ids grow with createdate, as in HubSpot.
    children.sort((a, b) => a.plan.createdAt - b.plan.createdAt);
    for (const c of children) {
      const store = state.stores[c.kind];
      const rec = store.create(c.plan.props, { timestamp: c.plan.createdAt, sourceType: 'CRM_UI' });
      for (const e of c.plan.events)
        store.write(rec, e.props, { timestamp: e.t, sourceType: e.source });
      if (c.kind === 'deals') {
        const stage = store.value(rec, 'dealstage');
        const closed = stage === 'closedwon' || stage === 'closedlost';
        dealTruths.set(rec.id, {
          propensity: c.plan.winPropensity ?? 0,
          kind: 'contact',
          won: closed ? stage === 'closedwon' : null,
          openedAt: new Date(c.plan.createdAt).toISOString(),
          closedAt: closed ? store.value(rec, 'closedate') : null,
        });
        state.associations.add('deals', rec.id, 'contacts', c.contactId, 3);
        state.associations.add('deals', rec.id, 'companies', c.companyId, 341);
        summary.deals++;
      } else {
        state.associations.add('leads', rec.id, 'contacts', c.contactId, 578);
        state.associations.add('leads', rec.id, 'companies', c.companyId, 580);
        summary.leads++;
      }
    }
    // Their own stream: the contacts above are the same with or without accounts.
    const accounts = opts.committees
      ? addCommitteeDeals(state, committeeDeals, members, now)
      : addAccounts(state, new Rng(`${streamKey}|accounts`), companies, members, now);
    companyTruths = accounts.companies;
    for (const [id, t] of accounts.deals) dealTruths.set(id, t);
    summary.accountDeals = accounts.deals.size;
    summary.deals += accounts.deals.size;
  }
  for (const t of Object.values(state.stores)) summary.historyVersions += t.history.length;
  summary.generationMs = Date.now() - started;

  return {
    seed,
    now: nowIso,
    state,
    summary,
    truth: (id) => truths.get(Number(id)),
    truths: () => [...truths.entries()].map(([id, t]) => [String(id), t]),
    companyTruth: (id) => companyTruths.get(Number(id)),
    companyTruths: () => [...companyTruths.entries()].map(([id, t]) => [String(id), t]),
    dealTruth: (id) => dealTruths.get(Number(id)),
    dealTruths: () =>
      [...dealTruths.entries()].sort((a, b) => a[0] - b[0]).map(([id, t]) => [String(id), t]),
    fingerprint: () => state.fingerprint(),
  };
}

/**
 * The contacts' creation times, with the shift's wave of extra leads (`marketShift.surge`)
 * merged in from the shift's moment on: none at first, growing linearly to `surge` extra
 * contacts per regular one at the generator's clock (a new channel gathering pace). The wave's
 * times come from their own stream and every regular contact created before the shift keeps
 * its place, so a portal with a surge is the same as one without up to the shift.
 */
function withSurge(
  times: readonly number[],
  shift: MarketShift | undefined,
  seed: string,
  start: number,
  now: number,
): Array<{ createdAt: number; surge: boolean }> {
  const out = times.map((createdAt) => ({ createdAt, surge: false }));
  if (!shift?.surge) return out;
  const from = start + shift.at * (now - start);
  // The ramp's mean is surge / 2 extra per regular contact over [from, now].
  const extra = Math.round((shift.surge / 2) * times.filter((t) => t >= from).length);
  const rng = new Rng(seed);
  const end = now - DAY / 2;
  for (let i = 0; i < extra; i++)
    out.push({ createdAt: from + (end - from) * Math.sqrt(rng.uniform(0, 1)), surge: true });
  // Stable: on equal times the regular contact comes first.
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

function tally(s: DemoSummary, plan: ContactPlan): void {
  const t = plan.truth;
  if (t.customerAtAsOf) {
    s.customersAtAsOf++;
    return;
  }
  if (t.converted) s.converted++;
  if (t.censored) s.censored++;
  else {
    s.labelled++;
    if (t.converted) s.labelledConverted++;
  }
}

/** HubSpot's "likelihood to close" and its quartile tiers, stamped at each contact's asOf. */
function writeHubSpotScores(contacts: ObjectStore, scores: Array<[number, number, number]>): void {
  const sorted = scores.map((s) => s[1]).sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? 0;
  const [q1, q2, q3] = [q(0.25), q(0.5), q(0.75)];
  for (const [id, score, at] of scores) {
    const tier =
      score >= q3 ? 'tier_1' : score >= q2 ? 'tier_2' : score >= q1 ? 'tier_3' : 'tier_4';
    contacts.write(
      contacts.get(id)!,
      { hs_predictivecontactscore_v2: String(score), hs_predictivescoringtier: tier },
      { timestamp: at, sourceType: 'CALCULATED' },
    );
  }
}

function makeCompanies(rng: Rng, state: PortalState, count: number, start: number): CompanyInfo[] {
  const out: CompanyInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    let name = `${rng.pick(C.COMPANY_WORDS_A)} ${rng.pick(C.COMPANY_WORDS_B)}`;
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    const country = rng.weighted(C.COUNTRIES);
    const sizeIndex = rng.weighted(C.SIZE_WEIGHTS.map((w, j) => [j, w] as const));
    const [lo, hi] = C.SIZE_BOUNDS[sizeIndex];
    const employees = rng.int(lo, hi);
    const info: CompanyInfo = {
      id: 0,
      name,
      domain: `${ascii(name)}.${rng.pick(C.TLDS)}`,
      industry: rng.weighted(C.INDUSTRY_WEIGHTS),
      sizeIndex,
      country,
      city: rng.pick(C.CITIES[country]),
    };
    const rec = state.stores.companies.create(
      {
        name,
        domain: info.domain,
        website: `https://www.${info.domain}`,
        industry: info.industry,
        numberofemployees: String(employees),
        annualrevenue: String(Math.round(employees * 150_000 * Math.exp(0.5 * rng.normal()))),
        country,
        city: info.city,
        lifecyclestage: 'lead',
      },
      { timestamp: start - rng.uniform(1, 80) * DAY, sourceType: 'IMPORT' },
    );
    info.id = rec.id;
    out.push(info);
  }
  return out;
}

function makeUniversities(state: PortalState, start: number): CompanyInfo[] {
  return C.UNIVERSITIES.map(([name, domain], i) => {
    const rec = state.stores.companies.create(
      {
        name,
        domain,
        industry: 'EDUCATION_MANAGEMENT',
        numberofemployees: String(800 + 900 * i),
        country: 'United States',
      },
      { timestamp: start - 85 * DAY, sourceType: 'IMPORT' },
    );
    return {
      id: rec.id,
      name,
      domain,
      industry: 'EDUCATION_MANAGEMENT',
      sizeIndex: i < 2 ? 5 : 6,
      country: 'United States',
      city: 'Boston',
    };
  });
}

function contactSeed(
  rng: Rng,
  createdAt: number,
  companies: CompanyInfo[],
  universities: CompanyInfo[],
  emails: Set<string>,
  surge = false,
  /** Committees: the companies in market at `createdAt` (a contact joins one of them). */
  inMarket: (t: number) => CompanyInfo[] | null = () => null,
): ContactSeed {
  const emailKind = rng.weighted([
    ['corporate', 60],
    ['free', 30],
    ['education', 10],
  ] as const);
  // The shift's wave comes from small firms (the segment the shift favours).
  const open = inMarket(createdAt);
  const pool = open && open.length > 0 ? open : companies;
  const firms = surge ? pool.filter((c) => c.sizeIndex <= 2) : pool;
  const company =
    emailKind === 'education'
      ? rng.pick(universities)
      : rng.pick(firms.length > 0 ? firms : companies);
  const seniority =
    emailKind === 'education'
      ? rng.weighted([
          [0, 70],
          [1, 25],
          [2, 5],
        ] as const)
      : rng.weighted(C.SENIORITY_WEIGHTS.map((w, j) => [j, w] as const));
  const firstname = rng.pick(C.FIRST_NAMES);
  const lastname = rng.pick(C.LAST_NAMES);
  const domain = emailKind === 'free' ? rng.pick(C.FREE_DOMAINS) : company.domain;
  let local = `${ascii(firstname)}.${ascii(lastname)}`;
  for (let k = 2; emails.has(`${local}@${domain}`); k++)
    local = `${ascii(firstname)}.${ascii(lastname)}${k}`;
  emails.add(`${local}@${domain}`);
  const imported = rng.chance(IMPORTED_CUSTOMER_RATE);
  return {
    createdAt,
    firstname,
    lastname,
    email: `${local}@${domain}`,
    emailKind,
    jobtitle: rng.pick(C.TITLES[seniority]),
    seniority,
    source: imported ? 'OFFLINE' : rng.weighted(surge ? C.SURGE_SOURCE_WEIGHTS : C.SOURCE_WEIGHTS),
    company,
    imported,
    surge,
  };
}

/**
 * The companies in market at `t` (window start in (t − IN_MARKET_DAYS, t]), in company order:
 * starts sorted once and searched, so a 100,000-contact portal does not scan every company.
 */
function inMarketIndex(
  companies: readonly CompanyInfo[],
  windows: Map<number, number>,
): (t: number) => CompanyInfo[] {
  const order = companies.map((c, i) => ({ c, i, s: windows.get(c.id)! }));
  order.sort((a, b) => a.s - b.s || a.i - b.i);
  const starts = order.map((o) => o.s);
  const firstAbove = (x: number) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (t) =>
    order
      .slice(firstAbove(t - IN_MARKET_DAYS * DAY), firstAbove(t))
      .sort((a, b) => a.i - b.i)
      .map((o) => o.c);
}

interface CommitteeDeal {
  company: CompanyInfo;
  /** Contact positions (generator order) on the deal; `contactIds` once created. */
  members: number[];
  contactIds: number[];
  at: number;
  z: number;
  plan: ReturnType<typeof planAccountDeal>;
}

/**
 * Each committee company's deal, from its members' lives up to their 30-day marks: who is on it
 * and how it ends (the members' outcomes); every other contact keeps its own draw.
 */
function decideCommittees(
  rng: Rng,
  companies: readonly CompanyInfo[],
  early: ReadonlyArray<{ cs: ContactSeed; plan: EarlyPlan }>,
  now: number,
): { outcomes: Map<number, ContactOutcome>; deals: CommitteeDeal[] } {
  const byCompany = new Map<number, CommitteeCandidate[]>();
  early.forEach(({ cs, plan }, index) => {
    if (cs.imported || cs.company.sizeIndex < COMMITTEE_MIN_SIZE) return;
    const m: CommitteeCandidate = {
      index,
      companyId: cs.company.id,
      createdAt: cs.createdAt,
      asOf: plan.asOf,
      seniority: cs.seniority,
      title: cs.jobtitle,
      obs: plan.obs,
      propensity: plan.propensity,
    };
    const list = byCompany.get(m.companyId);
    if (list) list.push(m);
    else byCompany.set(m.companyId, [m]);
  });
  const outcomes = new Map<number, ContactOutcome>();
  const deals: CommitteeDeal[] = [];
  for (const company of companies) {
    const members = byCompany.get(company.id);
    if (!members) continue;
    // A committee member never buys alone: without a deal of its company, it does not convert.
    for (const m of members) outcomes.set(m.index, { kind: 'none' });
    const consensus = consensusOf(members, company);
    if (!consensus || consensus.at > now) continue;
    const plan = planAccountDeal(rng, company, consensus.z, consensus.at);
    if (plan.openAt > now) continue;
    for (const m of consensus.members)
      outcomes.set(m.index, {
        kind: 'account',
        openAt: plan.openAt,
        closeAt: plan.closeAt,
        won: plan.won,
      });
    deals.push({
      company,
      members: consensus.members.map((m) => m.index),
      contactIds: [],
      at: consensus.at,
      z: consensus.z,
      plan,
    });
  }
  return { outcomes, deals };
}

/** The committee deals in the portal, with their company and deal truths. */
function addCommitteeDeals(
  state: PortalState,
  planned: CommitteeDeal[],
  members: readonly Member[],
  now: number,
): { companies: Map<number, CompanyTruth>; deals: Map<number, DealTruth> } {
  const companyTruths = new Map<number, CompanyTruth>();
  const dealTruths = new Map<number, DealTruth>();
  const byCompany = membersByCompany(members);
  const iso = (t: number) => new Date(t).toISOString();
  // Ids grow with createdate among account deals, as in HubSpot.
  for (const d of [...planned].sort((a, b) => a.plan.openAt - b.plan.openAt)) {
    const { plan, company } = d;
    const created = createAccountDeal(state, plan, company.id, d.contactIds, now);
    companyTruths.set(company.id, {
      propensity: 1 / (1 + Math.exp(-d.z)),
      asOf: iso(d.at),
      committee: committeeAt(byCompany.get(company.id) ?? [], d.at, company),
      dealId: created.id,
      won: created.won,
    });
    dealTruths.set(created.id, created.truth);
  }
  return { companies: companyTruths, deals: dealTruths };
}
