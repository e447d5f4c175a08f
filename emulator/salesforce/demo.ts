/**
 * The demo org: Leads created over the 540 days before `now`, their Tasks, Events and
 * CampaignMembers, conversions (Account + Contact, with or without an Opportunity that is won,
 * lost or still open), field history of Status and Rating, and a hidden true propensity.
 *
 * The truth: P(lead converts within HORIZON_DAYS after asOf = CreatedDate + SNAPSHOT_DAYS), a
 * deterministic logistic function of what the org shows at asOf — firmographics and the
 * activity logged before asOf. The only randomness left is the outcome draw. Deterministic:
 * the same seed, size and `now` give the same org.
 */
import { Rng } from '../demo/rng';
import { planAccountDeals, planCompanies, type AccountTruth, type SfCompany } from './committees';
import { planDirectContacts } from './direct-contacts';
import { type Org } from './org';
import { INDUSTRY, LEAD_SOURCE } from './schema';

export const HORIZON_DAYS = 120;
export const SNAPSHOT_DAYS = 30;
const DAY = 86_400_000;
const SPAN_DAYS = 540;

export interface LeadTruth {
  propensity: number;
  asOf: number;
  /** Converted within the horizon (the draw; true also when the conversion lies after `now`). */
  converts: boolean;
  /** The horizon ends after `now`: the org cannot know the outcome yet. */
  censored: boolean;
  /**
   * The hidden P(won) of the Opportunity the lead converted into (`dealWinLogit`), when it
   * converted with one; its outcome is `winRoll < dealWin`.
   */
  dealWin?: number;
}

/**
 * A deal's chance to close won, from what the org shows while it is open: a short sales cycle
 * (the CloseDate the rep set), an amount small for the company's size, a bigger company and a
 * more senior contact win more often. No draw of its own: the rest of the org is unchanged.
 */
export function dealWinLogit(o: {
  closeDays: number;
  amount: number;
  employees: number;
  seniority: number;
}): number {
  return (
    0.5 -
    0.035 * (o.closeDays - 50) -
    0.03 * (o.amount / 1000 - 40) +
    0.5 * Math.log10(Math.max(1, o.employees) / 100) +
    0.25 * (o.seniority - 2)
  );
}

const SOURCE_EFFECT: Record<string, number> = {
  'Employee Referral': 0.6,
  'Partner Referral': 0.45,
  'External Referral': 0.35,
  Web: 0.15,
  'Phone Inquiry': 0.3,
  'Trade Show': 0.05,
  'Word of mouth': 0.1,
  Advertisement: -0.2,
  Other: -0.1,
  'Purchased List': -0.7,
};
const INDUSTRY_EFFECT: Record<string, number> = {
  Technology: 0.4,
  Finance: 0.25,
  Consulting: 0.15,
  Manufacturing: 0.1,
  Healthcare: 0,
  Media: -0.05,
  Transportation: -0.1,
  Retail: -0.25,
  Education: -0.45,
  'Not For Profit': -0.55,
};
export const TITLES: Array<[string, number]> = [
  ['Intern', 0],
  ['Student', 0],
  ['Analyst', 1],
  ['Engineer', 1],
  ['Marketing Specialist', 1],
  ['Sales Manager', 2],
  ['IT Manager', 2],
  ['Director of Operations', 3],
  ['Director of Engineering', 3],
  ['VP Sales', 4],
  ['VP Marketing', 4],
  ['CTO', 5],
  ['CEO', 5],
];
const FREE = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];
const COUNTRIES = [
  'United States',
  'United Kingdom',
  'Germany',
  'France',
  'Canada',
  'Australia',
  'India',
  'Brazil',
];
export const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Iris',
  'Jon',
  'Kemi',
  'Luis',
  'Mia',
  'Noor',
  'Owen',
  'Pia',
];
export const LAST = [
  'Abbott',
  'Baker',
  'Chen',
  'Diaz',
  'Evans',
  'Fischer',
  'Gupta',
  'Hale',
  'Ito',
  'Jones',
  'Khan',
  'Lopez',
  'Meyer',
  'Novak',
  'Okafor',
  'Park',
];
const WORDS = [
  'Apex',
  'Blue',
  'Cedar',
  'Delta',
  'Ember',
  'Fjord',
  'Granite',
  'Harbor',
  'Indigo',
  'Juniper',
  'Kite',
  'Lumen',
  'Maple',
  'Nimbus',
  'Orbit',
  'Pioneer',
];
const SUFFIX = [
  'Systems',
  'Labs',
  'Group',
  'Partners',
  'Works',
  'Holdings',
  'Analytics',
  'Logistics',
];

export const INTERCEPT = -2.6;

