/**
 * The deal-score job, resumable like every job: read every deal and company into the store's
 * mirror (a page per unit, cursor checkpointed), train the deal model when there is none or its
 * cadence is due and keep it as a deal model version with its backtest report, then score every
 * open deal as of now into the store. Writing to the CRM is the one write-back job over
 * `objectType: 'deal'` (`writebackJob({ name: 'deal-writeback' })`): ledger, interrupted-batch
 * settling, failures, nothing written twice.
 *
 * A portal with too few closed deals trains nothing and says so; so does a model without
 * signal (the core's verdict): it is stored retired, never published.
 */
import type { CrmRecord } from '../../contracts/records';
import type { AccountObjectType, Page } from '../../crm/port';
import { LeadLensError } from '../../errors';
import type { StoredModel } from '../../store/port';
import type { PipelineDeps } from '../deps';
import type { JobDefinition } from '../jobs';
import { featurePlanOf } from '../feature-plan';
import { allRecords } from '../records';
import { loadedModel } from '../scoring-model';
import { dealModelReport, type DealModelReport } from './deal-report';
import { scopeSkipOf, type ScopeSkip } from './stage-skip';
import { scoreDeals, trainDealModel } from './deals';
import {
  COMPANY_HISTORY_PROPERTIES,
  DEAL_HISTORY_PROPERTIES,
  dealOutcome,
  type ObjectWorld,
} from './snapshot';

/** Closed deals a deal model needs, and of each outcome: fewer cannot fill the backtest folds. */
export const MIN_CLOSED_DEALS = 40;
export const MIN_DEALS_PER_OUTCOME = 10;

export type DealPhase = 'read-deals' | 'read-companies' | 'train' | 'score' | 'done';

export interface DealJobState extends Record<string, unknown> {
  phase: DealPhase;
  after: string | null;
  deals: number;
  companies: number;
  closed: number;
  won: number;
  /** The deal model version that scored (new or kept), null before one exists. */
  modelVersion: number | null;
  trained: boolean;
  /** Why no model scored this run (too few closed deals, no signal), or null. */
  skipped: string | null;
  verdict: string | null;
  auc: number | null;
  stageAuc: number | null;
  scored: number;
  calls: number;
  /**
   * The CRM refused the companies (no company scopes on HubSpot, no access to Account on
   * Salesforce): deals are scored without company features and the account stages skip with
   * this reason. Null when the companies were read (or not reached yet).
   */
  companiesSkipped?: ScopeSkip | null;
  /**
   * The CRM refused the deal properties (deals readable, not writable): the deals and companies
   * are still read into the mirror for the account stages, and the deal stage ends skipped.
   */
  dealsSkipped?: ScopeSkip | null;
}

export interface DealJobOptions {
  /** 'auto' trains when there is no deal model or the cadence is due; 'always' / 'never' force it. */
  retrain?: 'auto' | 'always' | 'never';
  /**
   * Only mirror the deals and companies (provisioning the object properties first), then stop:
   * `leadlens accounts` reads what account scores need without training or scoring deals. Runs
   * under its own job name, so its checkpoint never resumes a deal run.
   */
  readOnly?: boolean;
}

/** Why this CRM or portal scores no deals at all (the run then skips the stage), or null. */
export function dealScoresUnavailable(deps: PipelineDeps): string | null {
  const { crm } = deps;
  return crm.listObjects && crm.provisionObjects
    ? null
    : `the ${crm.kind} adapter reads no deals with history`;
}

const HISTORY: Record<AccountObjectType, readonly string[]> = {
  deal: DEAL_HISTORY_PROPERTIES,
  company: COMPANY_HISTORY_PROPERTIES,
};

/** The world of deals and companies from the store's mirror (read by the job's first phases). */
export async function worldFromStore(deps: PipelineDeps): Promise<ObjectWorld> {
  const { store } = deps;
  const [deals, companies, contacts, members, { spec }] = await Promise.all([
    allRecords(store, 'deal'),
    allRecords(store, 'company'),
    allRecords(store, 'contact'),
    allRecords(store, 'account_contact'),
    featurePlanOf(store),
  ]);
  return {
    deals,
    companies: new Map(companies.map((c) => [c.id, c])),
    contacts: new Map(contacts.map((c) => [c.id, c])),
    contactSpec: spec,
    members: new Map(members.map((c) => [c.id, c])),
  };
}

