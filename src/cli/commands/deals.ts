/**
 * `leadlens deals`: deal scores on their own (the same stages `leadlens run` ends with): read
 * deals and companies, train the deal model when due, score every open deal, write back what
 * changed to `leadlens_deal_*`. `leadlens deals models` lists the deal model versions.
 */
import type { Command } from 'commander';
import { runDealScores, type DealModelReport } from '../../pipeline';
import { objectCommand } from '../run-options';
import { dealLine } from './pipeline';

export function register(program: Command): void {
  objectCommand(program, {
    name: 'deals',
    description:
      'Score open deals: train the deal model on closed deals when due (it needs enough of them), score, write back leadlens_deal_* that changed. An install without the deal scopes is skipped with the reason.',
    model: 'deal model',
    run: runDealScores,
    text: (out) => `status          ${out.status}\n${dealLine(out)}`,
    modelsDescription:
      'List the stored deal model versions with their backtest. Which portal and store: the options of `leadlens deals` (--crm, --portal, --db, …), given before or after `models`.',
    objectModel: 'deal',
    reportFields: (report) => {
      const r = JSON.parse(report) as Partial<DealModelReport>;
      return {
        closedDeals: r.closedDeals ?? null,
        auc: r.backtest?.meanAuc ?? null,
        stageAuc: r.stageBaseline?.meanAuc ?? null,
        verdict: r.verdict?.code ?? null,
      };
    },
  });
}
