/**
 * Account scores in a run: train the account model on company moments, score every company with
 * a committee as of now through the one scorer, store the rows (`objectType: 'company'`) and send
 * what changed through the one write-back path (ledger, recorded failures) to the company's
 * `leadlens_account_*` properties (HubSpot) or Account's `LeadLens_*__c` fields (Salesforce).
 *
 * The contact scores the committee features read come from the published contact model at
 * scoring time and from out-of-fold contact models in training rows (accounts.ts,
 * `trainingContactScorer`); without a published contact model they are missing. A model
 * without signal (the core's verdict) scores nothing. `world` lets a caller that has read the deals and companies for deal
 * scores pass them on instead of reading them again (objects/run.ts).
 */
import { LeadLensError } from '../../contracts/errors';
import type { PipelineDeps } from '../deps';
import { loadedModel } from '../scoring-model';
import { writeNow, type WriteFailure } from '../writeback';
import {
  ACCOUNT_HORIZON_DAYS,
  contactScorerOf,
  trainingContactScorer,
  scoreAccounts,
  trainAccountModel,
  type ContactScorer,
} from './accounts';
import type { ObjectWorld } from './snapshot';
import { loadWorld } from './world';

export interface AccountRunSummary {
  companies: number;
  /** Companies with at least one contact now: the ones scored when the model has signal. */
  withCommittee: number;
  trainingRows: number;
  positives: number;
  /** Mean AUC of the backtest folds (the honest estimate), null without folds. */
  auc: number | null;
  modelType: string;
  /** 'OK', or why nothing was scored (NO_SIGNAL, CONSTANT_SCORES, …). */
  verdict: string;
  /** The contact model version whose scores fed the committee features; null: none published. */
  contactModelVersion: number | null;
  scored: number;
  written: number;
  failed: WriteFailure[];
  /** CRM calls this run made (reads of deals and companies unless `world` was passed, writes). */
  calls: number;
  /** Tier value → companies scored in it. */
  byTier: Record<string, number>;
}

const BATCH = 100;

export async function runAccountScores(
  deps: PipelineDeps,
  opts: { world?: ObjectWorld } = {},
): Promise<AccountRunSummary> {
  const { crm, store, now, seed, log } = deps;
  if (!crm.listObjects || !crm.provisionObjects) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `Account scores are not available for ${crm.kind} yet.`,
      {
        hint: 'Account scores need a CRM adapter that lists companies (accounts) with their contacts.',
      },
    );
  }
  const before = crm.usage().calls;
  const settings = await store.getSettings();
  const at = now();
  const world = opts.world ?? (await loadWorld(crm, store));
  const published = await store.getPublishedModel();
  const contactModel = published ? loadedModel(published) : null;
  // Scores now are the published contact model's (what reps see on contacts); training rows
  // read out-of-fold contact models (none saw the outcome of the member it scores).
  const scorer: ContactScorer | null = contactModel ? contactScorerOf(contactModel) : null;
  const training = contactModel
    ? trainingContactScorer(world, at, {
        conversion: settings.conversion,
        deals: await store.listDeals(),
        seed,
      })
    : null;
  const model = trainAccountModel(world, {
    now: at,
    seed,
    tiers: settings.tiers,
    scorer: training,
  });
  const r = model.result.report;
  const summary: AccountRunSummary = {
    companies: world.companies.size,
    withCommittee: 0,
    trainingRows: model.set.ids.length,
    positives: model.set.labels.filter((l) => l === 1).length,
    auc: Number.isFinite(r.backtest.meanAuc) ? r.backtest.meanAuc : null,
    modelType: r.chosen,
    verdict: r.verdict.code,
    contactModelVersion: contactModel?.version ?? null,
    scored: 0,
    written: 0,
    failed: [],
    calls: 0,
    byTier: {},
  };
  if (!r.verdict.ok) {
    log.warn('account model without signal', { verdict: r.verdict.code });
    summary.calls = crm.usage().calls - before;
    return summary;
  }
  const rows = scoreAccounts(model.loaded, world, {
    asOf: at,
    tiers: settings.tiers,
    scoredAt: new Date(at).toISOString(),
    scorer,
  });
  summary.withCommittee = rows.length;
  for (const row of rows) summary.byTier[row.tier] = (summary.byTier[row.tier] ?? 0) + 1;
  await store.transaction((tx) => tx.putScores(rows));
  summary.scored = rows.length;
  await crm.provisionObjects(settings.tiers);
  const size = crm.writeBatchSize ?? BATCH;
  for (let i = 0; i < rows.length; i += size) {
    const res = await writeNow(deps, 'company', rows.slice(i, i + size));
    summary.written += res.written;
    summary.failed.push(...res.failed);
  }
  summary.calls = crm.usage().calls - before;
  log.info('accounts scored', { scored: summary.scored, written: summary.written });
  return summary;
}

/** The run summary as report lines (the CLI's and the report's account section). */
export function accountReportLines(s: AccountRunSummary): string[] {
  const auc = s.auc === null ? 'no backtest folds' : `backtest AUC ${s.auc.toFixed(3)}`;
  const lines = [
    `Account scores: ${s.companies} companies, ${s.trainingRows} company moments (${s.positives} won within ${ACCOUNT_HORIZON_DAYS} days), ${s.modelType}, ${auc}.`,
  ];
  if (s.verdict !== 'OK') {
    lines.push(`Not scored: the account model has no signal (${s.verdict}).`);
  } else {
    const tiers = Object.entries(s.byTier)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    lines.push(
      `Scored ${s.scored} companies with a committee (${tiers}); wrote ${s.written}, ${s.failed.length} failed.`,
    );
  }
  lines.push(
    s.contactModelVersion === null
      ? 'Committee contact scores: none (no published contact model).'
      : `Committee contact scores from contact model v${s.contactModelVersion}.`,
  );
  return lines;
}
