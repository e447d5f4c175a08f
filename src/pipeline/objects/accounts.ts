/**
 * Account scores: how likely a company is to buy — a deal associated with it closing won — within
 * the horizon after a moment, read from its buying committee (size, seniority, functions,
 * engagement spread and recency, the best and the combined contact score) and its firmographics.
 *
 * A company is seen each time one of its members completes its first 30 days (the moment the
 * contacts model reads a contact too: its early engagement is known), up to the first
 * `ACCOUNT_MAX_MOMENTS` members; the label is a won close in (asOf, asOf + horizon]. Rows whose
 * horizon has not ended without a win are censored, never counted as losses. Every value is the
 * one known at asOf (snapshot.ts), and the contact scores are the contact scorer's on each
 * member's snapshot: the published contact model when scoring, out-of-fold contact models
 * (`trainingContactScorer`) in training rows, so no row reads a score fitted on its own outcome.
 */
import type { CrmRecord, DealOutcome } from '../../contracts/records';
import type { Conversion, Tier } from '../../contracts/settings';
import {
  buildTrainingSet,
  parseDate,
  snapshot,
  snapshotSchema,
  valueAt,
  type FeatureField,
  type FeatureRow,
} from '../../features';
import { ModelError, trainModel, type TrainResult } from '../../model';
import type { ScoreRow } from '../../store/port';
import { scoreRecords } from '../score-records';
import { scoreRows } from '../scoring';
import { packScoringModel, unpackScoringModel, type LoadedModel } from '../scoring-model';
import { dealsAt, recordAt } from './as-of';
import {
  committeeOf,
  companyFields,
  companyRowAt,
  dealOutcome,
  titleSeniority,
  type ObjectWorld,
} from './snapshot';
import { trainObjectModel, type ObjectModel } from './train';

const DAY = 86_400_000;
/** A won close within this long after asOf makes the row positive. */
export const ACCOUNT_HORIZON_DAYS = 90;
/** A company is seen at its first members' 30-day marks, at most this many times. */
export const ACCOUNT_MAX_MOMENTS = 5;
const MEMBER_AGE_DAYS = 30;

/**
 * Each contact's probability of converting as of `asOf` (0–1), from the contact model a
 * deployment would have had then; null when there was none (the features are missing then).
 */
export type ContactScorer = (contacts: readonly CrmRecord[], asOf: number) => number[] | null;

const probabilities = (lm: LoadedModel, contacts: readonly CrmRecord[], asOf: number) => {
  if (contacts.length === 0) return [];
  const spec = { fields: lm.features, skipped: [] };
  // The score each member had at its 30-day mark (or now, if younger): the moment the contact
  // model was trained to read; an older snapshot is outside what it learned.
  const rows = contacts.map((c) =>
    snapshot(c, Math.min(asOf, (parseDate(c.createdAt) ?? asOf) + MEMBER_AGE_DAYS * DAY), spec),
  );
  return scoreRows(lm, rows, { top: 0, explain: false }).map((s) => s.probability);
};

/** The contact scorer of one loaded contact model, whatever the moment (the published one, now). */
export function contactScorerOf(lm: LoadedModel): ContactScorer {
  return (contacts, asOf) => probabilities(lm, contacts, asOf);
}

/**
 * A contact model fitted as of `at`: on the contacts as the CRM showed them then, labelled with
 * the outcomes known then (logistic: quick, and what the contacts' backtests pick on most
 * portals). Null when the history then cannot fit one (one class, too few rows).
 */
