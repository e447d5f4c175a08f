/**
 * `npm run bench:model`: our logistic regression, GBDT and TreeSHAP against scikit-learn and
 * xgboost on the same matrices, in one run: X Education (time split by Lead Number), synthetic
 * 50k × 20 and 1M × 30. Prints a table of ratios and writes bench/results/model-latest.json.
 *
 * Python side: Debian's scikit-learn and xgboost under /usr/bin/python3
 * (apt-get install python3-sklearn python3-xgboost). Each side runs in its own process per
 * dataset, so peak memory (maxRSS) is that dataset's alone. Set BENCH_SKIP_1M=1 to skip the
 * 1M-row case (it takes a few minutes).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fitEncoder, inferSchema, labelsFrom } from '../src/model';
import { makeRng, type Rng } from '../src/model/rng';
import type { EncodedMatrix } from '../src/model/types';
import { readXEducation, XEDU_CSV, XEDU_EXCLUDE } from './datasets';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const GBDT = {
  nRounds: 200,
  maxDepth: 6,
  learningRate: 0.1,
  l2: 1,
  minChildHessian: 1,
  maxBins: 255,
};

interface Dataset {
  name: string;
  lrTrain: EncodedMatrix;
  lrTest: EncodedMatrix;
  treeTrain: EncodedMatrix;
  treeTest: EncodedMatrix;
  yTrain: Float64Array;
  yTest: Float64Array;
  repeats: number;
  shapRows: number;
}

function gauss(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** reference/ml.md §2: 8 informative features (x5 correlated with x4), the rest noise. */
function synthetic(n: number, p: number, seed: number): { X: EncodedMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const w = [0.8, -0.6, 0.5, 0.4, 0.3, 0.3, -0.4, 0.2];
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) data[j * n + i] = gauss(rng);
    data[5 * n + i] = 0.7 * data[4 * n + i] + 0.71 * data[5 * n + i];
    let logit = -1.4;
    for (let j = 0; j < 8; j++) logit += w[j] * data[j * n + i];
    const x = (j: number): number => data[j * n + i];
    logit += 0.5 * x(0) * x(1) + 0.4 * (x(2) * x(2) - 1) + (x(3) > 1 ? 0.6 : 0);
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { X: { n, p, data, columns: [] }, y };
}

function syntheticDataset(
  name: string,
  n: number,
  nTest: number,
  p: number,
  repeats: number,
  shapRows: number,
): Dataset {
  const tr = synthetic(n, p, 42);
  const te = synthetic(nTest, p, 43);
  return {
    name,
    lrTrain: tr.X,
    lrTest: te.X,
    treeTrain: tr.X,
    treeTest: te.X,
    yTrain: tr.y,
    yTest: te.y,
    repeats,
    shapRows,
  };
}

function xEducation(): Dataset | null {
  if (!fs.existsSync(XEDU_CSV)) return null;
  const rows = [...readXEducation().rows].sort(
    (a, b) => Number(a['Lead Number']) - Number(b['Lead Number']),
  );
  const labels = labelsFrom(rows, 'Converted');
  const cut = Math.floor(rows.length * 0.8);
  const train = rows.slice(0, cut);
  const test = rows.slice(cut);
  const { schema } = inferSchema(train, { exclude: XEDU_EXCLUDE });
  const lrEnc = fitEncoder(train, schema, { missing: 'impute' });
  const treeEnc = fitEncoder(train, schema, { missing: 'nan' });
  const y = (from: number, to: number): Float64Array =>
    Float64Array.from(labels.slice(from, to), (l) => (l === 1 ? 1 : 0));
  return {
    name: 'X Education (time split)',
    lrTrain: lrEnc.transform(train),
    lrTest: lrEnc.transform(test),
    treeTrain: treeEnc.transform(train),
    treeTest: treeEnc.transform(test),
    yTrain: y(0, cut),
    yTest: y(cut, rows.length),
    repeats: 3,
    shapRows: 1848,
  };
}

function write(file: string, a: Float64Array): void {
  fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}

function run(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, OMP_NUM_THREADS: '2' },
  });
  if (r.status !== 0)
    throw new Error(
      `${path.basename(args[args.length - 2] ?? cmd)} failed (${r.status}): ${r.stderr.slice(-2000)}`,
    );
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

