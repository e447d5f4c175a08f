/**
 * Property and property-group definitions per object type, seeded with the HubSpot-defined
 * properties LeadLens reads plus the demo generator's custom ones.
 */
import { type ObjectTypeName } from './types';

/** The property types of the properties v3 spec (`type` enum of PropertyCreate). */
export type PropertyType =
  'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';
export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}
export interface PropertyDef {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  options: PropertyOption[];
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  calculated: boolean;
  hasUniqueValue: boolean;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  /** Column index into each record's head pointer array. */
  idx: number;
}
export interface PropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Allowed fieldType per type (HubSpot's pairs). */
export const FIELD_TYPES: Record<PropertyType, string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
  phone_number: ['phonenumber'],
};

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
export const ANALYTICS_SOURCES = [
  'ORGANIC_SEARCH',
  'PAID_SEARCH',
  'EMAIL_MARKETING',
  'SOCIAL_MEDIA',
  'REFERRALS',
  'OTHER_CAMPAIGNS',
  'DIRECT_TRAFFIC',
  'OFFLINE',
  'PAID_SOCIAL',
  'AI_REFERRALS',
];
export const EMPLOYEE_RANGES = ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'];
export const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'FINANCIAL_SERVICES',
  'HOSPITAL_HEALTH_CARE',
  'RETAIL',
  'MANUFACTURING',
  'EDUCATION_MANAGEMENT',
  'MARKETING_AND_ADVERTISING',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'REAL_ESTATE',
  'NONPROFIT_ORGANIZATION_MANAGEMENT',
];
export const DEAL_STAGES: Array<[string, string, string, string]> = [
  // id, label, isClosed, probability
  ['appointmentscheduled', 'Appointment Scheduled', 'false', '0.2'],
  ['qualifiedtobuy', 'Qualified To Buy', 'false', '0.4'],
  ['presentationscheduled', 'Presentation Scheduled', 'false', '0.6'],
  ['decisionmakerboughtin', 'Decision Maker Bought-In', 'false', '0.8'],
  ['contractsent', 'Contract Sent', 'false', '0.9'],
  ['closedwon', 'Closed Won', 'true', '1.0'],
  ['closedlost', 'Closed Lost', 'true', '0.0'],
];
export const LEAD_STAGES: Array<[string, string]> = [
  ['new-stage-id', 'New'],
  ['attempting-stage-id', 'Attempting'],
  ['connected-stage-id', 'Connected'],
  ['qualified-stage-id', 'Qualified'],
  ['unqualified-stage-id', 'Disqualified'],
];