/** Whether the deal model is due: none yet, retrain forced, or older than the cadence. */
async function trainDue(deps: PipelineDeps, mode: DealJobOptions['retrain']): Promise<boolean> {
  const current = await deps.store.getPublishedObjectModel('deal');
  if (mode === 'never') return current === null;
  if (mode === 'always' || !current) return true;
  const cadence = (await deps.store.getSettings()).retrainCadenceDays * 86_400_000;
  return deps.now() - Date.parse(current.trainedAt) >= cadence;
}

export function dealScoresJob(opts: DealJobOptions = {}): JobDefinition<DealJobState> {
  return {
    name: opts.readOnly ? 'object-read' : 'deal-scores',
    init: () => ({
      phase: 'read-deals',
      after: null,
      deals: 0,
      companies: 0,
      closed: 0,
      won: 0,
      modelVersion: null,
      trained: false,
      skipped: null,
      verdict: null,
      auc: null,
      stageAuc: null,
      scored: 0,
      calls: 0,
    }),
    async step(state, ctx) {
      const { deps } = ctx;
      const { crm, store } = deps;
      if (!crm.listObjects || !crm.provisionObjects) {
        throw new LeadLensError(
          'CONFIG_INVALID',
          `Deal scores are not available: ${dealScoresUnavailable(deps)}.`,
          { hint: 'Deal scores need HubSpot, or Salesforce with Opportunity field history.' },
        );
      }
      const before = crm.usage().calls;
      const counted = (s: DealJobState): DealJobState => ({
        ...s,
        calls: s.calls + crm.usage().calls - before,
      });

      if (state.phase === 'read-deals' || state.phase === 'read-companies') {
        const type: AccountObjectType = state.phase === 'read-deals' ? 'deal' : 'company';
        let page: Page<CrmRecord>;
        let dealsSkipped = state.dealsSkipped ?? null;
        try {
          // Each object's properties when its read starts: a refusal of the companies is then
          // met after the deals are read, and only costs the account stages.
          if (state.after === null) {
            try {
              await crm.provisionObjects((await store.getSettings()).tiers, [type]);
            } catch (e) {
              // Deals readable but their properties not writable (HubSpot: deals.read without
              // deals.write / schemas.deals): no deal scores, but the deals are still read —
              // the account stages learn from them.
              const skip = type === 'deal' ? scopeSkipOf(e, 'deals') : null;
              if (!skip) throw e;
              dealsSkipped = skip;
            }
          }
          page = await crm.listObjects(type, {
            properties: HISTORY[type],
            historyProperties: HISTORY[type],
            after: state.after,
          });
        } catch (e) {
          // `leadlens accounts` reads for account scores only: its read stage skips instead.
          const skip = type === 'company' && !opts.readOnly ? scopeSkipOf(e, 'accounts') : null;
          if (!skip) throw e;
          deps.log.warn('companies not read: missing CRM permission', {
            missingScopes: skip.missingScopes,
          });
          const next = counted({
            ...state,
            phase: state.dealsSkipped ? 'done' : 'train',
            after: null,
            companiesSkipped: skip,
          });
          await ctx.commit(next);
          return { state: next, done: false, progress: `companies skipped (${skip.skipped})` };
        }
        let next: DealJobState = {
          ...state,
          dealsSkipped,
          after: page.next,
          deals: state.deals + (type === 'deal' ? page.items.length : 0),
          companies: state.companies + (type === 'company' ? page.items.length : 0),
        };
        if (type === 'deal') {
          for (const d of page.items) {
            const o = dealOutcome(d);
            if (o && o.closedAt <= deps.now()) {
              next.closed++;
              if (o.won) next.won++;
            }
          }
        }
        if (page.next === null) {
          const after: DealPhase =
            type === 'deal'
              ? 'read-companies'
              : opts.readOnly || next.dealsSkipped
                ? 'done'
                : 'train';
          next = { ...next, phase: after, after: null };
        }
        next = counted(next);
        const items: CrmRecord[] = [
          ...page.items.map((r) => ({ ...r, objectType: type })),
          // Account-only committee members (Salesforce Contacts made on the Account).
          ...(page.members ?? []).map((r) => ({ ...r, objectType: 'account_contact' as const })),
        ];
        await ctx.commit(next, (tx) => tx.upsertRecords(items));
        return {
          state: next,
          done: next.phase === 'done',
          progress: `read ${next.deals} deals, ${next.companies} companies`,
        };
      }

      if (state.phase === 'train') {
        const lost = state.closed - state.won;
        if (!(await trainDue(deps, opts.retrain))) {
          const kept = await store.getPublishedObjectModel('deal');
          const next = counted({ ...state, phase: 'score', modelVersion: kept?.version ?? null });
          await ctx.commit(next);
          return { state: next, done: false, progress: `deal model v${kept?.version} kept` };
        }
        if (
          state.closed < MIN_CLOSED_DEALS ||
          state.won < MIN_DEALS_PER_OUTCOME ||
          lost < MIN_DEALS_PER_OUTCOME
        ) {
          const skipped = `too few closed deals for a deal model: ${state.closed} closed (${state.won} won, ${lost} lost); it needs ${MIN_CLOSED_DEALS}, at least ${MIN_DEALS_PER_OUTCOME} of each`;
          const kept = await store.getPublishedObjectModel('deal');
          const next = counted({
            ...state,
            phase: kept ? 'score' : 'done',
            skipped,
            modelVersion: kept?.version ?? null,
          });
          await ctx.commit(next);
          deps.log.info('deal model not trained', { closed: state.closed, won: state.won });
          return { state: next, done: !kept, progress: skipped };
        }
        const settings = await store.getSettings();
        const world = await worldFromStore(deps);
        const at = deps.now();
        const model = trainDealModel(world, { now: at, seed: deps.seed, tiers: settings.tiers });
        const report: DealModelReport = dealModelReport(model, {
          closed: state.closed,
          won: state.won,
        });
        const ok = model.result.report.verdict.ok;
        const iso = new Date(at).toISOString();
        const stored: Omit<StoredModel, 'version'> = {
          // A model without signal is kept for the record, never published.
          status: ok ? 'published' : 'retired',
          modelType: model.result.report.chosen,
          artifact: model.artifact,
          report: JSON.stringify(report),
          trainedAt: iso,
          publishedAt: ok ? iso : null,
        };
        let version = 0;
        const kept = ok ? null : await store.getPublishedObjectModel('deal');
        const base = counted({
          ...state,
          trained: true,
          verdict: report.verdict.code,
          auc: report.backtest.meanAuc,
          stageAuc: report.stageBaseline.meanAuc,
        });
        await store.transaction(async (tx) => {
          version = await tx.saveObjectModel('deal', stored);
        });
        const next: DealJobState = ok
          ? { ...base, phase: 'score', modelVersion: version }
          : {
              ...base,
              phase: kept ? 'score' : 'done',
              modelVersion: kept?.version ?? null,
              skipped: `deal model v${version} has no signal (${report.verdict.code}): not published`,
            };
        await ctx.commit(next);
        deps.log.info('deal model trained', { version, verdict: report.verdict.code });
        return {
          state: next,
          done: next.phase === 'done',
          progress: `deal model v${version}: ${report.verdict.code}`,
          // Training took this call's time; scoring starts on the next.
          yield: true,
        };
      }

      if (state.phase === 'score') {
        const stored =
          state.modelVersion === null
            ? null
            : await store.getObjectModel('deal', state.modelVersion);
        if (!stored) {
          throw new LeadLensError('NO_MODEL', `Deal model v${state.modelVersion} is missing.`, {
            hint: 'Run `leadlens deals --retrain` to train a new one.',
          });
        }
        const settings = await store.getSettings();
        const world = await worldFromStore(deps);
        const at = deps.now();
        const rows = scoreDeals(loadedModel(stored), world, world.deals, {
          asOf: at,
          tiers: settings.tiers,
          scoredAt: new Date(at).toISOString(),
        });
        const next = counted({ ...state, phase: 'done', scored: rows.length });
        await ctx.commit(next, (tx) => tx.putScores(rows));
        return { state: next, done: true, progress: `scored ${rows.length} open deals` };
      }
      return { state, done: true, progress: 'done' };
    },
    summary: (s) => ({
      deals: s.deals,
      companies: s.companies,
      closed: s.closed,
      won: s.won,
      modelVersion: s.modelVersion,
      trained: s.trained,
      verdict: s.verdict,
      auc: s.auc,
      stageAuc: s.stageAuc,
      scored: s.scored,
      calls: s.calls,
      ...(s.skipped ? { skipped: s.skipped } : {}),
      ...(s.companiesSkipped ? { companiesSkipped: s.companiesSkipped } : {}),
      // A permission skip of the deal stage whose read still filled the mirror (`mirrored`):
      // the deal write-back skips, the account stages run.
      ...(s.dealsSkipped && !opts.readOnly ? { ...s.dealsSkipped, mirrored: true } : {}),
    }),
  };
}
