/**
 * Which features a model sees. A spec lists CRM properties (typed from the CRM's own type) and
 * engineered signals. The admin adds any contact property, custom ones included, and removes
 * any field; personal data and LeadLens's own outputs can never become features.
 */
export type FeatureType = 'number' | 'category' | 'bool' | 'date' | 'multi';

export interface FeatureField {
  name: string;
  label: string;
  type: FeatureType;
  source: 'property' | 'engineered';
  /** How values read to a rep (CRM option labels, named engineered categories). */
  valueLabels?: Readonly<Record<string, string>>;
}

export interface FeatureSpec {
  fields: readonly FeatureField[];
  /** Properties asked for but left out, with the reason (shown to the admin). */
  skipped: ReadonlyArray<{ name: string; reason: string }>;
}

/** The subset of CrmPropertyMeta (src/crm/port) the spec needs; features may not import crm. */
export interface PropertyMetaLike {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  crmDefined?: boolean;
  options?: ReadonlyArray<{ value: string; label: string }>;
}

/** Option value → label, for enumeration properties that have options. */
function optionLabels(meta: PropertyMetaLike): Record<string, string> | undefined {
  if (!meta.options?.length) return undefined;
  return Object.fromEntries(meta.options.map((o) => [o.value, o.label]));
}

/** Counters whose history gives frequency, velocity and decayed activity. */
export const ACTIVITY_COUNTERS = {
  page_views: 'hs_analytics_num_page_views',
  visits: 'hs_analytics_num_visits',
  email_clicks: 'hs_email_click',
  email_opens: 'hs_email_open',
  form_submissions: 'num_conversion_events',
} as const;

/** Properties the engineered signals read (with history); first one present wins. */
export const ENGINEERED_INPUTS = {
  email: ['email'],
  jobTitle: ['jobtitle', 'title'],
  companySize: ['numemployees', 'company_size', 'num_employees', 'numberofemployees'],
  source: ['hs_analytics_source', 'hs_latest_source', 'leadsource'],
  lastVisit: ['hs_analytics_last_visit_timestamp'],
  lastEngagement: [
    'hs_last_sales_activity_timestamp',
    'notes_last_updated',
    'hs_email_last_open_date',
  ],
} as const;

/** Lifecycle properties labels are built from; read always, never features by themselves. */
export const LABEL_INPUTS = [
  'lifecyclestage',
  // Salesforce Lead conversion (the `lead_converted` definition).
  'isconverted',
  'converteddate',
  'hs_lifecyclestage_customer_date',
  'hs_lifecyclestage_salesqualifiedlead_date',
  'hs_lifecyclestage_opportunity_date',
] as const;

const prop = (name: string, label: string, type: FeatureType): FeatureField => ({
  name,
  label,
  type,
  source: 'property',
});
const eng = (name: string, label: string, type: FeatureType): FeatureField => ({
  name,
  label,
  type,
  source: 'engineered',
});

const VELOCITY_LABELS: Record<keyof typeof ACTIVITY_COUNTERS, string> = {
  page_views: 'Page views',
  visits: 'Visits',
  email_clicks: 'E-mail clicks',
  email_opens: 'E-mail opens',
  form_submissions: 'Form submissions',
};

/** Velocity is computed for the three counters the issue names; opens are too noisy. */
export const VELOCITY_COUNTERS = ['page_views', 'visits', 'email_clicks'] as const;