type Seed = [
  name: string,
  type: PropertyType,
  group: string,
  flags?: string,
  options?: Array<string | [string, string]>,
];
// flags: r = read-only value, c = calculated, u = unique, x = custom (not HubSpot-defined)
const CONTACT: Seed[] = [
  ['email', 'string', 'contactinformation', 'u'],
  ['firstname', 'string', 'contactinformation'],
  ['lastname', 'string', 'contactinformation'],
  ['jobtitle', 'string', 'contactinformation'],
  ['company', 'string', 'contactinformation'],
  ['phone', 'string', 'contactinformation'],
  ['city', 'string', 'contactinformation'],
  ['country', 'string', 'contactinformation'],
  ['industry', 'string', 'contactinformation'],
  ['website', 'string', 'contactinformation'],
  ['numemployees', 'enumeration', 'contactinformation', '', EMPLOYEE_RANGES],
  ['hs_object_id', 'number', 'contactinformation', 'rc'],
  ['createdate', 'datetime', 'contactinformation'],
  ['lastmodifieddate', 'datetime', 'contactinformation', 'rc'],
  ['hs_lastmodifieddate', 'datetime', 'contactinformation', 'rc'],
  ['lifecyclestage', 'enumeration', 'contactinformation', '', LIFECYCLE_STAGES],
  ...LIFECYCLE_STAGES.map((s): Seed => [
    `hs_lifecyclestage_${s}_date`,
    'datetime',
    'contactinformation',
    'rc',
  ]),
  [
    'hs_lead_status',
    'enumeration',
    'sales_properties',
    '',
    [
      'NEW',
      'OPEN',
      'IN_PROGRESS',
      'OPEN_DEAL',
      'UNQUALIFIED',
      'ATTEMPTED_TO_CONTACT',
      'CONNECTED',
      'BAD_TIMING',
    ],
  ],
  ['hs_analytics_source', 'enumeration', 'analyticsinformation', 'r', ANALYTICS_SOURCES],
  ['hs_analytics_num_page_views', 'number', 'analyticsinformation', 'rc'],
  ['hs_analytics_num_visits', 'number', 'analyticsinformation', 'rc'],
  ['hs_analytics_last_visit_timestamp', 'datetime', 'analyticsinformation', 'rc'],
  ['hs_email_open', 'number', 'emailinformation', 'rc'],
  ['hs_email_click', 'number', 'emailinformation', 'rc'],
  ['hs_email_delivered', 'number', 'emailinformation', 'rc'],
  ['hs_email_bounce', 'number', 'emailinformation', 'rc'],
  ['num_conversion_events', 'number', 'conversioninformation', 'rc'],
  ['num_associated_deals', 'number', 'sales_properties', 'rc'],
  // The contact owner: spike tasks go to them. Numeric owner ids, as on tasks (no owners API).
  ['hubspot_owner_id', 'number', 'sales_properties'],
  ['notes_last_contacted', 'datetime', 'sales_properties', 'rc'],
  ['hs_predictivecontactscore_v2', 'number', 'contactinformation', 'rc'],
  [
    'hs_predictivescoringtier',
    'enumeration',
    'contactinformation',
    'rc',
    [
      ['tier_1', 'Very high'],
      ['tier_2', 'High'],
      ['tier_3', 'Medium'],
      ['tier_4', 'Low'],
      ['closed_won', 'Closed won'],
    ],
  ],
  ['pricing_page_views', 'number', 'demo_signals', 'x'],
  ['demo_requested', 'bool', 'demo_signals', 'x'],
  ['web_sessions_total', 'number', 'demo_signals', 'x'],
  ['onboarding_status', 'enumeration', 'demo_signals', 'x', ['not_started', 'in_progress', 'live']],
  ['contract_signed_date', 'date', 'demo_signals', 'x'],
];
const COMPANY: Seed[] = [
  ['name', 'string', 'companyinformation'],
  ['domain', 'string', 'companyinformation', 'u'],
  ['website', 'string', 'companyinformation'],
  ['industry', 'enumeration', 'companyinformation', '', INDUSTRIES],
  ['numberofemployees', 'number', 'companyinformation'],
  ['annualrevenue', 'number', 'companyinformation'],
  ['country', 'string', 'companyinformation'],
  ['city', 'string', 'companyinformation'],
  ['lifecyclestage', 'enumeration', 'companyinformation', '', LIFECYCLE_STAGES],
  ['createdate', 'datetime', 'companyinformation'],
  ['hs_lastmodifieddate', 'datetime', 'companyinformation', 'rc'],
  ['hs_object_id', 'number', 'companyinformation', 'rc'],
];
const DEAL: Seed[] = [
  ['dealname', 'string', 'dealinformation'],
  ['amount', 'number', 'dealinformation'],
  ['pipeline', 'enumeration', 'dealinformation', '', [['default', 'Sales Pipeline']]],
  ['dealstage', 'enumeration', 'dealinformation', '', DEAL_STAGES.map((s) => [s[0], s[1]])],
  ['dealtype', 'enumeration', 'dealinformation', '', ['newbusiness', 'existingbusiness']],
  ['closedate', 'datetime', 'dealinformation'],
  ['closed_lost_reason', 'string', 'dealinformation'],
  ['createdate', 'datetime', 'dealinformation'],
  ['hs_lastmodifieddate', 'datetime', 'dealinformation', 'rc'],
  ['hs_object_id', 'number', 'dealinformation', 'rc'],
  ['hs_is_closed', 'bool', 'dealinformation', 'rc'],
  ['hs_is_closed_won', 'bool', 'dealinformation', 'rc'],
  ['hs_deal_stage_probability', 'number', 'dealinformation', 'rc'],
];
const LEAD: Seed[] = [
  ['hs_lead_name', 'string', 'lead_information'],
  ['hs_pipeline', 'enumeration', 'lead_information', '', [['lead-pipeline-id', 'Lead pipeline']]],
  ['hs_pipeline_stage', 'enumeration', 'lead_information', '', LEAD_STAGES],
  [
    'hs_lead_type',
    'enumeration',
    'lead_information',
    '',
    ['NEW_BUSINESS', 'UPSELL', 'RE_ATTEMPTING'],
  ],
  ['hs_lead_label', 'enumeration', 'lead_information', '', ['HOT', 'WARM', 'COLD']],
  ['hs_createdate', 'datetime', 'lead_information', 'rc'],
  ['hs_lastmodifieddate', 'datetime', 'lead_information', 'rc'],
  ['hs_object_id', 'number', 'lead_information', 'rc'],
];
/**
 * Tasks (developers.hubspot.com/docs/api/crm/tasks): `hs_timestamp` (the due date) is
 * required; status, priority and type take the values that page lists (the stricter reading:
 * HubSpot's UI knows more statuses). Owner ids are numeric; the emulator has no owners API, so
 * any number is accepted.
 */
