/**
 * Write-back: store → CRM, the one path every score takes to the CRM — the batch job below, and
 * `writeNow` for a few records at once (the card's refresh, webhook rescoring). One policy:
 * - only the values that differ from what the CRM last confirmed are sent (writeback-plan.ts);
 * - the ledger records only what the CRM confirmed;
 * - a retryable failure (a 207 item error, 429, 5xx) is sent once more — at the end of the
 *   job's pass, or at once by `writeNow`;
 * - what still fails is reported with the CRM's code and message, and stays pending in the
 *   store, so the next write-back sends it again. Nothing fails silently, nothing is lost.
 * In the job the cursor advances only in the transaction that records what the CRM confirmed.
 * Before a batch is sent it is checkpointed as `inflight`; a run that resumes with a batch in
 * flight (the process died, or the CRM applied the write and then failed to answer) reads those
 * records back and records what the CRM already holds instead of sending it twice.
 */
import type { CrmPort } from '../crm/port';
import type { ScoreRow, StoredObjectType, StoreOps } from '../store/port';
import type { PipelineDeps } from './deps';
import type { JobDefinition, StepContext } from './jobs';
import { planRecordWrite } from './writeback-plan';

/** One record's changed LeadLens properties. */
export interface PlannedWrite {
  id: string;
  properties: Record<string, string>;
}

export interface WriteFailure {
  id: string;
  objectType: StoredObjectType;
  code: string;
  message: string;
}

/** The plan of each row against the ledger: what to send, and how many rows need nothing. */
async function planWrites(
  store: StoreOps,
  objectType: StoredObjectType,
  rows: readonly ScoreRow[],
): Promise<{ updates: PlannedWrite[]; unchanged: number }> {
  const jump = (await store.getSettings()).scoreJumpPoints;
  const ledger = await store.getWritten(
    objectType,
    rows.map((r) => r.id),
  );
  const updates: PlannedWrite[] = [];
  for (const row of rows) {
    const properties = planRecordWrite(row, ledger.get(row.id), jump);
    if (properties) updates.push({ id: row.id, properties });
  }
  return { updates, unchanged: rows.length - updates.length };
}

/**
 * Sends one batch (≤ 100). Retryable failures come back in `retry` unless this is the last
 * try, when they are final like the others.
 */
async function sendWrites(
  crm: CrmPort,
  objectType: StoredObjectType,
  updates: readonly PlannedWrite[],
  lastTry: boolean,
): Promise<{ confirmed: PlannedWrite[]; retry: string[]; failed: WriteFailure[] }> {
  if (updates.length === 0) return { confirmed: [], retry: [], failed: [] };
  const res = await crm.updateRecords(objectType, updates);
  const ok = new Set(res.written);
  return {
    confirmed: updates.filter((u) => ok.has(u.id)),
    retry: res.failed.filter((f) => f.retryable && !lastTry).map((f) => f.id),
    failed: res.failed
      .filter((f) => !f.retryable || lastTry)
      .map((f) => ({ id: f.id, objectType, code: f.code, message: f.message })),
  };
}

/** Writes the changed values of a few rows (≤ 100) now, with the one retry. */
export async function writeNow(
  deps: PipelineDeps,
  objectType: StoredObjectType,
  rows: readonly ScoreRow[],
): Promise<{ written: number; failed: WriteFailure[] }> {
  const { store, crm } = deps;
  let pending = rows;
  let written = 0;
  const failed: WriteFailure[] = [];
  for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
    const { updates } = await planWrites(store, objectType, pending);
    const res = await sendWrites(crm, objectType, updates, attempt === 1);
    await store.markWritten(objectType, res.confirmed, new Date(deps.now()).toISOString());
    written += res.confirmed.length;
    failed.push(...res.failed);
    const retry = new Set(res.retry);
    pending = pending.filter((r) => retry.has(r.id));
  }
  return { written, failed };
}

const DEFAULT_BATCH = 100;
const SCAN = 500;
const MAX_RECORDED_FAILURES = 200;

