/**
 * The LeadLens custom fields on Salesforce Lead, Contact and Account: one definition that the DX project
 * (`npm run build:salesforce`, metadata XML) and the jsforce adapter's provisioning (Tooling API
 * `CustomField` create, permission-set grant) both read, so the fields an org gets by deploying
 * the package and by letting LeadLens provision them are the same fields.
 *
 * Names come from `SALESFORCE_FIELDS` (properties.ts); types follow the HubSpot properties
 * (src/crm/hubspot/provision.ts): a number, a picklist with stable values `tier_1`… (labels are
 * the admin's, as on HubSpot), JSON factors in a Long Text Area (32,768 characters, which the
 * card reads through Lightning Data Service), a DateTime, the score change, the jump flag.
 */
import { SALESFORCE_FIELDS, type LEADLENS_PROPERTIES } from './properties';
import { DEFAULT_SETTINGS, type Tier } from './settings';

/**
 * The objects whose records carry a score (DESIGN.md: Lead, and Contact like HubSpot; Account
 * carries the account score of its buying committee, and Opportunity the deal score — the
 * likelihood an open deal closes won — issue 16).
 */
export const SALESFORCE_SCORED_OBJECTS = ['Lead', 'Contact', 'Account', 'Opportunity'] as const;
export type SalesforceScoredObject = (typeof SALESFORCE_SCORED_OBJECTS)[number];

/**
 * The permission set granting read and edit on every LeadLens field (field-level security): a
 * new custom field is invisible to the API until granted. For the user LeadLens writes as.
 */
export const SALESFORCE_PERMISSION_SET = 'LeadLens';
/** Read-only on the same fields, for reps: a hand-edited score would contradict its factors. */
export const SALESFORCE_READ_PERMISSION_SET = 'LeadLens_Read';

export interface PicklistValue {
  /** The stable API value workflows and Flow Decisions compare against. */
  value: string;
  /** What users see: the tier label from the settings. */
  label: string;
}

/** The Metadata API `CustomField` shape of each field (the fields Tooling `Metadata` takes). */
export type SalesforceFieldType =
  | { type: 'Number'; precision: number; scale: number }
  | { type: 'Picklist'; restricted: true; values: PicklistValue[] }
  | { type: 'LongTextArea'; length: number; visibleLines: number }
  | { type: 'Text'; length: number }
  | { type: 'DateTime' }
  | { type: 'Checkbox'; defaultValue: false };

export type SalesforceFieldDef = {
  key: keyof typeof LEADLENS_PROPERTIES;
  /** API name without the object, e.g. `LeadLens_Score__c`. */
  apiName: string;
  label: string;
  description: string;
  inlineHelpText: string;
} & SalesforceFieldType;

/** Long Text Area's ceiling on Salesforce; the factors JSON stays far below (FACTORS_MAX_CHARS). */
export const LONG_TEXT_MAX = 32768;

/** Picklist values for the tiers of the settings, best first; values never change, labels may. */
export function tierPicklistValues(tiers: readonly Tier[]): PicklistValue[] {
  return tiers.map((t) => ({ value: t.value, label: t.label }));
}

/** Every LeadLens field with its type, for the tiers given (the default settings' unless said). */
export function salesforceFieldDefs(
  tiers: readonly Tier[] = DEFAULT_SETTINGS.tiers,
): SalesforceFieldDef[] {
  const F = SALESFORCE_FIELDS;
  return [
    {
      key: 'score',
      apiName: F.score,
      label: 'LeadLens score',
      description: 'Calibrated 0–100 likelihood to convert, from the published LeadLens model.',
      inlineHelpText: 'The higher, the likelier this record converts. Written by LeadLens.',
      type: 'Number',
      precision: 3,
      scale: 0,
    },
    {
      key: 'tier',
      apiName: F.tier,
      label: 'LeadLens tier',
      description: 'Tier of the score per the LeadLens settings; values are stable for Flows.',
      inlineHelpText: 'The tier thresholds are set in the LeadLens settings.',
      type: 'Picklist',
      restricted: true,
      values: tierPicklistValues(tiers),
    },
    {
      key: 'factors',
      apiName: F.factors,
      label: 'LeadLens factors',
      description: 'Top contributing factors with their points (JSON, read by the LeadLens card).',
      inlineHelpText: 'Machine-readable; the LeadLens card shows it as points.',
      type: 'LongTextArea',
      length: LONG_TEXT_MAX,
      visibleLines: 3,
    },
    {
      key: 'reasons',
      apiName: F.reasons,
      label: 'LeadLens reasons',
      description: 'The top factors as plain text, for list views, reports and e-mails.',
      inlineHelpText: 'Why the record has its score, strongest factor first.',
      type: 'LongTextArea',
      length: 4096,
      visibleLines: 3,
    },
    {
      key: 'modelVersion',
      apiName: F.modelVersion,
      label: 'LeadLens model version',
      description: 'Version of the model that produced the score.',
      inlineHelpText: 'The LeadLens model behind the score.',
      type: 'Text',
      length: 40,
    },
    {
      key: 'scoredAt',
      apiName: F.scoredAt,
      label: 'LeadLens scored at',
      description: 'When the score was computed.',
      inlineHelpText: 'When LeadLens last scored this record.',
      type: 'DateTime',
    },
    {
      key: 'scoreChange',
      apiName: F.scoreChange,
      label: 'LeadLens score change',
      description: 'Points gained or lost since the previous score.',
      inlineHelpText: 'Points since the previous score; negative when it dropped.',
      type: 'Number',
      // ±100 needs 3 digits; 4 leaves room without truncating a malformed write.
      precision: 4,
      scale: 0,
    },
    {
      key: 'scoreJump',
      apiName: F.scoreJump,
      label: 'LeadLens score jump',
      description: 'True when the score moved by at least the jump threshold of the settings.',
      inlineHelpText: 'Set when the last score moved by the jump threshold or more.',
      type: 'Checkbox',
      defaultValue: false,
    },
  ];
}

/**
 * A field's Metadata API `CustomField` body, without `fullName`: what Tooling
 * `POST /tooling/sobjects/CustomField` takes as `Metadata` (with `FullName: 'Lead.<apiName>'`)
 * and what the DX project's .field-meta.xml holds, so both paths create the same field.
 */
export function customFieldMetadata(def: SalesforceFieldDef): Record<string, unknown> {
  const common = {
    label: def.label,
    description: def.description,
    inlineHelpText: def.inlineHelpText,
    type: def.type,
  };
  switch (def.type) {
    case 'Number':
      return { ...common, precision: def.precision, scale: def.scale, required: false };
    case 'Text':
      return { ...common, length: def.length, required: false, unique: false };
    case 'LongTextArea':
      return { ...common, length: def.length, visibleLines: def.visibleLines };
    case 'DateTime':
      return { ...common, required: false };
    case 'Checkbox':
      return { ...common, defaultValue: def.defaultValue };
    case 'Picklist':
      return {
        ...common,
        required: false,
        valueSet: {
          restricted: def.restricted,
          valueSetDefinition: {
            sorted: false,
            value: def.values.map((v) => ({ fullName: v.value, default: false, label: v.label })),
          },
        },
      };
  }
}
