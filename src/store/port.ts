/**
 * The persistence port the pipeline depends on. Two engines implement it: SQLite (embedded,
 * the laptop default) and PostgreSQL (hosted, many portals, many workers); one contract suite
 * (`contract.test.ts`) runs against both.
 *
 * Every row belongs to a portal (a CRM account, the tenant). A `StoreEngine` is the database;
 * `engine.forPortal(id)` is the only way to reach data, and every query of the store it returns
 * is bound to that portal: there is no call that reads or writes another portal's rows.
 *
 * Methods are asynchronous. `transaction(fn)` runs `fn` — which may await anything — in one
 * database transaction: a job step commits its work and its checkpoint together. Calls made on
 * the store from inside `fn`'s async context join the transaction (on SQLite's one connection
 * they must, or they would wait for it forever).
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Settings } from '../contracts/settings';
import type { Secret } from './secrets';

/**
 * Leads (contacts, lead records), and deals and companies since issue 16; account-only committee
 * members (`account_contact`, Salesforce Contacts made on an Account) are scored and written too.
 */
export type StoredObjectType = 'contact' | 'lead' | 'deal' | 'company' | 'account_contact';
/** What the record mirror holds: the scored types, and account-only committee members. */
export type MirroredObjectType = StoredObjectType | 'account_contact';

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
  /** The run of the chain (`run`, `score-and-write`) this sub-job run belongs to. */
  parentRunId?: string;
}

export type ModelStatus = 'published' | 'shadow' | 'retired';

