/**
 * `npx tsx bench/real-ablate.ts [config…]`: what the gap to the peers in `npm run bench:real` is
 * made of. Same data sets and the same 80 / 20 time cut as bench/real.ts; each named
 * configuration is `trainModel` with one option changed, scored on the newest 20 %. Prints the
 * test AUC per data set and configuration, and (with `--folds`) every backtest candidate's
 * fold AUCs. Nothing here changes the product; it is how its defaults are chosen.
 */
import { rocAuc, trainModel, type Label, type RawRow, type TrainOptions } from '../src/model';
import { demoWithShift, olist, shuffledControl, xEducation, type Dataset } from './real';

const CONFIGS: Record<string, TrainOptions> = {
  base: {},
  logistic: { model: 'logistic' },
  gbdt: { model: 'gbdt' },
  tree: { model: 'tree' },
  'placeholders-empty-only': { placeholders: [''] },
  'ph-logistic': { placeholders: [''], model: 'logistic' },
  'ph-gbdt': { placeholders: [''], model: 'gbdt' },
  'minfreq-10': { encoder: { minFrequency: 10 } },
  'placeholders-missing': { encoder: { placeholderLevels: false } },
  'no-weights': { weightings: [] },
  'logistic-C1': { model: 'logistic', cGrid: [1] },
  'logistic-C0.1': { model: 'logistic', cGrid: [0.1] },
};

/** `gbdt:maxDepth=4,minChildHessian=5` → the GBDT forced with those params; `auto:…` lets the backtests choose. */
function parseConfig(c: string): TrainOptions {
  const [kind, rest = ''] = c.split(':');
  const gbdtParams = Object.fromEntries(
    rest
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1])]),
  );
  if (kind !== 'gbdt' && kind !== 'auto') throw new Error(`unknown configuration ${c}`);
  return { model: kind === 'gbdt' ? 'gbdt' : 'auto', gbdtParams };
}

function cut(d: Dataset): { tr: number[]; te: number[] } {
  const order = d.labels
    .map((l, i) => (l === null ? -1 : i))
    .filter((i) => i >= 0)
    .sort((a, b) => d.times[a]! - d.times[b]! || a - b);
  const c = Math.round(order.length * 0.8);
  return { tr: order.slice(0, c), te: order.slice(c) };
}

function main(): void {
  const args = process.argv.slice(2);
  const folds = args.includes('--folds');
  const only = args.filter((a) => !a.startsWith('--'));
  const setArg = only.find((a) => a.startsWith('sets='));
  const names = only.filter((a) => !a.startsWith('sets='));
  const x = xEducation();
  let sets: Dataset[] = [x, shuffledControl(x), olist(), demoWithShift()];
  if (setArg) {
    const want = setArg.slice(5).split(',');
    sets = sets.filter((d) => want.some((w) => d.name.startsWith(w)));
  }
  const configs = names.length ? names : Object.keys(CONFIGS);
  for (const d of sets) {
    const { tr, te } = cut(d);
    const yTe = te.map((i) => d.labels[i] as number);
    for (const c of configs) {
      if (c === 'blend') {
        // Not a product option: the mean log-odds of the logistic and GBDT families, each as
        // its own backtests chose it (what a blended candidate would score).
        const fit = (model: 'logistic' | 'gbdt') =>
          trainModel({
            rows: tr.map((i) => d.rows[i]!) as RawRow[],
            labels: tr.map((i) => d.labels[i]!) as Label[],
            times: tr.map((i) => d.times[i]!),
            options: { model },
          }).model.predictProba(te.map((i) => d.rows[i]!));
        const a = fit('logistic');
        const b = fit('gbdt');
        const logit = (p: number) => Math.log(Math.max(p, 1e-9) / Math.max(1 - p, 1e-9));
        const auc = rocAuc(
          yTe,
          Array.from(a, (p, i) => logit(p) + logit(b[i]!)),
        );
        process.stdout.write(`${d.name}\tblend\t${auc.toFixed(4)}\n`);
        continue;
      }
      const t0 = performance.now();
      const { model, report } = trainModel({
        rows: tr.map((i) => d.rows[i]!) as RawRow[],
        labels: tr.map((i) => d.labels[i]!) as Label[],
        times: tr.map((i) => d.times[i]!),
        options: CONFIGS[c] ?? parseConfig(c),
      });
      const auc = rocAuc(yTe, model.predictProba(te.map((i) => d.rows[i]!)));
      const s = (performance.now() - t0) / 1000;
      process.stdout.write(
        `${d.name}\t${c}\t${auc.toFixed(4)}\t${report.chosen} ${JSON.stringify(report.settings)}${report.weighting.classWeight ? ' balanced' : ''}${report.weighting.recency ? ' recency' : ''}\tbt ${report.backtest.meanAuc.toFixed(4)}\t${report.verdict.code}\t${s.toFixed(1)}s\n`,
      );
      if (folds) {
        for (const e of report.backtest.candidates) {
          process.stdout.write(
            `   ${e.kind} ${JSON.stringify(e.settings)} ${e.weighting.classWeight ?? ''}${e.weighting.recency ? ' rec' : ''} mean ${e.meanAuc.toFixed(4)} se ${e.seAuc.toFixed(4)} [${e.foldAuc.map((a) => a.toFixed(3)).join(' ')}]${e.tied ? ' tied' : ''}${e.chosen ? ' CHOSEN' : ''}\n`,
          );
        }
      }
    }
  }
}

main();