function bench(ds: Dataset, dir: string): Record<string, unknown> {
  write(`${dir}/lr.train.X.f64`, ds.lrTrain.data);
  write(`${dir}/lr.train.y.f64`, ds.yTrain);
  write(`${dir}/lr.test.X.f64`, ds.lrTest.data);
  write(`${dir}/lr.test.y.f64`, ds.yTest);
  write(`${dir}/tree.train.X.f64`, ds.treeTrain.data);
  write(`${dir}/tree.train.y.f64`, ds.yTrain);
  write(`${dir}/tree.test.X.f64`, ds.treeTest.data);
  write(`${dir}/tree.test.y.f64`, ds.yTest);
  const job = {
    dir,
    nTrain: ds.yTrain.length,
    nTest: ds.yTest.length,
    pLr: ds.lrTrain.p,
    pTree: ds.treeTrain.p,
    repeats: ds.repeats,
    tasks: ['lr', 'gbdt'],
    gbdt: GBDT,
    shapRows: ds.shapRows,
  };
  const jobFile = `${dir}/job.json`;
  fs.writeFileSync(jobFile, JSON.stringify(job));
  process.stderr.write(`  ${ds.name}: ours…\n`);
  const ours = run(process.execPath, [
    '-r',
    'tsx/cjs',
    path.join(ROOT, 'bench/model-child.ts'),
    jobFile,
  ]);
  process.stderr.write(`  ${ds.name}: scikit-learn / xgboost…\n`);
  const peers = run(PYTHON, [path.join(ROOT, 'bench/model-peers.py'), jobFile]);
  return {
    name: ds.name,
    nTrain: job.nTrain,
    nTest: job.nTest,
    pLr: job.pLr,
    pTree: job.pTree,
    ours,
    peers,
  };
}

type Num = Record<string, number>;
const f = (x: number | undefined, d = 2): string =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d);

function summarise(r: Record<string, unknown>): Record<string, number | string> {
  const o = r.ours as { lr: Num; gbdt: Num; maxRssMB: number };
  const p = r.peers as { lr: Num; gbdt: { nthread1: Num; nthread2: Num }; maxRssMB: number };
  return {
    dataset: r.name as string,
    lrSeconds: o.lr.seconds,
    sklearnSeconds: p.lr.seconds,
    lrTimeRatio: o.lr.seconds / p.lr.seconds,
    lrAucDiff: o.lr.auc - p.lr.auc,
    gbdt1Seconds: o.gbdt.seconds1,
    gbdtSeconds: o.gbdt.seconds,
    xgb1Seconds: p.gbdt.nthread1.seconds,
    xgb2Seconds: p.gbdt.nthread2.seconds,
    // Like for like: our one-thread fit against xgboost nthread=1, our default (two threads
    // on a 2-core machine) against nthread=2.
    gbdtVsXgb1: o.gbdt.seconds1 / p.gbdt.nthread1.seconds,
    gbdtVsXgb2: o.gbdt.seconds / p.gbdt.nthread2.seconds,
    gbdtAuc: o.gbdt.auc,
    xgbAuc: p.gbdt.nthread1.auc,
    gbdtAucDiff: o.gbdt.auc - p.gbdt.nthread1.auc,
    shapRowsPerSec: o.gbdt.shapRowsPerSec ?? NaN,
    xgbShap1RowsPerSec: p.gbdt.nthread1.shapRowsPerSec ?? NaN,
    xgbShap2RowsPerSec: p.gbdt.nthread2.shapRowsPerSec ?? NaN,
    shapVsXgb1: (o.gbdt.shapRowsPerSec ?? NaN) / (p.gbdt.nthread1.shapRowsPerSec ?? NaN),
    shapVsXgb2: (o.gbdt.shapRowsPerSec ?? NaN) / (p.gbdt.nthread2.shapRowsPerSec ?? NaN),
    oursPeakMB: o.maxRssMB,
    pythonPeakMB: p.maxRssMB,
  };
}

function main(): void {
  const check = spawnSync(PYTHON, ['-c', 'import sklearn, xgboost, numpy'], { encoding: 'utf8' });
  if (check.status !== 0) {
    process.stderr.write(
      `bench:model needs scikit-learn and xgboost for ${PYTHON}.\n` +
        'Install them with:  sudo apt-get install -y python3-sklearn python3-xgboost\n',
    );
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-'));
  const results: Record<string, unknown>[] = [];
  try {
    const sets: Array<() => Dataset | null> = [
      xEducation,
      () => syntheticDataset('synthetic 50k × 20', 50_000, 10_000, 20, 3, 2000),
    ];
    if (!process.env.BENCH_SKIP_1M)
      sets.push(() => syntheticDataset('synthetic 1M × 30', 1_000_000, 100_000, 30, 1, 1000));
    for (const make of sets) {
      const ds = make();
      if (!ds) continue;
      results.push(bench(ds, dir));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rows = results.map(summarise);
  const table = rows.map((r) => ({
    dataset: r.dataset,
    'LR time ÷ sklearn': f(r.lrTimeRatio as number),
    'LR ΔAUC': f(r.lrAucDiff as number, 5),
    'GBDT 1 thr ÷ xgb(1)': f(r.gbdtVsXgb1 as number),
    'GBDT 2 thr ÷ xgb(2)': f(r.gbdtVsXgb2 as number),
    'GBDT ΔAUC': f(r.gbdtAucDiff as number, 4),
    'SHAP rows/s ÷ xgb(1)': f(r.shapVsXgb1 as number),
    'SHAP rows/s ÷ xgb(2)': f(r.shapVsXgb2 as number),
    'peak MB (ours)': f(r.oursPeakMB as number, 0),
  }));
  console.table(table);
  const out = path.join(ROOT, 'bench/results/model-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, gbdtParams: GBDT, summary: rows, raw: results }, null, 2)}\n`,
  );
  process.stdout.write(`Wrote ${path.relative(ROOT, out)}\n`);
}

main();
