/** The CRM properties LeadLens owns (DESIGN.md "Contracts worth keeping stable"). */
export const LEADLENS_GROUP = 'leadlens';

export const LEADLENS_PROPERTIES = {
  score: 'leadlens_score',
  tier: 'leadlens_tier',
  factors: 'leadlens_factors',
  reasons: 'leadlens_reasons',
  modelVersion: 'leadlens_model_version',
  scoredAt: 'leadlens_scored_at',
  scoreChange: 'leadlens_score_change',
  scoreJump: 'leadlens_score_jump',
} as const;

export type LeadLensPropertyName = (typeof LEADLENS_PROPERTIES)[keyof typeof LEADLENS_PROPERTIES];

export const LEADLENS_PROPERTY_NAMES: readonly string[] = Object.values(LEADLENS_PROPERTIES);

/**
 * Deals and companies carry the same properties under their own prefix, so a deal workflow or
 * report never confuses a deal's score with its contact's: `leadlens_deal_score`,
 * `leadlens_account_tier`, … The pipeline (ledger, write plan) speaks the contact names; the
 * CRM adapter renames at its edge.
 */
export const OBJECT_PROPERTY_PREFIX = {
  deal: 'leadlens_deal_',
  company: 'leadlens_account_',
} as const;

/** The CRM name of one of our properties on `objectType`. */
export function crmPropertyName(objectType: string, name: string): string {
  const prefix = OBJECT_PROPERTY_PREFIX[objectType as keyof typeof OBJECT_PROPERTY_PREFIX];
  return prefix && name.startsWith('leadlens_') ? prefix + name.slice('leadlens_'.length) : name;
}

/** The pipeline's name of a CRM property of `objectType` (inverse of `crmPropertyName`). */
export function pipelinePropertyName(objectType: string, crmName: string): string {
  const prefix = OBJECT_PROPERTY_PREFIX[objectType as keyof typeof OBJECT_PROPERTY_PREFIX];
  return prefix && crmName.startsWith(prefix)
    ? 'leadlens_' + crmName.slice(prefix.length)
    : crmName;
}

/** Our own writes must never trigger our own rescoring (webhook loops). */
export function isLeadLensProperty(name: string): boolean {
  return name.startsWith('leadlens_');
}

/** Salesforce custom fields on Lead, one per HubSpot property. */
export const SALESFORCE_FIELDS: Record<keyof typeof LEADLENS_PROPERTIES, string> = {
  score: 'LeadLens_Score__c',
  tier: 'LeadLens_Tier__c',
  factors: 'LeadLens_Factors__c',
  reasons: 'LeadLens_Reasons__c',
  modelVersion: 'LeadLens_Model_Version__c',
  scoredAt: 'LeadLens_Scored_At__c',
  scoreChange: 'LeadLens_Score_Change__c',
  scoreJump: 'LeadLens_Score_Jump__c',
};
