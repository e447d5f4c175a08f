/**
 * `npm run bench:product`: what a user waits for, like for like. Each side reads the same
 * generated CSV (bench/product-data.ts: n × 30 numeric and categorical columns), fits the
 * oldest 80 % of its rows (file order) and scores the newest 20 %; the AUC is on those newest
 * rows for both, computed here for ours and by scikit-learn's roc_auc_score for the peers (ties
 * averaged in both).
 *
 * Ours runs as a user would for a held-out check, two processes: `leadlens train --csv
 * train.csv --out model.json` on the oldest 80 % and `leadlens score --csv test.csv --model
 * model.json` on the newest 20 % without the label. The peer is one process (pandas.read_csv of
 * all rows, fit on the oldest 80 %, predict the newest 20 %; bench/product-peers.py). Both
 * sides thus read every row, fit the same rows and predict the same rows: the ratios compare the
 * SUM of our two processes with the peer's one. Peak memory: the larger of our two processes.
 * Every process is fresh and measured by GNU time: wall seconds, CPU seconds (user + system:
 * steadier than wall on a shared machine) and peak memory (max RSS).
 *
 * Ours runs with `--model logistic`, `--model gbdt` (one family, like each peer) and the
 * default (`auto`, every family — more work than either peer; shown, not compared).
 * BENCH_WHOLE=1 adds the previous measure too: `train --csv` on the whole file (100 % of the
 * rows; its AUC is the backtests' pooled out-of-fold AUC, not a held-out one).
 *
 * Peers: /usr/bin/python3 with Debian's python3-pandas, python3-sklearn, python3-xgboost.
 * Sizes: BENCH_ROWS=200000,1000000 (default); BENCH_REPEATS=1 (the fastest repeat is kept);
 * BENCH_FAMILIES=logistic,gbdt,auto (default: all three). Each run's figures go to stderr as
 * it ends (a long run cut short still leaves them); bench/results/product-latest.json at the end.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rocAuc } from '../src/model/evaluation/metrics';
import { splitProductCsv, writeProductCsv, type HeldOutSplit } from './product-data';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
const LEADLENS = path.join(ROOT, 'bin/leadlens.js');

interface Run {
  wall: number;
  cpu: number;
  peakMB: number;
}

/** Our held-out check: two processes, summed (peak memory: the larger). */
interface OursHeldOut extends Run {
  train: Run;
  score: Run;
  /** On the newest 20 %, from the scores `leadlens score` printed. */
  auc: number;
  /** What `train --json` reports: the backtests' pooled out-of-fold AUC (older rows only). */
  backtestAuc: number | null;
  chosen: unknown;
}

interface PeerRun extends Run {
  auc: number;
}

function timed(cmd: string, args: string[]): Run & { stdout: string } {
  const out = path.join(os.tmpdir(), `leadlens-bench-time-${process.pid}.txt`);
  const r = spawnSync(TIME, ['-o', out, '-f', '%e %U %S %M', cmd, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  }
  const last = fs.readFileSync(out, 'utf8').trim().split('\n').pop()!;
  fs.rmSync(out, { force: true });
  const [wall, user, sys, rssKb] = last.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys!, peakMB: rssKb! / 1024, stdout: r.stdout };
}

const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;

const load = (): string => os.loadavg()[0]!.toFixed(1);

function log(label: string, r: Run, auc: string): void {
  process.stderr.write(
    `  ${label}: ${r.wall.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, ${r.peakMB.toFixed(0)} MB peak, ${auc} (load ${load()})\n`,
  );
}

const trainArgs = (file: string, model: string): string[] => [
  LEADLENS,
  'train',
  '--csv',
  file,
  '--label',
  'converted',
  '--id',
  'lead_id',
  '--model',
  model,
  '--json',
];

