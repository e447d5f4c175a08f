/**
 * CRM-neutral records: what a CRM adapter produces and what `features` consumes. Values stay
 * strings, as CRMs send them; typing happens in `features`, where the feature schema is known.
 */
import { z } from 'zod';

/** One recorded value of a property. `timestamp` is ISO-8601 with milliseconds and `Z`. */
export const PropertyVersionSchema = z.object({
  value: z.string().nullable(),
  timestamp: z.string(),
  sourceType: z.string().optional(),
});
export type PropertyVersion = z.infer<typeof PropertyVersionSchema>;

/**
 * `account_contact`: a company's committee member that is not one of the scored contacts
 * (Salesforce: a Contact created directly on an Account, not from a Lead). Account scores read it
 * as a member; it is never trained on, scored as a contact or written.
 */
export const CrmObjectTypeSchema = z.enum([
  'contact',
  'lead',
  'deal',
  'company',
  'account_contact',
]);
export type CrmObjectType = z.infer<typeof CrmObjectTypeSchema>;

export const CrmRecordSchema = z.object({
  id: z.string(),
  objectType: CrmObjectTypeSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Current values. A requested property with no value is `null`. */
  properties: z.record(z.string(), z.string().nullable()),
  /**
   * Property history, **oldest first** (adapters normalise: HubSpot returns newest first).
   * Only for the properties that were asked for with history.
   */
  history: z.record(z.string(), z.array(PropertyVersionSchema)),
  /** Associated record ids by object type, e.g. `{ deal: ['12'], company: ['7'] }`. */
  associations: z.record(z.string(), z.array(z.string())),
});
export type CrmRecord = z.infer<typeof CrmRecordSchema>;

/** A deal as labels need it: its stage outcome and when it closed. */
export const DealOutcomeSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  amount: z.number().nullable(),
  contactIds: z.array(z.string()),
  /**
   * Stage over time, oldest first: the stage entered at each moment (creation first), for
   * point-in-time deal features (the stage as of t). Present where the CRM keeps stage history
   * (Salesforce OpportunityFieldHistory).
   */
  stageHistory: z.array(z.object({ at: z.string(), stage: z.string() })).optional(),
});
export type DealOutcome = z.infer<typeof DealOutcomeSchema>;
