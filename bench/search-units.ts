/**
 * `npx tsx bench/search-units.ts`: where a whole `trainModel` run's CPU goes, unit by unit
 * (`TrainingSession.step`): the data path (CSV read, schema, leakage guard, folds), each
 * backtest unit (stage 1 and 2 sweeps per fold, ladder steps), the final fit on all rows and
 * `finish` (calibration, metrics, report, artifact). On the bench:product CSV
 * (BENCH_ROWS, default 1,000,000; BENCH_MODEL, default gbdt). Prints one JSON line per unit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCsvColumns } from '../src/crm/csv/columns';
import { labelsFrom, TrainingSession } from '../src/model';
import { writeProductCsv } from './product-data';

const n = Number(process.env.BENCH_ROWS ?? 1_000_000);
const model = (process.env.BENCH_MODEL ?? 'gbdt') as 'gbdt' | 'logistic' | 'auto';
const dir = path.join(os.tmpdir(), 'leadlens-bench-product');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, `product-${n}.csv`);
if (!fs.existsSync(file)) writeProductCsv(file, n);

const cpu = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const log = (unit: string, c0: NodeJS.CpuUsage, w0: number, extra: object = {}): void =>
  console.log(
    JSON.stringify({
      unit,
      cpu: +cpu(c0).toFixed(2),
      wall: +((Date.now() - w0) / 1000).toFixed(2),
      load: +os.loadavg()[0]!.toFixed(1),
      ...extra,
    }),
  );

const t0 = process.cpuUsage();
const w0 = Date.now();
let c = process.cpuUsage();
let w = Date.now();
const table = readCsvColumns(file);
const labels = labelsFrom(table.frame, 'converted', {});
log('read csv', c, w);
c = process.cpuUsage();
w = Date.now();
const session = new TrainingSession({
  rows: table.frame,
  labels,
  options: { model, exclude: ['converted', 'lead_id'] },
});
log('schema, leakage, folds, schedule', c, w);
while (!session.done()) {
  const before = session.progress().done;
  c = process.cpuUsage();
  w = Date.now();
  session.step();
  const st = session.state;
  log(`unit ${before}`, c, w, {
    stage1: st.backtest.stage1.map((s) => s.done),
    stage2: st.backtest.stage2.map((s) => `${s.done}${s.pruned ? 'p' : ''}`),
    ladder: st.backtest.ladder,
    rate: st.backtest.rate ?? null,
    final: st.final !== null,
  });
}
c = process.cpuUsage();
w = Date.now();
const r = session.finish();
log('finish', c, w, {
  chosen: r.report.chosen,
  settings: r.report.settings,
  weighting: r.report.weighting,
  auc: r.report.metrics?.auc,
  folds: r.report.backtest.folds.map((f) => f.auc),
});
log('total', t0, w0);
