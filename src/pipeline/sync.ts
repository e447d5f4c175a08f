/**
 * Sync: CRM → store. Phases run in order, each page committed with its cursor:
 * contacts (list pages, or only those modified since the last finished sync), their property
 * history (batch reads; skipped for contacts whose page already carried it — the cheaper way
 * when the CRM allows it), deals, leads. A killed sync resumes at the page it stopped at.
 */
import type { CrmPropertyMeta } from '../crm/port';
import type { JobDefinition } from './jobs';
import { planFeatureProperties, saveFeaturePlan } from './feature-plan';

type Phase = 'contacts' | 'history' | 'deals' | 'leads' | 'done';

export interface SyncState extends Record<string, unknown> {
  phase: Phase;
  cursor: string | null;
  /**
   * Properties read on every contact, and those read with history: this run's copy of the
   * feature plan, which is decided at sync start and stored as its own record.
   */
  properties: string[];
  historyProperties: string[];
  /** ISO; set for an incremental sync (the last sync's high watermark, minus a margin). */
  modifiedSince: string | null;
  startedAt: string;
  /**
   * The newest last-modified time seen (the CRM's clock, not ours): the next incremental sync
   * asks for changes since it, so clock skew between us and the CRM loses nothing.
   */
  highWatermark: string | null;
  contacts: number;
  histories: number;
  deals: number;
  leads: number;
}

/** HubSpot's search index lags writes; re-reading a little overlap costs little. */
const INCREMENTAL_OVERLAP_MS = 5 * 60 * 1000;

export function syncJob(opts: { full?: boolean } = {}): JobDefinition<SyncState> {
  return {
    name: 'sync',
    async init(deps) {
      const last = await deps.store.getJob('sync');
      const mark = last?.status === 'done' ? Date.parse(String(last.state.highWatermark)) : NaN;
      return {
        phase: 'contacts',
        cursor: null,
        properties: [],
        historyProperties: [],
        modifiedSince:
          !opts.full && Number.isFinite(mark)
            ? new Date(mark - INCREMENTAL_OVERLAP_MS).toISOString()
            : null,
        startedAt: new Date(deps.now()).toISOString(),
        highWatermark:
          last?.status === 'done' && typeof last.state.highWatermark === 'string'
            ? last.state.highWatermark
            : null,
        contacts: 0,
        histories: 0,
        deals: 0,
        leads: 0,
      };
    },
    async step(state, ctx) {
      const { crm, store } = ctx.deps;
      if (state.properties.length === 0) {
        const meta: CrmPropertyMeta[] = await crm.describeContactProperties();
        const plan = planFeatureProperties(meta, await store.getSettings());
        const next = { ...state, properties: plan.read, historyProperties: plan.history };
        const at = new Date(ctx.deps.now()).toISOString();
        await ctx.commit(next, (tx) => saveFeaturePlan(tx, plan, at));
        return { state: next, done: false, progress: `reading ${plan.read.length} properties` };
      }
      switch (state.phase) {
        case 'contacts': {
          const page = await crm.listContacts({
            properties: state.properties,
            historyProperties: state.historyProperties,
            after: state.cursor,
            ...(state.modifiedSince ? { modifiedSince: state.modifiedSince } : {}),
          });
          const next: SyncState = {
            ...state,
            highWatermark: page.items.reduce<string | null>(
              (m, r) => (m === null || Date.parse(r.updatedAt) > Date.parse(m) ? r.updatedAt : m),
              state.highWatermark,
            ),
            cursor: page.next,
            phase: page.next ? 'contacts' : 'history',
            contacts: state.contacts + page.items.length,
          };
          // Contacts whose last change is our own write (the time the CRM answered it) changed
          // only in LeadLens properties: their history need not be read again.
          const ours = new Set<string>();
          if (!page.historyIncluded && state.modifiedSince) {
            const written = await store.getWrittenUpdatedAt(
              'contact',
              page.items.map((r) => r.id),
            );
            for (const r of page.items) {
              const w = written.get(r.id);
              if (w && Date.parse(w) === Date.parse(r.updatedAt)) ours.add(r.id);
            }
          }
          await ctx.commit(next, async (tx) => {
            await tx.upsertRecords(page.items);
            // History read on the page: marked with the CRM's clock like the history phase does.
            for (const r of page.items)
              if (page.historyIncluded || ours.has(r.id))
                await tx.markHistorySynced([r.id], r.updatedAt);
          });
          return { state: next, done: false, progress: `synced ${next.contacts} contacts` };
        }
        case 'history': {
          const ids = await store.idsNeedingHistory(100);
          if (ids.length === 0) {
            const next: SyncState = { ...state, phase: 'deals', cursor: null };
            await ctx.commit(next);
            return { state: next, done: false, progress: `read history of ${state.histories}` };
          }
          const records = await crm.readContactHistory(ids, state.historyProperties);
          const next: SyncState = { ...state, histories: state.histories + records.length };
          await ctx.commit(next, async (tx) => {
            // Merge history into the mirrored contacts without touching their current values.
            const merged = await Promise.all(
              records.map(async (r) => {
                const existing = await tx.getRecord('contact', r.id);
                return existing
                  ? { ...existing, history: { ...existing.history, ...r.history } }
                  : r;
              }),
            );
            await tx.upsertRecords(merged);
            // Marked with the CRM's own clock: the newest change we just read. Ids the CRM no
            // longer has are marked too, or they would be asked for forever.
            const newest = records.reduce(
              (m, r) => (Date.parse(r.updatedAt) > Date.parse(m) ? r.updatedAt : m),
              records[0]?.updatedAt ?? state.startedAt,
            );
            await tx.markHistorySynced(ids, newest);
          });
          return { state: next, done: false, progress: `read history of ${next.histories}` };
        }
        case 'deals': {
          const page = await crm.listDeals({
            after: state.cursor,
            ...(state.modifiedSince ? { modifiedSince: state.modifiedSince } : {}),
          });
          const next: SyncState = {
            ...state,
            cursor: page.next,
            phase: page.next ? 'deals' : 'leads',
            deals: state.deals + page.items.length,
          };
          await ctx.commit(next, (tx) => tx.upsertDeals(page.items));
          return { state: next, done: false, progress: `synced ${next.deals} deals` };
        }
        case 'leads': {
          const page = await crm.listLeads({
            properties: ['hs_lead_name', 'hs_pipeline_stage'],
            after: state.cursor,
            ...(state.modifiedSince ? { modifiedSince: state.modifiedSince } : {}),
          });
          const next: SyncState = {
            ...state,
            cursor: page.next,
            phase: page.next ? 'leads' : 'done',
            leads: state.leads + page.items.length,
          };
          await ctx.commit(next, (tx) => tx.upsertRecords(page.items));
          return { state: next, done: !page.next, progress: `synced ${next.leads} leads` };
        }
        case 'done':
          return { state, done: true, progress: 'sync finished' };
      }
    },
    summary: (s) => ({
      phase: s.phase,
      incremental: s.modifiedSince !== null,
      contacts: s.contacts,
      histories: s.histories,
      deals: s.deals,
      leads: s.leads,
    }),
  };
}