export function contactModelAt(
  world: ObjectWorld,
  at: number,
  opts: { conversion: Conversion; deals: readonly DealOutcome[]; seed: number },
): LoadedModel | null {
  const contacts = [...world.contacts.values()].flatMap((c) => recordAt(c, at) ?? []);
  const spec = world.contactSpec;
  const set = buildTrainingSet(contacts, dealsAt(opts.deals, at), {
    conversion: opts.conversion,
    now: at,
    spec,
  });
  let result: TrainResult;
  try {
    result = trainModel({
      rows: set.rows,
      labels: set.labels,
      times: set.times,
      schema: snapshotSchema(spec.fields),
      options: { seed: opts.seed, model: 'logistic' },
    });
  } catch (e) {
    if (e instanceof ModelError) return null;
    throw e;
  }
  if (!result.report.verdict.ok) return null;
  const used = new Set(result.model.encoder.fields.map((f) => f.name));
  const artifact = packScoringModel(
    result.artifact,
    spec.fields.filter((f) => used.has(f.name)),
  );
  return { version: 0, ...unpackScoringModel(artifact, { reportFeatures: () => null }) };
}

/** Contact models cross-fitted for training rows: each fold's contacts scored by a model of the others. */
export const CONTACT_FOLDS = 5;

/** A company's fold (a stable hash of its id): its members are always scored out of fold. */
function foldOf(id: string, folds: number): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % folds;
}

/**
 * The contact scores training rows read: out-of-fold (stacking). Companies are split into
 * `CONTACT_FOLDS` folds; the members of a company in fold k are scored by a contact model fitted
 * as of `now` on the contacts of the other folds, so no member is scored by a model that saw
 * its own outcome (a member's conversion is its company's won deal — the account label).
 *
 * Why not the contact models a deployment had at each row's moment (the earlier design): on a
 * portal of a year and a half no contact model can be fitted in its first ~6 months (the
 * contacts' 120-day outcomes are not known yet), so about half of the labelled account rows had
 * no contact score, the backtest folds that choose the model saw almost none, and the scores the
 * other half read came from models fitted on a fraction of today's history — weaker than the
 * published model the account model reads at scoring time. The account model learned to trust
 * its strongest input too little (docs/account-scores.md has the measurements). Out-of-fold
 * models fitted now are as strong as the published one, less a fifth of the contacts, and
 * never saw the outcome they are used to predict. Null when a fold's model cannot be fitted.
 */
export function trainingContactScorer(
  world: ObjectWorld,
  now: number,
  opts: { conversion: Conversion; deals: readonly DealOutcome[]; seed: number; folds?: number },
): ContactScorer {
  const k = opts.folds ?? CONTACT_FOLDS;
  const fold = (c: CrmRecord) => foldOf((c.associations.company ?? [])[0] ?? c.id, k);
  const models = Array.from({ length: k }, (_, f) => {
    const contacts = new Map([...world.contacts].filter(([, c]) => fold(c) !== f));
    return contactModelAt({ ...world, contacts }, now, opts);
  });
  return (contacts, asOf) => {
    const out = new Array<number>(contacts.length);
    for (let f = 0; f < k; f++) {
      const idx = contacts.flatMap((c, i) => (fold(c) === f ? [i] : []));
      if (idx.length === 0) continue;
      const lm = models[f];
      if (!lm) return null;
      const ps = probabilities(
        lm,
        idx.map((i) => contacts[i]!),
        asOf,
      );
      idx.forEach((i, j) => (out[i] = ps[j]!));
    }
    return out;
  };
}

const field = (name: string, label: string): FeatureField => ({
  name,
  label,
  type: 'number',
  source: 'engineered',
});

const ACCOUNT_OWN_FIELDS: readonly FeatureField[] = [
  field('committee_best_score', 'Best contact score in the committee'),
  field('committee_combined_score', 'Combined contact score of the committee'),
  field('committee_score_sum', "Sum of the committee's contact scores"),
  field('committee_functions', 'Functions in the committee'),
  field('committee_decision_makers', 'VPs and C-level in the committee'),
  field('committee_last_seen_days', 'Days since a committee member last engaged'),
  field('committee_customers', 'Committee members already customers'),
  field('company_open_deals', 'Open deals'),
  field('company_days_since_close', 'Days since a deal of the company closed'),
];