/** The truth's formula: only what the org shows at asOf. */
export function propensityLogit(o: {
  source: string;
  industry: string;
  employees: number;
  seniority: number;
  emailKind: 'corporate' | 'free' | 'education';
  callsBefore: number;
  emailsBefore: number;
  meetingsBefore: number;
  responded: boolean;
}): number {
  let z = INTERCEPT;
  z += SOURCE_EFFECT[o.source] ?? 0;
  z += INDUSTRY_EFFECT[o.industry] ?? 0;
  const logSize = Math.log10(Math.max(1, o.employees));
  z += 0.9 * Math.exp(-((logSize - 2.3) ** 2) / 0.8) - 0.3; // a sweet spot at ~200 employees
  z += 0.22 * o.seniority;
  if (o.emailKind === 'free') z -= 0.5;
  if (o.emailKind === 'education') z -= 0.9;
  z += 0.9 * (1 - Math.exp(-o.callsBefore / 2));
  z += 0.35 * Math.log1p(o.emailsBefore);
  z += 0.8 * Math.min(o.meetingsBefore, 2);
  if (o.responded) z += 0.4;
  return z;
}

/** Bought and outbound sources: with segment drivers their Leads convert on drivers of their own. */
export const PAID_SOURCES = ['Advertisement', 'Purchased List', 'Trade Show'];

/**
 * The truth of a paid-source Lead when the org has segment drivers: calls and e-mails before
 * asOf turn against conversion (a Lead that needs chasing), seniority and company size weigh
 * more, the source's own effect does not count. Moderate, so no single value settles the outcome.
 */
