/**
 * Score-spike tasks, after write-back: each spike kept with a confirmed write (writeback.ts)
 * becomes one task for the record's owner — HubSpot: a task assigned to the contact owner and
 * associated with the contact; Salesforce: a Task owned by the Lead owner, on the Lead. The
 * `leadlens_score_jump` property is written either way, so a workflow can branch on it too.
 *
 * Exactly one task per spike, across reruns and crashes: the spike row is unique per record
 * and scoring moment; its task id is stored once created. A create that failed without a
 * clear answer (or a crash mid-create) leaves the spike `pending:` — it is marked so before the
 * create — and the next run first looks the task up by its subject (which carries the spike's
 * id) before creating it.
 */
import type { SpikeRow } from '../../store/port';
import type { JobDefinition } from '../jobs';

const DAY = 86_400_000;
const PENDING = 'pending:';
const NO_OWNER = 'no-owner:';
/** Spikes per step: one batch read of their owners, then a task each. */
const BATCH = 50;

export interface SpikeState extends Record<string, unknown> {
  /** Spikes up to this id were handled in this run (a failed one waits for the next run). */
  afterId: number;
  created: number;
  noOwner: number;
  pending: number;
}

export const spikeTaskSubject = (s: SpikeRow) =>
  `LeadLens spike #${s.id}: score ${s.fromScore ?? '—'} → ${s.toScore}${
    s.reason.startsWith('top_tier') ? ' (top tier)' : ''
  }`;

/** The CRM's owner property of a contact (HubSpot) or Lead (Salesforce, read by its API name). */
const ownerProperty = (kind: 'hubspot' | 'salesforce') =>
  kind === 'hubspot' ? 'hubspot_owner_id' : 'ownerid';

export function spikeTasksJob(): JobDefinition<SpikeState> {
  return {
    name: 'spikes',
    init: () => ({ afterId: 0, created: 0, noOwner: 0, pending: 0 }),
    async step(state, ctx) {
      const { store, crm, now, log } = ctx.deps;
      const settings = await store.getSettings();
      const at = new Date(now()).toISOString();
      const waiting = settings.governance.spikeTasks
        ? (await store.listSpikes({ withoutTask: true, limit: 10_000 }))
            .filter((s) => s.id! > state.afterId)
            .slice(0, BATCH)
        : [];
      if (waiting.length === 0) {
        const next = { ...state };
        await ctx.commit(next);
        return {
          state: next,
          done: true,
          progress: `${state.created} task(s) for owners`,
        };
      }
      // The owner now (a reassigned record's task goes to its current owner).
      const prop = ownerProperty(crm.kind);
      const records = await crm.readRecords(
        'contact',
        [...new Set(waiting.map((s) => s.recordId))],
        [prop],
      );
      const owners = new Map(records.map((r) => [r.id, r.properties[prop] ?? null]));
      const next: SpikeState = { ...state, afterId: waiting[waiting.length - 1].id! };
      for (const s of waiting) {
        const owner = owners.get(s.recordId) ?? null;
        if (!owner) {
          // Nobody to tell; the jump property is on the record for workflows.
          await store.updateSpike(s.id!, { crmTaskId: `${NO_OWNER}${at}` });
          next.noOwner += 1;
          continue;
        }
        const subject = spikeTaskSubject(s);
        try {
          const wasPending = s.crmTaskId?.startsWith(PENDING) ?? false;
          // Marked before the create: a crash between HubSpot's answer and storing the id
          // leaves it pending, and the next run finds the task instead of making a second.
          if (!wasPending) await store.updateSpike(s.id!, { crmTaskId: `${PENDING}${at}` });
          const found = wasPending ? await crm.findTasks(subject) : [];
          const id =
            found[0] ??
            (
              await crm.createTask({
                subject,
                body: `LeadLens scored this ${crm.kind === 'hubspot' ? 'contact' : 'lead'} ${s.toScore} (was ${
                  s.fromScore ?? '—'
                }${s.fromTier ? `, tier ${s.fromTier}` : ''} → tier ${s.toTier}) on ${s.scoredAt.slice(
                  0,
                  10,
                )}: ${
                  s.reason === 'jump'
                    ? `a jump of at least ${settings.scoreJumpPoints} points`
                    : s.reason === 'top_tier'
                      ? 'it entered the top tier'
                      : `it entered the top tier with a jump of at least ${settings.scoreJumpPoints} points`
                }. Record ${s.recordId}; the score's reasons are on its LeadLens card.`,
                dueAt: now() + DAY,
                ownerId: owner,
                priority: 'HIGH',
                about: { objectType: 'contact', id: s.recordId },
              })
            ).id;
          await store.updateSpike(s.id!, { crmTaskId: id });
          next.created += 1;
        } catch (e) {
          await store.updateSpike(s.id!, { crmTaskId: `${PENDING}${at}` });
          next.pending += 1;
          log.warn('spike task not created; the next run tries again', {
            spike: s.id,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
      await ctx.commit(next);
      return { state: next, done: false, progress: `${next.created} task(s) for owners so far` };
    },
    summary: (s) => ({ tasksCreated: s.created, noOwner: s.noOwner, pending: s.pending }),
  };
}
