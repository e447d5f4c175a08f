/**
 * Large write-backs through Bulk API 2.0 ingest (jsforce 3.10.16's `bulk2` IngestJobV2): one
 * `update` job per call — open, upload the CSV, UploadComplete, poll, then the three result
 * sets. Salesforce: "Any data operation that includes more than 2,000 records is a good
 * candidate for Bulk API 2.0 … Jobs with fewer than 2,000 records should involve bulkified
 * synchronous calls in REST (for example, Composite)" (api_asynch, asynch_api_intro) — hence the
 * default threshold of 2,000.
 *
 * Every step goes through the caller (budget, usage, translated errors). jsforce's
 * `loadAndWaitForResults` is not used: its 30 s poll timeout is too short for large jobs and it
 * deletes the job on any error, which would hide what a job already wrote. A job that outlives
 * its process (a crash, a poll timeout) keeps running in Salesforce; `settleOpenJobs` waits for
 * such jobs before anything reads records back or writes again, so a resumed write-back sees
 * what they wrote and never sends it a second time.
 */
import { type Connection } from 'jsforce';
import { LeadLensError } from '../../contracts/errors';
import type { BatchWriteResult, RecordUpdate } from '../port';
import type { Caller } from './caller';
import { toSalesforceRecord } from './writes';

/** Default: Bulk for a write-back call of more than this many records. */
export const BULK_THRESHOLD = 2000;
/** Records per job: one of Salesforce's internal 10,000-record chunks (bulk_common_limits). */
export const BULK_JOB_RECORDS = 10_000;

export interface BulkOptions {
  pollIntervalMs: number;
  /** How long one call waits for its job before giving up (the job itself runs on). */
  pollTimeoutMs: number;
}

export const DEFAULT_BULK: BulkOptions = { pollIntervalMs: 1000, pollTimeoutMs: 600_000 };

const RUNNING = new Set(['UploadComplete', 'InProgress']);
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW']);

interface JobInfo {
  id: string;
  object?: string;
  operation?: string;
  state: string;
  createdById?: string;
  errorMessage?: string;
}

