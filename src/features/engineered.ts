/**
 * Engineered signals, each computed from what was known at `asOf` only. They summarise
 * history (recency, velocity, decayed activity) or turn personal-ish text into a coarse,
 * non-identifying category (domain kind, seniority, size band), so the raw text never leaves.
 */
import type { CrmRecord } from '../contracts/records';
import { ACTIVITY_COUNTERS, ENGINEERED_INPUTS, VELOCITY_COUNTERS } from './spec';
import { changesUpTo, DAY_MS, parseDate, parseNumber, valueAt, type FeatureValue } from './values';

const HALF_LIFE_DAYS = 14;

const FREE_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com',
  'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'live.com', 'msn.com',
  'aol.com', 'icloud.com', 'me.com', 'mac.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de',
  'mail.com', 'mail.ru', 'yandex.ru', 'yandex.com', 'protonmail.com', 'proton.me',
  'zoho.com', 'qq.com', '163.com', '126.com', 'naver.com', 'orange.fr', 'free.fr',
  'laposte.net', 't-online.de', 'libero.it', 'comcast.net', 'verizon.net', 'att.net',
]); // prettier-ignore

export function emailDomainKind(
  email: string | null,
): 'free' | 'corporate' | 'education' | 'missing' {
  const at = email?.lastIndexOf('@') ?? -1;
  if (!email || at < 0) return 'missing';
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (domain === '') return 'missing';
  if (FREE_DOMAINS.has(domain)) return 'free';
  if (/(^|\.)(edu|ac\.[a-z]{2}|edu\.[a-z]{2}|k12\.[a-z]{2}\.us|school|university)$/.test(domain)) {
    return 'education';
  }
  return 'corporate';
}

const SENIORITY: Array<[RegExp, string]> = [
  [/\b(intern|internship|student|trainee|apprentice|werkstudent)\b/i, 'student_intern'],
  [/\b(vp|svp|evp|avp|vice[\s-]+president)\b/i, 'vp'],
  [/\b(ceo|cto|cfo|coo|cmo|cio|cro|cpo|ciso|chief|founder|co-?founder|owner|president|partner)\b/i, 'c_level'],
  [/\b(director|head\s+of|head)\b/i, 'director'],
  [/\b(manager|mgr|lead|supervisor|team\s*lead)\b/i, 'manager'],
]; // prettier-ignore

export function seniority(title: string | null): string {
  const t = title?.trim();
  if (!t) return 'unknown';
  for (const [re, level] of SENIORITY) if (re.test(t)) return level;
  return 'individual';
}

/** Employee count → band. Accepts numbers and HubSpot's range values ("25-50", "1000+"). */
export function companySizeBand(raw: string | null): string {
  const s = raw?.replace(/[, ]/g, '') ?? '';
  const nums = (s.match(/\d+/g) ?? []).map(Number);
  if (nums.length === 0) return 'unknown';
  // A range counts as its midpoint; "1000+" as just above its bound.
  const n = nums.length >= 2 ? (nums[0] + nums[1]) / 2 : s.endsWith('+') ? nums[0] + 1 : nums[0];
  if (n <= 10) return '1-10';
  if (n <= 50) return '11-50';
  if (n <= 200) return '51-200';
  if (n <= 1000) return '201-1000';
  return '1001+';
}

function firstPresentAt(record: CrmRecord, names: readonly string[], asOf: number): string | null {
  for (const n of names) {
    const v = valueAt(record, n, asOf);
    if (v != null && v.trim() !== '') return v;
  }
  return null;
}

/**
 * A counter's value at time t: from history when there is some (0 before its first version,
 * since a counter that was never set has counted nothing), null when unknown.
 */
function counterAt(record: CrmRecord, property: string, t: number): number | null {
  const h = record.history[property];
  if (!h || h.length === 0) return null;
  return parseNumber(valueAt(record, property, t)) ?? 0;
}

const days = (ms: number) => Math.round((ms / DAY_MS) * 100) / 100;

export function engineeredSignals(record: CrmRecord, asOf: number): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  const created = parseDate(record.createdAt) ?? parseDate(record.properties.createdate);
  out.contact_age_days = created === null ? null : days(asOf - created);

  // Recency: the explicit timestamp property if known, else the last change of a counter.
  const lastVisit =
    parseDate(firstPresentAt(record, ENGINEERED_INPUTS.lastVisit, asOf)) ??
    lastChange(record, [ACTIVITY_COUNTERS.visits, ACTIVITY_COUNTERS.page_views], asOf);
  out.days_since_last_visit =
    lastVisit === null || lastVisit > asOf ? null : days(asOf - lastVisit);
  const engagementTimes = [
    ...ENGINEERED_INPUTS.lastEngagement.map((n) => parseDate(valueAt(record, n, asOf))),
    lastChange(record, Object.values(ACTIVITY_COUNTERS), asOf),
  ].filter((t): t is number => t !== null && t <= asOf);
  out.days_since_last_engagement = engagementTimes.length
    ? days(asOf - Math.max(...engagementTimes))
    : null;

  for (const k of VELOCITY_COUNTERS) {
    const p = ACTIVITY_COUNTERS[k];
    for (const w of [7, 30]) {
      const now = counterAt(record, p, asOf);
      const mid = counterAt(record, p, asOf - w * DAY_MS);
      const old = counterAt(record, p, asOf - 2 * w * DAY_MS);
      const last = now === null || mid === null ? null : now - mid;
      const before = mid === null || old === null ? null : mid - old;
      out[`${k}_last_${w}d`] = last;
      out[`${k}_trend_${w}d`] = last === null || before === null ? null : last - before;
    }
  }

  out.activity_decayed = decayedActivity(record, asOf);
  out.email_domain_kind = emailDomainKind(valueAt(record, ENGINEERED_INPUTS.email[0], asOf));
  out.seniority = seniority(firstPresentAt(record, ENGINEERED_INPUTS.jobTitle, asOf));
  out.company_size_band = companySizeBand(
    firstPresentAt(record, ENGINEERED_INPUTS.companySize, asOf),
  );
  const source = firstPresentAt(record, ENGINEERED_INPUTS.source, asOf);
  out.source = source ? source.trim().toLowerCase() : 'unknown';
  return out;
}

function lastChange(record: CrmRecord, properties: readonly string[], asOf: number): number | null {
  let last: number | null = null;
  for (const p of properties) {
    const ch = changesUpTo(record, p, asOf);
    // The first version is the counter being initialised, not necessarily an engagement,
    // unless it already counted something.
    for (let i = 0; i < ch.length; i++) {
      const v = parseNumber(ch[i].value) ?? 0;
      const prev = i === 0 ? 0 : (parseNumber(ch[i - 1].value) ?? 0);
      if (v > prev && (last === null || ch[i].t > last)) last = ch[i].t;
    }
  }
  return last;
}

/** Σ increments × 0.5^(age / half-life) over every activity counter's history up to asOf. */
function decayedActivity(record: CrmRecord, asOf: number): number | null {
  let total = 0;
  let known = false;
  for (const p of Object.values(ACTIVITY_COUNTERS)) {
    const ch = changesUpTo(record, p, asOf);
    if (ch.length) known = true;
    let prev = 0;
    for (const c of ch) {
      const v = parseNumber(c.value) ?? 0;
      if (v > prev) total += (v - prev) * Math.pow(0.5, (asOf - c.t) / (HALF_LIFE_DAYS * DAY_MS));
      prev = v;
    }
  }
  return known ? Math.round(total * 1000) / 1000 : null;
}
