/**
 * The persistence port the pipeline depends on. The SQLite implementation (`sqlite.ts`) is the
 * only one; the port keeps the pipeline free of SQL and lets tests open a fresh database file.
 * Methods are synchronous because better-sqlite3 is, and a job's checkpoint must be written
 * in the same transaction as the work it records.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Settings } from '../contracts/settings';

export type StoredObjectType = 'contact' | 'lead';

export type JobStatus = 'running' | 'paused' | 'done' | 'failed';

export interface JobCheckpoint {
  /** Job name, e.g. 'sync', 'train', 'score', 'writeback', or 'run' for the whole chain. */
  job: string;
  /** One id per run; a finished run's next call starts a new run id. */
  runId: string;
  status: JobStatus;
  /** Job-specific resumable state (cursor, phase, counters). JSON-serialisable. */
  state: Record<string, unknown>;
  startedAt: string;
  updatedAt: string;
  /** For 'paused' and 'failed': what happened and when it may resume. */
  message?: string;
  resumeAt?: string;
}

export type ModelStatus = 'published' | 'shadow' | 'retired';

export interface StoredModel {
  version: number;
  status: ModelStatus;
  modelType: string;
  /**
   * JSON text of everything scoring needs: the pipeline's scoring envelope (model artifact +
   * feature plan, src/pipeline/scoring-model.ts). Versions stored before it hold the bare model
   * artifact; the envelope's migration upgrades them on load.
   */
  artifact: string;
  /** The training report (metrics, leakage findings, split sizes) as JSON text; scoring never reads it. */
  report: string;
  trainedAt: string;
  publishedAt: string | null;
}

/** What a record's LeadLens properties should be, per the latest scoring. */
export interface ScoreRow {
  objectType: StoredObjectType;
  id: string;
  modelVersion: number;
  probability: number;
  score: number;
  tier: string;
  /** `leadlens_factors` JSON text. */
  factors: string;
  /** `leadlens_reasons` plain text. */
  reasons: string;
  scoredAt: string;
}

/** The feature plan sync decided for this portal (its JSON is the pipeline's format). */
export interface StoredFeaturePlan {
  /** JSON text (src/pipeline/feature-plan.ts `FeaturePlan`). */
  plan: string;
  savedAt: string;
}

export interface FeedbackRow {
  id?: number;
  objectType: StoredObjectType;
  recordId: string;
  /** 'too_high' | 'too_low' | 'wrong_factors' | 'other' */
  kind: string;
  comment: string;
  score: number | null;
  modelVersion: number | null;
  userId: string | null;
  createdAt: string;
}

export interface StorePort {
  transaction<T>(fn: () => T): T;

  // CRM mirror --------------------------------------------------------------------------------
  /** Insert or replace records; `history` entries given replace that property's stored history. */
  upsertRecords(records: readonly CrmRecord[]): void;
  getRecord(objectType: StoredObjectType, id: string): CrmRecord | null;
  /** Records in id order (numeric when ids are numeric), `limit` after `afterId`, for chunking. */
  listRecords(
    objectType: StoredObjectType,
    opts: { afterId?: string | null; limit: number },
  ): CrmRecord[];
  countRecords(objectType: StoredObjectType): number;
  /** Contacts whose history is older than their last change (or never read), in id order. */
  idsNeedingHistory(limit: number): string[];
  markHistorySynced(ids: readonly string[], at: string): void;
  upsertDeals(deals: readonly DealOutcome[]): void;
  listDeals(): DealOutcome[];

  // Jobs --------------------------------------------------------------------------------------
  getJob(job: string): JobCheckpoint | null;
  saveJob(checkpoint: JobCheckpoint): void;

  // Feature plan ------------------------------------------------------------------------------
  /** The plan of the last sync that decided one; null before the first sync. */
  getFeaturePlan(): StoredFeaturePlan | null;
  /** Replaces the plan (one per portal). */
  saveFeaturePlan(plan: string, at: string): void;

  // Models ------------------------------------------------------------------------------------
  /** Stores a model and returns its version (1, 2, …). */
  saveModel(model: Omit<StoredModel, 'version'>): number;
  getModel(version: number): StoredModel | null;
  getPublishedModel(): StoredModel | null;
  listModels(): StoredModel[];
  /** Makes `version` the published model (publish or roll back); the previous one is retired. */
  publishModel(version: number, at: string): void;

  // Scores and the write-back ledger ----------------------------------------------------------
  putScores(rows: readonly ScoreRow[]): void;
  getScore(objectType: StoredObjectType, id: string): ScoreRow | null;
  listScores(
    objectType: StoredObjectType,
    opts: { afterId?: string | null; limit: number },
  ): ScoreRow[];
  countScores(objectType: StoredObjectType): number;
  /** The property values last confirmed written to the CRM, per record id. */
  getWritten(
    objectType: StoredObjectType,
    ids: readonly string[],
  ): Map<string, Record<string, string>>;
  /** Record values the CRM confirmed (merged over what was written before). */
  markWritten(
    objectType: StoredObjectType,
    entries: ReadonlyArray<{ id: string; properties: Record<string, string> }>,
    at: string,
  ): void;

  // Settings, feedback, webhook de-duplication ------------------------------------------------
  getSettings(): Settings;
  saveSettings(settings: Settings, at: string): void;
  addFeedback(row: FeedbackRow): number;
  listFeedback(opts: { limit: number }): FeedbackRow[];
  /** True the first time an event id is seen, false for a repeat (at-least-once delivery). */
  rememberEvent(eventId: string, at: string): boolean;

  close(): void;
}
