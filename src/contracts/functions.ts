/**
 * Wire contracts of the serverless functions (functions/*.ts, also mounted by the express
 * server as POST /functions/:name). Cards and the settings page import only these types.
 */
import { z } from 'zod';
import { SettingsSchema, TierSchema } from './settings';
import type { Settings, Tier } from './settings';
import type { GovernanceCharts, ModelCharts } from './charts';
import type { FactorsPayload } from './factors';
import type { ErrorBody } from '../errors';

/** HubSpot's serverless context, the parts we read. */
export interface FunctionContext {
  parameters?: Record<string, unknown>;
  propertiesToSend?: Record<string, string | null | undefined>;
  /** Set by the local server; in HubSpot the secrets come from process.env. */
  secrets?: Record<string, string | undefined>;
}

/** A long job's answer: call again with `continuation` until `status` is 'done'. */
export interface JobResult<S = Record<string, unknown>> {
  status: 'continue' | 'done' | 'paused' | 'failed';
  job: string;
  runId: string;
  continuation: string | null;
  /** Human-readable progress line, e.g. "synced 4,200 / 20,000 contacts". */
  progress: string;
  /** For 'paused': when the job may resume (e.g. the CRM's daily limit resets). */
  resumeAt?: string;
  summary: S;
}

export const RecordRefSchema = z.object({
  objectType: z.enum(['contact', 'lead']).default('contact'),
  objectId: z.string().regex(/^\d+$/, 'objectId must be the numeric CRM record id'),
});
export type RecordRef = z.infer<typeof RecordRefSchema>;

/** What the card shows; built from the record's `leadlens_*` properties. */
export interface CardData {
  /** Deals and companies (issue 16) have cards of their own. */
  objectType: 'contact' | 'lead' | 'deal' | 'company';
  objectId: string;
  /** Where the values were read from: the record itself or its associated contact. */
  source: { objectType: 'contact' | 'lead' | 'deal' | 'company'; objectId: string };
  score: number | null;
  tier: { value: string; label: string } | null;
  factors: FactorsPayload | null;
  reasons: string | null;
  modelVersion: string | null;
  scoredAt: string | null;
  scoreChange: number | null;
}

/**
 * The card's refresh of one record: a contact or lead (the contact model), an open deal (the
 * deal model) or a company (the account model).
 */
export const ScoreRecordRequestSchema = RecordRefSchema.extend({
  objectType: z.enum(['contact', 'lead', 'deal', 'company']).default('contact'),
});
export type ScoreRecordRequest = z.infer<typeof ScoreRecordRequestSchema>;
export interface ScoreRecordResult {
  card: CardData;
  /** False when the score did not change and nothing was written. */
  written: boolean;
  /**
   * A deal closed (won or lost) by now: LeadLens scores open deals only, so nothing was scored
   * and `card` is what the deal's properties hold (its last score while open, if any).
   */
  closed?: boolean;
  /**
   * Set when the CRM refused the new values: the card shows the new score, the store keeps it
   * and the next write-back sends it again.
   */
  notWritten?: ErrorBody;
}

export const FeedbackRequestSchema = RecordRefSchema.extend({
  kind: z.enum(['too_high', 'too_low', 'wrong_factors', 'wrong_outcome', 'other']),
  /**
   * The outcome the rep states, if any: it corrects this record's training label (the latest
   * feedback per record counts, within the admin's cap). Without it the feedback is a review
   * item for the admin, never a label.
   */
  outcome: z.enum(['converted', 'not_converting']).optional(),
  comment: z.string().max(2000).default(''),
  userId: z.string().optional(),
}).refine((f) => f.kind !== 'wrong_outcome' || f.outcome !== undefined, {
  message: 'Say which outcome is right: converted or not_converting.',
  path: ['outcome'],
});
export type FeedbackRequest = z.infer<typeof FeedbackRequestSchema>;
export interface FeedbackResult {
  id: number;
  message: string;
}

/** Per tier: how many open records it holds now and how the held-out history converted. */
export interface TierStat {
  value: string;
  label: string;
  minScore: number;
  count: number;
  share: number;
  /** Conversion rate of the time-held-out slice in this tier; null without a model. */
  historicalConversionRate: number | null;
}

export const SuggestRequestSchema = z.discriminatedUnion('method', [
  /** The team can work `leadsPerWeek` leads; the top tier holds about that many. */
  z.object({
    method: z.literal('capacity'),
    leadsPerWeek: z.number().int().min(1),
    tierCount: z.number().int().min(2).max(5).default(4),
  }),
  /** Work a lead when p × dealValue > costPerLead. */
  z.object({
    method: z.literal('expected_value'),
    dealValue: z.number().positive(),
    costPerLead: z.number().positive(),
    tierCount: z.number().int().min(2).max(5).default(4),
  }),
  /**
   * From the portal's own synced deals: the top tier starts where working a lead pays (won deal
   * amounts per score band − `costPerLead`), raised if `leadsPerWeek` cannot cover it.
   */
  z.object({
    method: z.literal('economics'),
    leadsPerWeek: z.number().int().min(1),
    costPerLead: z.number().positive(),
    tierCount: z.number().int().min(2).max(5).default(4),
  }),
  /** The top tier converts at least `targetPrecision` on held-out history. */
  z.object({
    method: z.literal('precision'),
    targetPrecision: z.number().gt(0).lt(1),
    tierCount: z.number().int().min(2).max(5).default(4),
  }),
]);
export type SuggestRequest = z.infer<typeof SuggestRequestSchema>;

