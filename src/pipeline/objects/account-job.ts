/**
 * The account-score job of a run, after the deal job has read every deal and company into the
 * store's mirror: train the account model when there is none or its cadence is due and keep it
 * as a company model version (`saveObjectModel('company')`), then score every company with a
 * committee as of now into the store. Writing is the one write-back job over
 * `objectType: 'company'` (`writebackJob({ name: 'account-writeback' })`).
 *
 * Training rows read out-of-fold contact models (accounts.ts); scores now read the published
 * contact model. A model without signal is stored retired, never published, and says so.
 */
import type { StoredModel } from '../../store/port';
import type { PipelineDeps } from '../deps';
import type { JobDefinition } from '../jobs';
import { LeadLensError } from '../../errors';
import { isModelError } from '../../model';
import { loadedModel } from '../scoring-model';
import {
  ACCOUNT_HORIZON_DAYS,
  contactScorerOf,
  trainingContactScorer,
  scoreAccounts,
  trainAccountModel,
  type ContactScorer,
} from './accounts';
import { worldFromStore } from './job';
import { accountFoldReports } from './account-report';
import { isScopeSkip } from './stage-skip';

export interface AccountJobState extends Record<string, unknown> {
  phase: 'train' | 'score' | 'done';
  modelVersion: number | null;
  trained: boolean;
  verdict: string | null;
  auc: number | null;
  trainingRows: number;
  positives: number;
  skipped: string | null;
  scored: number;
  byTier: Record<string, number>;
}

/** Why the run skips account scores (no companies in the mirror), or null. */
export async function accountScoresSkipReason(deps: PipelineDeps): Promise<string | null> {
  return (await deps.store.countRecords('company')) === 0 ? 'no companies in the portal' : null;
}

async function trainDue(deps: PipelineDeps, mode: 'auto' | 'always' | 'never' | undefined) {
  const current = await deps.store.getPublishedObjectModel('company');
  if (mode === 'never') return current === null;
  if (mode === 'always' || !current) return true;
  const cadence = (await deps.store.getSettings()).retrainCadenceDays * 86_400_000;
  return deps.now() - Date.parse(current.trainedAt) >= cadence;
}

async function publishedContactScorer(deps: PipelineDeps) {
  const published = await deps.store.getPublishedModel();
  const lm = published ? loadedModel(published) : null;
  return { lm, scorer: lm ? contactScorerOf(lm) : null };
}