type Row = Record<string, string | undefined>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `STATUS_CODE:message:fields --` (Bulk's sf__Error) → code and message. */
export function parseBulkError(raw: string | undefined): { code: string; message: string } {
  const s = (raw ?? '').trim();
  const m = /^([A-Z_]+):(.*?)(?::[^:]*--)?$/s.exec(s);
  if (!m) return { code: 'UNKNOWN', message: s || 'Bulk API reported no reason' };
  return { code: m[1], message: m[2].trim() || m[1] };
}

/** All records share one column set: jsforce's CSV writer takes its header from the first. */
export function bulkRecords(updates: readonly RecordUpdate[]): Array<Record<string, unknown>> {
  const recs = updates.map(toSalesforceRecord);
  const cols = [...new Set(recs.flatMap((r) => Object.keys(r)))];
  // An empty cell leaves a field as it is in Bulk; a null is sent as #N/A (clears it).
  return recs.map((r) => Object.fromEntries(cols.map((c) => [c, c in r ? r[c] : ''])));
}

async function waitFor(
  conn: Connection,
  caller: Caller,
  id: string,
  opts: BulkOptions,
): Promise<JobInfo> {
  const job = conn.bulk2.job('ingest', { id });
  const end = Date.now() + opts.pollTimeoutMs;
  for (;;) {
    const info = (await caller.call('leads.bulk.check', () => job.check())) as unknown as JobInfo;
    if (!RUNNING.has(info.state)) return info;
    if (Date.now() >= end)
      throw new LeadLensError(
        'CRM_UNAVAILABLE',
        `Salesforce's Bulk job ${id} was still ${info.state} after ${Math.round(opts.pollTimeoutMs / 1000)} s.`,
        {
          hint: 'The job keeps running in Salesforce; the next run waits for it and records what it wrote.',
        },
      );
    await sleep(opts.pollIntervalMs);
  }
}

/**
 * Jobs of ours on Lead that a previous process left behind: running ones are waited for (their
 * writes land before anything is read back); never-closed ones are aborted (they wrote nothing).
 */
export async function settleOpenJobs(
  conn: Connection,
  caller: Caller,
  opts: BulkOptions,
): Promise<number> {
  const list = (await caller.call('leads.bulk.list', () =>
    conn.request(`/services/data/v${conn.version}/jobs/ingest`),
  )) as { records?: JobInfo[] };
  const userId = conn.userInfo?.id;
  const ours = (list.records ?? []).filter(
    (j) =>
      j.object === 'Lead' &&
      j.operation === 'update' &&
      (!userId || !j.createdById || j.createdById === userId),
  );
  let settled = 0;
  for (const j of ours) {
    if (j.state === 'Open') {
      await caller.call('leads.bulk.abort', () => conn.bulk2.job('ingest', { id: j.id }).abort());
      settled++;
    } else if (RUNNING.has(j.state)) {
      await waitFor(conn, caller, j.id, opts);
      settled++;
    }
  }
  return settled;
}

export async function updateLeadsBulk(
  conn: Connection,
  caller: Caller,
  updates: readonly RecordUpdate[],
  opts: BulkOptions,
): Promise<BatchWriteResult> {
  const job = conn.bulk2.createJob({ object: 'Lead', operation: 'update', lineEnding: 'LF' });
  await caller.call('leads.bulk.open', () => job.open());
  try {
    await caller.call('leads.bulk.upload', () => job.uploadData(bulkRecords(updates)));
    await caller.call('leads.bulk.close', () => job.close());
  } catch (e) {
    // Not closed: Salesforce runs nothing of it. Abort so it does not linger as Open.
    await caller.call('leads.bulk.abort', () => job.abort()).catch(() => undefined);
    throw e;
  }
  const info = await waitFor(conn, caller, job.id, opts);
  if (info.state === 'Aborted')
    throw new LeadLensError('CRM_ERROR', `Salesforce's Bulk job ${job.id} was aborted.`, {
      hint: 'Someone aborted it in Setup → Bulk Data Load Jobs; the next run writes these leads again.',
    });
  const [ok, failed, unprocessed] = (await Promise.all([
    caller.call('leads.bulk.results', () => job.getSuccessfulResults()),
    caller.call('leads.bulk.results', () => job.getFailedResults()),
    caller.call('leads.bulk.results', () => job.getUnprocessedRecords()),
  ])) as unknown as [Row[], Row[], Row[]];

  const out: BatchWriteResult = { written: [], failed: [] };
  const byId = new Map(updates.map((u) => [u.id, u]));
  const seen = new Set<string>();
  for (const r of ok) {
    const id = r.sf__Id ?? r.Id ?? '';
    if (byId.has(id) && !seen.has(id)) {
      seen.add(id);
      out.written.push(id);
    }
  }
  for (const r of failed) {
    const id = r.sf__Id || r.Id || '';
    if (!byId.has(id) || seen.has(id)) continue;
    seen.add(id);
    const { code, message } = parseBulkError(r.sf__Error);
    out.failed.push({ id, code, message, retryable: RETRYABLE.has(code) });
  }
  // Unprocessed (the job failed or stopped before them) and anything the results left out:
  // not written, so the write-back sends them again.
  const reason =
    info.state === 'Failed'
      ? `Salesforce's Bulk job failed before this record: ${info.errorMessage ?? 'no reason given'}`
      : 'Salesforce reported no result for this record';
  const unprocessedIds = new Set(unprocessed.map((r) => r.Id ?? ''));
  for (const u of updates) {
    if (seen.has(u.id)) continue;
    out.failed.push({
      id: u.id,
      code: unprocessedIds.has(u.id) || info.state === 'Failed' ? 'BULK_UNPROCESSED' : 'UNKNOWN',
      message: reason,
      retryable: true,
    });
  }
  return out;
}
