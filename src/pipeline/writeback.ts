/**
 * Write-back: store → CRM, the one path every score takes to the CRM — the batch job below, and
 * `writeNow` for a few records at once (the card's refresh, webhook rescoring).
 *
 * What must be written is derived, every time, from two things only: the desired values in the
 * store (the stored score rows) and the ledger of what the CRM confirmed holding. Never from a
 * cursor of an earlier run. The job scans every stored score in passes; it is `done` only after
 * a whole pass found nothing left to send except records whose failure is recorded (permanent,
 * or retryable past the cap). So a run that reports `done` leaves the CRM equal to the store,
 * whatever runs, crashes or restarts came before — the cursor is only a scan position inside
 * one pass.
 *
 * Failures are visible and finite: each is kept per record in the store with the CRM's reason
 * (`recordWriteFailures`), shown by the summary, `leadlens status`, the report and the settings
 * page. A permanent one (not found, read-only, invalid option) is not sent again until the record
 * changes (other values, or a newer version synced from the CRM); a retryable one is sent again
 * in the next pass, up to `RETRY_CAP` tries of the same values.
 *
 * Before a batch is sent it is checkpointed as `inflight`; a run that resumes with a batch in
 * flight (the process died, or the CRM applied the write and then failed to answer) reads those
 * records back and records what the CRM already holds instead of sending it twice.
 */
import { createHash } from 'node:crypto';
import type { CrmRecord } from '../contracts/records';
import type { BatchWriteResult, CrmPort, RecordUpdate } from '../crm/port';
import { LeadLensError } from '../contracts/errors';
import type { ScoreRow, StoredObjectType, StoreOps, WriteFailureRow } from '../store/port';
import type { PipelineDeps } from './deps';
import type { JobDefinition, StepContext } from './jobs';
import { desiredCoreValues, planRecordWrite, spikeOf, type SpikeOfWrite } from './writeback-plan';

/** One record's changed LeadLens properties. */
export interface PlannedWrite {
  id: string;
  properties: Record<string, string>;
  /** After the write: the CRM's modification time of the record. */
  updatedAt?: string;
  /** What the record's failure (if it fails) is keyed by: its desired values and version. */
  valuesKey?: string;
  /** A score spike this write makes (kept with the confirmation, for the owner's task). */
  spike?: SpikeOfWrite;
}

export interface WriteFailure {
  id: string;
  objectType: StoredObjectType;
  code: string;
  message: string;
  /** Tries of these values so far (1 for a first failure). */
  attempts?: number;
  retryable?: boolean;
}

/** Tries of one retryable failure with the same values before it is left like a permanent one. */
export const RETRY_CAP = 3;
/** Passes of one object type in one run: the first, then one per retry (a guard, not a tuning). */
const MAX_PASSES = RETRY_CAP + 2;

/**
 * The desired values and the record's version, hashed: a recorded failure applies while both
 * are unchanged. scoredAt is left out — every run has a new one, and a record must not be retried
 * only because it was rescored to the same values.
 */
export function valuesKeyOf(row: ScoreRow, recordUpdatedAt: string | null): string {
  const core = desiredCoreValues(row);
  const text = JSON.stringify(
    Object.keys(core)
      .sort()
      .map((k) => [k, core[k]]),
  );
  return `${createHash('sha256').update(text).digest('base64url').slice(0, 22)}@${recordUpdatedAt ?? ''}`;
}

function isFinal(f: Pick<WriteFailureRow, 'retryable' | 'attempts'>): boolean {
  return !f.retryable || f.attempts >= RETRY_CAP;
}

const asFailure = (f: WriteFailureRow): WriteFailure => ({
  id: f.id,
  objectType: f.objectType,
  code: f.code,
  message: f.message,
  attempts: f.attempts,
  retryable: f.retryable,
});

interface Planned {
  updates: PlannedWrite[];
  unchanged: number;
  /** Rows left unsent because their failure is recorded for these very values. */
  blocked: WriteFailure[];
  /** Rows that need nothing any more but still have a failure recorded. */
  healed: string[];
}

