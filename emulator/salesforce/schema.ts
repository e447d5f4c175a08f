/**
 * The emulated org's sObject schema: the standard fields LeadLens and the demo org use, typed
 * as describe reports them (field keys per jsforce src/types/common.ts DescribeSObjectResult /
 * Field). Custom fields are added at run time through the Tooling API and stay invisible (no
 * field-level security) until a FieldPermissions row grants them.
 */
export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'picklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'textarea';

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length?: number;
  precision?: number;
  scale?: number;
  custom: boolean;
  updateable: boolean;
  createable: boolean;
  nillable: boolean;
  calculated: boolean;
  picklist?: string[];
  picklistLabels?: Record<string, string>;
  /** Created through the Tooling API: its id there and FLS from permission sets. */
  toolingId?: string;
  restrictedPicklist?: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  /** Field-level security granted to the integration user (false = hidden everywhere). */
  visible: boolean;
  /** Long text areas (textarea > 255) cannot be filtered or sorted on. */
  filterable: boolean;
}

export interface SObjectDef {
  name: string;
  label: string;
  keyPrefix: string;
  custom: boolean;
  updateable: boolean;
  queryable: boolean;
  fields: FieldDef[];
  /** Lower-cased field name → field. */
  byName: Map<string, FieldDef>;
  /** Lower-cased relationship name → reference field. */
  byRelationship: Map<string, FieldDef>;
}

type Spec = Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>;

function field(s: Spec): FieldDef {
  const system = ['id'].includes(s.type);
  return {
    label: s.name.replace(/__c$/, '').replace(/_/g, ' '),
    custom: s.name.endsWith('__c'),
    updateable: !system,
    createable: !system,
    nillable: !system && s.type !== 'boolean',
    calculated: false,
    visible: true,
    filterable: !(s.type === 'textarea' && (s.length ?? 255) > 255),
    ...s,
  };
}

const ro = (s: Spec): Spec => ({ ...s, updateable: false, createable: false });
const ref = (name: string, to: string, relationshipName: string, extra: Partial<Spec> = {}) =>
  ({ name, type: 'reference', referenceTo: [to], relationshipName, length: 18, ...extra }) as Spec;
const pick = (name: string, values: string[], extra: Partial<Spec> = {}): Spec => ({
  name,
  type: 'picklist',
  picklist: values,
  length: 255,
  ...extra,
});

const AUDIT: Spec[] = [
  { name: 'Id', type: 'id', length: 18 },
  ro({ name: 'IsDeleted', type: 'boolean' }),
  ro({ name: 'CreatedDate', type: 'datetime' }),
  ro(ref('CreatedById', 'User', 'CreatedBy')),
  ro({ name: 'LastModifiedDate', type: 'datetime' }),
  ro({ name: 'SystemModstamp', type: 'datetime' }),
];

/** Picklist values from the Lead field reference (salesforce_field_reference_Lead.htm). */
export const LEAD_STATUS = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];
export const LEAD_SOURCE = [
  'Web',
  'Phone Inquiry',
  'Partner Referral',
  'Purchased List',
  'Advertisement',
  'Employee Referral',
  'External Referral',
  'Trade Show',
  'Word of mouth',
  'Other',
];
export const INDUSTRY = [
  'Technology',
  'Finance',
  'Healthcare',
  'Manufacturing',
  'Retail',
  'Education',
  'Consulting',
  'Media',
  'Not For Profit',
  'Transportation',
];
export const RATING = ['Hot', 'Warm', 'Cold'];
/**
 * OpportunityContactRole.Role values the demo org uses. Each org defines its own (the field is
 * a picklist, length 255 in the field reference); this list is not a sourced default and the
 * adapter reads no meaning from it.
 */
export const OPPORTUNITY_CONTACT_ROLES = [
  'Business User',
  'Decision Maker',
  'Economic Buyer',
  'Economic Decision Maker',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Technical Buyer',
  'Other',
];
export const STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
];

