/**
 * Bulk API 2.0 ingest jobs (api_asynch guide: create_job, upload_job_data, close_job,
 * get_job_info, get_job_successful_results / failed_results / unprocessed_results, delete_job,
 * bulk_api_2_job_states, bulk_common_limits). A job is Open until its one upload is closed with
 * UploadComplete; it then runs asynchronously — InProgress, chunk by chunk of 10,000 records — to
 * JobComplete, or Failed (its unprocessed records listed), or Aborted. Each record goes through
 * the same record-level checks as sObject Collections, so a converted lead or a row lock fails
 * that record (sf__Error), never the job.
 */
import { parse } from 'csv-parse/sync';
import { SfError } from './errors';
import { type FaultInjector } from './faults';
import { type Org } from './org';
import { type FieldDef, type SObjectDef } from './schema';
import { type Value } from './soql/eval';
import { apply, checkRecord, type SaveError, type WriteLog } from './writes';

export type JobState =
  'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** "Bulk API 2.0 … divides the data into chunks of 10,000 records" (bulk_common_limits). */
export const CHUNK = 10_000;
/** "Maximum file size for a single upload: 150 MB" (bulk_common_limits, Bulk API 2.0 ingest). */
export const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;
/** "Records are retried up to 10 times" on lock contention before they fail (bulk_common_limits). */
const LOCK_RETRIES = 10;

export interface IngestJob {
  id: string;
  operation: string;
  object: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: 'COMMA';
  header: string[] | null;
  rows: string[][];
  /** Rows processed so far (in upload order). */
  processed: number;
  successful: Array<{ id: string; row: string[] }>;
  failed: Array<{ id: string; error: string; row: string[] }>;
  retries: number;
  errorMessage: string | null;
  timer: NodeJS.Timeout | null;
}

const ERR = (status: number, code: string, message: string) => new SfError(status, code, message);

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v;
}
export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** One CSV cell as a stored value ('' leaves the field as it is; '#N/A' clears it). */
function csvValue(f: FieldDef, raw: string): Value | SaveError {
  if (raw === '#N/A') return null;
  const bad = (): SaveError => ({
    statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
    message: `${f.label}: value not of required type: ${raw}`,
    fields: [f.name],
  });
  switch (f.type) {
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : bad();
    }
    case 'boolean':
      return /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : bad();
    case 'datetime': {
      const t = Date.parse(raw);
      return /^\d{4}-\d{2}-\d{2}T/.test(raw) && Number.isFinite(t) ? t : bad();
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) ? raw : bad();
    default:
      return raw;
  }
}

export class BulkJobs {
  jobs = new Map<string, IngestJob>();
  private n = 0;
  constructor(
    private readonly org: () => Org,
    private readonly faults: FaultInjector,
    private readonly writes: WriteLog[],
  ) {}

  clear(): void {
    for (const j of this.jobs.values()) if (j.timer) clearTimeout(j.timer);
    this.jobs.clear();
  }