export const ENGINEERED_FIELDS: readonly FeatureField[] = [
  eng('contact_age_days', 'Days since the contact was created', 'number'),
  eng('days_since_last_visit', 'Days since the last website visit', 'number'),
  eng('days_since_last_engagement', 'Days since the last engagement', 'number'),
  ...VELOCITY_COUNTERS.flatMap((k) => [
    eng(`${k}_last_7d`, `${VELOCITY_LABELS[k]} in the last 7 days`, 'number'),
    eng(`${k}_trend_7d`, `${VELOCITY_LABELS[k]}: last 7 days minus the 7 before`, 'number'),
    eng(`${k}_last_30d`, `${VELOCITY_LABELS[k]} in the last 30 days`, 'number'),
    eng(`${k}_trend_30d`, `${VELOCITY_LABELS[k]}: last 30 days minus the 30 before`, 'number'),
  ]),
  eng('activity_decayed', 'Recent activity (14-day half-life)', 'number'),
  {
    ...eng('email_domain_kind', 'E-mail domain', 'category'),
    valueLabels: {
      free: 'a free provider',
      corporate: 'a company domain',
      education: 'a school or university',
      missing: 'missing',
    },
  },
  {
    ...eng('seniority', 'Seniority', 'category'),
    valueLabels: {
      c_level: 'C-level',
      vp: 'VP',
      director: 'Director',
      manager: 'Manager',
      individual: 'Individual contributor',
      student_intern: 'Student or intern',
      unknown: 'unknown',
    },
  },
  eng('company_size_band', 'Company size', 'category'),
  eng('source', 'Source', 'category'),
];

export const DEFAULT_PROPERTY_FIELDS: readonly FeatureField[] = [
  prop('hs_analytics_num_page_views', 'Page views', 'number'),
  prop('hs_analytics_num_visits', 'Visits', 'number'),
  prop('hs_email_open', 'E-mail opens', 'number'),
  prop('hs_email_click', 'E-mail clicks', 'number'),
  prop('num_conversion_events', 'Form submissions', 'number'),
  prop('industry', 'Industry', 'category'),
  prop('country', 'Country', 'category'),
  prop('lifecyclestage', 'Lifecycle stage', 'category'),
  prop('hs_lead_status', 'Lead status', 'category'),
  // Salesforce Lead fields and the activity aggregates its adapter computes.
  prop('numberofemployees', 'Employees', 'number'),
  prop('annualrevenue', 'Annual revenue', 'number'),
  prop('activity_calls', 'Calls logged', 'number'),
  prop('activity_emails', 'E-mails logged', 'number'),
  prop('activity_meetings', 'Meetings held', 'number'),
  prop('campaign_responses', 'Campaign responses', 'number'),
];

export const DEFAULT_CONTACT_SPEC: FeatureSpec = {
  fields: [...DEFAULT_PROPERTY_FIELDS, ...ENGINEERED_FIELDS],
  skipped: [],
};

/**
 * Never features: personal data (identifies a person, says nothing a model may use fairly),
 * LeadLens's own outputs (a model must not learn from its previous scores), other vendors'
 * scores, and record bookkeeping.
 */
const NEVER = [
  /^(email|firstname|lastname|phone|mobilephone|fax|address|zip|city|salutation|date_of_birth)$/,
  /^(hs_object_id|createdate|lastmodifieddate|hs_lastmodifieddate|hs_createdate)$/,
  /^leadlens_/,
  /^hs_predictive/,
  /^hubspotscore$/,
  /^hs_(ip_|email_domain|additional_emails|calculated_|linkedin|twitter|facebook)/,
  /^(jobtitle|hs_all_owner_ids|hubspot_owner_id|hs_user_ids)/,
  // Salesforce Lead: the conversion outcome (the label itself), identity and bookkeeping.
  /^(isconverted|converted[a-z]*|lastactivitydate|systemmodstamp|lastmodifiedbyid|ownerid|createdbyid|company|title|firstname|lastname|phone|postalcode|state)$/,
];

export function isNeverFeature(name: string): boolean {
  return NEVER.some((re) => re.test(name));
}

export interface SpecOptions {
  /** Distinct non-empty values seen per string property; free-text strings need this. */
  distinctCounts?: Readonly<Record<string, number>>;
  /** A string property is a usable category only with at most this many values. */
  maxCategories?: number;
}

