/**
 * `npx tsx bench/search-budget.ts`: what the search schedule for large data (docs/model.md,
 * "Search schedule") costs in accuracy. On the bench:product CSV (BENCH_ROWS, default 200,000)
 * the newest 20 % of rows are held out (their labels hidden, so training never sees them), the
 * model is trained with each variant of the schedule, and the held-out rows are scored:
 * `budget` (the default), `no-ladder` (GBDT rounds as the subsampled backtests chose them),
 * `no-prune` (every weighting run on every fold) and,
 * with BENCH_FULL=1, `full` (no budget: every fold on its whole window — slow).
 * BENCH_FAMILIES=logistic,gbdt (default both); BENCH_VARIANTS=budget,… (default all). CPU
 * seconds from process.cpuUsage. The held-out AUC is the like-for-like comparison with the
 * peers of bench:product (a model fitted on the oldest 80 %, scored on the newest 20 %); the
 * AUC bench:product prints for ours is the backtests' pooled out-of-fold AUC, whose fold
 * models were fitted on samples (budgeted) of older windows — lower by construction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsvColumns } from '../src/crm/csv/columns';
import { labelsFrom, rocAuc, trainModel, type Label } from '../src/model';
import type { BudgetOptions } from '../src/model/evaluation/budget';
import { takeRows } from '../src/model/frame';
import { writeProductCsv } from './product-data';

const n = Number(process.env.BENCH_ROWS ?? 200_000);
const families = (process.env.BENCH_FAMILIES ?? 'logistic,gbdt').split(',') as Array<
  'logistic' | 'gbdt'
>;
const dir = path.join(os.tmpdir(), 'leadlens-bench-product');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `product-${n}.csv`);
if (!fs.existsSync(file)) writeProductCsv(file, n);
const table = readCsvColumns(file);
const all = labelsFrom(table.frame, 'converted', {});
const cut = Math.round(0.8 * table.frame.n);
// Rows are in time order (lead_id ascending): hide the newest 20 %'s labels (censored rows are
// never trained on).
const labels: Label[] = all.map((l, i) => (i < cut ? l : null));
const holdout = Array.from({ length: table.frame.n - cut }, (_, j) => cut + j);
const yHold = Float64Array.from(holdout, (i) => (all[i] === 1 ? 1 : 0));
const heldRows = takeRows(table.frame, holdout);

const variants: Array<[string, BudgetOptions]> = [
  ['budget', {}],
  ['no-ladder', { ladder: false }],
  ['no-prune', { prune: false }],
  ...(process.env.BENCH_FULL === '1'
    ? [['full', { threshold: Infinity }] as [string, BudgetOptions]]
    : []),
];
// BENCH_VARIANTS=budget,no-prune,… runs only those (default: all listed above).
const only = process.env.BENCH_VARIANTS?.split(',');
for (const model of families) {
  for (const [name, budget] of variants) {
    if (only && !only.includes(name)) continue;
    if (model === 'logistic' && name === 'no-ladder') continue;
    const c0 = process.cpuUsage();
    const r = trainModel({
      rows: table.frame,
      labels,
      options: { model, exclude: ['converted', 'lead_id'], budget },
    });
    const c = process.cpuUsage(c0);
    const auc = rocAuc(yHold, r.model.predictProba(heldRows));
    const s = r.report.backtest.schedule;
    console.log(
      JSON.stringify({
        rows: n,
        model,
        variant: name,
        heldOutAuc: Number(auc.toFixed(4)),
        backtestAuc: Number(r.report.backtest.meanAuc.toFixed(4)),
        settings: r.report.settings,
        weighting: r.report.weighting,
        pruned: r.report.backtest.candidates.filter((x) => x.pruned).length,
        backtestRounds: s.backtestRounds,
        ladder: s.ladder.map((x) => [x.rows, x.nRounds]),
        trainCap: s.trainCap,
        testCap: s.testCap,
        cpuSeconds: Number(((c.user + c.system) / 1e6).toFixed(1)),
        load: Number(os.loadavg()[0]!.toFixed(1)),
      }),
    );
  }
}
