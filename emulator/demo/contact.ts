/**
 * One contact's life: engagement before asOf (which alone sets its propensity), the label
 * draw, then what follows (more engagement for converters, lifecycle, deal, lead record).
 */
import { type SourceType } from '../hubspot/state/history';
import {
  HORIZON_DAYS,
  SNAPSHOT_DAYS,
  hubspotStyleScore,
  propensity,
  type MarketShift,
  type Observables,
} from './propensity';
import { type Rng } from './rng';

export const DAY = 86_400_000;
const STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
];

export interface CompanyInfo {
  id: number;
  name: string;
  domain: string;
  industry: string;
  sizeIndex: number;
  country: string;
  city: string;
}
export interface PlannedEvent {
  t: number;
  props: Record<string, string>;
  source: SourceType;
}
export interface Truth {
  propensity: number;
  converted: boolean;
  convertedAt: string | null;
  asOf: string;
  /** asOf + 120 days lies after the generator clock: the outcome is not yet visible. */
  censored: boolean;
  /** Imported as a customer before asOf (rare); not a scoring candidate. */
  customerAtAsOf: boolean;
}
export interface ChildPlan {
  createdAt: number;
  props: Record<string, string>;
  /** Later writes (stage changes), already cut at the generator clock. */
  events: PlannedEvent[];
  /**
   * Deals only: P(won | this deal opened). A converter's deal always opens (and wins); a
   * non-converter's opens with probability 0.6·r (r = 1 past SQL at asOf, else 0.15 + 0.6p).
   */
  winPropensity?: number;
}
export interface ContactPlan {
  createdAt: number;
  initial: Record<string, string>;
  initialSource: SourceType;
  events: PlannedEvent[];
  truth: Truth;
  obs: Observables;
  hubspotScore: number;
  deal?: ChildPlan;
  lead?: ChildPlan;
}
export interface ContactSeed {
  createdAt: number;
  firstname: string;
  lastname: string;
  email: string;
  emailKind: Observables['emailKind'];
  jobtitle: string;
  seniority: number;
  source: string;
  company: CompanyInfo;
  imported: boolean;
  /** One of the market shift's wave of leads (`MarketShift.surge`): keener to look around. */
  surge?: boolean;
}

/** The wave's leads browse more (visits, pricing pages) than their conversion warrants. */
const SURGE_INTENT = 1.5;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const iso = (t: number) => new Date(t).toISOString();

/** A contact of the default portal: its early plan finished at once with its own conversion. */
export function planContact(...args: Parameters<typeof planContactEarly>): ContactPlan {
  const early = planContactEarly(...args);
  return early.finish(early.drawOwn());
}

/**
 * How a contact's story ends after its asOf. `own`: it converts on its own propensity (drawn by
 * `drawOwn`) with a deal of its own, as every contact of the default portal does. `account`: it
 * is on its company's buying-committee deal (`committees` option) and becomes a customer when,
 * and only when, that deal closes won.
 */
export type ContactOutcome =
  | { kind: 'own'; converted: boolean; convertedAt: number | null }
  | { kind: 'account'; openAt: number; closeAt: number; won: boolean }
  | { kind: 'none' };

export interface EarlyPlan {
  asOf: number;
  obs: Observables;
  /** The contact's own propensity (its truth in the default portal). */
  propensity: number;
  /** The default ending: the conversion drawn from the contact's own propensity. */
  drawOwn(): ContactOutcome;
  finish(outcome: ContactOutcome): ContactPlan;
}

/**
 * A contact's life up to its asOf (which alone sets its propensity), and `finish` for what follows
 * once its outcome is decided. The default portal finishes each contact at once with `drawOwn`,
 * drawing from the one random stream in the same order as before the split.
 */