/** The feature type of a CRM property, or why it cannot be one. */
export function mapCrmType(
  meta: PropertyMetaLike,
  opts: SpecOptions = {},
): { type: FeatureType } | { reason: string } {
  const max = opts.maxCategories ?? 50;
  switch (meta.type) {
    case 'number':
      return { type: 'number' };
    case 'bool':
      return { type: 'bool' };
    case 'date':
    case 'datetime':
      return { type: 'date' };
    case 'enumeration':
      if (meta.fieldType === 'checkbox') return { type: 'multi' };
      if (meta.fieldType === 'booleancheckbox') return { type: 'bool' };
      return { type: 'category' };
    case 'string': {
      if (meta.fieldType === 'select' || meta.fieldType === 'radio') return { type: 'category' };
      const n = opts.distinctCounts?.[meta.name];
      if (n === undefined) {
        return { reason: 'free-text property whose number of distinct values is unknown' };
      }
      if (n > max) {
        return { reason: `free-text property with ${n} distinct values (at most ${max} usable)` };
      }
      return { type: 'category' };
    }
    default:
      return { reason: `CRM type '${meta.type}' is not supported as a feature` };
  }
}

/**
 * The portal's spec: the default contact properties the portal has, every `include`d property
 * typed from its CRM type, the engineered signals, minus `exclude` (property or engineered).
 */
export function specFromProperties(
  meta: readonly PropertyMetaLike[],
  include: readonly string[] = [],
  exclude: readonly string[] = [],
  opts: SpecOptions = {},
): FeatureSpec {
  const byName = new Map(meta.map((m) => [m.name, m]));
  const excluded = new Set(exclude);
  const fields: FeatureField[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  const seen = new Set<string>();

  for (const f of DEFAULT_PROPERTY_FIELDS) {
    const m = byName.get(f.name);
    if (!m || excluded.has(f.name)) continue;
    const mapped = mapCrmType(m, opts);
    // The portal's own type wins over our default guess (a portal may redefine a property).
    const labels = optionLabels(m);
    fields.push({
      ...f,
      label: m.label || f.label,
      type: 'type' in mapped ? mapped.type : f.type,
      ...(labels ? { valueLabels: labels } : {}),
    });
    seen.add(f.name);
  }
  for (const name of include) {
    if (seen.has(name) || excluded.has(name)) continue;
    seen.add(name);
    const m = byName.get(name);
    if (!m) {
      skipped.push({ name, reason: 'no contact property with this name exists in the CRM' });
      continue;
    }
    if (isNeverFeature(name)) {
      skipped.push({ name, reason: 'personal data or a score/bookkeeping property' });
      continue;
    }
    const mapped = mapCrmType(m, opts);
    if ('reason' in mapped) skipped.push({ name, reason: mapped.reason });
    else {
      const labels = optionLabels(m);
      fields.push({
        ...prop(name, m.label || name, mapped.type),
        ...(labels ? { valueLabels: labels } : {}),
      });
    }
  }
  // The engineered source reads hs_analytics_source (lower-cased): borrow its option labels.
  const sourceMeta = ENGINEERED_INPUTS.source.map((n) => byName.get(n)).find((m) => m?.options);
  const sourceLabels = sourceMeta && optionLabels(sourceMeta);
  for (const f of ENGINEERED_FIELDS) {
    if (excluded.has(f.name)) continue;
    if (f.name === 'source' && sourceLabels) {
      const lower = Object.entries(sourceLabels).map(([v, l]) => [v.toLowerCase(), l]);
      fields.push({ ...f, valueLabels: Object.fromEntries(lower) });
    } else fields.push(f);
  }
  return { fields, skipped };
}

/** The contact properties a sync must read, and those it must read with history. */
export function readPlan(spec: FeatureSpec): { read: string[]; history: string[] } {
  const names = new Set<string>(LABEL_INPUTS);
  for (const f of spec.fields) if (f.source === 'property') names.add(f.name);
  for (const n of Object.values(ACTIVITY_COUNTERS)) names.add(n);
  for (const group of Object.values(ENGINEERED_INPUTS)) for (const n of group) names.add(n);
  const history = [...names].sort();
  return { read: ['createdate', 'lastmodifieddate', ...history], history };
}
