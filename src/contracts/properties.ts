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
