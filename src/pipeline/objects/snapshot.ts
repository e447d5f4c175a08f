/**
 * Deals and companies as of a moment: the deal's own stage history, its company's firmographics
 * and record of earlier deals, and the buying committee (the company's contacts, read from the
 * contact mirror with its property history). Every value is the one known at `asOf` — a stage
 * reached after it, a contact created after it, a deal closed after it do not exist yet.
 */
import type { CrmRecord } from '../../contracts/records';
import {
  parseDate,
  valueAt,
  type FeatureField,
  type FeatureRow,
  type FeatureSpec,
} from '../../features';

const DAY = 86_400_000;

/** What every snapshot of one portal shares: its mirrors, indexed once. */
export interface ObjectWorld {
  contacts: ReadonlyMap<string, CrmRecord>;
  companies: ReadonlyMap<string, CrmRecord>;
  /** Every deal (closed ones too): a company's earlier outcomes are its deals closed by asOf. */
  deals: readonly CrmRecord[];
  /** The contact feature plan: the committee's engagement is read through it. */
  contactSpec: FeatureSpec;
  /**
   * Committee members that are not scored contacts (`account_contact`: Salesforce Contacts
   * created directly on an Account). In committees and account features; never in contact
   * training (`contacts` alone is), never written.
   */
  members?: ReadonlyMap<string, CrmRecord>;
}

/** A committee member by id: a scored contact, else an account-only member. */
export function memberOf(world: ObjectWorld, id: string): CrmRecord | undefined {
  return world.contacts.get(id) ?? world.members?.get(id);
}

/** Deal properties read with history. */
export const DEAL_HISTORY_PROPERTIES = [
  'dealstage',
  'amount',
  'closedate',
  'hs_is_closed',
  'hs_is_closed_won',
];
/** Company properties read (with history: firmographics can change). */
export const COMPANY_HISTORY_PROPERTIES = ['numberofemployees', 'industry', 'annualrevenue'];

/** When the deal closed and how, from its history; null while open. */
export function dealOutcome(deal: CrmRecord): { closedAt: number; won: boolean } | null {
  const closed = deal.history.hs_is_closed?.find((v) => v.value === 'true');
  let at = closed ? parseDate(closed.timestamp) : null;
  if (at === null) {
    // Portals (or responses) without HubSpot's derived flag: the first closed stage.
    const stage = deal.history.dealstage?.find((v) => /^closed(won|lost)$/.test(v.value ?? ''));
    at = stage ? parseDate(stage.timestamp) : null;
  }
  if (at === null) return null;
  const wonFlag = deal.properties.hs_is_closed_won;
  const won = wonFlag != null ? wonFlag === 'true' : deal.properties.dealstage === 'closedwon';
  return { closedAt: at, won };
}

/** Seniority 0 (student) … 5 (C-level) read from a job title; null when it says nothing. */
export function titleSeniority(title: string | null): number | null {
  if (!title) return null;
  const t = title.toLowerCase();
  if (/\b(chief|ceo|cto|coo|cfo|cro|founder|owner|president)\b/.test(t) && !/\bvice\b/.test(t))
    return 5;
  if (/\b(vp|vice president|svp|evp)\b/.test(t)) return 4;
  if (/\b(director|head)\b/.test(t)) return 3;
  if (/\bmanager|lead\b/.test(t)) return 2;
  if (/\b(intern|student|assistant|trainee)\b/.test(t)) return 0;
  return 1;
}

const fields = (list: Array<[string, string, FeatureField['type']]>): readonly FeatureField[] =>
  list.map(([name, label, type]) => ({ name, label, type, source: 'engineered' as const }));

/** The committee's shape: the same for deals and accounts. */
const COMMITTEE_FIELDS = fields([
  ['committee_size', 'Buying committee size', 'number'],
  ['committee_senior', 'Directors and above in the committee', 'number'],
  ['committee_max_seniority', 'Most senior committee member', 'number'],
  ['committee_active_30d', 'Committee members active in the last 30 days', 'number'],
  ['committee_engaged', 'Engaged committee members', 'number'],
  ['committee_new_30d', 'Committee members added in the last 30 days', 'number'],
]);
const COMPANY_FIELDS = fields([
  ['company_employees', 'Company employees', 'number'],
  ['company_industry', 'Company industry', 'category'],
  ['company_revenue', 'Company annual revenue', 'number'],
  ['company_won_before', 'Deals the company won before', 'number'],
  ['company_lost_before', 'Deals the company lost before', 'number'],
]);
const DEAL_OWN_FIELDS = fields([
  ['deal_stage', 'Deal stage', 'category'],
  ['deal_days_in_stage', 'Days in the current stage', 'number'],
  ['deal_age_days', 'Deal age (days)', 'number'],
  ['deal_stage_moves', 'Stage changes so far', 'number'],
  ['deal_amount', 'Amount', 'number'],
  ['deal_amount_revised', 'Amount revised', 'bool'],
  ['deal_days_to_close_date', 'Days to the expected close date', 'number'],
]);

/** Per engagement counter of the contact plan, its highest value in the committee. */
function engagementFields(spec: FeatureSpec): FeatureField[] {
  return spec.fields
    .filter((f) => f.source === 'property' && f.type === 'number')
    .map((f) => ({
      name: `committee_max_${f.name}`,
      label: `Committee's highest ${f.label}`,
      type: 'number' as const,
      source: 'engineered' as const,
    }));
}