/** The plan of each row against the ledger and the recorded failures. */
async function planWrites(
  store: StoreOps,
  objectType: StoredObjectType,
  rows: readonly ScoreRow[],
  opts: { honourFailures: boolean },
): Promise<Planned> {
  const settings = await store.getSettings();
  const jump = settings.scoreJumpPoints;
  // Spikes of contacts only: a lead record carries its contact's score (one spike, one task).
  const spikes = settings.governance.spikeTasks && objectType === 'contact';
  const ids = rows.map((r) => r.id);
  const ledger = await store.getWritten(objectType, ids);
  const failures = await store.getWriteFailures(objectType, ids);
  const out: Planned = { updates: [], unchanged: 0, blocked: [], healed: [] };
  for (const row of rows) {
    const properties = planRecordWrite(row, ledger.get(row.id), jump);
    const failure = failures.get(row.id);
    if (!properties) {
      out.unchanged++;
      if (failure) out.healed.push(row.id);
      continue;
    }
    let valuesKey: string | undefined;
    if (failure) {
      const record = await store.getRecord(objectType, row.id);
      valuesKey = valuesKeyOf(row, record?.updatedAt ?? null);
      if (opts.honourFailures && failure.valuesKey === valuesKey && isFinal(failure)) {
        out.blocked.push(asFailure(failure));
        continue;
      }
    }
    const spike = spikes ? spikeOf(row, ledger.get(row.id), jump, settings.tiers[0]!.value) : null;
    out.updates.push({
      id: row.id,
      properties,
      ...(valuesKey ? { valuesKey } : {}),
      ...(spike ? { spike } : {}),
    });
  }
  return out;
}

/** The key of each failed write: computed only for the few that failed. */
async function keysOf(
  store: StoreOps,
  objectType: StoredObjectType,
  updates: readonly PlannedWrite[],
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const u of updates) {
    if (u.valuesKey) {
      keys.set(u.id, u.valuesKey);
      continue;
    }
    const [row, record] = await Promise.all([
      store.getScore(objectType, u.id),
      store.getRecord(objectType, u.id),
    ]);
    if (row) keys.set(u.id, valuesKeyOf(row, record?.updatedAt ?? null));
  }
  return keys;
}

/**
 * Spikes of confirmed writes, in the transaction that records the confirmation: kept once per
 * record and scoring moment, so a resumed or repeated batch never makes a second one.
 */
async function keepSpikes(
  tx: StoreOps,
  objectType: StoredObjectType,
  confirmed: readonly PlannedWrite[],
  at: string,
): Promise<void> {
  for (const u of confirmed) {
    if (!u.spike) continue;
    await tx.addSpike({
      objectType,
      recordId: u.id,
      ...u.spike,
      createdAt: at,
      crmTaskId: null,
    });
  }
}

/**
 * The CRM's write and read-back of one object type: account-only committee members (Salesforce
 * Contacts made on an Account) through the adapter's `members`, every other type as it is.
 */
export function crmRecordsOf(
  crm: CrmPort,
  objectType: StoredObjectType,
): {
  update(updates: readonly RecordUpdate[]): Promise<BatchWriteResult>;
  read(ids: readonly string[], properties: readonly string[]): Promise<CrmRecord[]>;
} {
  if (objectType !== 'account_contact')
    return {
      update: (u) => crm.updateRecords(objectType, u),
      read: (ids, p) => crm.readRecords(objectType, ids, p),
    };
  const members = crm.members;
  if (!members)
    throw new LeadLensError(
      'INTERNAL',
      `The ${crm.kind} adapter writes no account-only committee members.`,
    );
  return { update: (u) => members.updateRecords(u), read: (ids, p) => members.readRecords(ids, p) };
}

interface SendResult {
  confirmed: PlannedWrite[];
  /** Every failure, with its tries counted (this one included). */
  failed: WriteFailure[];
  record: (tx: StoreOps, at: string) => Promise<void>;
}

/**
 * Sends one batch (≤ 100) and prepares what to record: the confirmed values in the ledger (their
 * failures forgotten), the failures with their reason and count.
 */
