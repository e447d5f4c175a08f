/**
 * `npx tsx bench/rate-curve.ts`: evidence for docs/model.md ("Search schedule", the learning
 * rate): how a GBDT's held-out AUC curve over the round grid depends on the learning rate AND on
 * the number of training rows. On the bench:product CSV (BENCH_ROWS, default 200,000): the
 * oldest 80 % is the training window, the newest 20 % is scored. For each size in BENCH_SIZES
 * (rows of a time-stratified sample of the window; "all" = the whole window), each depth in
 * BENCH_DEPTHS and each rate in BENCH_RATES, one fit of 300 rounds without early stopping
 * prints the AUC after each round count of the grid, and its CPU. Diagnostic only: the search
 * never sees the newest 20 %.
 */
import os from 'node:os';
import path from 'node:path';
import { readCsvColumns } from '../src/crm/csv/columns';
import { labelsFrom, rocAuc } from '../src/model';
import { inferSchema } from '../src/model/encoding/schema';
import { fitEncoder } from '../src/model/encoding/encoder';
import { stratifiedSample } from '../src/model/evaluation/budget';
import { roundGrid } from '../src/model/candidates';
import { fitGbdt } from '../src/model/trees/gbdt';
import { makeRng } from '../src/model/rng';
import { takeRows } from '../src/model/frame';

const n = Number(process.env.BENCH_ROWS ?? 200_000);
const file = path.join(os.tmpdir(), 'leadlens-bench-product', `product-${n}.csv`);
const table = readCsvColumns(file);
const labels = labelsFrom(table.frame, 'converted', {});
const cut = Math.round(0.8 * table.frame.n);
const window = Array.from({ length: cut }, (_, i) => i);
const holdout = Array.from({ length: table.frame.n - cut }, (_, j) => cut + j);
const { schema } = inferSchema(takeRows(table.frame, window), {
  exclude: ['converted', 'lead_id'],
});
const sizes = (process.env.BENCH_SIZES ?? 'all').split(',');
const depths = (process.env.BENCH_DEPTHS ?? '3,6').split(',').map(Number);
const rates = (process.env.BENCH_RATES ?? '0.1,0.3').split(',').map(Number);
const nRounds = Number(process.env.BENCH_ROUNDS ?? 300);
const grid = roundGrid(nRounds);
for (const size of sizes) {
  const idx = size === 'all' ? window : stratifiedSample(window, Number(size), 7);
  const trainRows = takeRows(table.frame, idx);
  const enc = fitEncoder(trainRows, schema, { missing: 'nan' });
  const Xtr = enc.transform(trainRows);
  const Xte = enc.transform(takeRows(table.frame, holdout));
  const y = Float64Array.from(idx, (i) => (labels[i] === 1 ? 1 : 0));
  const yte = Float64Array.from(holdout, (i) => (labels[i] === 1 ? 1 : 0));
  for (const maxDepth of depths)
    for (const learningRate of rates) {
      const c0 = process.cpuUsage();
      const w0 = Date.now();
      const { validMargins } = fitGbdt(Xtr, y, {
        params: { maxDepth, learningRate, nRounds, earlyStoppingRounds: nRounds },
        valid: { X: Xte, y: yte },
        rng: makeRng(1),
        validAt: grid,
      });
      const c = process.cpuUsage(c0);
      console.log(
        JSON.stringify({
          rows: idx.length,
          maxDepth,
          learningRate,
          auc: Object.fromEntries(
            grid.map((r, g) => [r, +rocAuc(yte, validMargins[g]!).toFixed(4)]),
          ),
          cpu: +((c.user + c.system) / 1e6).toFixed(1),
          wall: +((Date.now() - w0) / 1000).toFixed(1),
          load: +os.loadavg()[0]!.toFixed(1),
        }),
      );
    }
}