export function planContactEarly(
  rng: Rng,
  s: ContactSeed,
  now: number,
  span: [number, number],
  shift?: MarketShift,
  /** Paid-channel leads convert on their own drivers (propensity.ts `paidSegmentLogit`). */
  segmentDrivers = false,
): EarlyPlan {
  const asOf = s.createdAt + SNAPSHOT_DAYS * DAY;
  const events: PlannedEvent[] = [];
  const push = (t: number, props: Record<string, string>, source: SourceType) => {
    if (t <= now) events.push({ t, props, source });
  };
  const web = s.source !== 'OFFLINE' && s.source !== 'EMAIL_MARKETING';
  const formCreated = !s.imported && rng.chance(0.55);
  // Latent intent drives behaviour only; the truth reads the behaviour it produced.
  const intent =
    rng.normal() +
    0.12 * (s.seniority - 2) -
    (s.emailKind === 'education' ? 0.3 : 0) +
    (s.surge ? SURGE_INTENT : 0);
  const lambda0 = 0.07 * Math.exp(0.7 * intent);
  const hotStart = rng.chance(0.35) ? s.createdAt + rng.uniform(0, 120) * DAY : -1;
  const hotEnd = hotStart + rng.uniform(4, 12) * DAY;
  const noise = 1 + 0.05 * rng.normal();

  let visits = web ? 1 : 0;
  let pv = web ? 1 + rng.geometric(1.5) : 0;
  let pricing = 0;
  let forms = formCreated ? 1 : 0;
  let demo = false;
  let opens = 0;
  let clicks = 0;
  let stage = s.imported ? 5 : formCreated ? 1 : 0;
  let formsWritten = forms;
  const initial: Record<string, string> = {
    firstname: s.firstname,
    lastname: s.lastname,
    email: s.email,
    jobtitle: s.jobtitle,
    company: s.company.name,
    industry: s.company.industry,
    country: s.company.country,
    city: s.company.city,
    numemployees: ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'][
      s.company.sizeIndex
    ],
    hs_analytics_source: s.source,
    lifecyclestage: STAGES[stage],
    demo_requested: 'false',
    pricing_page_views: '0',
    num_conversion_events: String(forms),
    hs_email_open: '0',
    hs_email_click: '0',
  };
  if (web) {
    initial.hs_analytics_num_visits = String(visits);
    initial.hs_analytics_num_page_views = String(pv);
    initial.hs_analytics_last_visit_timestamp = iso(s.createdAt);
    initial.web_sessions_total = String(visits);
  }
  if (stage >= 1) initial.hs_lead_status = 'NEW';

  const advance = (t: number, to: number) => {
    if (to <= stage) return;
    stage = to;
    const props: Record<string, string> = { lifecyclestage: STAGES[to] };
    const status = ['', 'NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', ''][to];
    if (status) props.hs_lead_status = status;
    push(t, props, 'AUTOMATION');
  };
  const lifecycleRule = (t: number) => {
    if (demo) advance(t, 3);
    else if (pv >= 8 && forms >= 1) advance(t, 2);
    else if (forms >= 1) advance(t, 1);
  };

  let postMult = 1;
  const rate = (t: number) =>
    lambda0 *
    Math.exp(-(t - s.createdAt) / (120 * DAY)) *
    (t >= hotStart && t < hotEnd ? 5 : 1) *
    (t > asOf ? postMult : 1);
  const maxRate = lambda0 * 5 * 1.6;
  const session = (t: number) => {
    visits++;
    pv += 1 + rng.geometric(1.8 + 0.5 * Math.max(intent, 0));
    const props: Record<string, string> = {
      hs_analytics_num_visits: String(visits),
      hs_analytics_num_page_views: String(pv),
      hs_analytics_last_visit_timestamp: iso(t),
      web_sessions_total: String(
        Math.max(1, Math.round(visits * noise + (rng.chance(0.15) ? 1 : 0))),
      ),
    };
    if (rng.chance(sigmoid(-1.6 + 0.8 * intent + (visits > 3 ? 0.4 : 0)))) {
      pricing++;
      props.pricing_page_views = String(pricing);
    }
    push(t, props, 'ANALYTICS');
    const form: Record<string, string> = {};
    if (
      !demo &&
      pricing >= 1 &&
      rng.chance(sigmoid(-2.2 + 0.7 * intent + 0.4 * Math.min(pricing, 3)))
    ) {
      demo = true;
      form.demo_requested = 'true';
      forms++;
    } else if (rng.chance(0.06 + (pricing > 0 ? 0.04 : 0))) forms++;
    if (forms !== formsWritten) {
      form.num_conversion_events = String((formsWritten = forms));
      push(t + 60_000, form, 'FORM');
    }
    lifecycleRule(t + 120_000);
  };
  const emails = (from: number, to: number) => {
    for (let t = from; t < to; t += 30 * DAY) {
      const boost = t > asOf ? postMult : 1;
      const at = t + rng.uniform(0, 2) * DAY;
      if (!rng.chance(Math.min(0.95, sigmoid(-0.9 + 0.5 * intent) * boost)) || at >= to) continue;
      opens++;
      const props: Record<string, string> = { hs_email_open: String(opens) };
      if (rng.chance(0.3)) props.hs_email_click = String(++clicks);
      push(at, props, 'EMAIL');
    }
  };
  const simulate = (from: number, to: number) => {
    if (!web) return;
    for (let t = from + rng.exponential(maxRate) * DAY; t < to; t += rng.exponential(maxRate) * DAY)
      if (rng.chance(rate(t) / maxRate)) session(t);
  };

  // Before asOf: nothing here may depend on the outcome.
  const emailStart = s.createdAt + rng.uniform(0, 30) * DAY;
  // Stop a few minutes early so a session's form and lifecycle writes also land before asOf.
  simulate(s.createdAt, asOf - 300_000);
  emails(emailStart, asOf);
  events.sort((a, b) => a.t - b.t);
  // Visits in the week up to asOf, counted from the same events the history shows.
  const visitsAt = (t: number) => {
    let v = web ? 1 : 0;
    for (const e of events)
      if (e.t <= t && e.props.hs_analytics_num_visits) v = Number(e.props.hs_analytics_num_visits);
    return v;
  };
  const obs: Observables = {
    pageViews: pv,
    visits,
    visitsLast7d: visits - visitsAt(asOf - 7 * DAY),
    pricingViews: pricing,
    demoRequested: demo,
    forms,
    emailClicks: clicks,
    sizeIndex: s.company.sizeIndex,
    seniority: s.seniority,
    emailKind: s.emailKind,
    source: s.source,
    industry: s.company.industry,
    calendar: (asOf - span[0]) / (span[1] - span[0]),
  };
  const p = s.imported ? 1 : propensity(obs, shift, segmentDrivers);
  const drawOwn = (): ContactOutcome => {
    const converted = s.imported || rng.chance(p);
    const convertedAt = s.imported
      ? s.createdAt
      : converted
        ? asOf + rng.int(1, HORIZON_DAYS - 1) * DAY + rng.uniform(0, DAY)
        : null;
    return { kind: 'own', converted, convertedAt };
  };
  const finish = (outcome: ContactOutcome): ContactPlan =>
    outcome.kind === 'account'
      ? finishOnAccount(outcome)
      : finishOwn(outcome.kind === 'own' ? outcome : { converted: false, convertedAt: null });
  const finishOwn = ({
    converted,
    convertedAt,
  }: {
    converted: boolean;
    convertedAt: number | null;
  }): ContactPlan => {
    postMult = converted ? 1.6 : 0.6;
    const stageAtAsOf = stage;
    const plan: ContactPlan = {
      createdAt: s.createdAt,
      initial,
      initialSource: s.imported ? 'IMPORT' : formCreated ? 'FORM' : 'ANALYTICS',
      events,
      obs,
      hubspotScore: hubspotStyleScore(obs),
      truth: {
        propensity: p,
        converted,
        convertedAt: convertedAt === null ? null : iso(convertedAt),
        asOf: iso(asOf),
        censored: asOf + HORIZON_DAYS * DAY > now,
        customerAtAsOf: s.imported,
      },
    };
    if (s.imported) return plan;

    simulate(asOf, now);
    emails(emailStart + Math.ceil((asOf - emailStart) / (30 * DAY)) * 30 * DAY, now);
    const name = `${s.firstname} ${s.lastname}`;
    let sqlAt = -1;
    let oppAt = -1;
    if (convertedAt !== null) {
      const span2 = convertedAt - asOf;
      sqlAt = stageAtAsOf >= 3 ? -1 : asOf + 0.25 * span2;
      oppAt = asOf + 0.5 * span2;
      if (sqlAt > 0) advance(sqlAt, 3);
      advance(oppAt, 4);
      advance(convertedAt, 5);
      push(convertedAt, { contract_signed_date: iso(convertedAt).slice(0, 10) }, 'CRM_UI');
      const onboard = convertedAt + rng.uniform(1, 3) * DAY;
      push(onboard, { onboarding_status: 'not_started' }, 'CRM_UI');
      push(onboard + rng.uniform(6, 12) * DAY, { onboarding_status: 'in_progress' }, 'CRM_UI');
      push(onboard + rng.uniform(30, 60) * DAY, { onboarding_status: 'live' }, 'CRM_UI');
      plan.deal = dealPlan(rng, name, s.company.sizeIndex, oppAt, convertedAt, true, now);
    } else if (stageAtAsOf >= 3 || rng.chance(0.15 + 0.6 * p)) {
      sqlAt = asOf + rng.uniform(5, 90) * DAY;
      advance(sqlAt, 3);
      if (rng.chance(0.6)) {
        oppAt = sqlAt + rng.uniform(3, 20) * DAY;
        advance(oppAt, 4);
        const lostAt = oppAt + rng.uniform(20, 80) * DAY;
        plan.deal = dealPlan(rng, name, s.company.sizeIndex, oppAt, lostAt, false, now);
        push(lostAt, { hs_lead_status: 'UNQUALIFIED' }, 'CRM_UI');
      }
    }
    if (plan.deal) {
      const r = stageAtAsOf >= 3 ? 1 : 0.15 + 0.6 * p;
      plan.deal.winPropensity = p / (p + (1 - p) * 0.6 * r);
    }
    events.sort((a, b) => a.t - b.t);
    plan.events = forwardOnly(events, formCreated ? 1 : 0);
    plan.lead = leadPlan(rng, name, plan.events, sqlAt, oppAt, now);
    return plan;
  };
  /**
   * A member of its company's committee deal: an opportunity from the deal's opening, a customer
   * at its won close (no deal of its own: the company's deal is the purchase), unqualified at a
   * lost one. Its truth says whether it became a customer within its horizon.
   */
  const finishOnAccount = (a: { openAt: number; closeAt: number; won: boolean }): ContactPlan => {
    const converted = a.won && a.closeAt <= asOf + HORIZON_DAYS * DAY;
    postMult = a.won ? 1.6 : 0.6;
    const stageAtAsOf = stage;
    const plan: ContactPlan = {
      createdAt: s.createdAt,
      initial,
      initialSource: formCreated ? 'FORM' : 'ANALYTICS',
      events,
      obs,
      hubspotScore: hubspotStyleScore(obs),
      truth: {
        propensity: p,
        converted,
        convertedAt: a.won ? iso(a.closeAt) : null,
        asOf: iso(asOf),
        censored: asOf + HORIZON_DAYS * DAY > now,
        customerAtAsOf: false,
      },
    };
    simulate(asOf, now);
    emails(emailStart + Math.ceil((asOf - emailStart) / (30 * DAY)) * 30 * DAY, now);
    const oppAt = Math.max(a.openAt, asOf + 60_000);
    const sqlAt = stageAtAsOf >= 3 ? -1 : Math.max(asOf + 30_000, oppAt - DAY);
    if (sqlAt > 0) advance(sqlAt, 3);
    advance(oppAt, 4);
    if (a.won) {
      advance(a.closeAt, 5);
      push(a.closeAt, { contract_signed_date: iso(a.closeAt).slice(0, 10) }, 'CRM_UI');
      const onboard = a.closeAt + rng.uniform(1, 3) * DAY;
      push(onboard, { onboarding_status: 'not_started' }, 'CRM_UI');
      push(onboard + rng.uniform(30, 60) * DAY, { onboarding_status: 'live' }, 'CRM_UI');
    } else push(a.closeAt, { hs_lead_status: 'UNQUALIFIED' }, 'CRM_UI');
    events.sort((x, y) => x.t - y.t);
    plan.events = forwardOnly(events, formCreated ? 1 : 0);
    plan.lead = leadPlan(rng, `${s.firstname} ${s.lastname}`, plan.events, sqlAt, oppAt, now);
    return plan;
  };
  return { asOf, obs, propensity: p, drawOwn, finish };
}

