/**
 * `npx tsx bench/lr-probe.ts`: evidence for docs/model.md ("The whole process at 1M rows"):
 * GBDT trained with the default schedule at learning rate 0.1 (ours) and 0.3 (xgboost's
 * default) on the bench:product CSV's oldest 80 % (BENCH_ROWS, default 200,000), scored on the
 * newest 20 %. Prints the chosen setting, the held-out AUC and training CPU per rate.
 */
import os from 'node:os';
import path from 'node:path';
import { readCsvColumns } from '../src/crm/csv/columns';
import { labelsFrom, rocAuc, trainModel, type Label } from '../src/model';
import { takeRows } from '../src/model/frame';

const n = Number(process.env.BENCH_ROWS ?? 200_000);
const file = path.join(os.tmpdir(), 'leadlens-bench-product', `product-${n}.csv`);
const table = readCsvColumns(file);
const all = labelsFrom(table.frame, 'converted', {});
const cut = Math.round(0.8 * table.frame.n);
const labels: Label[] = all.map((l, i) => (i < cut ? l : null));
const holdout = Array.from({ length: table.frame.n - cut }, (_, j) => cut + j);
const yHold = Float64Array.from(holdout, (i) => (all[i] === 1 ? 1 : 0));
const heldRows = takeRows(table.frame, holdout);
for (const learningRate of (process.env.BENCH_RATES ?? '0.1,0.3').split(',').map(Number)) {
  const c0 = process.cpuUsage();
  const r = trainModel({
    rows: table.frame,
    labels,
    options: { model: 'gbdt', exclude: ['converted', 'lead_id'], gbdtParams: { learningRate } },
  });
  const c = process.cpuUsage(c0);
  console.log(
    JSON.stringify({
      rows: n,
      learningRate,
      heldOutAuc: Number(rocAuc(yHold, r.model.predictProba(heldRows)).toFixed(4)),
      backtestAuc: Number(r.report.backtest.meanAuc.toFixed(4)),
      settings: r.report.settings,
      weighting: r.report.weighting,
      cpuSeconds: Number(((c.user + c.system) / 1e6).toFixed(1)),
      load: Number(os.loadavg()[0]!.toFixed(1)),
    }),
  );
}