const OBJECTS: Array<{ name: string; label: string; keyPrefix: string; fields: Spec[] }> = [
  {
    name: 'Lead',
    label: 'Lead',
    keyPrefix: '00Q',
    fields: [
      ...AUDIT,
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', length: 80, nillable: false },
      { name: 'Company', type: 'string', length: 255, nillable: false },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'phone', length: 40 },
      pick('LeadSource', LEAD_SOURCE),
      pick('Industry', INDUSTRY),
      pick('Rating', RATING),
      pick('Status', LEAD_STATUS, { nillable: false }),
      { name: 'NumberOfEmployees', type: 'int', precision: 8, scale: 0 },
      { name: 'AnnualRevenue', type: 'currency', precision: 18, scale: 0 },
      { name: 'Country', type: 'string', length: 80 },
      { name: 'State', type: 'string', length: 80 },
      { name: 'PostalCode', type: 'string', length: 20 },
      { name: 'HasOptedOutOfEmail', type: 'boolean' },
      ref('OwnerId', 'User', 'Owner'),
      ro({ name: 'IsConverted', type: 'boolean' }),
      ro({ name: 'ConvertedDate', type: 'date' }),
      ro(ref('ConvertedAccountId', 'Account', 'ConvertedAccount')),
      ro(ref('ConvertedContactId', 'Contact', 'ConvertedContact')),
      ro(ref('ConvertedOpportunityId', 'Opportunity', 'ConvertedOpportunity')),
      ro({ name: 'LastActivityDate', type: 'date' }),
    ],
  },
  {
    name: 'Account',
    label: 'Account',
    keyPrefix: '001',
    fields: [
      ...AUDIT,
      { name: 'Name', type: 'string', length: 255, nillable: false },
      pick('Industry', INDUSTRY),
      { name: 'NumberOfEmployees', type: 'int', precision: 8, scale: 0 },
      ref('OwnerId', 'User', 'Owner'),
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    keyPrefix: '003',
    fields: [
      ...AUDIT,
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', length: 80, nillable: false },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Title', type: 'string', length: 128 },
      // The mailing address's components (Address Compound Fields: "known as MailingCity on
      // Contact", …), as on Lead without the prefix; Street is a textarea there.
      { name: 'MailingStreet', type: 'textarea', length: 255 },
      { name: 'MailingCity', type: 'string', length: 40 },
      { name: 'MailingState', type: 'string', length: 80 },
      { name: 'MailingPostalCode', type: 'string', length: 20 },
      { name: 'MailingCountry', type: 'string', length: 80 },
      ref('AccountId', 'Account', 'Account'),
      ref('OwnerId', 'User', 'Owner'),
    ],
  },
  {
    name: 'Opportunity',
    label: 'Opportunity',
    keyPrefix: '006',
    fields: [
      ...AUDIT,
      { name: 'Name', type: 'string', length: 120, nillable: false },
      ref('AccountId', 'Account', 'Account'),
      pick('StageName', STAGES, { nillable: false }),
      { name: 'CloseDate', type: 'date', nillable: false },
      { name: 'Amount', type: 'currency', precision: 18, scale: 2 },
      ro({ name: 'IsClosed', type: 'boolean' }),
      ro({ name: 'IsWon', type: 'boolean' }),
      ref('OwnerId', 'User', 'Owner'),
    ],
  },
  {
    // Object reference (object-opportunitycontactrole) and field reference: OpportunityId
    // required, not updateable after create; ContactId a Contact; Role a picklist (255);
    // IsPrimary defaulted false ("Each Opportunity has only one primary contact").
    name: 'OpportunityContactRole',
    label: 'Opportunity Contact Role',
    keyPrefix: '00K',
    fields: [
      ...AUDIT,
      ref('OpportunityId', 'Opportunity', 'Opportunity', { nillable: false, updateable: false }),
      ref('ContactId', 'Contact', 'Contact'),
      pick('Role', OPPORTUNITY_CONTACT_ROLES),
      { name: 'IsPrimary', type: 'boolean' },
    ],
  },
  {
    name: 'Task',
    label: 'Task',
    keyPrefix: '00T',
    fields: [
      ...AUDIT,
      // WhoId is polymorphic: "a Contact or a Lead" (Task and Event field references). Lead
      // first: the emulator follows `Who.` into the first target only.
      ref('WhoId', 'Lead', 'Who', { referenceTo: ['Lead', 'Contact'] }),
      // Task field reference (sforce_api_objects_task.htm): OwnerId, Description (32,000),
      // Priority (High / Normal / Low) beside Subject, ActivityDate and Status.
      ref('OwnerId', 'User', 'Owner'),
      { name: 'Subject', type: 'string', length: 255 },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'ActivityDate', type: 'date' },
      pick('Priority', ['High', 'Normal', 'Low']),
      pick('TaskSubtype', ['Task', 'Email', 'Call']),
      pick('Status', ['Not Started', 'In Progress', 'Completed']),
    ],
  },
  {
    name: 'Event',
    label: 'Event',
    keyPrefix: '00U',
    fields: [
      ...AUDIT,
      ref('WhoId', 'Lead', 'Who', { referenceTo: ['Lead', 'Contact'] }),
      { name: 'Subject', type: 'string', length: 255 },
      { name: 'ActivityDateTime', type: 'datetime' },
      { name: 'DurationInMinutes', type: 'int', precision: 8, scale: 0 },
    ],
  },
  {
    name: 'CampaignMember',
    label: 'Campaign Member',
    keyPrefix: '00v',
    fields: [
      ...AUDIT,
      ref('LeadId', 'Lead', 'Lead'),
      { name: 'CampaignId', type: 'reference', length: 18, referenceTo: ['Campaign'] },
      pick('Status', ['Sent', 'Responded']),
      ro({ name: 'HasResponded', type: 'boolean' }),
      { name: 'FirstRespondedDate', type: 'date' },
    ],
  },
  {
    name: 'LeadHistory',
    label: 'Lead History',
    keyPrefix: '017',
    fields: [
      ro({ name: 'Id', type: 'id', length: 18 }),
      ro({ name: 'IsDeleted', type: 'boolean' }),
      ro(ref('LeadId', 'Lead', 'Lead')),
      ro({ name: 'CreatedDate', type: 'datetime' }),
      ro({ name: 'Field', type: 'picklist', length: 255 }),
      ro({ name: 'DataType', type: 'string', length: 255 }),
      ro({ name: 'OldValue', type: 'string', length: 255 }),
      ro({ name: 'NewValue', type: 'string', length: 255 }),
    ],
  },
  {
    name: 'OpportunityFieldHistory',
    label: 'Opportunity Field History',
    keyPrefix: '017',
    fields: [
      ro({ name: 'Id', type: 'id', length: 18 }),
      ro({ name: 'IsDeleted', type: 'boolean' }),
      ro(ref('OpportunityId', 'Opportunity', 'Opportunity')),
      ro({ name: 'CreatedDate', type: 'datetime' }),
      ro({ name: 'Field', type: 'picklist', length: 255 }),
      ro({ name: 'DataType', type: 'string', length: 255 }),
      ro({ name: 'OldValue', type: 'string', length: 255 }),
      ro({ name: 'NewValue', type: 'string', length: 255 }),
    ],
  },
  {
    name: 'PermissionSet',
    label: 'Permission Set',
    keyPrefix: '0PS',
    fields: [
      { name: 'Id', type: 'id', length: 18 },
      { name: 'Name', type: 'string', length: 80, nillable: false },
      { name: 'Label', type: 'string', length: 80, nillable: false },
    ],
  },
  {
    name: 'PermissionSetAssignment',
    label: 'Permission Set Assignment',
    keyPrefix: '0Pa',
    fields: [
      { name: 'Id', type: 'id', length: 18 },
      { name: 'AssigneeId', type: 'reference', length: 18, referenceTo: ['User'], nillable: false },
      ref('PermissionSetId', 'PermissionSet', 'PermissionSet', { nillable: false }),
    ],
  },
  {
    name: 'FieldPermissions',
    label: 'Field Permissions',
    keyPrefix: '01k',
    fields: [
      { name: 'Id', type: 'id', length: 18 },
      ref('ParentId', 'PermissionSet', 'Parent', { nillable: false }),
      { name: 'SobjectType', type: 'string', length: 255, nillable: false },
      { name: 'Field', type: 'string', length: 255, nillable: false },
      { name: 'PermissionsRead', type: 'boolean' },
      { name: 'PermissionsEdit', type: 'boolean' },
    ],
  },
];