async function sendWrites(
  store: StoreOps,
  crm: CrmPort,
  objectType: StoredObjectType,
  updates: readonly PlannedWrite[],
): Promise<SendResult> {
  if (updates.length === 0) return { confirmed: [], failed: [], record: async () => undefined };
  const res = await crmRecordsOf(crm, objectType).update(updates);
  const ok = new Set(res.written);
  // With the CRM's time after the write: the next sync knows this change was ours.
  const confirmed = updates
    .filter((u) => ok.has(u.id))
    .map((u) => (res.updatedAt?.[u.id] ? { ...u, updatedAt: res.updatedAt[u.id] } : u));
  const failedUpdates = updates.filter((u) => res.failed.some((f) => f.id === u.id));
  const keys = await keysOf(store, objectType, failedUpdates);
  const before = await store.getWriteFailures(
    objectType,
    failedUpdates.map((u) => u.id),
  );
  const failed: WriteFailure[] = res.failed.map((f) => {
    const prev = before.get(f.id);
    const key = keys.get(f.id) ?? '';
    return {
      id: f.id,
      objectType,
      code: f.code,
      message: f.message,
      retryable: f.retryable,
      attempts: prev && prev.valuesKey === key ? prev.attempts + 1 : 1,
    };
  });
  return {
    confirmed,
    failed,
    async record(tx, at) {
      if (confirmed.length > 0) {
        await tx.markWritten(objectType, confirmed, at);
        await tx.clearWriteFailures(
          objectType,
          confirmed.map((u) => u.id),
        );
        await keepSpikes(tx, objectType, confirmed, at);
      }
      if (res.failed.length > 0) {
        await tx.recordWriteFailures(
          res.failed.map((f) => ({
            objectType,
            id: f.id,
            code: f.code,
            message: f.message,
            retryable: f.retryable,
            valuesKey: keys.get(f.id) ?? '',
          })),
          at,
        );
      }
    },
  };
}

/**
 * Writes the changed values of a few rows (≤ 100) now — someone asked for these records, so a
 * recorded failure does not stop the first try — and sends retryable failures once more.
 */
export async function writeNow(
  deps: PipelineDeps,
  objectType: StoredObjectType,
  rows: readonly ScoreRow[],
): Promise<{ written: number; failed: WriteFailure[] }> {
  const { store, crm } = deps;
  let pending = rows;
  let written = 0;
  let failed: WriteFailure[] = [];
  for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
    const { updates } = await planWrites(store, objectType, pending, { honourFailures: false });
    const res = await sendWrites(store, crm, objectType, updates);
    await store.transaction((tx) => res.record(tx, new Date(deps.now()).toISOString()));
    written += res.confirmed.length;
    failed = [...failed.filter((f) => !res.confirmed.some((u) => u.id === f.id)), ...res.failed];
    const retry = new Set(res.failed.filter((f) => f.retryable).map((f) => f.id));
    failed = failed.filter((f) => !retry.has(f.id) || attempt === 1);
    pending = pending.filter((r) => retry.has(r.id));
  }
  return { written, failed };
}

const DEFAULT_BATCH = 100;
const SCAN = 500;
const MAX_RECORDED_FAILURES = 200;

export interface WritebackState extends Record<string, unknown> {
  objectType: StoredObjectType;
  /** Scan position inside the current pass (null: the pass starts at the first record). */
  cursor: string | null;
  /** 1, 2, … per object type. */
  pass: number;
  /** Batches sent in the current pass; a pass that sent none ends the object type. */
  sentThisPass: number;
  written: number;
  /** Records that needed nothing, counted in the first pass. */
  unchanged: number;
  calls: number;
  /** Final failures of the object types finished (their last pass). */
  failed: WriteFailure[];
  failedCount: number;
  /** Failures met in the current pass: sent and failed for good, or left for a recorded failure. */
  passFailed: WriteFailure[];
  passFailedCount: number;
  done: boolean;
  /** A batch sent (or about to be) whose outcome is not recorded yet. */
  inflight?: { objectType: StoredObjectType; updates: PlannedWrite[] } | null;
  /** Kept for checkpoints written before passes existed; ignored. */
  retry?: string[];
}