export function accountFields(world: ObjectWorld): FeatureField[] {
  return [...companyFields(world.contactSpec), ...ACCOUNT_OWN_FIELDS];
}

/** The function a title belongs to, for how many parts of the buyer's organisation take part. */
export function titleFunction(title: string | null): string | null {
  if (!title) return null;
  const t = title.toLowerCase();
  for (const [re, fn] of FUNCTIONS) if (re.test(t)) return fn;
  return null;
}
const FUNCTIONS: Array<[RegExp, string]> = [
  [/\b(marketing|cmo|brand|growth|content)\b/, 'marketing'],
  [/\b(sales|account executive|cro|business development|revenue)\b/, 'sales'],
  [/\b(engineer|engineering|cto|developer|technology|it|cio|data|product)\b/, 'technical'],
  [/\b(finance|cfo|controller|procurement|purchasing)\b/, 'finance'],
  [/\b(operations|coo|ops)\b/, 'operations'],
  [/\b(ceo|founder|owner|president|general manager|managing director)\b/, 'executive'],
];

/** The engagement counters of the contact plan: the last change of any is "last engaged". */
function counterNames(world: ObjectWorld): string[] {
  return world.contactSpec.fields
    .filter((f) => f.source === 'property' && f.type === 'number')
    .map((f) => f.name);
}

/** One company as of `asOf`: its company and committee row, plus the account's own fields. */
export function accountRow(
  world: ObjectWorld,
  company: CrmRecord,
  asOf: number,
  scorer: ContactScorer | null,
): FeatureRow {
  const members = committeeOf(world, company, [], asOf);
  const row = companyRowAt(world, company, asOf);
  // Members already customers by asOf cannot buy again as leads: counted, not scored.
  const customers = members.filter((c) => valueAt(c, 'lifecyclestage', asOf) === 'customer');
  row.committee_customers = customers.length;
  const prospects = members.filter((c) => !customers.includes(c));
  const ps = scorer ? scorer(prospects, asOf) : null;
  let none = 1;
  for (const p of ps ?? []) none *= 1 - p;
  row.committee_best_score = ps?.length ? Math.round(100 * Math.max(...ps)) : null;
  row.committee_combined_score = ps?.length ? Math.round(100 * (1 - none)) : null;
  // Expected converters among the members (× 100): several likely buyers beat one.
  row.committee_score_sum = ps ? Math.round(100 * ps.reduce((a, p) => a + p, 0)) : null;
  const functions = new Set<string>();
  let decision = 0;
  let last: number | null = null;
  const counters = counterNames(world);
  for (const c of members) {
    // HubSpot's contacts say `jobtitle`; Salesforce Leads `title`.
    const title = valueAt(c, 'jobtitle', asOf) ?? valueAt(c, 'title', asOf);
    const fn = titleFunction(title);
    if (fn) functions.add(fn);
    if ((titleSeniority(title) ?? 0) >= 4) decision++;
    for (const p of counters) {
      for (const v of c.history[p] ?? []) {
        const t = parseDate(v.timestamp);
        if (t === null || t > asOf) break;
        if (last === null || t > last) last = t;
      }
    }
  }
  row.committee_functions = functions.size;
  row.committee_decision_makers = decision;
  row.committee_last_seen_days = last === null ? null : (asOf - last) / DAY;
  // Deals as they stood at asOf: open ones (created, not closed by then), the last close.
  let open = 0;
  let lastClose: number | null = null;
  for (const d of world.deals) {
    if (!(d.associations.company ?? []).includes(company.id)) continue;
    const created = parseDate(d.createdAt);
    if (created === null || created > asOf) continue;
    const o = dealOutcome(d);
    if (!o || o.closedAt > asOf) open++;
    else if (lastClose === null || o.closedAt > lastClose) lastClose = o.closedAt;
  }
  row.company_open_deals = open;
  row.company_days_since_close = lastClose === null ? null : (asOf - lastClose) / DAY;
  return row;
}

