/**
 * Buying committees (generator option `committees`, off by default): at companies of 5 employees
 * and more, no contact buys alone — the company buys, through one deal its committee reaches.
 * The mechanism follows public descriptions of B2B buying (docs/account-scores.md, "The demo
 * portal with buying committees (HubSpot)", has the sources):
 * - a purchase is a group decision of several stakeholders across functions, who research over
 *   the same months of a buying cycle (Gartner: a buying group of 6–10; CEB: 5.4 in 2014, 6.8 in
 *   2016), so a company's contacts arrive within an in-market window;
 * - an opportunity is opened once a champion and an economic buyer (a decision maker with budget
 *   authority: VP or C-level, a director at a firm under 100 employees) are both engaged within one
 *   window (the common "champion + economic buyer" qualification; HubSpot's buying roles name
 *   them: Champion, Decision maker, Budget holder);
 * - it is likelier to win the keener its champion, the more members are engaged (multithreading),
 *   the more functions they span, with a C-level sponsor — and less likely for every stakeholder
 *   present who never engaged (CEB: the odds of a purchase fall as the group grows, 81 % for one
 *   person, 55 % for two, 31 % for six, when the group does not reach consensus);
 * - the deal is associated with its engaged members and decision maker, who become customers
 *   when it closes won.
 * Smaller firms, universities and imported customers keep the default story (a contact buys on
 * its own propensity with a deal of its own). Nothing here reads what our model reads beyond what
 * the CRM shows any model: titles, engagement counters, firmographics.
 */
import { DAY, type CompanyInfo } from './contact';
import { type Observables } from './propensity';
import { type Rng } from './rng';

/**
 * A company of at least this size index (5–25 employees) buys through a committee; in a firm of
 * 1–5 the owner decides alone.
 */
export const COMMITTEE_MIN_SIZE = 1;
/** The champion's and the decision maker's 30-day marks fall within this many days. */
export const CONSENSUS_WINDOW_DAYS = 90;
/** How long a company is in market: its contacts arrive within this window. */
export const IN_MARKET_DAYS = 150;

export interface CommitteeCandidate {
  /** Position in the generator's contact order. */
  index: number;
  companyId: number;
  createdAt: number;
  /** The contact's 30-day mark: its early engagement is known from then. */
  asOf: number;
  seniority: number;
  title: string;
  obs: Observables;
  /** Its own propensity: how keen it is (a champion's strength). */
  propensity: number;
}

/** The generator's departments, read from the title as anyone reading the CRM could. */
export function department(title: string): string {
  const t = title.toLowerCase();
  if (/marketing|growth|brand/.test(t)) return 'marketing';
  if (/sales|account executive|revenue/.test(t)) return 'sales';
  if (/engineer|product|cto|developer/.test(t)) return 'technical';
  if (/operations|coo/.test(t)) return 'operations';
  if (/ceo|founder|owner|president/.test(t)) return 'executive';
  return 'other';
}

/** Intent a rep can see: enough browsing, the pricing page, or a demo request. */
export const isEngaged = (o: Observables) =>
  o.pageViews >= 8 || o.pricingViews > 0 || o.demoRequested;

/** Who can sign: VP or C-level; at a firm under 100 employees, a director too. */
export const isDecisionMaker = (m: { seniority: number }, sizeIndex: number) =>
  m.seniority >= (sizeIndex <= 3 ? 3 : 4);

export interface Consensus {
  /** When the committee qualifies: the later of the champion's and decision maker's marks. */
  at: number;
  /** Members the deal is associated with: the engaged ones and the decision maker. */
  members: CommitteeCandidate[];
  /** Win logit of the committee at `at` (before the deal's amount). */
  z: number;
}

const INDUSTRY: Record<string, number> = {
  COMPUTER_SOFTWARE: 0.3,
  FINANCIAL_SERVICES: 0.2,
  RETAIL: -0.2,
  NONPROFIT_ORGANIZATION_MANAGEMENT: -0.4,
};

/**
 * The first moment a company's committee qualifies, or null: an engaged decision maker and another
 * engaged member, both with 30-day marks within the window before it.
 */
export function consensusOf(
  members: readonly CommitteeCandidate[],
  company: CompanyInfo,
): Consensus | null {
  const byMark = [...members].sort((a, b) => a.asOf - b.asOf);
  const window = CONSENSUS_WINDOW_DAYS * DAY;
  for (const m of byMark) {
    const t = m.asOf;
    // The buying group active now: members whose engagement is known and recent.
    const engaged = byMark.filter((x) => x.asOf <= t && x.asOf > t - window && isEngaged(x.obs));
    if (engaged.length < 2 || !engaged.some((x) => isDecisionMaker(x, company.sizeIndex))) continue;
    return { at: t, members: engaged, z: committeeWinLogit(byMark, engaged, t, company) };
  }
  return null;
}

/** How likely the committee is to buy once qualified, from what it shows at `t`. */
export function committeeWinLogit(
  all: readonly CommitteeCandidate[],
  engaged: readonly CommitteeCandidate[],
  t: number,
  company: CompanyInfo,
): number {
  const champion = Math.max(...engaged.map((m) => m.propensity));
  const present = all.filter((m) => m.createdAt <= t);
  const passive = present.length - engaged.length;
  const functions = new Set(engaged.map((m) => department(m.title))).size;
  let z = -1.9;
  z += 4 * (champion - 0.3); // the champion's own intent
  z += 0.5 * Math.min(engaged.length - 2, 3); // multithreading: more engaged stakeholders
  z += 0.4 * Math.min(functions - 1, 3); // breadth across functions
  z += engaged.some((m) => m.seniority >= 5) ? 0.5 : 0; // a C-level sponsor
  z -= 0.35 * Math.min(passive, 4); // stakeholders who never engaged: no consensus
  z -= 0.1 * (company.sizeIndex - 3.5) ** 2;
  z += INDUSTRY[company.industry] ?? 0;
  return z;
}

/**
 * In-market windows: each company researches during one window of `IN_MARKET_DAYS` somewhere in
 * the portal's span (its own stream), so its contacts arrive together as a buying group does.
 */
export function inMarketWindows(
  rng: Rng,
  companies: readonly CompanyInfo[],
  start: number,
  now: number,
): Map<number, number> {
  const out = new Map<number, number>();
  const span = now - start + IN_MARKET_DAYS * DAY;
  for (const c of companies) out.set(c.id, start - IN_MARKET_DAYS * DAY + rng.uniform(0, 1) * span);
  return out;
}