export function accountScoresJob(
  opts: { retrain?: 'auto' | 'always' | 'never' } = {},
): JobDefinition<AccountJobState> {
  return {
    name: 'account-scores',
    init: () => ({
      phase: 'train',
      modelVersion: null,
      trained: false,
      verdict: null,
      auc: null,
      trainingRows: 0,
      positives: 0,
      skipped: null,
      scored: 0,
      byTier: {},
    }),
    async step(state, ctx) {
      const { deps } = ctx;
      const { store } = deps;
      if (state.phase === 'train') {
        if (!(await trainDue(deps, opts.retrain))) {
          const kept = await store.getPublishedObjectModel('company');
          const next = { ...state, phase: 'score' as const, modelVersion: kept?.version ?? null };
          await ctx.commit(next);
          return { state: next, done: false, progress: `account model v${kept?.version} kept` };
        }
        const settings = await store.getSettings();
        const world = await worldFromStore(deps);
        const at = deps.now();
        const { lm } = await publishedContactScorer(deps);
        const training: ContactScorer | null = lm
          ? trainingContactScorer(world, at, {
              conversion: settings.conversion,
              deals: await store.listDeals(),
              seed: deps.seed,
            })
          : null;
        let model: ReturnType<typeof trainAccountModel>;
        try {
          model = trainAccountModel(world, {
            now: at,
            seed: deps.seed,
            tiers: settings.tiers,
            scorer: training,
          });
        } catch (e) {
          // Too few company moments, or one outcome only: nothing to learn from yet.
          if (!isModelError(e)) throw e;
          const kept = await store.getPublishedObjectModel('company');
          const skipped = `too little company history for an account model: ${e.message}`;
          const next: AccountJobState = {
            ...state,
            phase: kept ? 'score' : 'done',
            modelVersion: kept?.version ?? null,
            skipped,
          };
          await ctx.commit(next);
          return { state: next, done: !kept, progress: skipped };
        }
        const r = model.result.report;
        const ok = r.verdict.ok;
        const iso = new Date(at).toISOString();
        const auc = Number.isFinite(r.backtest.meanAuc) ? r.backtest.meanAuc : null;
        const positives = model.set.labels.filter((l) => l === 1).length;
        const stored: Omit<StoredModel, 'version'> = {
          status: ok ? 'published' : 'retired',
          modelType: r.chosen,
          artifact: model.artifact,
          report: JSON.stringify({
            kind: 'account',
            verdict: r.verdict,
            backtest: { meanAuc: auc, folds: r.backtest.folds },
            // The naive baselines on the same folds, for the report page (account-report.ts).
            baselines: accountFoldReports(model),
            chosen: r.chosen,
            trainingRows: model.set.ids.length,
            positives,
            horizonDays: ACCOUNT_HORIZON_DAYS,
            contactModelVersion: lm?.version ?? null,
          }),
          trainedAt: iso,
          publishedAt: ok ? iso : null,
        };
        let version = 0;
        await store.transaction(async (tx) => {
          version = await tx.saveObjectModel('company', stored);
        });
        const kept = ok ? null : await store.getPublishedObjectModel('company');
        const base = {
          ...state,
          trained: true,
          verdict: r.verdict.code,
          auc,
          trainingRows: model.set.ids.length,
          positives,
        };
        const next: AccountJobState = ok
          ? { ...base, phase: 'score', modelVersion: version }
          : {
              ...base,
              phase: kept ? 'score' : 'done',
              modelVersion: kept?.version ?? null,
              skipped: `account model v${version} has no signal (${r.verdict.code}): not published`,
            };
        await ctx.commit(next);
        deps.log.info('account model trained', { version, verdict: r.verdict.code });
        return {
          state: next,
          done: next.phase === 'done',
          progress: `account model v${version}: ${r.verdict.code}`,
          yield: true,
        };
      }
      if (state.phase === 'score') {
        const stored =
          state.modelVersion === null
            ? null
            : await store.getObjectModel('company', state.modelVersion);
        if (!stored) {
          throw new LeadLensError('NO_MODEL', `Account model v${state.modelVersion} is missing.`, {
            hint: 'Run `leadlens run --retrain always` to train a new one.',
          });
        }
        const settings = await store.getSettings();
        const world = await worldFromStore(deps);
        const at = deps.now();
        const { scorer } = await publishedContactScorer(deps);
        const rows = scoreAccounts(loadedModel(stored), world, {
          asOf: at,
          tiers: settings.tiers,
          scoredAt: new Date(at).toISOString(),
          scorer,
        });
        const byTier: Record<string, number> = {};
        for (const row of rows) byTier[row.tier] = (byTier[row.tier] ?? 0) + 1;
        const next = { ...state, phase: 'done' as const, scored: rows.length, byTier };
        await ctx.commit(next, (tx) => tx.putScores(rows));
        return { state: next, done: true, progress: `scored ${rows.length} companies` };
      }
      return { state, done: true, progress: 'done' };
    },
    summary: (s) => ({
      modelVersion: s.modelVersion,
      trained: s.trained,
      verdict: s.verdict,
      auc: s.auc,
      trainingRows: s.trainingRows,
      positives: s.positives,
      scored: s.scored,
      byTier: s.byTier,
      ...(s.skipped ? { skipped: s.skipped } : {}),
    }),
  };
}

/** The account part of a run's summary (the job's and its write-back's); null when not reached. */
export interface AccountStageSummary {
  scored: number;
  written: number;
  modelVersion: number | null;
  trained: boolean;
  auc: number | null;
  byTier: Record<string, number>;
  /** Why nothing (new) was scored: no companies, no signal, deal stages off, no permission. */
  skipped: string | null;
  /** The scopes a permission skip needs (stage-skip.ts); empty otherwise. */
  missingScopes: string[];
}

export function accountSummaryOf(summary: Record<string, unknown>): AccountStageSummary | null {
  if (!('accounts' in summary)) return null;
  const a = (summary.accounts ?? {}) as Record<string, unknown>;
  const w = (summary['account-writeback'] ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    scored: num(a.scored),
    written: num(w.written),
    modelVersion: typeof a.modelVersion === 'number' ? a.modelVersion : null,
    trained: a.trained === true,
    auc: typeof a.auc === 'number' ? a.auc : null,
    byTier: (a.byTier as Record<string, number> | undefined) ?? {},
    skipped: typeof a.skipped === 'string' ? a.skipped : null,
    missingScopes: isScopeSkip(a) ? a.missingScopes : [],
  };
}

/** The run report's account line (`leadlens run`). */
export function accountLine(a: AccountStageSummary): string {
  const model =
    a.modelVersion === null
      ? 'no account model'
      : `account model v${a.modelVersion}${a.trained ? ' (new)' : ''}${a.auc !== null ? `  AUC ${a.auc.toFixed(3)}` : ''}`;
  const skipped = a.skipped ? ` — ${a.skipped}` : '';
  return `accounts        ${a.scored} companies scored, ${a.written} written; ${model}${skipped}`;
}
