/**
 * The CRM port: everything the pipeline asks of a CRM. Adapters (hubspot/, salesforce/) implement
 * it over the real SDKs and translate every provider error into a `LeadLensError` with a
 * `CRM_*` code. Cursors are opaque strings the pipeline checkpoints and hands back unchanged.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Tier } from '../contracts/settings';

export interface Page<T> {
  items: T[];
  /** Cursor of the next page, or null after the last page. */
  next: string | null;
  /** The items carry the property history asked for (`historyProperties`), complete. */
  historyIncluded?: boolean;
  /**
   * Company pages: committee members of these companies that the contact mirror does not hold
   * (Salesforce: Contacts created directly on an Account), contact-shaped (the contact plan's
   * property names, with history), objectType `account_contact`, named in the companies'
   * `associations.contact`. Account scores read them as members; nothing else does.
   */
  members?: CrmRecord[];
}

export interface CrmPropertyMeta {
  name: string;
  label: string;
  /** CRM type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool'. */
  type: string;
  fieldType: string;
  options?: Array<{ value: string; label: string }>;
  /** Defined by the CRM (true) or by the portal's admins (false: a custom property). */
  crmDefined: boolean;
  readOnly: boolean;
}

export interface RecordUpdate {
  id: string;
  properties: Record<string, string>;
}

export interface BatchWriteResult {
  /** Ids the CRM confirmed written. */
  written: string[];
  /**
   * The CRM's modification time of each written record after this write (HubSpot's
   * `updatedAt`), when it says: a later sync that sees the same time knows nothing else changed.
   */
  updatedAt?: Record<string, string>;
  /** Ids that failed; `retryable` failures may be sent again as they are. */
  failed: Array<{ id: string; code: string; message: string; retryable: boolean }>;
}

export interface ApiUsage {
  /** HTTP requests sent, including retries. */
  calls: number;
  /** Requests answered 429. */
  throttled: number;
  /** Requests by kind, e.g. { 'contacts.list': 200, 'contacts.batchUpdate': 12 }. */
  byKind: Record<string, number>;
}

export type LeadObjectType = 'contact' | 'lead';
/** Objects scored beside leads: deals (win likelihood) and companies (account score). */
export type AccountObjectType = 'deal' | 'company';

/** A to-do for a person in the CRM (HubSpot: a task), e.g. an alert for the app's admin. */
export interface CrmTaskInput {
  subject: string;
  /** Plain text. */
  body: string;
  /** Due date (epoch ms); HubSpot requires one (`hs_timestamp`). */
  dueAt: number;
  /** The CRM owner to assign it to; null leaves it unassigned. */
  ownerId: string | null;
  priority: 'LOW' | 'MEDIUM' | 'HIGH';
  /** The record the task is about (HubSpot: associated with the contact; Salesforce: its WhoId). */
  about?: { objectType: 'contact'; id: string };
}

export interface CrmPort {
  readonly kind: 'hubspot' | 'salesforce';

  /** Create the `leadlens` group and properties if missing; tier options follow `tiers`. Idempotent. */
  provision(tiers: readonly Tier[]): Promise<void>;

  /**
   * Create the deal and company properties of deal and account scores (HubSpot:
   * `leadlens_deal_*`, `leadlens_account_*`) if missing. Idempotent. Optional, as `listObjects`.
   * `objectTypes` (default both) lets the deal stage provision deals alone, so an install that
   * may read deals but not companies still gets deal scores (the account stage skips alone).
   */
  provisionObjects?(
    tiers: readonly Tier[],
    objectTypes?: readonly AccountObjectType[],
  ): Promise<void>;

  /** Contact property metadata (schema inference, admin pickers, type checks). */
  describeContactProperties(): Promise<CrmPropertyMeta[]>;

  /**
   * One page (≤ 100) of contacts with the current values of `properties` and their deal and
   * company associations. `modifiedSince` (ISO) restricts to records changed since then.
   * With `historyProperties` the adapter may return their history on the page when that is
   * the cheaper way to read it (then `historyIncluded` is true and the page may be smaller).
   */
  listContacts(opts: {
    properties: readonly string[];
    historyProperties?: readonly string[];
    after?: string | null;
    modifiedSince?: string;
  }): Promise<Page<CrmRecord>>;

  /** Property history of contacts (oldest first per property); unknown ids are skipped. */
  readContactHistory(ids: readonly string[], properties: readonly string[]): Promise<CrmRecord[]>;

  /** One page of deals with their outcome and associated contacts. */
  listDeals(opts: { after?: string | null; modifiedSince?: string }): Promise<Page<DealOutcome>>;