/** The CRM answers numbers and datetimes in its own format: compare what they mean. */
export function sameCrmValue(held: string | null | undefined, sent: string): boolean {
  if (held === sent) return true;
  if (held === null || held === undefined) return sent === '';
  if (held.trim() !== '' && sent.trim() !== '' && Number(held) === Number(sent)) return true;
  const iso = /^\d{4}-\d{2}-\d{2}T/;
  const a = Date.parse(held);
  return iso.test(held) && iso.test(sent) && Number.isFinite(a) && a === Date.parse(sent);
}

/**
 * A batch was sent (or about to be) when the last run stopped: read those records back and
 * record what the CRM already holds. The rest were not applied; the pass plans them again.
 */
async function settleInflight(
  state: WritebackState,
  inflight: NonNullable<WritebackState['inflight']>,
  ctx: StepContext<WritebackState>,
) {
  const { objectType, updates } = inflight;
  const names = [...new Set(updates.flatMap((u) => Object.keys(u.properties)))];
  const records = await crmRecordsOf(ctx.deps.crm, objectType).read(
    updates.map((u) => u.id),
    names,
  );
  const held = new Map(records.map((r) => [r.id, r.properties]));
  const applied = updates.filter((u) => {
    const p = held.get(u.id);
    return !!p && Object.entries(u.properties).every(([k, v]) => sameCrmValue(p[k], v));
  });
  const next: WritebackState = {
    ...state,
    inflight: null,
    calls: state.calls + 1,
    written: state.written + applied.length,
  };
  const at = new Date(ctx.deps.now()).toISOString();
  await ctx.commit(next, async (tx) => {
    if (applied.length > 0) {
      await tx.markWritten(objectType, applied, at);
      await tx.clearWriteFailures(
        objectType,
        applied.map((u) => u.id),
      );
      await keepSpikes(tx, objectType, applied, at);
    }
  });
  return {
    state: next,
    done: false,
    progress: `an interrupted batch of ${updates.length}: ${applied.length} already in the CRM`,
  };
}

export const initialWritebackState = (): WritebackState => ({
  objectType: 'contact',
  cursor: null,
  pass: 1,
  sentThisPass: 0,
  written: 0,
  unchanged: 0,
  calls: 0,
  failed: [],
  failedCount: 0,
  passFailed: [],
  passFailedCount: 0,
  done: false,
  inflight: null,
});

/** Older checkpoints (a cursor and a retry list) resume as a fresh pass: nothing is lost. */
function upgrade(state: WritebackState): WritebackState {
  if (typeof state.pass === 'number') return state;
  return {
    ...initialWritebackState(),
    objectType: state.objectType,
    written: state.written ?? 0,
    calls: state.calls ?? 0,
    inflight: state.inflight ?? null,
  };
}

export interface WritebackJobOptions {
  /** The checkpoint's name: deal scores write back under their own ('deal-writeback'). */
  name?: string;
  /** Object types written, in order. Default: contacts, then lead records. */
  objectTypes?: readonly StoredObjectType[];
}

