/**
 * Write-back: store → CRM, the one path every score takes to the CRM — the batch job below, and
 * `writeNow` for a few records at once (the card's refresh, webhook rescoring). One policy:
 * - only the values that differ from what the CRM last confirmed are sent (writeback-plan.ts);
 * - the ledger records only what the CRM confirmed;
 * - a retryable failure (a 207 item error, 429, 5xx) is sent once more — at the end of the
 *   job's pass, or at once by `writeNow`;
 * - what still fails is reported with the CRM's code and message, and stays pending in the
 *   store, so the next write-back sends it again. Nothing fails silently, nothing is lost.
 * In the job the cursor advances only in the transaction that records what the CRM confirmed,
 * so a crash re-sends at most one batch, with the same values.
 */
import type { CrmPort } from '../crm/port';
import type { ScoreRow, StoredObjectType, StorePort } from '../store/port';
import type { PipelineDeps } from './deps';
import type { JobDefinition } from './jobs';
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
function planWrites(
  store: StorePort,
  objectType: StoredObjectType,
  rows: readonly ScoreRow[],
): { updates: PlannedWrite[]; unchanged: number } {
  const jump = store.getSettings().scoreJumpPoints;
  const ledger = store.getWritten(
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
    const { updates } = planWrites(store, objectType, pending);
    const res = await sendWrites(crm, objectType, updates, attempt === 1);
    store.markWritten(objectType, res.confirmed, new Date(deps.now()).toISOString());
    written += res.confirmed.length;
    failed.push(...res.failed);
    const retry = new Set(res.retry);
    pending = pending.filter((r) => retry.has(r.id));
  }
  return { written, failed };
}

const BATCH = 100;
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
    }),
    async step(state, ctx) {
      const { store, crm } = ctx.deps;

      // Collect up to one batch of changed records, scanning from the cursor.
      const updates: PlannedWrite[] = [];
      let cursor = state.cursor;
      let unchanged = 0;
      let exhausted = false;
      const retryPass = state.cursor === null && state.retry.length > 0 && state.retried;
      if (retryPass) {
        const rows = state.retry
          .slice(0, BATCH)
          .map((id) => store.getScore(state.objectType, id))
          .filter((r): r is ScoreRow => r !== null);
        updates.push(...planWrites(store, state.objectType, rows).updates);
      } else {
        while (updates.length < BATCH) {
          const rows = store.listScores(state.objectType, { afterId: cursor, limit: SCAN });
          if (rows.length === 0) {
            exhausted = true;
            break;
          }
          const planned = planWrites(store, state.objectType, rows);
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

      let next: WritebackState = { ...state, cursor, unchanged: state.unchanged + unchanged };
      let confirmed: PlannedWrite[] = [];
      if (updates.length > 0) {
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
      ctx.commit(next, () => {
        if (confirmed.length > 0) store.markWritten(state.objectType, confirmed, at);
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