export interface StoredModel {
  /** 1, 2, … per portal. */
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

/**
 * A record the CRM refused to write (a 207 item error, or a value it refused), kept until a write
 * of that record succeeds. `valuesKey` identifies what was sent and the record's version then: a
 * permanent failure (or a retryable one past the cap) is not sent again while it is unchanged.
 */
export interface WriteFailureRow {
  objectType: StoredObjectType;
  id: string;
  /** The CRM's category (OBJECT_NOT_FOUND, READ_ONLY_VALUE, INVALID_OPTION…) or ours. */
  code: string;
  message: string;
  retryable: boolean;
  /** Failed tries of the same values, the last included. */
  attempts: number;
  valuesKey: string;
  failedAt: string;
}

/** One record's values the CRM confirmed, with its modification time after the write when it said. */
export interface WrittenEntry {
  id: string;
  properties: Record<string, string>;
  updatedAt?: string;
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
  /**
   * The outcome the rep states, when they state one: 'converted' (it did, whatever the CRM
   * says) or 'not_converting' (it never will). Only such feedback corrects training labels;
   * the rest is a review item. Absent on feedback saved before outcomes existed.
   */
  outcome?: FeedbackOutcome | null;
}

export type FeedbackOutcome = 'converted' | 'not_converting';

/**
 * The run lease: at most one pipeline run per portal at a time, whoever starts it (CLI, HTTP,
 * worker). It expires unless renewed, so a killed holder frees the portal after `ttlMs`; each
 * grant gets a higher `token`, and writes made through `withFence(token)` fail once a later
 * grant exists, so a holder that stalled past its expiry cannot overwrite its successor.
 */
export interface LeaseRequest {
  /** Who asks, shown to the next caller: e.g. "leadlens run (cli) on host:pid". */
  holder: string;
  /** What it runs, e.g. 'run', 'sync', 'settings'. */
  purpose: string;
  ttlMs: number;
}

export interface LeaseInfo {
  holder: string;
  purpose: string;
  /** Fencing token: strictly increasing per portal. */
  token: number;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
}

/** How a portal's CRM calls are authorised. */
export type InstallAuth = 'private_app' | 'oauth';

export interface InstallInput {
  auth: InstallAuth;
  /** The CRM's id of the account (HubSpot hub id); the portal id may differ for other CRMs. */
  hubId: string | null;
  scopes: readonly string[];
  /** API base URL; https://api.hubapi.com for real HubSpot, an emulator URL in tests. */
  apiBaseUrl: string;
  /** private_app: its static token. oauth: the last access token (may be null). */
  accessToken: Secret | null;
  accessTokenExpiresAt: string | null;
  /** oauth only. */
  refreshToken: Secret | null;
  installedAt: string;
}

export interface Install extends InstallInput {
  portalId: string;
  status: 'installed' | 'uninstalled';
  uninstalledAt: string | null;
  updatedAt: string;
}

/**
 * A model version's score of a contact, kept from the first run that scored it with that
 * version: what the model predicted before the outcome was known, so it can be judged once
 * the outcome arrives. A challenger's row carries the champion's score of the same record in
 * the same run (`paired*`), so the two are compared on the same records at the same moment.
 */
export interface ModelScoreRow {
  modelVersion: number;
  id: string;
  scoredAt: string;
  probability: number;
  score: number;
  tier: string;
  pairedVersion: number | null;
  pairedProbability: number | null;
  pairedTier: string | null;
  /**
   * The admin's segment of the record as the live score's `leadlens_factors` payload recorded
   * it in that run (null: in no segment; absent in rows kept before segments were kept).
   */
  segment?: string | null;
}

export type AlertSeverity = 'warn' | 'alert';

/** A monitoring finding that crossed the admin's threshold (drift, decay). */
export interface AlertRow {
  id?: number;
  /** 'feature_drift' | 'score_drift' | 'decay' */
  kind: string;
  severity: AlertSeverity;
  modelVersion: number | null;
  /** What it is about: a feature name, 'score', or a metric name. */
  subject: string;
  value: number;
  threshold: number;
  message: string;
  createdAt: string;
  /** Set when a later run finds the subject back under its thresholds. */
  resolvedAt: string | null;
  /** The CRM task created for the admin, once it was. */
  crmTaskId: string | null;
}

/** One entry of the decision log: who did what to which model version, when and why. */
export interface DecisionRow {
  id?: number;
  modelVersion: number;
  /** 'trained' | 'published' | 'shadow' | 'promoted' | 'rolled_back' | 'kept' | 'retrain_requested' */
  action: string;
  /** 'pipeline', 'rule', 'cli', a user id … */
  actor: string;
  reason: string;
  /** JSON text: the numbers the decision was made on. */
  details: string;
  at: string;
}

/** What one monitoring pass measured (JSON in `data`, the pipeline's format). */
export interface MonitorRunRow {
  id?: number;
  modelVersion: number;
  at: string;
  data: string;
}

/**
 * A score spike written to the CRM: the record entered the top tier or moved by the jump
 * threshold. One row per (record, scoring moment), so a resumed or repeated write-back of the
 * same scores never makes a second one; its task for the record's owner is created once.
 */
export interface SpikeRow {
  id?: number;
  objectType: StoredObjectType;
  recordId: string;
  /** The scoring moment of the new score (the score row's scoredAt). */
  scoredAt: string;
  fromScore: number | null;
  toScore: number;
  fromTier: string | null;
  toTier: string;
  /** 'top_tier' | 'jump' | 'top_tier+jump' */
  reason: string;
  modelVersion: number | null;
  createdAt: string;
  /** The CRM task, once created; 'pending:…' while a create is unresolved; 'no-owner:…' when nobody owns the record. */
  crmTaskId: string | null;
}

/** Governance: model scores kept for judging, alerts, the decision log, monitoring history. */
export interface GovernanceOps {
  /** Keeps the first score per (version, contact); later ones for the same pair are ignored. */
  putModelScores(rows: readonly ModelScoreRow[]): Promise<void>;
  /** One version's kept scores in contact id order, `limit` after `afterId`. */
  listModelScores(
    version: number,
    opts: { afterId?: string | null; limit: number },
  ): Promise<ModelScoreRow[]>;
  addAlert(alert: AlertRow): Promise<number>;
  /** Newest first; `open` = not resolved. */
  listAlerts(opts: { open?: boolean; limit: number }): Promise<AlertRow[]>;
  updateAlert(
    id: number,
    patch: { resolvedAt?: string | null; crmTaskId?: string | null },
  ): Promise<void>;
  addDecision(decision: DecisionRow): Promise<number>;
  /** Oldest first; one version's or all. */
  listDecisions(opts: { modelVersion?: number; limit: number }): Promise<DecisionRow[]>;
  addMonitorRun(run: MonitorRunRow): Promise<number>;
  /** Newest first. */
  listMonitorRuns(opts: { modelVersion?: number; limit: number }): Promise<MonitorRunRow[]>;
  /** Keeps a spike unless one for the same record and scoring moment exists; true when new. */
  addSpike(spike: SpikeRow): Promise<boolean>;
  /** Oldest first; `withoutTask`: no task id yet, or a pending one. */
  listSpikes(opts: { withoutTask?: boolean; limit: number }): Promise<SpikeRow[]>;
  updateSpike(id: number, patch: { crmTaskId: string | null }): Promise<void>;
}

/** Objects scored by models of their own (issue 16): deals, companies. */
export type ObjectModelType = 'deal' | 'company';

/**
 * Model versions of deal and account scores. Each object type numbers its versions 1, 2, … on
 * its own, apart from the contact models: a deal score's `modelVersion` is a deal model version.
 */
export interface ObjectModelOps {
  /** Stores a model; with status 'published' it retires the type's earlier published one. */
  saveObjectModel(
    objectType: ObjectModelType,
    model: Omit<StoredModel, 'version'>,
  ): Promise<number>;
  getObjectModel(objectType: ObjectModelType, version: number): Promise<StoredModel | null>;
  getPublishedObjectModel(objectType: ObjectModelType): Promise<StoredModel | null>;
  /** Oldest first. */
  listObjectModels(objectType: ObjectModelType): Promise<StoredModel[]>;
}

/** What a portal can read and write: everything except the transaction and lease controls. */
export interface StoreOps extends GovernanceOps, ObjectModelOps {
  readonly portalId: string;