export interface WritebackState extends Record<string, unknown> {
  objectType: StoredObjectType;
  cursor: string | null;
  /** Ids to try once more at the end (retryable failures). */
  retry: string[];
  retried: boolean;
  written: number;
  unchanged: number;
  calls: number;
  failed: WriteFailure[];
  done: boolean;
  /** A batch sent (or about to be) whose outcome is not recorded yet. */
  inflight?: { objectType: StoredObjectType; updates: PlannedWrite[] } | null;
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
 * record what the CRM already holds. The rest were not applied; the cursor did not move, so the
 * next step plans them again.
 */
async function settleInflight(
  state: WritebackState,
  inflight: NonNullable<WritebackState['inflight']>,
  ctx: StepContext<WritebackState>,
) {
  const { objectType, updates } = inflight;
  const names = [...new Set(updates.flatMap((u) => Object.keys(u.properties)))];
  const records = await ctx.deps.crm.readRecords(
    objectType,
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
    written: state.written + applied.length,
  };
  const at = new Date(ctx.deps.now()).toISOString();
  await ctx.commit(next, async (tx) => {
    if (applied.length > 0) await tx.markWritten(objectType, applied, at);
  });
  return {
    state: next,
    done: false,
    progress: `an interrupted batch of ${updates.length}: ${applied.length} already in the CRM`,
  };
}

export function writebackJob(): JobDefinition<WritebackState> {
  return {
    name: 'writeback',
    init: () => ({
      objectType: 'contact',
      cursor: null,
      retry: [],
      retried: false,
      written: 0,
      unchanged: 0,
      calls: 0,
      failed: [],
      done: false,
      inflight: null,
    }),
    async step(state, ctx) {
      const { store, crm } = ctx.deps;
      if (state.inflight) return settleInflight(state, state.inflight, ctx);
      // Salesforce's Collections take 200 records a call, HubSpot's batch update 100.
      const BATCH = crm.writeBatchSize ?? DEFAULT_BATCH;

      // Collect up to one batch of changed records, scanning from the cursor.
      const updates: PlannedWrite[] = [];
      let cursor = state.cursor;
      let unchanged = 0;
      let exhausted = false;
      const retryPass = state.cursor === null && state.retry.length > 0 && state.retried;
      if (retryPass) {
        const rows: ScoreRow[] = [];
        for (const id of state.retry.slice(0, BATCH)) {
          const row = await store.getScore(state.objectType, id);
          if (row) rows.push(row);
        }
        updates.push(...(await planWrites(store, state.objectType, rows)).updates);
      } else {
        while (updates.length < BATCH) {
          const rows = await store.listScores(state.objectType, { afterId: cursor, limit: SCAN });
          if (rows.length === 0) {
            exhausted = true;
            break;
          }
          const planned = await planWrites(store, state.objectType, rows);
          const byId = new Map(planned.updates.map((u) => [u.id, u]));
          for (const row of rows) {
            cursor = row.id;
            const u = byId.get(row.id);
            if (u) updates.push(u);
            else unchanged++;
            if (updates.length === BATCH) break;
          }
          if (rows.length < SCAN && updates.length < BATCH && cursor === rows[rows.length - 1].id) {
            exhausted = true;
            break;
          }
        }
      }

      let next: WritebackState = {
        ...state,
        cursor,
        unchanged: state.unchanged + unchanged,
        inflight: null,
      };
      let confirmed: PlannedWrite[] = [];
      if (updates.length > 0) {
        await ctx.commit({ ...state, inflight: { objectType: state.objectType, updates } });
        const res = await sendWrites(crm, state.objectType, updates, retryPass);
        confirmed = res.confirmed;
        const ok = new Set(confirmed.map((u) => u.id));
        next = {
          ...next,
          calls: state.calls + 1,
          written: state.written + confirmed.length,
          retry: retryPass
            ? state.retry.slice(BATCH)
            : [...state.retry.filter((id) => !ok.has(id)), ...res.retry],
          failed: [...state.failed, ...res.failed].slice(0, MAX_RECORDED_FAILURES),
        };
      } else if (retryPass) {
        next = { ...next, retry: state.retry.slice(BATCH) };
      }

      // Where to go next: more of this type, the retry pass, the next type, or done.
      if (exhausted || (retryPass && next.retry.length === 0)) {
        if (!retryPass && next.retry.length > 0 && !state.retried) {
          next = { ...next, cursor: null, retried: true };
        } else if (state.objectType === 'contact') {
          next = { ...next, objectType: 'lead', cursor: null, retry: [], retried: false };
        } else {
          next = { ...next, done: true };
        }
      }
      const at = new Date(ctx.deps.now()).toISOString();
      await ctx.commit(next, async (tx) => {
        if (confirmed.length > 0) await tx.markWritten(state.objectType, confirmed, at);
      });
      return {
        state: next,
        done: next.done,
        progress: `wrote ${next.written} records (${next.unchanged} unchanged)`,
      };
    },
    summary: (s) => ({
      written: s.written,
      unchanged: s.unchanged,
      calls: s.calls,
      failed: s.failed.length,
      failures: s.failed.slice(0, 10),
    }),
  };
}