  create(body: Record<string, unknown>, apiVersion: string): IngestJob {
    const operation = String(body.operation ?? '');
    if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(operation))
      throw ERR(400, 'INVALIDJOB', `InvalidJob : Invalid operation: ${operation || 'null'}`);
    // LeadLens needs update only; anything else is refused rather than half-emulated.
    if (operation !== 'update')
      throw ERR(400, 'FEATURENOTENABLED', `The emulator runs update jobs only, not ${operation}`);
    const def = this.org().object(String(body.object ?? ''));
    if (!def)
      throw ERR(400, 'INVALIDJOB', `InvalidJob : Unable to find object: ${String(body.object)}`);
    if (body.contentType !== undefined && body.contentType !== 'CSV')
      throw ERR(400, 'INVALIDJOB', 'InvalidJob : contentType must be CSV');
    if (body.columnDelimiter !== undefined && body.columnDelimiter !== 'COMMA')
      throw ERR(400, 'FEATURENOTENABLED', 'The emulator reads COMMA-delimited CSV only');
    const lineEnding = body.lineEnding === 'CRLF' ? 'CRLF' : 'LF';
    const now = this.org().now();
    const id = `7505g${String(++this.n).padStart(10, '0')}AAA`;
    const job: IngestJob = {
      id,
      operation,
      object: def.name,
      createdById: this.org().userId,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      apiVersion: Number(apiVersion),
      lineEnding,
      columnDelimiter: 'COMMA',
      header: null,
      rows: [],
      processed: 0,
      successful: [],
      failed: [],
      retries: 0,
      errorMessage: null,
      timer: null,
    };
    this.jobs.set(id, job);
    return job;
  }

  get(id: string): IngestJob {
    const j = this.jobs.get(id);
    if (!j) throw ERR(404, 'NOT_FOUND', 'The requested resource does not exist');
    return j;
  }

  upload(id: string, csv: string): void {
    const j = this.get(id);
    if (j.state !== 'Open')
      throw ERR(409, 'INVALIDJOBSTATE', `InvalidJobState : Job is not in Open state: ${j.state}`);
    // "You can upload only one batch of data per job" (upload_job_data).
    if (j.header)
      throw ERR(409, 'INVALIDJOBSTATE', 'InvalidJobState : data was already uploaded to this job');
    if (Buffer.byteLength(csv) > MAX_UPLOAD_BYTES)
      throw ERR(400, 'INVALIDBATCH', 'InvalidBatch : the upload exceeds 150 MB');
    let rows: string[][];
    try {
      rows = parse(csv, { relax_column_count: false, skip_empty_lines: true }) as string[][];
    } catch (e) {
      throw ERR(
        400,
        'INVALIDBATCH',
        `InvalidBatch : ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (rows.length === 0) throw ERR(400, 'INVALIDBATCH', 'InvalidBatch : no header row');
    j.header = rows[0];
    j.rows = rows.slice(1);
    j.systemModstamp = this.org().now();
  }

  setState(id: string, state: unknown): IngestJob {
    const j = this.get(id);
    if (state === 'UploadComplete') {
      if (j.state !== 'Open')
        throw ERR(409, 'INVALIDJOBSTATE', `InvalidJobState : Job is not in Open state: ${j.state}`);
      j.state = 'UploadComplete';
      j.systemModstamp = this.org().now();
      this.schedule(j);
      return j;
    }
    if (state === 'Aborted') {
      if (j.state === 'JobComplete' || j.state === 'Failed' || j.state === 'Aborted')
        throw ERR(409, 'INVALIDJOBSTATE', `InvalidJobState : Job is already ${j.state}`);
      if (j.timer) clearTimeout(j.timer);
      j.timer = null;
      j.state = 'Aborted';
      j.systemModstamp = this.org().now();
      return j;
    }
    throw ERR(400, 'INVALIDJOBSTATE', `InvalidJobState : cannot set state ${String(state)}`);
  }

  delete(id: string): void {
    const j = this.get(id);
    // delete_job: "The job must be in UploadComplete, JobComplete, Aborted, or Failed state."
    if (j.state === 'Open' || j.state === 'InProgress')
      throw ERR(
        409,
        'INVALIDJOBSTATE',
        `InvalidJobState : cannot delete a job in state ${j.state}`,
      );
    if (j.timer) clearTimeout(j.timer);
    this.jobs.delete(id);
  }

  info(j: IngestJob) {
    return {
      id: j.id,
      operation: j.operation,
      object: j.object,
      createdById: j.createdById,
      createdDate: iso(j.createdDate),
      systemModstamp: iso(j.systemModstamp),
      state: j.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: j.apiVersion,
      jobType: 'V2Ingest',
      contentUrl: `services/data/v${j.apiVersion.toFixed(1)}/jobs/ingest/${j.id}/batches`,
      lineEnding: j.lineEnding,
      columnDelimiter: j.columnDelimiter,
      numberRecordsProcessed: j.processed,
      numberRecordsFailed: j.failed.length,
      retries: j.retries,
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
      ...(j.errorMessage ? { errorMessage: j.errorMessage } : {}),
    };
  }

  /** The three result sets; before the job ends they are refused (there is nothing final yet). */
  results(id: string, kind: 'successful' | 'failed' | 'unprocessed'): string {
    const j = this.get(id);
    const header = j.header ?? [];
    if (kind === 'unprocessed') {
      if (j.state === 'Open')
        throw ERR(409, 'INVALIDJOBSTATE', 'InvalidJobState : the job is still Open');
      // Unprocessed: what a Failed or Aborted job never reached (empty for a complete job).
      const rest = j.state === 'JobComplete' ? [] : j.rows.slice(j.processed);
      return toCsv(header, rest);
    }
    if (j.state !== 'JobComplete' && j.state !== 'Failed' && j.state !== 'Aborted')
      throw ERR(409, 'INVALIDJOBSTATE', `InvalidJobState : the job is ${j.state}, not complete`);
    if (kind === 'successful')
      return toCsv(
        ['sf__Id', 'sf__Created', ...header],
        j.successful.map((s) => [s.id, 'false', ...s.row]),
      );
    return toCsv(
      ['sf__Id', 'sf__Error', ...header],
      j.failed.map((f) => [f.id, f.error, ...f.row]),
    );
  }

  private schedule(j: IngestJob): void {
    j.timer = setTimeout(() => this.step(j), this.faults.faults.bulkDelayMs);
    j.timer.unref?.();
  }

  /** Processes one chunk; the job moves on to the next after the `bulkDelayMs` fault knob. */
  private step(j: IngestJob): void {
    j.timer = null;
    if (j.state === 'Aborted' || !this.jobs.has(j.id)) return;
    const org = this.org();
    j.state = 'InProgress';
    j.systemModstamp = org.now();
    const def = org.object(j.object) as SObjectDef;
    const header = j.header ?? [];
    if (header.length === 0 || j.rows.length === 0) {
      return this.fail(j, 'InvalidBatch : no data was uploaded for this job');
    }
    // Column checks fail the whole job, as Bulk does before touching any record.
    const idCol = header.findIndex((h) => h.toLowerCase() === 'id');
    if (idCol < 0) return this.fail(j, 'InvalidBatch : Field name not found : Id');
    const cols: Array<FieldDef | null> = [];
    for (const h of header) {
      if (h.toLowerCase() === 'id') {
        cols.push(null);
        continue;
      }
      const f = def.byName.get(h.toLowerCase());
      if (!f || !f.visible) return this.fail(j, `InvalidBatch : Field name not found : ${h}`);
      cols.push(f);
    }
    if (
      this.faults.faults.bulkFailAfter !== null &&
      j.processed >= this.faults.faults.bulkFailAfter
    )
      return this.fail(j, 'InternalServerError : the job failed while processing (injected)');
    const end = Math.min(j.rows.length, j.processed + CHUNK);
    for (let i = j.processed; i < end; i++) {
      const row = j.rows[i];
      const id = row[idCol] ?? '';
      const fields = new Map<FieldDef, Value>();
      let err: SaveError | null = null;
      row.forEach((cell, c) => {
        const f = cols[c];
        if (!f || err || cell === '') return;
        const v = csvValue(f, cell);
        if (v !== null && typeof v === 'object') err = v;
        else fields.set(f, v);
      });
      let tries = 0;
      for (;;) {
        err ??= checkRecord(org, def, id, fields, this.faults);
        if (err?.statusCode === 'UNABLE_TO_LOCK_ROW' && tries < LOCK_RETRIES) {
          tries++;
          j.retries++;
          err = null;
          continue;
        }
        break;
      }
      const e = err as SaveError | null;
      if (e)
        j.failed.push({ id, error: `${e.statusCode}:${e.message}:${e.fields.join(',')} --`, row });
      else {
        apply(org, def, id, fields, this.writes, 'bulk2');
        j.successful.push({ id, row });
      }
    }
    j.processed = end;
    j.systemModstamp = org.now();
    if (j.processed >= j.rows.length) {
      j.state = 'JobComplete';
      return;
    }
    this.schedule(j);
  }

  private fail(j: IngestJob, message: string): void {
    j.state = 'Failed';
    j.errorMessage = message;
    j.systemModstamp = this.org().now();
  }
}

const iso = (t: number) => new Date(t).toISOString().replace('Z', '+0000');