  /**
   * One page of deals or companies with the current values of `properties`, the history of
   * `historyProperties` on the page (complete) and their contact / company associations. Optional:
   * a CRM adapter without it scores no deals or accounts (Salesforce: not yet).
   */
  listObjects?(
    objectType: AccountObjectType,
    opts: {
      properties: readonly string[];
      historyProperties?: readonly string[];
      after?: string | null;
    },
  ): Promise<Page<CrmRecord>>;

  /**
   * One deal or company now, with the history of `historyProperties` and its associations (a
   * deal: contacts and company; a company: contacts and deals), the card's refresh of one
   * record: one call. Null when it does not exist.
   * Optional, as `listObjects`: an adapter without it refreshes no deal or company on demand.
   */
  readObject?(
    objectType: AccountObjectType,
    id: string,
    opts: { properties: readonly string[]; historyProperties: readonly string[] },
  ): Promise<CrmRecord | null>;

  /**
   * Current values and the history of `properties` of any number of deals or companies, by batch
   * read (HubSpot: 50 a call with history); ids the CRM does not have are left out. No
   * associations (HubSpot's batch read returns none). Optional, as `readObject`: the card's
   * refresh reads a company's other deals with it, and keeps their mirrored copies without it.
   */
  readObjectHistory?(
    objectType: AccountObjectType,
    ids: readonly string[],
    properties: readonly string[],
  ): Promise<CrmRecord[]>;

  /** One page of lead records (HubSpot 0-136) with `associations.contact`. */
  listLeads(opts: {
    properties: readonly string[];
    after?: string | null;
    modifiedSince?: string;
  }): Promise<Page<CrmRecord>>;

  /** Current values of one record (the card's refresh and webhooks). Null when it does not exist. */
  getRecord(
    objectType: LeadObjectType,
    id: string,
    properties: readonly string[],
  ): Promise<CrmRecord | null>;

  /**
   * Current values of `properties` on up to 100 records (one batch read, no history); ids the
   * CRM does not have are left out. Write-back uses it to learn whether an interrupted batch
   * was applied before sending it again.
   */
  readRecords(
    objectType: LeadObjectType | AccountObjectType,
    ids: readonly string[],
    properties: readonly string[],
  ): Promise<CrmRecord[]>;

  /** Write up to `writeBatchSize` (default 100) records in one call. Partial failures come back in `failed`, not thrown. */
  updateRecords(
    objectType: LeadObjectType | AccountObjectType,
    updates: readonly RecordUpdate[],
  ): Promise<BatchWriteResult>;

  /**
   * Account-only committee members (`account_contact`; Salesforce: Contacts created directly on
   * an Account), scored with the lead model since issue 16: their LeadLens properties
   * provisioned, read back (an interrupted write-back batch) and written, as `readRecords` /
   * `updateRecords` do for the other scored objects. Absent where every committee member is a
   * scored contact (HubSpot).
   */
  readonly members?: {
    provision(tiers: readonly Tier[]): Promise<void>;
    readRecords(ids: readonly string[], properties: readonly string[]): Promise<CrmRecord[]>;
    updateRecords(updates: readonly RecordUpdate[]): Promise<BatchWriteResult>;
  };

  /** Creates one task; answers its CRM id. Never repeated by the adapter (a repeat duplicates). */
  createTask(task: CrmTaskInput): Promise<{ id: string }>;

  /** Ids of tasks whose subject is exactly `subject` (to learn whether an uncertain create landed). */
  findTasks(subject: string): Promise<string[]>;

  usage(): ApiUsage;

  /**
   * Records one `updateRecords` call should carry (HubSpot's batch update takes 100, Salesforce's
   * sObject Collections 200). Write-back sends batches of this size; 100 when absent.
   */
  readonly writeBatchSize?: number;

  /**
   * Change events of the CRM's prospects (Salesforce Change Data Capture on Lead), delivered in
   * order from `replayId` (-1: only new ones). Absent where the CRM pushes webhooks instead.
   */
  subscribeLeadChanges?(opts: {
    replayId: number;
    onEvent(event: LeadChangeEvent): Promise<void>;
    onError(error: unknown): void;
  }): ChangeSubscription;
}

/** One committed change of one or more prospects (a CDC ChangeEventHeader, trimmed). */
export interface LeadChangeEvent {
  replayId: number;
  /** CREATE, UPDATE, DELETE, UNDELETE, or GAP_* / GAP_OVERFLOW when details were lost. */
  changeType: string;
  ids: string[];
  /** Field names that changed (UPDATE); empty otherwise. */
  changedFields: string[];
  commitTimestamp: number;
}

export interface ChangeSubscription {
  /** Resolves once the subscription is in place (events after this are delivered). */
  ready: Promise<void>;
  close(): Promise<void>;
}
