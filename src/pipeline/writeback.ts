/**
 * Write-back: store → CRM, only what changed, in batches of 100. The cursor advances only in the
 * transaction that records what the CRM confirmed. Before each batch is sent it is checkpointed
 * as `inflight`; a run that resumes with a batch in flight (the process died, or the CRM
 * applied the write and then failed to answer) reads those records back and records what the
 * CRM already holds instead of sending it twice. Retryable failures (207 item errors, 5xx) get
 * one more pass at the end; the others are recorded with the CRM's message.
 */
import type { StoredObjectType } from '../store/port';
import type { JobDefinition } from './jobs';
import { planRecordWrite } from './writeback-plan';

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
  failed: Array<{ id: string; objectType: StoredObjectType; code: string; message: string }>;
  done: boolean;
  /** A batch sent (or about to be) whose outcome is not recorded yet. */
  inflight?: { objectType: StoredObjectType; updates: RecordUpdate[] } | null;
}

type RecordUpdate = { id: string; properties: Record<string, string> };

/** The CRM answers numbers and datetimes in its own format: compare what they mean. */
export function sameCrmValue(held: string | null | undefined, sent: string): boolean {
  if (held === sent) return true;
  if (held === null || held === undefined) return sent === '';
  if (held.trim() !== '' && sent.trim() !== '' && Number(held) === Number(sent)) return true;
  const iso = /^\d{4}-\d{2}-\d{2}T/;
  const a = Date.parse(held);
  return iso.test(held) && iso.test(sent) && Number.isFinite(a) && a === Date.parse(sent);
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
      if (state.inflight) {
        const { objectType, updates } = state.inflight;
        const names = [...new Set(updates.flatMap((u) => Object.keys(u.properties)))];
        const held = new Map(
          (
            await crm.readRecords(
              objectType,
              updates.map((u) => u.id),
              names,
            )
          ).map((r) => [r.id, r.properties]),
        );
        const applied = updates.filter((u) => {
          const p = held.get(u.id);
          return !!p && Object.entries(u.properties).every(([k, v]) => sameCrmValue(p[k], v));
        });
        // The rest were not applied: the cursor did not move, so the next step plans them again.
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
      const jump = (await store.getSettings()).scoreJumpPoints;

      // Collect up to one batch of changed records, scanning from the cursor.
      const updates: Array<{ id: string; properties: Record<string, string> }> = [];
      let cursor = state.cursor;
      let unchanged = 0;
      let exhausted = false;
      const retryPass = state.cursor === null && state.retry.length > 0 && state.retried;
      if (retryPass) {
        for (const id of state.retry.slice(0, BATCH)) {
          const row = await store.getScore(state.objectType, id);
          const plan =
            row &&
            planRecordWrite(row, (await store.getWritten(state.objectType, [id])).get(id), jump);
          if (plan) updates.push({ id, properties: plan });
        }
      } else {
        while (updates.length < BATCH) {
          const rows = await store.listScores(state.objectType, { afterId: cursor, limit: SCAN });
          if (rows.length === 0) {
            exhausted = true;
            break;
          }
          const ledger = await store.getWritten(
            state.objectType,
            rows.map((r) => r.id),
          );
          for (const row of rows) {
            cursor = row.id;
            const plan = planRecordWrite(row, ledger.get(row.id), jump);
            if (plan) updates.push({ id: row.id, properties: plan });
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
      const confirmed: typeof updates = [];
      if (updates.length > 0) {
        await ctx.commit({ ...state, inflight: { objectType: state.objectType, updates } });
        const res = await crm.updateRecords(state.objectType, updates);
        const ok = new Set(res.written);
        for (const u of updates) if (ok.has(u.id)) confirmed.push(u);
        const retryable = res.failed.filter((f) => f.retryable && !retryPass).map((f) => f.id);
        const final = res.failed
          .filter((f) => !f.retryable || retryPass)
          .map((f) => ({
            id: f.id,
            objectType: state.objectType,
            code: f.code,
            message: f.message,
          }));
        next = {
          ...next,
          calls: state.calls + 1,
          written: state.written + confirmed.length,
          retry: retryPass
            ? state.retry.slice(BATCH)
            : [...state.retry.filter((id) => !ok.has(id)), ...retryable],
          failed: [...state.failed, ...final].slice(0, MAX_RECORDED_FAILURES),
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
