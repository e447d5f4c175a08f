/**
 * `npm run bench:small [config…]`: the model choice on small files, over MANY windows.
 *
 * One 1,000-row file has a 200-row test block whose AUC has a standard error of ≈ 0.03, so one
 * variant (bench/robust.ts x-education-small-1000) cannot tell a better rule from luck. Here
 * every real set of bench/real.ts (X Education, Olist 2018, the demo portal with its market
 * shift) is cut into consecutive, non-overlapping windows of its labelled rows in time order —
 * by default 1,000, 2,000 and 5,000 rows — and each window is handled like bench:real: every
 * model learns from the window's oldest 80 % (ours runs its backtests inside it) and is scored
 * on its newest 20 %. Peers (bench/real-peers.py: scikit-learn LogisticRegression,
 * HistGradientBoosting, xgboost, defaults) get the same rows in the same run. The shuffled-label
 * X Education windows are the no-signal control: reported apart (mean AUC, largest distance
 * from 0.5, windows whose verdict said OK — must be none).
 *
 * Printed: per configuration and window size, the mean paired difference ours − best peer and
 * ours − each peer over the windows, with its standard error, and how many windows are within
 * the goal (≥ best peer − 0.005). Configurations are `trainModel` options (CONFIGS below);
 * `base` is the shipped default. Writes bench/results/small-latest.json.
 *
 * Env: SMALL_SIZES (default 1000,2000,5000), SMALL_SETS (name prefixes, default all four),
 * SMALL_MAX_WINDOWS (per set and size, default all), SMALL_OFFSET (windows start this share of a
 * window later, default 0: a second cut to check a rule chosen on the first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { meanSe, rocAuc, trainModel, type TrainOptions } from '../src/model';
import {
  demoWithShift,
  olist,
  runPeers,
  shuffledControl,
  writeCsv,
  xEducation,
  type Dataset,
} from './real';

const ROOT = path.resolve(__dirname, '..');

/** Each is one change to `trainModel`'s options; `base` = the defaults users get. */
const CONFIGS: Record<string, TrainOptions> = {
  base: {},
  logistic: { model: 'logistic' },
  'logistic-C1': { model: 'logistic', cGrid: [1] },
  gbdt: { model: 'gbdt' },
  'gbdt-d3': { model: 'gbdt', gbdtParams: { maxDepth: 3 } },
  'gbdt-hgb': {
    // scikit-learn HistGradientBoosting's defaults, as far as our GBDT has them.
    model: 'gbdt',
    gbdtParams: { maxDepth: 10, maxLeaves: 31, minChildHessian: 20 * 0.2, l2: 0 },
  },
  'folds-10': { backtest: { folds: 10 } },
  'folds-3': { backtest: { folds: 3 } },
  'no-weights': { weightings: [] },
  'c-grid-1-10': { cGrid: [1, 10] },
  'folds-5': { backtest: { folds: 5 } },
  'min-minority-10': { backtest: { minMinorityPerFold: 10 } },
  'tie-best': { selection: { prefer: 'best' } },
  'tie-best-folds-10': { selection: { prefer: 'best' }, backtest: { folds: 10 } },
};

interface Window {
  name: string;
  set: string;
  size: number;
  d: Dataset;
  tr: number[];
  te: number[];
  y: number[];
}

/** Consecutive windows of `size` labelled rows in time order, each cut 80 / 20 by time. */
function windows(d: Dataset, size: number, max: number, offset: number): Window[] {
  const order = d.labels
    .map((l, i) => (l === null ? -1 : i))
    .filter((i) => i >= 0)
    .sort((a, b) => d.times[a]! - d.times[b]! || a - b);
  const out: Window[] = [];
  const skip = Math.round(offset * size);
  for (let w = 0; skip + (w + 1) * size <= order.length && out.length < max; w++) {
    const rows = order.slice(skip + w * size, skip + (w + 1) * size);
    const cut = Math.round(size * 0.8);
    const tr = rows.slice(0, cut);
    const te = rows.slice(cut);
    const y = te.map((i) => d.labels[i] as number);
    const pos = y.reduce((a, b) => a + b, 0);
    // An AUC needs both classes in the test block; a handful of one class is pure noise.
    if (pos < 5 || y.length - pos < 5) continue;
    out.push({ name: `${d.name}-${size}-w${w + 1}`, set: d.name, size, d, tr, te, y });
  }
  return out;
}

const fmt = (x: number, s = 4): string => (x >= 0 ? '+' : '') + x.toFixed(s);