export function dealFields(spec: FeatureSpec): FeatureField[] {
  return [...DEAL_OWN_FIELDS, ...COMPANY_FIELDS, ...COMMITTEE_FIELDS, ...engagementFields(spec)];
}
export function companyFields(spec: FeatureSpec): FeatureField[] {
  return [...COMPANY_FIELDS, ...COMMITTEE_FIELDS, ...engagementFields(spec)];
}

const num = (raw: string | null): number | null => {
  if (raw === null || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
};

/** The company's contacts created by asOf (and, for a deal, its own contacts besides). */
export function committeeOf(
  world: ObjectWorld,
  company: CrmRecord | undefined,
  extra: readonly string[],
  asOf: number,
): CrmRecord[] {
  const ids = new Set([...(company?.associations.contact ?? []), ...extra]);
  const out: CrmRecord[] = [];
  for (const id of ids) {
    const c = memberOf(world, id);
    const created = c ? parseDate(c.createdAt) : null;
    if (c && created !== null && created <= asOf) out.push(c);
  }
  return out;
}

function committeeRow(world: ObjectWorld, members: readonly CrmRecord[], asOf: number): FeatureRow {
  const counters = engagementFields(world.contactSpec);
  const row: FeatureRow = {};
  let senior = 0;
  let maxSeniority: number | null = null;
  let active = 0;
  let engaged = 0;
  let recent = 0;
  const props = counters.map((f) => f.name.slice('committee_max_'.length));
  const max: Array<number | null> = props.map(() => null);
  for (const c of members) {
    // HubSpot's contacts say `jobtitle`; Salesforce Leads `title`.
    const s = titleSeniority(valueAt(c, 'jobtitle', asOf) ?? valueAt(c, 'title', asOf));
    if (s !== null) {
      if (s >= 3) senior++;
      maxSeniority = Math.max(maxSeniority ?? 0, s);
    }
    if ((parseDate(c.createdAt) ?? 0) > asOf - 30 * DAY) recent++;
    // Engagement: how many of its counters moved by asOf, and whether any did lately.
    let changes = 0;
    let lately = false;
    for (const p of props) {
      for (const v of c.history[p] ?? []) {
        const t = parseDate(v.timestamp);
        if (t === null || t > asOf) break;
        changes++;
        if (t > asOf - 30 * DAY) lately = true;
      }
    }
    if (changes >= 3) engaged++;
    if (lately) active++;
    props.forEach((p, i) => {
      const v = num(valueAt(c, p, asOf));
      if (v !== null) max[i] = Math.max(max[i] ?? v, v);
    });
  }
  row.committee_size = members.length;
  row.committee_senior = senior;
  row.committee_max_seniority = maxSeniority;
  row.committee_active_30d = active;
  row.committee_engaged = engaged;
  row.committee_new_30d = recent;
  counters.forEach((f, i) => (row[f.name] = max[i]));
  return row;
}

function companyRow(
  world: ObjectWorld,
  company: CrmRecord | undefined,
  asOf: number,
  exclude: string | null,
): FeatureRow {
  let won = 0;
  let lost = 0;
  if (company) {
    for (const d of world.deals) {
      if (d.id === exclude || !(d.associations.company ?? []).includes(company.id)) continue;
      const o = dealOutcome(d);
      if (!o || o.closedAt > asOf) continue;
      if (o.won) won++;
      else lost++;
    }
  }
  return {
    company_employees: company ? num(valueAt(company, 'numberofemployees', asOf)) : null,
    company_industry: company ? valueAt(company, 'industry', asOf) : null,
    company_revenue: company ? num(valueAt(company, 'annualrevenue', asOf)) : null,
    company_won_before: won,
    company_lost_before: lost,
  };
}

const companyOf = (world: ObjectWorld, r: CrmRecord): CrmRecord | undefined => {
  const id = (r.associations.company ?? [])[0];
  return id === undefined ? undefined : world.companies.get(id);
};

/** One deal as of `asOf`. */
export function dealRow(world: ObjectWorld, deal: CrmRecord, asOf: number): FeatureRow {
  const stages = (deal.history.dealstage ?? []).filter((v) => {
    const t = parseDate(v.timestamp);
    return t !== null && t <= asOf;
  });
  const current = stages[stages.length - 1];
  const since = current ? parseDate(current.timestamp)! : null;
  const created = parseDate(deal.createdAt);
  const amounts = (deal.history.amount ?? []).filter(
    (v) => (parseDate(v.timestamp) ?? Infinity) <= asOf,
  );
  const close = parseDate(valueAt(deal, 'closedate', asOf));
  const company = companyOf(world, deal);
  const members = committeeOf(world, company, deal.associations.contact ?? [], asOf);
  return {
    deal_stage: current?.value ?? null,
    deal_days_in_stage: since === null ? null : (asOf - since) / DAY,
    deal_age_days: created === null ? null : (asOf - created) / DAY,
    deal_stage_moves: Math.max(0, stages.length - 1),
    deal_amount: num(valueAt(deal, 'amount', asOf)),
    deal_amount_revised: amounts.length > 1,
    deal_days_to_close_date: close === null ? null : (close - asOf) / DAY,
    ...companyRow(world, company, asOf, deal.id),
    ...committeeRow(world, members, asOf),
  };
}

/** One company as of `asOf`. */
export function companyRowAt(world: ObjectWorld, company: CrmRecord, asOf: number): FeatureRow {
  const members = committeeOf(world, company, [], asOf);
  return { ...companyRow(world, company, asOf, null), ...committeeRow(world, members, asOf) };
}