  // CRM mirror --------------------------------------------------------------------------------
  /** Insert or merge records: properties, history and associations given replace those keys. */
  upsertRecords(records: readonly CrmRecord[]): Promise<void>;
  getRecord(objectType: StoredObjectType, id: string): Promise<CrmRecord | null>;
  /** Records in id order (numeric when ids are numeric), `limit` after `afterId`, for chunking. */
  listRecords(
    objectType: MirroredObjectType,
    opts: { afterId?: string | null; limit: number },
  ): Promise<CrmRecord[]>;
  countRecords(objectType: StoredObjectType): Promise<number>;
  /** Contacts whose history is older than their last change (or never read), in id order. */
  idsNeedingHistory(limit: number): Promise<string[]>;
  markHistorySynced(ids: readonly string[], at: string): Promise<void>;
  upsertDeals(deals: readonly DealOutcome[]): Promise<void>;
  listDeals(): Promise<DealOutcome[]>;

  // Jobs --------------------------------------------------------------------------------------
  getJob(job: string): Promise<JobCheckpoint | null>;
  saveJob(checkpoint: JobCheckpoint): Promise<void>;

  // Feature plan ------------------------------------------------------------------------------
  /** The plan of the last sync that decided one; null before the first sync. */
  getFeaturePlan(): Promise<StoredFeaturePlan | null>;
  /** Replaces the portal's plan (one per portal). */
  saveFeaturePlan(plan: string, at: string): Promise<void>;

  // Models ------------------------------------------------------------------------------------
  /** Stores a model and returns its version (1, 2, … per portal). */
  saveModel(model: Omit<StoredModel, 'version'>): Promise<number>;
  getModel(version: number): Promise<StoredModel | null>;
  getPublishedModel(): Promise<StoredModel | null>;
  listModels(): Promise<StoredModel[]>;
  /** Makes `version` the published model (publish or roll back); the previous one is retired. */
  publishModel(version: number, at: string): Promise<void>;

  // Scores and the write-back ledger ----------------------------------------------------------
  putScores(rows: readonly ScoreRow[]): Promise<void>;
  getScore(objectType: StoredObjectType, id: string): Promise<ScoreRow | null>;
  listScores(
    objectType: StoredObjectType,
    opts: { afterId?: string | null; limit: number },
  ): Promise<ScoreRow[]>;
  countScores(objectType: StoredObjectType): Promise<number>;
  /** The property values last confirmed written to the CRM, per record id. */
  getWritten(
    objectType: StoredObjectType,
    ids: readonly string[],
  ): Promise<Map<string, Record<string, string>>>;
  /**
   * Record values the CRM confirmed (merged over what was written before), with the CRM's
   * modification time after the write when it said (`updatedAt`).
   */
  markWritten(
    objectType: StoredObjectType,
    entries: ReadonlyArray<WrittenEntry>,
    at: string,
  ): Promise<void>;
  /** The CRM's modification time after our last write of each record (when it said). */
  getWrittenUpdatedAt(
    objectType: StoredObjectType,
    ids: readonly string[],
  ): Promise<Map<string, string>>;
  /**
   * Records failed writes: `attempts` counts up while `valuesKey` stays the same, and starts
   * at 1 when it changed.
   */
  recordWriteFailures(
    entries: ReadonlyArray<Omit<WriteFailureRow, 'attempts' | 'failedAt'>>,
    at: string,
  ): Promise<void>;
  /** Forgets the failures of records now written (or no longer scored). */
  clearWriteFailures(objectType: StoredObjectType, ids: readonly string[]): Promise<void>;
  getWriteFailures(
    objectType: StoredObjectType,
    ids: readonly string[],
  ): Promise<Map<string, WriteFailureRow>>;
  /** The newest failures first, and how many there are in all. */
  listWriteFailures(opts: { limit: number }): Promise<{ total: number; rows: WriteFailureRow[] }>;

