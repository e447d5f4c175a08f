/**
 * `leadlens deals`: read deals and companies, train the deal model on closed deals as they stood
 * while open, score every open deal as of now through the one scorer, store the scores and send
 * what changed through the one write-back path (ledger, failures) to `leadlens_deal_*`.
 *
 * A model without signal (the core's verdict) scores nothing. The deal model is refitted on
 * each call and not yet kept as a store version of its own (docs/objects.md).
 */
import { LeadLensError } from '../../contracts/errors';
import type { PipelineDeps } from '../deps';
import { writeNow, type WriteFailure } from '../writeback';
import { scoreDeals, trainDealModel } from './deals';
import { loadWorld } from './world';

export interface DealRunSummary {
  deals: number;
  companies: number;
  trainingRows: number;
  /** Mean AUC of the backtest folds (the honest estimate), null without folds. */
  auc: number | null;
  modelType: string;
  /** 'OK', or why nothing was scored (NO_SIGNAL, CONSTANT_SCORES). */
  verdict: string;
  scored: number;
  written: number;
  failed: WriteFailure[];
  /** CRM calls this run made, by kind. */
  calls: number;
}

const BATCH = 100;

export async function runDealScores(deps: PipelineDeps): Promise<DealRunSummary> {
  const { crm, store, now, seed, log } = deps;
  if (!crm.listObjects || !crm.provisionObjects) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `Deal scores are not available for ${crm.kind} yet.`,
      { hint: 'Deal and account scores need HubSpot for now.' },
    );
  }
  const before = crm.usage().calls;
  const settings = await store.getSettings();
  const at = now();
  const world = await loadWorld(crm, store);
  const model = trainDealModel(world, { now: at, seed, tiers: settings.tiers });
  const r = model.result.report;
  const summary: DealRunSummary = {
    deals: world.deals.length,
    companies: world.companies.size,
    trainingRows: model.set.ids.length,
    auc: Number.isFinite(r.backtest.meanAuc) ? r.backtest.meanAuc : null,
    modelType: r.chosen,
    verdict: r.verdict.code,
    scored: 0,
    written: 0,
    failed: [],
    calls: 0,
  };
  if (!r.verdict.ok) {
    log.warn('deal model without signal', { verdict: r.verdict.code });
    summary.calls = crm.usage().calls - before;
    return summary;
  }
  const rows = scoreDeals(model.loaded, world, world.deals, {
    asOf: at,
    tiers: settings.tiers,
    scoredAt: new Date(at).toISOString(),
  });
  await store.transaction((tx) => tx.putScores(rows));
  summary.scored = rows.length;
  await crm.provisionObjects(settings.tiers);
  for (let i = 0; i < rows.length; i += BATCH) {
    const res = await writeNow(deps, 'deal', rows.slice(i, i + BATCH));
    summary.written += res.written;
    summary.failed.push(...res.failed);
  }
  summary.calls = crm.usage().calls - before;
  log.info('deals scored', { scored: summary.scored, written: summary.written });
  return summary;
}