const TASK: Seed[] = [
  ['hs_timestamp', 'datetime', 'task_information'],
  ['hs_task_subject', 'string', 'task_information'],
  ['hs_task_body', 'string', 'task_information'],
  ['hs_task_status', 'enumeration', 'task_information', '', ['NOT_STARTED', 'COMPLETED']],
  ['hs_task_priority', 'enumeration', 'task_information', '', ['LOW', 'MEDIUM', 'HIGH']],
  ['hs_task_type', 'enumeration', 'task_information', '', ['EMAIL', 'CALL', 'TODO']],
  ['hubspot_owner_id', 'number', 'task_information'],
  ['hs_createdate', 'datetime', 'task_information', 'rc'],
  ['hs_lastmodifieddate', 'datetime', 'task_information', 'rc'],
  ['hs_object_id', 'number', 'task_information', 'rc'],
];
/** HubSpot's own labels for the standard properties (reasons on the card quote them). */
const LABELS: Record<string, string> = {
  email: 'Email',
  firstname: 'First Name',
  lastname: 'Last Name',
  jobtitle: 'Job Title',
  company: 'Company Name',
  industry: 'Industry',
  country: 'Country/Region',
  numemployees: 'Number of Employees',
  lifecyclestage: 'Lifecycle Stage',
  hs_lead_status: 'Lead Status',
  hs_analytics_source: 'Original Source',
  hs_analytics_num_page_views: 'Number of Pageviews',
  hs_analytics_num_visits: 'Number of Sessions',
  hs_analytics_last_visit_timestamp: 'Last Session Date',
  hs_email_open: 'Marketing emails opened',
  hs_email_click: 'Marketing emails clicked',
  hs_email_delivered: 'Marketing emails delivered',
  hs_email_bounce: 'Marketing emails bounced',
  num_conversion_events: 'Number of Form Submissions',
  num_associated_deals: 'Number of Associated Deals',
  notes_last_contacted: 'Last Contacted',
  hs_predictivecontactscore_v2: 'Likelihood to close',
  hs_predictivescoringtier: 'Contact priority',
  pricing_page_views: 'Pricing page views',
  demo_requested: 'Demo requested',
  web_sessions_total: 'Web sessions (total)',
  onboarding_status: 'Onboarding status',
  contract_signed_date: 'Contract signed date',
  createdate: 'Create Date',
  lastmodifieddate: 'Last Modified Date',
};

const SEEDS: Record<ObjectTypeName, Seed[]> = {
  contacts: CONTACT,
  companies: COMPANY,
  deals: DEAL,
  leads: LEAD,
  tasks: TASK,
};
const GROUPS: Record<ObjectTypeName, Array<[string, string]>> = {
  contacts: [
    ['contactinformation', 'Contact information'],
    ['analyticsinformation', 'Web analytics history'],
    ['emailinformation', 'Email information'],
    ['conversioninformation', 'Conversion information'],
    ['sales_properties', 'Sales properties'],
    ['demo_signals', 'Demo portal signals'],
  ],
  companies: [['companyinformation', 'Company information']],
  deals: [['dealinformation', 'Deal information']],
  leads: [['lead_information', 'Lead information']],
  tasks: [['task_information', 'Task information']],
};

const humanize = (s: string) =>
  s
    .replace(/^hs_/, '')
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());

export function defaultFieldType(type: PropertyType): string {
  return type === 'string'
    ? 'text'
    : type === 'number'
      ? 'number'
      : type === 'enumeration'
        ? 'select'
        : type === 'bool'
          ? 'booleancheckbox'
          : type === 'phone_number'
            ? 'phonenumber'
            : 'date';
}

/** The property catalogue of one object type. */
export class Schema {
  readonly props = new Map<string, PropertyDef>();
  readonly groups = new Map<string, PropertyGroup>();
  private nextIdx = 0;

  constructor(type: ObjectTypeName, epoch: number) {
    GROUPS[type].forEach(([name, label], i) =>
      this.groups.set(name, { name, label, displayOrder: i, archived: false }),
    );
    for (const [name, ptype, group, flags = '', options = []] of SEEDS[type]) {
      const opts = options.map((o, i): PropertyOption => {
        const [value, label] = typeof o === 'string' ? [o, humanize(o.toLowerCase())] : o;
        return { value, label, displayOrder: i, hidden: false };
      });
      if (ptype === 'bool')
        opts.push(
          { value: 'true', label: 'Yes', displayOrder: 0, hidden: false },
          { value: 'false', label: 'No', displayOrder: 1, hidden: false },
        );
      this.add({
        name,
        label: LABELS[name] ?? humanize(name),
        type: ptype,
        fieldType: defaultFieldType(ptype),
        groupName: group,
        description: '',
        displayOrder: -1,
        hidden: false,
        formField: !flags.includes('r'),
        options: opts,
        hubspotDefined: !flags.includes('x'),
        readOnlyValue: flags.includes('r'),
        calculated: flags.includes('c'),
        hasUniqueValue: flags.includes('u'),
        createdAt: epoch,
        updatedAt: epoch,
        archived: false,
      });
    }
  }

  add(def: Omit<PropertyDef, 'idx'>): PropertyDef {
    const existing = this.props.get(def.name);
    const full: PropertyDef = { ...def, idx: existing ? existing.idx : this.nextIdx++ };
    this.props.set(def.name, full);
    return full;
  }

  get(name: string): PropertyDef | undefined {
    const p = this.props.get(name);
    return p && !p.archived ? p : undefined;
  }

  get width(): number {
    return this.nextIdx;
  }
}
