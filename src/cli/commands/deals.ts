/**
 * `leadlens deals`: deal scores on their own (the same stages `leadlens run` ends with): read
 * deals and companies, train the deal model when due, score every open deal, write back what
 * changed to `leadlens_deal_*`. `leadlens deals models` lists the deal model versions.
 */
import type { Command } from 'commander';
import { runDealScores, withRunLease, type DealModelReport } from '../../pipeline';
import type { AppDeps } from '../../server/compose';
import {
  leaseTtlFromEnv,
  openDeps,
  printJson,
  progressReporter,
  withCrmFlags,
  type CrmFlags,
} from '../context';
import { dealLine } from './pipeline';

async function withDeps<T>(flags: CrmFlags, fn: (deps: AppDeps) => Promise<T>): Promise<T> {
  const deps = await openDeps(flags);
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

export function register(program: Command): void {
  const deals = withCrmFlags(
    program
      .command('deals')
      .description(
        'Score open deals: train the deal model on closed deals when due (it needs enough of them), score, write back leadlens_deal_* that changed.',
      )
      .option('--retrain <when>', 'auto | always | never', 'auto')
      .option('--restart', 'start a new run instead of resuming an unfinished one'),
  ).action(
    async (flags: CrmFlags & { retrain: 'auto' | 'always' | 'never'; restart?: boolean }) => {
      await withDeps(flags, (deps) =>
        withRunLease(
          deps,
          { purpose: 'deals', role: 'leadlens deals (cli)', ttlMs: leaseTtlFromEnv() },
          async (d) => {
            const progress = progressReporter(!flags.json);
            let out: Awaited<ReturnType<typeof runDealScores>>;
            try {
              out = await runDealScores(d, {
                retrain: flags.retrain,
                restart: flags.restart,
                onProgress: (r) => progress.update(r),
              });
            } finally {
              progress.stop();
            }
            if (flags.json) printJson(out);
            else process.stdout.write(`status          ${out.status}\n${dealLine(out)}\n`);
            if (out.status === 'paused') process.exitCode = 3;
          },
        ),
      );
    },
  );

  withCrmFlags(
    deals.command('models').description('List the stored deal model versions with their backtest.'),
  ).action(async (flags: CrmFlags) => {
    await withDeps(flags, async (deps) => {
      printJson(
        (await deps.store.listObjectModels('deal')).map((m) => {
          const r = JSON.parse(m.report) as Partial<DealModelReport>;
          return {
            version: m.version,
            modelType: m.modelType,
            status: m.status,
            trainedAt: m.trainedAt,
            closedDeals: r.closedDeals ?? null,
            auc: r.backtest?.meanAuc ?? null,
            stageAuc: r.stageBaseline?.meanAuc ?? null,
            verdict: r.verdict?.code ?? null,
          };
        }),
      );
    });
  });
}