function oursHeldOut(split: HeldOutSplit, model: string, dir: string): OursHeldOut {
  const modelFile = path.join(dir, `model-${process.pid}.json`);
  const scoresFile = path.join(dir, `scores-${process.pid}.jsonl`);
  try {
    const t = timed(process.execPath, [...trainArgs(split.train, model), '--out', modelFile]);
    const report = lastJson(t.stdout) as {
      chosen?: unknown;
      metrics?: { auc?: number } | null;
      out?: string | null;
    };
    if (!report.out) throw new Error(`train did not write ${modelFile} (no signal?)`);
    log(`ours ${model} train (oldest 80 %)`, t, `backtest AUC ${report.metrics?.auc?.toFixed(4)}`);
    const s = timed(process.execPath, [
      LEADLENS,
      'score',
      '--csv',
      split.test,
      '--model',
      modelFile,
      '--id',
      'lead_id',
      '--out',
      scoresFile,
    ]);
    const auc = heldOutAuc(scoresFile, split);
    log(`ours ${model} score (newest 20 %)`, s, `held-out AUC ${auc.toFixed(4)}`);
    const train: Run = { wall: t.wall, cpu: t.cpu, peakMB: t.peakMB };
    const score: Run = { wall: s.wall, cpu: s.cpu, peakMB: s.peakMB };
    return {
      wall: train.wall + score.wall,
      cpu: train.cpu + score.cpu,
      peakMB: Math.max(train.peakMB, score.peakMB),
      train,
      score,
      auc,
      backtestAuc: report.metrics?.auc ?? null,
      chosen: report.chosen,
    };
  } finally {
    fs.rmSync(modelFile, { force: true });
    fs.rmSync(scoresFile, { force: true });
  }
}

/** AUC of the printed probabilities against the held-back labels, row by row in file order. */
function heldOutAuc(scoresFile: string, split: HeldOutSplit): number {
  const lines = fs.readFileSync(scoresFile, 'utf8').trim().split('\n');
  if (lines.length !== split.testIds.length) {
    throw new Error(`score printed ${lines.length} lines for ${split.testIds.length} rows`);
  }
  const p = new Float64Array(lines.length);
  lines.forEach((line, k) => {
    const o = JSON.parse(line) as { id: string; probability: number };
    if (String(o.id) !== split.testIds[k])
      throw new Error(`line ${k + 1}: id ${o.id} out of order`);
    p[k] = o.probability;
  });
  return rocAuc(split.testLabels, p);
}

function oursWholeFile(file: string, model: string): Run & { backtestAuc: number | null } {
  const t = timed(process.execPath, trainArgs(file, model));
  const auc = (lastJson(t.stdout) as { metrics?: { auc?: number } | null }).metrics?.auc ?? null;
  log(`ours ${model} whole-file train`, t, `backtest AUC ${auc?.toFixed(4)}`);
  return { wall: t.wall, cpu: t.cpu, peakMB: t.peakMB, backtestAuc: auc };
}

function peer(file: string, family: 'logistic' | 'gbdt'): PeerRun {
  const t = timed(PYTHON, [
    path.join(ROOT, 'bench/product-peers.py'),
    family,
    file,
    'converted',
    'lead_id',
  ]);
  const auc = Number((lastJson(t.stdout) as { auc?: number }).auc);
  log(`peer ${family}`, t, `held-out AUC ${auc.toFixed(4)}`);
  return { wall: t.wall, cpu: t.cpu, peakMB: t.peakMB, auc };
}

const best = <R extends Run>(runs: R[]): R => runs.reduce((a, b) => (b.wall < a.wall ? b : a));
const f = (x: number | null | undefined, d = 2): string =>
  x !== null && x !== undefined && Number.isFinite(x) ? x.toFixed(d) : 'n/a';

