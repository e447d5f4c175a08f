/**
 * `npm run bench:product`: what a user waits for. Whole-process `leadlens train --csv` against
 * whole-process `pandas.read_csv` + scikit-learn LogisticRegression and + xgboost `hist`, on the
 * same generated CSVs (bench/product-data.ts: n × 30 numeric and categorical columns), in the
 * same run, one after the other, so both sides see the same machine load. Each run is a fresh
 * process measured by GNU time: wall seconds, CPU seconds (user + system: steadier than wall
 * on a shared machine) and peak memory (max RSS).
 *
 * Ours runs with `--model logistic`, `--model gbdt` (one family, like each peer) and the
 * default (`auto`, every family — more work than either peer; shown, not compared).
 *
 * Peers: /usr/bin/python3 with Debian's python3-pandas, python3-sklearn, python3-xgboost
 * (bench/product-peers.py). Sizes: BENCH_ROWS=200000,1000000 (default); BENCH_REPEATS=1;
 * BENCH_FAMILIES=logistic,gbdt,auto (default: all three). Each run's figures go to stderr as
 * it ends (a long run cut short still leaves them); bench/results/product-latest.json at the end.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeProductCsv } from './product-data';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';

interface Run {
  wall: number;
  cpu: number;
  peakMB: number;
  auc: number | null;
}

function timed(cmd: string, args: string[]): Run {
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
  const json = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    auc?: number;
    metrics?: { auc?: number } | null;
  };
  return {
    wall: wall!,
    cpu: user! + sys!,
    peakMB: rssKb! / 1024,
    auc: json.auc ?? json.metrics?.auc ?? null,
  };
}

function logged(label: string, r: Run): Run {
  process.stderr.write(
    `  ${label}: ${r.wall.toFixed(1)} s wall, ${r.cpu.toFixed(1)} s CPU, ${r.peakMB.toFixed(0)} MB peak, AUC ${r.auc?.toFixed(4) ?? 'n/a'} (load ${os.loadavg()[0]!.toFixed(1)})\n`,
  );
  return r;
}

function ours(file: string, model: string): Run {
  return logged(`ours ${model}`, oursRun(file, model));
}

function oursRun(file: string, model: string): Run {
  return timed(process.execPath, [
    path.join(ROOT, 'bin/leadlens.js'),
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
  ]);
}

function peer(file: string, family: 'logistic' | 'gbdt'): Run {
  return logged(`peer ${family}`, peerRun(file, family));
}

function peerRun(file: string, family: 'logistic' | 'gbdt'): Run {
  return timed(PYTHON, [
    path.join(ROOT, 'bench/product-peers.py'),
    family,
    file,
    'converted',
    'lead_id',
  ]);
}

const best = (runs: Run[]): Run => runs.reduce((a, b) => (b.wall < a.wall ? b : a));
const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

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
  const dir = path.join(os.tmpdir(), 'leadlens-bench-product');
  fs.mkdirSync(dir, { recursive: true });
  const results: Array<Record<string, unknown>> = [];
  for (const n of sizes) {
    const file = path.join(dir, `product-${n}.csv`);
    if (!fs.existsSync(file)) {
      process.stderr.write(`writing ${file}…\n`);
      writeProductCsv(file, n);
    }
    for (const family of (['logistic', 'gbdt'] as const).filter((f) => families.includes(f))) {
      const o: Run[] = [];
      const p: Run[] = [];
      for (let r = 0; r < repeats; r++) {
        // Alternate, so a change in machine load hits both sides alike.
        process.stderr.write(`${n} rows, ${family}: ours…\n`);
        o.push(ours(file, family));
        process.stderr.write(`${n} rows, ${family}: peer…\n`);
        p.push(peer(file, family));
      }
      const a = best(o);
      const b = best(p);
      results.push({
        rows: n,
        family,
        ours: a,
        peer: b,
        wallRatio: a.wall / b.wall,
        cpuRatio: a.cpu / b.cpu,
        memoryRatio: a.peakMB / b.peakMB,
        load: os.loadavg()[0],
      });
    }
    if (!families.includes('auto')) continue;
    process.stderr.write(`${n} rows, default (auto): ours…\n`);
    results.push({
      rows: n,
      family: 'auto (default)',
      ours: ours(file, 'auto'),
      load: os.loadavg()[0],
    });
  }
  console.table(
    results.map((r) => {
      const o = r.ours as Run;
      const p = r.peer as Run | undefined;
      return {
        rows: r.rows,
        family: r.family,
        'ours s (cpu s)': `${f(o.wall, 1)} (${f(o.cpu, 1)})`,
        'peer s (cpu s)': p ? `${f(p.wall, 1)} (${f(p.cpu, 1)})` : '',
        'wall ÷ peer': p ? f(r.wallRatio as number) : '',
        'cpu ÷ peer': p ? f(r.cpuRatio as number) : '',
        'peak MB ours / peer': p ? `${f(o.peakMB, 0)} / ${f(p.peakMB, 0)}` : f(o.peakMB, 0),
        'AUC ours / peer': p ? `${f(o.auc ?? NaN, 4)} / ${f(p.auc ?? NaN, 4)}` : f(o.auc ?? NaN, 4),
        load: f(r.load as number, 1),
      };
    }),
  );
  const out = path.join(ROOT, 'bench/results/product-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, results }, null, 2)}\n`,
  );
  process.stdout.write(`Wrote ${path.relative(ROOT, out)}\n`);
}

main();