function main(): void {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const configs = names.length ? names : ['base'];
  for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown configuration ${c}`);
  const sizes = (process.env.SMALL_SIZES ?? '1000,2000,5000').split(',').map(Number);
  const want = process.env.SMALL_SETS?.split(',');
  const max = Number(process.env.SMALL_MAX_WINDOWS ?? Infinity);
  const x = xEducation();
  // The shuffled-label control (no signal): a rule that picks the best of many noisy candidates
  // must still say "no signal" here and stay near 0.5; reported apart from the peers' table.
  const sets = [x, olist(), demoWithShift(), shuffledControl(x)].filter(
    (d) => !want || want.some((w) => d.name.startsWith(w)),
  );
  // A second, shifted set of windows (SMALL_OFFSET=0.5: each starts half a window later) checks
  // that a rule chosen on the first set holds on rows cut differently.
  const offset = Number(process.env.SMALL_OFFSET ?? 0);
  const wins = sets.flatMap((d) => sizes.flatMap((s) => windows(d, s, max, offset)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-small-'));
  type Ours = { auc: number; chosen: string; verdict: string; details?: Record<string, number> };
  const ours: Record<string, Record<string, Ours>> = {};
  for (const w of wins) {
    writeCsv(
      path.join(dir, `${w.name}.train.csv`),
      w.tr.map((i) => w.d.rows[i]!),
      w.tr.map((i) => w.d.labels[i] as number),
    );
    writeCsv(
      path.join(dir, `${w.name}.test.csv`),
      w.te.map((i) => w.d.rows[i]!),
      w.y,
    );
    ours[w.name] = {};
    for (const c of configs) {
      let auc = NaN;
      let chosen = 'error';
      let verdict = '';
      // The verdict's own numbers (mean fold AUC, SE, folds): other floors can be judged offline.
      let details: Record<string, number> | undefined;
      try {
        const { model, report } = trainModel({
          rows: w.tr.map((i) => w.d.rows[i]!),
          labels: w.tr.map((i) => w.d.labels[i]!),
          times: w.tr.map((i) => w.d.times[i]!),
          options: CONFIGS[c],
        });
        auc = rocAuc(w.y, model.predictProba(w.te.map((i) => w.d.rows[i]!)));
        chosen = `${report.chosen} ${JSON.stringify(report.settings)}${report.weighting.classWeight ? ' balanced' : ''}${report.weighting.recency ? ' recency' : ''}`;
        verdict = report.verdict.code;
        details = report.verdict.details;
      } catch (e) {
        chosen = `error ${(e as { code?: string }).code ?? (e as Error).message}`;
      }
      ours[w.name]![c] = { auc, chosen, verdict, details };
      process.stderr.write(`${w.name} ${c}: ${auc.toFixed(4)} ${chosen} ${verdict}\n`);
    }
  }
  const peers = runPeers(dir);
  const peerNames = Object.keys(Object.values(peers)[0] ?? {});
  const signal = (w: Window): boolean => !w.d.control;
  const groups: Array<[string, (w: Window) => boolean]> = [
    ...sizes.map((s): [string, (w: Window) => boolean] => [
      `${s} rows`,
      (w) => signal(w) && w.size === s,
    ]),
    ...sets
      .filter((d) => !d.control)
      .map((d): [string, (w: Window) => boolean] => [d.name, (w) => w.set === d.name]),
    ['all', signal],
  ];
  const lines = [
    `| config | windows | mean ours | − best peer (± SE) | within goal | ${peerNames.map((p) => `− ${p}`).join(' | ')} |`,
    `|---|---|---|---|---|${peerNames.map(() => '---').join('|')}|`,
  ];
  const summary: Record<string, Record<string, unknown>> = {};
  for (const c of configs) {
    summary[c] = {};
    for (const [g, keep] of groups) {
      const ws = wins.filter(keep).filter((w) => Number.isFinite(ours[w.name]![c]!.auc));
      if (!ws.length) continue;
      const o = ws.map((w) => ours[w.name]![c]!.auc);
      const best = ws.map((w) => Math.max(...Object.values(peers[w.name]!)));
      const vsBest = meanSe(o.map((a, i) => a - best[i]!));
      const within = o.filter((a, i) => a >= best[i]! - 0.005).length;
      const vsPeer = peerNames.map((p) => meanSe(ws.map((w, i) => o[i]! - peers[w.name]![p]!)));
      summary[c]![g] = { windows: ws.length, mean: meanSe(o).mean, vsBest, within, vsPeer };
      lines.push(
        `| ${c} · ${g} | ${ws.length} | ${meanSe(o).mean.toFixed(4)} | ${fmt(vsBest.mean)} ± ${vsBest.se.toFixed(4)} | ${within}/${ws.length} | ${vsPeer.map((v) => `${fmt(v.mean)} ± ${v.se.toFixed(4)}`).join(' | ')} |`,
      );
    }
  }
  const controls = wins.filter((w) => !signal(w));
  if (controls.length) {
    lines.push(
      '',
      '| config · control (shuffled labels) | windows | mean AUC | max abs(AUC − 0.5) | verdict OK (must be 0) |',
      '|---|---|---|---|---|',
    );
    for (const c of configs) {
      const r = controls.map((w) => ours[w.name]![c]!);
      const a = r.map((x) => x.auc).filter(Number.isFinite);
      lines.push(
        `| ${c} | ${r.length} | ${meanSe(a).mean.toFixed(4)} | ${Math.max(...a.map((v) => Math.abs(v - 0.5))).toFixed(4)} | ${r.filter((x) => x.verdict === 'OK').length} |`,
      );
    }
  }
  // Paired differences between configurations (same windows): is a change ahead beyond noise?
  if (configs.length > 1) {
    lines.push('', '| config − base | group | windows | mean diff ± SE |', '|---|---|---|---|');
    for (const c of configs.slice(1)) {
      for (const [g, keep] of groups) {
        const ws = wins
          .filter(keep)
          .filter(
            (w) =>
              Number.isFinite(ours[w.name]![c]!.auc) &&
              Number.isFinite(ours[w.name]![configs[0]!]!.auc),
          );
        if (!ws.length) continue;
        const d = meanSe(ws.map((w) => ours[w.name]![c]!.auc - ours[w.name]![configs[0]!]!.auc));
        lines.push(
          `| ${c} − ${configs[0]} | ${g} | ${ws.length} | ${fmt(d.mean)} ± ${d.se.toFixed(4)} |`,
        );
      }
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, 'bench/results/small-latest.json'),
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        configs,
        sizes,
        windows: wins.map((w) => ({
          name: w.name,
          train: w.tr.length,
          test: w.te.length,
          testPositives: w.y.reduce((a, b) => a + b, 0),
          ours: ours[w.name],
          peers: peers[w.name],
        })),
        summary,
      },
      null,
      2,
    )}\n`,
  );
}

main();