  // Settings, feedback, webhook de-duplication ------------------------------------------------
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings, at: string): Promise<void>;
  addFeedback(row: FeedbackRow): Promise<number>;
  listFeedback(opts: { limit: number }): Promise<FeedbackRow[]>;
  /** True the first time an event id is seen, false for a repeat (at-least-once delivery). */
  rememberEvent(eventId: string, at: string): Promise<boolean>;

  // The portal's install (tokens encrypted at rest) ---------------------------------------------
  getInstall(): Promise<Install | null>;
  /** Creates or replaces the install (a reinstall clears `uninstalledAt`). */
  saveInstall(install: InstallInput): Promise<void>;
  /** Marks the portal uninstalled and erases its tokens; its data stays until deleted. */
  markUninstalled(at: string): Promise<void>;

  /** Throws JOB_LOCKED unless `token` is the portal's newest lease grant (fencing). */
  assertLease(token: number): Promise<void>;
}

export interface PortalStore extends StoreOps {
  /** Runs `fn` in one transaction; a throw rolls everything back. Nests as a savepoint. */
  transaction<T>(fn: (tx: StoreOps) => Promise<T>): Promise<T>;

  /** Takes the portal's run lease or throws JOB_LOCKED naming its holder and since when. */
  acquireLease(req: LeaseRequest): Promise<LeaseInfo>;
  /** Extends a held lease; null when it was lost (expired and taken by a later grant). */
  renewLease(token: number, ttlMs: number): Promise<LeaseInfo | null>;
  /** Frees the lease if `token` still holds it. */
  releaseLease(token: number): Promise<void>;
  /** The current holder, or null when the portal is free (never held, released or expired). */
  getLease(): Promise<LeaseInfo | null>;
  /** This store with every write (and transaction) checked against lease `token` atomically. */
  withFence(token: number): PortalStore;

  /**
   * Claims `key` (a signed request's signature) for this portal for `ttlMs`: true when no live
   * claim on it existed, false for a replay. Kept in the database, so a replay sent to another
   * backend instance or function call is refused too; expired claims are pruned as claims come.
   */
  claimRequest(key: string, ttlMs: number): Promise<boolean>;
  /** Drops a claim (a request answered 5xx may be retried by HubSpot with its signature). */
  releaseRequest(key: string): Promise<void>;
}

export interface InstallSummary {
  portalId: string;
  status: Install['status'];
  auth: InstallAuth;
  hubId: string | null;
  installedAt: string;
}

export interface StoreEngine {
  readonly kind: 'sqlite' | 'postgres';
  /** A store bound to one portal. Throws INPUT_INVALID for an id that is not a portal id. */
  forPortal(portalId: string): PortalStore;
  /**
   * Every lease not released, live or lapsed: who runs what (operators), and which holders
   * died without releasing (a worker's watchdog hands their jobs to another worker).
   */
  listLeases(): Promise<Array<LeaseInfo & { portalId: string; live: boolean }>>;
  /** Portals with an install row (no tokens): what workers schedule. */
  listInstalls(opts?: { status?: Install['status'] }): Promise<InstallSummary[]>;
  /**
   * Re-encrypts every stored token under the current key: how many installs changed, and the
   * portals whose tokens could not be read (tampered, or under a key no longer configured).
   */
  rotateSecrets(): Promise<{ rotated: number; unreadable: string[] }>;
  close(): Promise<void>;
}

/** Portal ids are short opaque strings: HubSpot hub ids, Salesforce org ids, 'default'. */
export const PORTAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