function main(): void {
  const check = spawnSync(PYTHON, ['-c', 'import pandas, sklearn, xgboost'], { encoding: 'utf8' });
  if (check.status !== 0) {
    process.stderr.write(
      `bench:product needs pandas, scikit-learn and xgboost for ${PYTHON}.\n` +
        'Install them with:  sudo apt-get install -y python3-pandas python3-sklearn python3-xgboost\n',
    );
    process.exit(2);
  }
  const sizes = (process.env.BENCH_ROWS ?? '200000,1000000').split(',').map(Number);
  const repeats = Number(process.env.BENCH_REPEATS ?? 1);
  const families = (process.env.BENCH_FAMILIES ?? 'logistic,gbdt,auto').split(',');
  const whole = process.env.BENCH_WHOLE === '1';
  const dir = path.join(os.tmpdir(), 'leadlens-bench-product');
  fs.mkdirSync(dir, { recursive: true });
  const results: Array<Record<string, unknown>> = [];
  for (const n of sizes) {
    const file = path.join(dir, `product-${n}.csv`);
    if (!fs.existsSync(file)) {
      process.stderr.write(`writing ${file}…\n`);
      writeProductCsv(file, n);
    }
    const split = splitProductCsv(file, { label: 'converted', id: 'lead_id' });
    for (const family of (['logistic', 'gbdt'] as const).filter((x) => families.includes(x))) {
      const o: OursHeldOut[] = [];
      const p: PeerRun[] = [];
      for (let r = 0; r < repeats; r++) {
        // Alternate, so a change in machine load hits both sides alike.
        process.stderr.write(`${n} rows, ${family}: ours…\n`);
        o.push(oursHeldOut(split, family, dir));
        process.stderr.write(`${n} rows, ${family}: peer…\n`);
        p.push(peer(file, family));
      }
      const a = best(o);
      const b = best(p);
      results.push({
        rows: n,
        trainRows: split.trainRows,
        testRows: split.testIds.length,
        family,
        ours: a,
        peer: b,
        wallRatio: a.wall / b.wall,
        cpuRatio: a.cpu / b.cpu,
        memoryRatio: a.peakMB / b.peakMB,
        load: os.loadavg()[0],
        ...(whole ? { oursWholeFile: oursWholeFile(file, family) } : {}),
      });
    }
    if (!families.includes('auto')) continue;
    process.stderr.write(`${n} rows, default (auto): ours…\n`);
    results.push({
      rows: n,
      trainRows: split.trainRows,
      testRows: split.testIds.length,
      family: 'auto (default)',
      ours: oursHeldOut(split, 'auto', dir),
      load: os.loadavg()[0],
      ...(whole ? { oursWholeFile: oursWholeFile(file, 'auto') } : {}),
    });
  }
  console.table(
    results.map((r) => {
      const o = r.ours as OursHeldOut;
      const p = r.peer as PeerRun | undefined;
      return {
        rows: r.rows,
        family: r.family,
        'ours train + score s (cpu s)': `${f(o.train.wall, 1)} + ${f(o.score.wall, 1)} = ${f(o.wall, 1)} (${f(o.cpu, 1)})`,
        'peer s (cpu s)': p ? `${f(p.wall, 1)} (${f(p.cpu, 1)})` : '',
        'wall ÷ peer': p ? f(r.wallRatio as number) : '',
        'cpu ÷ peer': p ? f(r.cpuRatio as number) : '',
        'peak MB ours / peer': p ? `${f(o.peakMB, 0)} / ${f(p.peakMB, 0)}` : f(o.peakMB, 0),
        'held-out AUC ours / peer': p ? `${f(o.auc, 4)} / ${f(p.auc, 4)}` : f(o.auc, 4),
        'backtest AUC': f(o.backtestAuc, 4),
        load: f(r.load as number, 1),
      };
    }),
  );
  if (whole) {
    console.table(
      results.map((r) => {
        const w = r.oursWholeFile as (Run & { backtestAuc: number | null }) | undefined;
        return {
          rows: r.rows,
          family: r.family,
          'whole-file train s (cpu s)': w ? `${f(w.wall, 1)} (${f(w.cpu, 1)})` : '',
          'peak MB': w ? f(w.peakMB, 0) : '',
          'backtest AUC': w ? f(w.backtestAuc, 4) : '',
        };
      }),
    );
  }
  const out = path.join(ROOT, 'bench/results/product-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        measure:
          'held-out: ours = train --csv (oldest 80 %) + score --csv (newest 20 %, no label), two processes summed; peer = one process (read all, fit 80 %, predict 20 %); AUC on the newest 20 % for both',
        results,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`Wrote ${path.relative(ROOT, out)}\n`);
}

main();
