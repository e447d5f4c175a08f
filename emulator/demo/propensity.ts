/**
 * The hidden ground truth: P(contact becomes customer within 120 days after asOf), a
 * deterministic function of what the portal shows at asOf (firmographics + property history
 * up to asOf). No hidden per-contact noise enters it, so a model that reads the same history
 * can in principle recover it; the only randomness left is the label draw.
 */
export const HORIZON_DAYS = 120;
export const SNAPSHOT_DAYS = 30;

export interface Observables {
  /** Page views, visits, pricing-page views, forms, e-mail opens/clicks: counters at asOf. */
  pageViews: number;
  visits: number;
  /** Visits in the 7 days up to asOf (recency). */
  visitsLast7d: number;
  pricingViews: number;
  demoRequested: boolean;
  forms: number;
  emailClicks: number;
  /** Index into numemployees ranges, 0 (1-5) … 6 (1000+). */
  sizeIndex: number;
  /** 0 intern/student … 5 C-level, as expressed by the job title. */
  seniority: number;
  emailKind: 'corporate' | 'free' | 'education';
  source: string;
  industry: string;
  /** Position of asOf in the portal's calendar span, 0 (oldest) … 1 (newest). */
  calendar: number;
}

const SOURCE_EFFECT: Record<string, number> = {
  REFERRALS: 0.5,
  OFFLINE: 0.35,
  AI_REFERRALS: 0.3,
  PAID_SEARCH: 0.2,
  ORGANIC_SEARCH: 0.1,
  EMAIL_MARKETING: 0.05,
  DIRECT_TRAFFIC: 0,
  OTHER_CAMPAIGNS: -0.1,
  PAID_SOCIAL: -0.25,
  SOCIAL_MEDIA: -0.35,
};
const INDUSTRY_EFFECT: Record<string, number> = {
  COMPUTER_SOFTWARE: 0.35,
  FINANCIAL_SERVICES: 0.2,
  MARKETING_AND_ADVERTISING: 0.2,
  MANUFACTURING: 0.1,
  HOSPITAL_HEALTH_CARE: 0,
  LOGISTICS_AND_SUPPLY_CHAIN: 0,
  RETAIL: -0.2,
  REAL_ESTATE: -0.2,
  EDUCATION_MANAGEMENT: -0.4,
  NONPROFIT_ORGANIZATION_MANAGEMENT: -0.5,
};
/** Calibrated so that about a fifth of contacts convert (see emulator/README.md). */
export const INTERCEPT = -3.3;

export function propensityLogit(o: Observables): number {
  let z = INTERCEPT;
  z += 1.5 * (1 - Math.exp(-o.pageViews / 12)); // saturating: the 40th page view adds little
  z += 1.0 * (1 - Math.exp(-o.visitsLast7d / 1.5)); // recent visits weigh more than old ones
  z += 0.15 * Math.log1p(o.visits);
  z += (1.1 * Math.min(o.pricingViews, 4)) / 4;
  z += 0.9 * (o.demoRequested ? 1 : 0);
  z += 0.9 * (o.demoRequested && o.pricingViews >= 2 ? 1 : 0); // interaction: intent × interest
  z += 0.35 * Math.min(o.forms, 3);
  z += 0.25 * Math.log1p(o.emailClicks);
  z -= 0.12 * (o.sizeIndex - 3.5) ** 2; // optimum: mid-market (50–500 employees)
  z += 0.15 * o.seniority;
  z += 0.6 * (o.seniority >= 3 && o.sizeIndex >= 4 ? 1 : 0); // decision makers at large firms
  z += o.emailKind === 'free' ? -0.4 : o.emailKind === 'education' ? -1.1 : 0;
  z += SOURCE_EFFECT[o.source] ?? 0;
  // Drift: the market warms over time, and paid search loses its edge.
  z += 0.6 * (o.calendar - 0.5);
  if (o.source === 'PAID_SEARCH') z -= 0.6 * o.calendar;
  z += INDUSTRY_EFFECT[o.industry] ?? 0;
  return z;
}

export function propensity(o: Observables): number {
  return 1 / (1 + Math.exp(-propensityLogit(o)));
}

/** HubSpot's own "likelihood to close" ignores custom properties (pricing views, demo). */
export function hubspotStyleScore(o: Observables): number {
  const z = propensityLogit({ ...o, pricingViews: 0, demoRequested: false });
  return Math.round(10000 / (1 + Math.exp(-(z + 0.5)))) / 100;
}