/** Won closes of each company's deals (epoch ms, ascending). */
function wonClosesByCompany(world: ObjectWorld): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of world.deals) {
    const o = dealOutcome(d);
    if (!o?.won) continue;
    for (const id of d.associations.company ?? []) {
      const list = out.get(id);
      if (list) list.push(o.closedAt);
      else out.set(id, [o.closedAt]);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** The moments a company is seen: its first members' 30-day marks, by `now`. */
export function accountMoments(world: ObjectWorld, company: CrmRecord, now: number): number[] {
  const created = (company.associations.contact ?? [])
    .map((id) => parseDate(world.contacts.get(id)?.createdAt ?? null))
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b)
    .slice(0, ACCOUNT_MAX_MOMENTS);
  const moments = [...new Set(created.map((t) => t + MEMBER_AGE_DAYS * DAY))];
  return moments.filter((t) => t <= now);
}

export interface AccountTrainingSet {
  /** The company's id (a company gives a row per moment). */
  ids: string[];
  rows: FeatureRow[];
  /** 1 won within the horizon, 0 did not, null censored (horizon still open, no win yet). */
  labels: Array<0 | 1 | null>;
  /** The row's asOf (epoch ms). */
  times: number[];
}

/**
 * Every company at each of its moments by `now`, labelled by a won close within the horizon; a
 * win after `now` does not exist (it is not known yet), so such rows are censored (null).
 */
export function accountTrainingSet(
  world: ObjectWorld,
  now: number,
  scorer: ContactScorer | null,
): AccountTrainingSet {
  const horizon = ACCOUNT_HORIZON_DAYS * DAY;
  const wins = wonClosesByCompany(world);
  const set: AccountTrainingSet = { ids: [], rows: [], labels: [], times: [] };
  for (const company of world.companies.values()) {
    const closes = (wins.get(company.id) ?? []).filter((t) => t <= now);
    for (const asOf of accountMoments(world, company, now)) {
      const won = closes.some((t) => t > asOf && t <= asOf + horizon);
      const label = won ? 1 : asOf + horizon <= now ? 0 : null;
      set.ids.push(company.id);
      set.rows.push(accountRow(world, company, asOf, scorer));
      set.labels.push(label);
      set.times.push(asOf);
    }
  }
  return set;
}

export type AccountModel = ObjectModel<AccountTrainingSet>;

export function trainAccountModel(
  world: ObjectWorld,
  opts: {
    now: number;
    seed: number;
    tiers: readonly Tier[];
    scorer: ContactScorer | null;
    version?: number;
  },
): AccountModel {
  const set = accountTrainingSet(world, opts.now, opts.scorer);
  const plan = accountFields(world);
  return trainObjectModel(set, plan, {
    seed: opts.seed,
    tiers: opts.tiers,
    version: opts.version,
    // A row's outcome stays open for the horizon: folds leave such rows out of training.
    // The first origin later than the contacts' (0.4): with the embargo, an earlier one leaves
    // the first fold too little history on a portal of a year or two.
    backtest: { embargo: ACCOUNT_HORIZON_DAYS * DAY, initialShare: 0.5 },
  });
}

/** Every company with at least one contact by `asOf`, through the one scorer. */
export function scoreAccounts(
  lm: LoadedModel,
  world: ObjectWorld,
  opts: { asOf: number; tiers: readonly Tier[]; scoredAt: string; scorer: ContactScorer | null },
): ScoreRow[] {
  const companies = [...world.companies.values()].filter(
    (c) => committeeOf(world, c, [], opts.asOf).length > 0,
  );
  return scoreRecords(lm, companies, {
    objectType: 'company',
    asOf: opts.asOf,
    tiers: opts.tiers,
    scoredAt: opts.scoredAt,
    rows: companies.map((c) => accountRow(world, c, opts.asOf, opts.scorer)),
  });
}