export function writebackJob(opts: WritebackJobOptions = {}): JobDefinition<WritebackState> {
  const name = opts.name ?? 'writeback';
  const types = opts.objectTypes ?? (['contact', 'lead'] as const);
  return {
    name,
    async init(deps) {
      // A batch in flight when the previous run stopped is settled first, whatever run this is.
      const prev = await deps.store.getJob(name);
      const inflight = (prev?.state as WritebackState | undefined)?.inflight ?? null;
      return {
        ...initialWritebackState(),
        objectType: types[0],
        inflight: prev?.status === 'done' ? null : inflight,
      };
    },
    async step(saved, ctx) {
      const state = upgrade(saved);
      const { store, crm } = ctx.deps;
      if (state.inflight) return settleInflight(state, state.inflight, ctx);
      // Salesforce's Collections take 200 records a call, HubSpot's batch update 100.
      const BATCH = crm.writeBatchSize ?? DEFAULT_BATCH;

      // Collect up to one batch of records to send, scanning from the pass's position.
      const updates: PlannedWrite[] = [];
      let cursor = state.cursor;
      let unchanged = 0;
      let exhausted = false;
      const passFailed: WriteFailure[] = [];
      let passFailedCount = 0;
      const healed: string[] = [];
      while (updates.length < BATCH) {
        const rows = await store.listScores(state.objectType, { afterId: cursor, limit: SCAN });
        if (rows.length === 0) {
          exhausted = true;
          break;
        }
        // Only as many rows as fit in this batch are taken; the rest are scanned next step.
        const planned = await planWrites(store, state.objectType, rows, { honourFailures: true });
        const send = new Map(planned.updates.map((u) => [u.id, u]));
        const blocked = new Map(planned.blocked.map((f) => [f.id, f]));
        const healedHere = new Set(planned.healed);
        for (const row of rows) {
          cursor = row.id;
          const u = send.get(row.id);
          const b = blocked.get(row.id);
          if (u) updates.push(u);
          else if (b) {
            passFailedCount++;
            if (passFailed.length < MAX_RECORDED_FAILURES) passFailed.push(b);
          } else {
            unchanged++;
            if (healedHere.has(row.id)) healed.push(row.id);
          }
          if (updates.length === BATCH) break;
        }
        if (rows.length < SCAN && cursor === rows[rows.length - 1].id) {
          exhausted = true;
          break;
        }
      }

      let next: WritebackState = {
        ...state,
        cursor,
        unchanged: state.pass === 1 ? state.unchanged + unchanged : state.unchanged,
        passFailed: [...state.passFailed, ...passFailed].slice(0, MAX_RECORDED_FAILURES),
        passFailedCount: state.passFailedCount + passFailedCount,
        inflight: null,
      };
      let sent: SendResult | null = null;
      if (updates.length > 0) {
        await ctx.commit({ ...state, inflight: { objectType: state.objectType, updates } });
        sent = await sendWrites(store, crm, state.objectType, updates);
        // What failed for good here is met as blocked by the next pass, which lists it.
        next = {
          ...next,
          calls: state.calls + 1,
          sentThisPass: state.sentThisPass + 1,
          written: state.written + sent.confirmed.length,
        };
      }

      // Where to go next: more of this pass, another pass, the next type, or done.
      let done = false;
      if (exhausted) {
        if (next.sentThisPass > 0 && state.pass < MAX_PASSES) {
          // Something was sent: scan again from the start. The next pass sends only what is
          // still missing (retryable failures under the cap) and lists what failed for good.
          next = {
            ...next,
            cursor: null,
            pass: state.pass + 1,
            sentThisPass: 0,
            passFailed: [],
            passFailedCount: 0,
          };
        } else {
          const failed = [...next.failed, ...next.passFailed].slice(0, MAX_RECORDED_FAILURES);
          const failedCount = next.failedCount + next.passFailedCount;
          const base = {
            ...next,
            failed,
            failedCount,
            cursor: null,
            pass: 1,
            sentThisPass: 0,
            passFailed: [],
            passFailedCount: 0,
          };
          const following = types[types.indexOf(state.objectType) + 1];
          if (following) next = { ...base, objectType: following };
          else {
            next = { ...base, done: true };
            done = true;
          }
        }
      }
      const at = new Date(ctx.deps.now()).toISOString();
      await ctx.commit(next, async (tx) => {
        await sent?.record(tx, at);
        if (healed.length > 0) await tx.clearWriteFailures(state.objectType, healed);
      });
      return {
        state: next,
        done,
        progress: `wrote ${next.written} records (${next.unchanged} unchanged${
          next.failedCount + next.passFailedCount > 0
            ? `, ${next.failedCount + next.passFailedCount} failed`
            : ''
        })`,
      };
    },
    summary: (s) => ({
      written: s.written,
      unchanged: s.unchanged,
      calls: s.calls,
      failed: s.failedCount ?? s.failed.length,
      failures: s.failed.slice(0, 10),
    }),
  };
}