/**
 * Lifecycle stages only move forward in HubSpot. Post-asOf sessions and the forced path to
 * the outcome are planned separately, so drop any stage write that would not advance.
 */
function forwardOnly(events: PlannedEvent[], start: number): PlannedEvent[] {
  let current = start;
  const out: PlannedEvent[] = [];
  for (const e of events) {
    const stage = e.props.lifecyclestage;
    if (stage !== undefined) {
      const idx = STAGES.indexOf(stage);
      if (idx <= current) {
        const { lifecyclestage: _l, hs_lead_status: _s, ...rest } = e.props;
        if (Object.keys(rest).length) out.push({ ...e, props: rest });
        continue;
      }
      current = idx;
    }
    out.push(e);
  }
  return out;
}

function dealPlan(
  rng: Rng,
  name: string,
  sizeIndex: number,
  openAt: number,
  closeAt: number,
  won: boolean,
  now: number,
): ChildPlan | undefined {
  if (openAt > now) return undefined;
  const amount = Math.round(2000 * (1 + sizeIndex) * Math.exp(0.4 * rng.normal()));
  const events: PlannedEvent[] = [];
  const path = ['qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'];
  const steps = won ? 4 : rng.int(0, 3);
  for (let i = 0; i < steps; i++) {
    const t = openAt + ((i + 1) / (steps + 1)) * (closeAt - openAt);
    if (t <= now) events.push({ t, props: { dealstage: path[i] }, source: 'CRM_UI' });
  }
  if (closeAt <= now) {
    const props: Record<string, string> = {
      dealstage: won ? 'closedwon' : 'closedlost',
      closedate: iso(closeAt),
    };
    if (!won)
      props.closed_lost_reason = rng.pick(['Budget', 'Timing', 'Chose competitor', 'No decision']);
    events.push({ t: closeAt, props, source: 'CRM_UI' });
  }
  return {
    createdAt: openAt,
    props: {
      dealname: `${name} – new business`,
      amount: String(amount),
      pipeline: 'default',
      dealstage: 'appointmentscheduled',
      dealtype: 'newbusiness',
      closedate: iso(openAt + rng.uniform(30, 90) * DAY),
    },
    events,
  };
}