export interface Suggestion {
  method: SuggestRequest['method'];
  tiers: Tier[];
  stats: TierStat[];
  /** One sentence on how the thresholds were derived. */
  rationale: string;
  /** 'economics': the deal economics behind the suggestion, per score band and per tier. */
  economics?: EconomicsView;
}

/** Held-out leads of one score band and what working them brought (synced won deals). */
export interface EconomicsBand {
  from: number;
  to: number;
  leads: number;
  /** Share that won a deal after the scoring moment; null without leads. */
  winRate: number | null;
  /** Won deal amounts per lead, and that minus the cost of working one. */
  revenuePerLead: number | null;
  evPerLead: number | null;
}

export interface TierEconomics {
  value: string;
  label: string;
  minScore: number;
  leads: number;
  winRate: number | null;
  revenuePerLead: number | null;
  evPerLead: number | null;
  /** Open leads a week this tier receives (weekly inflow × its share), and their value. */
  weeklyLeads: number | null;
  weeklyEv: number | null;
}

export interface EconomicsView {
  costPerLead: number;
  leadsPerWeek: number;
  horizonDays: number;
  heldOutLeads: number;
  /** Won deals that priced a held-out lead, and those without an amount (counted as wins, 0). */
  dealsUsed: number;
  wonWithoutAmount: number;
  /** Best band first. */
  bands: EconomicsBand[];
  /** Where working a lead turns positive, and the top-tier floor capacity alone would set. */
  breakEvenScore: number;
  capacityScore: number;
  tiers: TierEconomics[];
}

export const SettingsRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('get') }),
  z.object({ action: z.literal('save'), settings: SettingsSchema }),
  z.object({ action: z.literal('suggest'), request: SuggestRequestSchema }),
  z.object({ action: z.literal('preview'), tiers: z.array(TierSchema) }),
  /** The model report's charts of one version (default: the published one, else the newest). */
  z.object({ action: z.literal('charts'), version: z.number().int().positive().optional() }),
  /** The governance charts across versions: alerts, PSI and AUC over the monitored runs. */
  z.object({ action: z.literal('governanceCharts') }),
]);
export type SettingsRequest = z.infer<typeof SettingsRequestSchema>;

export interface ModelSummary {
  version: number;
  modelType: string;
  trainedAt: string;
  auc: number | null;
  status: string;
}

/** The newest training run found no signal (or constant scores): shown as a banner. */
export interface ModelWarning {
  version: number;
  code: string;
  message: string;
  /** False: the previous model kept scoring; true: the admin published it anyway. */
  published: boolean;
}

/** An open monitoring alert (drift, decay), as the settings page's banner shows it. */
export interface GovernanceAlertView {
  id: number | undefined;
  kind: string;
  severity: 'warn' | 'alert';
  subject: string;
  modelVersion: number | null;
  message: string;
  since: string;
  crmTaskId: string | null;
}

export interface SettingsResult {
  settings: Settings;
  /** Open monitoring alerts, newest first (on 'get'); the page shows them as a banner. */
  alerts?: GovernanceAlertView[];
  model: ModelSummary | null;
  modelWarning?: ModelWarning | null;
  stats: TierStat[];
  /** On save: records whose tier changed and were queued for write-back. */
  retiered?: number;
  /** On save: the write-back of the changed tiers (call `score` to continue when 'continue'). */
  writeback?: { status: JobResult['status']; written: number };
  suggestion?: Suggestion;
  /** On 'charts': the version's charts; null when no model has been trained yet. */
  charts?: ModelCharts | null;
  /** On 'governanceCharts': built from the stored monitoring runs and alerts. */
  governanceCharts?: GovernanceCharts;
  /** Records the CRM refused to write (reason kept; not retried until they change). */
  writeFailures?: WriteFailuresSummary;
  /** On 'get': the deal and account stages of the newest run that reached them. */
  objectStages?: ObjectStageStatus[];
}

/**
 * A deal or account stage of a run, or the scores on Salesforce Contacts created on Accounts
 * (`members`), and why it scored nothing (e.g. a missing CRM scope).
 */
export interface ObjectStageStatus {
  stage: 'deals' | 'accounts' | 'members';
  /** When that run last moved. */
  at: string;
  skipped: string | null;
  /** The scopes a permission skip needs; empty otherwise. */
  missingScopes: string[];
  /** Whether the skip is a refused CRM permission (Salesforce names no scopes). */
  permission?: boolean;
}

export interface WriteFailuresSummary {
  total: number;
  /** The newest few. */
  recent: Array<{ objectType: string; id: string; code: string; message: string }>;
}