/** Objects whose tracked fields write history rows, and the tracked fields (≤ 20 per object). */
export const HISTORY_OF: Record<string, { object: string; parentField: string; fields: string[] }> =
  {
    Lead: {
      object: 'LeadHistory',
      parentField: 'LeadId',
      fields: ['Status', 'Rating', 'Industry'],
    },
    Opportunity: {
      object: 'OpportunityFieldHistory',
      parentField: 'OpportunityId',
      fields: ['StageName', 'Amount', 'CloseDate'],
    },
  };

export function index(def: Omit<SObjectDef, 'byName' | 'byRelationship'>): SObjectDef {
  const out: SObjectDef = { ...def, byName: new Map(), byRelationship: new Map() };
  reindex(out);
  return out;
}

export function reindex(def: SObjectDef): void {
  def.byName.clear();
  def.byRelationship.clear();
  for (const f of def.fields) {
    def.byName.set(f.name.toLowerCase(), f);
    if (f.relationshipName) def.byRelationship.set(f.relationshipName.toLowerCase(), f);
  }
}

export function buildSchema(): Map<string, SObjectDef> {
  const out = new Map<string, SObjectDef>();
  for (const o of OBJECTS) {
    out.set(
      o.name.toLowerCase(),
      index({
        name: o.name,
        label: o.label,
        keyPrefix: o.keyPrefix,
        custom: false,
        updateable: !o.name.endsWith('History'),
        queryable: true,
        fields: o.fields.map(field),
      }),
    );
  }
  return out;
}

export { field as makeField };
