/**
 * Real-time rescoring from the CRM's change events (Salesforce Change Data Capture): a Lead
 * created or edited is read fresh, scored by the one scorer and written back through the one
 * write-back path. Events that arrive while a rescore runs are coalesced into the next one.
 * Our own write-back changes only LeadLens fields, so those events are passed over — otherwise
 * every score written would trigger another rescore. The replay position is checkpointed after
 * each rescore, so a restarted listener continues where it stopped (within the 72 hours
 * Salesforce keeps events; past that, `leadlens run` catches up).
 */
import type { LeadChangeEvent } from '../crm/port';
import type { PipelineDeps } from './deps';
import { rescoreContacts } from './refresh';

export const CHANGES_JOB = 'lead-changes';
/** Fields whose change never calls for a new score (ours, and the system's bookkeeping). */
const IGNORED =
  /^(leadlens_.*__c|lastmodifieddate|systemmodstamp|lastmodifiedbyid|lastvieweddate|lastreferenceddate)$/i;

export interface Rescored {
  ids: string[];
  written: number;
  replayId: number;
  /** Commit time of the newest change in this rescore (ms). */
  changedAt: number;
  /** Scores of the rescored leads by id. */
  scores: Record<string, number>;
}

/** Whether a change calls for a new score. */
export function needsRescore(e: LeadChangeEvent): boolean {
  if (e.changeType === 'DELETE' || e.changeType === 'UNDELETE') return false;
  if (e.changeType === 'UPDATE') return e.changedFields.some((f) => !IGNORED.test(f));
  return e.ids.length > 0; // CREATE and GAP_* events name their records
}

export async function savedReplayId(deps: PipelineDeps): Promise<number | null> {
  const cp = await deps.store.getJob(CHANGES_JOB);
  const r = cp?.state.replayId;
  return typeof r === 'number' ? r : null;
}

/**
 * Listens until `signal` aborts. Resolves then; rejects when the subscription cannot be made
 * (the CRM has no change events, the session is gone).
 */
export async function listenForLeadChanges(
  deps: PipelineDeps,
  opts: { signal: AbortSignal; onRescored?(r: Rescored): void; onError?(e: unknown): void },
): Promise<void> {
  const { crm, store } = deps;
  if (!crm.subscribeLeadChanges)
    throw new Error(`The ${crm.kind} connection has no change events (use its webhooks).`);
  const startedAt = new Date(deps.now()).toISOString();
  const from = (await savedReplayId(deps)) ?? -1;
  const pending = new Map<string, number>();
  let newest = from;
  let newestAt = 0;
  let running: Promise<void> | null = null;

  const checkpoint = (replayId: number) =>
    store.saveJob({
      job: CHANGES_JOB,
      runId: startedAt,
      status: 'running',
      state: { replayId },
      startedAt,
      updatedAt: new Date(deps.now()).toISOString(),
    });

  const drain = async () => {
    while (pending.size > 0) {
      const ids = [...pending.keys()];
      const upTo = newest;
      const changedAt = newestAt;
      pending.clear();
      const res = await rescoreContacts(deps, ids);
      await checkpoint(upTo);
      opts.onRescored?.({
        ids,
        written: res.written,
        replayId: upTo,
        changedAt,
        scores: Object.fromEntries(res.rows.map((r) => [r.id, r.score])),
      });
    }
  };

  // Not awaited by the event handler: the next events queue up in `pending` while a rescore runs.
  const kick = () => {
    if (running) return;
    running = drain()
      .catch((err) => opts.onError?.(err))
      .finally(() => {
        running = null;
        if (pending.size > 0) kick();
      });
  };

  const sub = crm.subscribeLeadChanges({
    replayId: from,
    onError: (e) => opts.onError?.(e),
    onEvent: async (e) => {
      newest = Math.max(newest, e.replayId);
      if (!needsRescore(e)) {
        if (pending.size === 0 && !running) await checkpoint(e.replayId);
        return;
      }
      for (const id of e.ids) pending.set(id, e.replayId);
      newestAt = Math.max(newestAt, e.commitTimestamp);
      kick();
    },
  });
  await sub.ready;
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await sub.close();
  // Set inside the event handler; TypeScript's narrowing does not see that.
  const last = running as Promise<void> | null;
  if (last) await last;
}