function leadPlan(
  rng: Rng,
  name: string,
  contactEvents: PlannedEvent[],
  sqlAt: number,
  oppAt: number,
  now: number,
): ChildPlan | undefined {
  const mql = contactEvents.find(
    (e) =>
      e.props.lifecyclestage === 'marketingqualifiedlead' ||
      e.props.lifecyclestage === 'salesqualifiedlead',
  );
  const createdAt = mql ? mql.t + 60_000 : sqlAt > 0 ? sqlAt : -1;
  if (createdAt < 0 || createdAt > now) return undefined;
  const events: PlannedEvent[] = [];
  const add = (t: number, stage: string) => {
    if (t <= now && t > createdAt)
      events.push({ t, props: { hs_pipeline_stage: stage }, source: 'CRM_UI' });
  };
  add(createdAt + rng.uniform(1, 4) * DAY, 'attempting-stage-id');
  if (sqlAt > 0) add(Math.max(sqlAt, createdAt + 5 * DAY), 'connected-stage-id');
  if (oppAt > 0) add(Math.max(oppAt, createdAt + 6 * DAY), 'qualified-stage-id');
  else if (sqlAt < 0) add(createdAt + 45 * DAY, 'unqualified-stage-id');
  events.sort((a, b) => a.t - b.t);
  return {
    createdAt,
    props: {
      hs_lead_name: name,
      hs_pipeline: 'lead-pipeline-id',
      hs_pipeline_stage: 'new-stage-id',
      hs_lead_type: 'NEW_BUSINESS',
    },
    events,
  };
}