export function paidSegmentLogit(o: Parameters<typeof propensityLogit>[0]): number {
  let z = -0.4;
  z -= 2.2 * (1 - Math.exp(-o.callsBefore / 2));
  z -= 0.4 * Math.log1p(o.emailsBefore);
  z += 0.6 * (o.seniority - 2.5);
  z += 0.7 * (Math.log10(Math.max(1, o.employees)) - 2);
  if (o.emailKind === 'free') z -= 0.5;
  if (o.emailKind === 'education') z -= 0.9;
  z += 0.6 * Math.min(o.meetingsBefore, 2);
  return z;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function poisson(rng: Rng, mean: number): number {
  let n = 0;
  let p = Math.exp(-mean);
  let s = p;
  const u = rng.next();
  while (u > s && n < 60) {
    n++;
    p *= mean / n;
    s += p;
  }
  return n;
}

export function generateOrg(
  org: Org,
  opts: {
    seed: string;
    leads: number;
    now: number;
    /**
     * Buying committees (committees.ts): Leads of the same company share its Account, and each
     * company with ≥ 2 Leads gets an account Opportunity with contact roles. Off by default, so
     * every other org is exactly as before.
     */
    committees?: boolean;
    /** Filled with each committee Account's truth (by Account id) when `committees` is on. */
    accountTruth?: Map<string, AccountTruth>;
    /**
     * Paid-source Leads (`PAID_SOURCES`) convert on drivers of their own (`paidSegmentLogit`),
     * for segment models. Off by default (the outcome draws, and the activity after them, then
     * differ for every later Lead: another org of the same size).
     */
    segmentDrivers?: boolean;
  },
): Map<string, LeadTruth> {
  const rng = new Rng(`salesforce|${opts.seed}|${opts.leads}`);
  const truth = new Map<string, LeadTruth>();
  const now = opts.now;
  const start = now - SPAN_DAYS * DAY;
  const created = Array.from(
    { length: opts.leads },
    () => start + rng.next() * SPAN_DAYS * DAY,
  ).sort((a, b) => a - b);
  const campaigns = Array.from(
    { length: 6 },
    (_, i) => `7015g${String(i + 1).padStart(10, '0')}AAA`,
  );
  // Deferred writes, applied in time order so history and modstamps read naturally.
  type Op = { at: number; run: () => void };
  const ops: Op[] = [];
  // Committees draw from their own stream; the Leads' own draws below keep their order.
  const plan = opts.committees ? planCompanies(opts.seed, opts.leads) : null;

  for (const [leadIndex, t0] of created.entries()) {
    const source = rng.weighted(
      LEAD_SOURCE.map((s) => [s, s === 'Web' ? 4 : s === 'Purchased List' ? 2 : 1] as const),
    );
    const drawnIndustry = rng.pick(INDUSTRY);
    const drawnEmployees = Math.max(1, Math.round(10 ** rng.uniform(0, 4.3)));
    const [title, seniority] = rng.pick(TITLES);
    const emailKind = rng.weighted([
      ['corporate', 6],
      ['free', 3],
      ['education', 1],
    ] as const);
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const drawn = `${rng.pick(WORDS)} ${rng.pick(SUFFIX)}`;
    const firm: SfCompany | null = plan ? plan.companies[plan.of[leadIndex]!]! : null;
    // With committees the Lead works at its planned company (the draws above still happen).
    const company = firm ? firm.name : drawn;
    const industry = firm ? firm.industry : drawnIndustry;
    const employees = firm ? firm.employees : drawnEmployees;
    const domain =
      emailKind === 'free'
        ? rng.pick(FREE)
        : emailKind === 'education'
          ? `${company.split(' ')[0].toLowerCase()}.edu`
          : (firm?.domain ?? `${company.replace(/ /g, '').toLowerCase()}.com`);
    const intent = rng.normal();
    const asOf = t0 + SNAPSHOT_DAYS * DAY;

    // Activity in the first 30 days, driven by intent (which the truth never reads).
    const boost = Math.exp(0.6 * intent) * (source.includes('Referral') ? 1.4 : 1);
    const times = (n: number, from: number, to: number) =>
      Array.from({ length: n }, () => from + rng.next() * (to - from)).sort((a, b) => a - b);
    const calls = times(poisson(rng, 1.2 * boost), t0, asOf);
    const emails = times(poisson(rng, 2.5 * boost), t0, asOf);
    const meetings = times(poisson(rng, 0.35 * boost), t0, asOf);
    const inCampaign = rng.chance(0.4);
    const responded = inCampaign && rng.chance(sigmoid(intent - 0.5));
    const respondedAt = responded ? t0 + rng.next() * (asOf - t0) : null;
    const truthOf =
      opts.segmentDrivers && PAID_SOURCES.includes(source) ? paidSegmentLogit : propensityLogit;
    const p = sigmoid(
      truthOf({
        source,
        industry,
        employees,
        seniority,
        emailKind,
        callsBefore: calls.length,
        emailsBefore: emails.length,
        meetingsBefore: meetings.length,
        responded,
      }),
    );
    const converts = rng.chance(p);
    const convertAt = converts
      ? asOf + rng.int(1, HORIZON_DAYS - 1) * DAY + rng.next() * DAY * 0.5
      : null;
    const after = converts ? 1.6 : 0.6;
    const laterEnd = Math.min(convertAt ?? asOf + HORIZON_DAYS * DAY, now);
    const laterCalls =
      asOf < laterEnd ? times(poisson(rng, 1.0 * boost * after), asOf, laterEnd) : [];
    const laterEmails =
      asOf < laterEnd ? times(poisson(rng, 2 * boost * after), asOf, laterEnd) : [];
    const oppRoll = rng.next();
    const winRoll = rng.next();
    const closeDays = rng.int(10, 90);
    const amount = Math.round(rng.uniform(5, 80)) * 1000;
    const closesNot = rng.chance(0.5);
    const closeNotAt = asOf + HORIZON_DAYS * DAY + rng.next() * 60 * DAY;

    const lead = org.insert(
      'Lead',
      {
        FirstName: first,
        LastName: last,
        Company: company,
        Title: title,
        Email: `${first}.${last}@${domain}`.toLowerCase(),
        LeadSource: source,
        Industry: industry,
        Status: 'Open - Not Contacted',
        NumberOfEmployees: employees,
        AnnualRevenue: Math.round(employees * rng.uniform(80, 250)) * 1000,
        Country: rng.pick(COUNTRIES),
        HasOptedOutOfEmail: rng.chance(0.05),
        OwnerId: org.userId,
      },
      t0,
    );
    const id = String(lead.Id);
    if (firm) {
      // The company's Account exists from its first Lead on (matched by Company = Name).
      if (firm.members.length === 0)
        ops.push({
          at: t0,
          run: () => {
            const account = org.insert(
              'Account',
              {
                Name: company,
                Industry: industry,
                NumberOfEmployees: employees,
                OwnerId: org.userId,
              },
              t0,
            );
            firm.accountId = String(account.Id);
          },
        });
      firm.members.push({
        leadId: id,
        createdAt: t0,
        asOf,
        seniority,
        engaged: meetings.length > 0 || calls.length >= 2 || responded,
        propensity: p,
      });
    }
    truth.set(id, {
      propensity: p,
      asOf,
      converts,
      censored: asOf + HORIZON_DAYS * DAY > now,
    });

    const logTask = (at: number, subtype: 'Call' | 'Email') =>
      ops.push({
        at,
        run: () => {
          org.insert(
            'Task',
            {
              WhoId: id,
              Subject: subtype === 'Call' ? 'Call' : 'Email: follow-up',
              TaskSubtype: subtype,
              Status: 'Completed',
              ActivityDate: isoDate(at),
            },
            at,
          );
          const l = org.get('Lead', id);
          if (l) l.LastActivityDate = isoDate(at);
          if (l?.Status === 'Open - Not Contacted')
            org.update('Lead', id, { Status: 'Working - Contacted' }, at);
        },
      });
    for (const at of [...calls, ...laterCalls]) if (at <= now) logTask(at, 'Call');
    for (const at of [...emails, ...laterEmails]) if (at <= now) logTask(at, 'Email');
    for (const at of meetings)
      if (at <= now)
        ops.push({
          at: at - 3 * DAY,
          run: () => {
            org.insert(
              'Event',
              { WhoId: id, Subject: 'Meeting', ActivityDateTime: at, DurationInMinutes: 30 },
              Math.max(t0, at - 3 * DAY),
            );
          },
        });
    if (inCampaign)
      ops.push({
        at: t0,
        run: () => {
          org.insert(
            'CampaignMember',
            {
              LeadId: id,
              CampaignId:
                campaigns[Math.floor((t0 - start) / ((SPAN_DAYS * DAY) / campaigns.length))] ??
                campaigns[0],
              Status: responded ? 'Responded' : 'Sent',
              HasResponded: responded,
              FirstRespondedDate: respondedAt ? isoDate(respondedAt) : null,
            },
            t0,
          );
        },
      });

    if (convertAt !== null && convertAt <= now) {
      // A rep rates the lead Hot shortly before converting it: a trap for anyone who reads
      // Rating's current value instead of its history.
      const rateAt = convertAt - 2 * DAY;
      const withOpp = oppRoll < 0.8;
      const dealWin = sigmoid(dealWinLogit({ closeDays, amount, employees, seniority }));
      if (withOpp) truth.get(id)!.dealWin = dealWin;
      const closeAt = convertAt + closeDays * DAY;
      let oppId: string | null = null;
      // Halfway to its close date the deal reaches the proposal stage (stage history for
      // point-in-time deal features; no random draw, so the rest of the org is unchanged).
      const proposalAt = convertAt + Math.floor(closeDays / 2) * DAY;
      if (withOpp && proposalAt > convertAt && proposalAt <= now && proposalAt < closeAt)
        ops.push({
          at: proposalAt,
          run: () =>
            org.update(
              'Opportunity',
              oppId as string,
              { StageName: 'Proposal/Price Quote' },
              proposalAt,
            ),
        });
      if (withOpp && closeAt <= now) {
        const won = winRoll < dealWin;
        ops.push({
          at: closeAt,
          run: () =>
            org.update(
              'Opportunity',
              oppId as string,
              { StageName: won ? 'Closed Won' : 'Closed Lost', IsClosed: true, IsWon: won },
              closeAt,
            ),
        });
      }
      if (rateAt > asOf)
        ops.push({ at: rateAt, run: () => org.update('Lead', id, { Rating: 'Hot' }, rateAt) });
      ops.push({
        at: convertAt,
        run: () => {
          // With committees the Lead converts into its company's Account.
          const account = firm
            ? { Id: firm.accountId }
            : org.insert(
                'Account',
                {
                  Name: company,
                  Industry: industry,
                  NumberOfEmployees: employees,
                  OwnerId: org.userId,
                },
                convertAt,
              );
          const contact = org.insert(
            'Contact',
            {
              FirstName: first,
              LastName: last,
              Email: lead.Email,
              Title: title,
              AccountId: account.Id,
              OwnerId: org.userId,
            },
            convertAt,
          );
          // 80 % converted with an Opportunity (the rest with doNotCreateOpportunity).
          if (withOpp) {
            const opp = org.insert(
              'Opportunity',
              {
                Name: `${company} - new business`,
                AccountId: account.Id,
                StageName: 'Qualification',
                CloseDate: isoDate(closeAt),
                Amount: amount,
                IsClosed: false,
                IsWon: false,
                OwnerId: org.userId,
              },
              convertAt,
            );
            oppId = String(opp.Id);
          }
          org.update(
            'Lead',
            id,
            {
              Status: 'Closed - Converted',
              IsConverted: true,
              ConvertedDate: isoDate(convertAt),
              ConvertedAccountId: account.Id,
              ConvertedContactId: contact.Id,
              ConvertedOpportunityId: oppId,
            },
            convertAt,
          );
        },
      });
    } else if (!converts && closesNot && closeNotAt <= now) {
      ops.push({
        at: closeNotAt,
        run: () =>
          org.update('Lead', id, { Status: 'Closed - Not Converted', Rating: 'Cold' }, closeNotAt),
      });
    }
  }
  if (plan)
    ops.push(
      ...planAccountDeals(
        org,
        opts.seed,
        opts.leads,
        plan.companies,
        now,
        opts.accountTruth ?? new Map(),
      ),
      // Contacts created on the Accounts directly (no Lead), from their own stream.
      ...planDirectContacts(org, opts.seed, opts.leads, plan.companies, now),
    );
  // Stable order: by time, then by insertion.
  ops
    .map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.at - b.o.at || a.i - b.i)
    .forEach(({ o }) => o.run());
  return truth;
}
