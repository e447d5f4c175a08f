/**
 * The JS side of `npm run bench:model`, run in its own process per dataset so its peak memory
 * (maxRSS) belongs to that dataset alone. Reads the matrices bench/model.ts wrote, fits our
 * logistic regression and GBDT, times TreeSHAP, and prints one JSON object.
 */
import fs from 'node:fs';
import { treeShap } from '../src/explain/treeshap';
import { fitGbdt, type GbdtParams } from '../src/model/trees/gbdt';
import { fitLogistic, linearPredictor } from '../src/model/linear/logistic';
import { rocAuc } from '../src/model/evaluation/metrics';
import { makeRng } from '../src/model/rng';
import { predictEnsemble } from '../src/model/trees/tree-ensemble';
import type { EncodedMatrix } from '../src/model/types';

interface Job {
  dir: string;
  nTrain: number;
  nTest: number;
  pLr: number;
  pTree: number;
  repeats: number;
  tasks: string[];
  gbdt: Partial<GbdtParams>;
  shapRows?: number;
}

function load(prefix: string, n: number, p: number): { X: EncodedMatrix; y: Float64Array } {
  const buf = fs.readFileSync(`${prefix}.X.f64`);
  const data = new Float64Array(buf.buffer, buf.byteOffset, n * p);
  const yb = fs.readFileSync(`${prefix}.y.f64`);
  return { X: { n, p, data, columns: [] }, y: new Float64Array(yb.buffer, yb.byteOffset, n) };
}

function bestOf<T>(repeats: number, fn: () => T): { seconds: number; out: T } {
  let best = Infinity;
  let out: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const t = process.hrtime.bigint();
    out = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return { seconds: best, out: out as T };
}

function main(): void {
  const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Job;
  const res: Record<string, unknown> = {};
  if (job.tasks.includes('lr')) {
    const tr = load(`${job.dir}/lr.train`, job.nTrain, job.pLr);
    const te = load(`${job.dir}/lr.test`, job.nTest, job.pLr);
    const { seconds, out } = bestOf(job.repeats, () => fitLogistic(tr.X, tr.y, { l2: 1 }));
    res.lr = {
      seconds,
      auc: rocAuc(te.y, linearPredictor(te.X, out.coef, out.intercept)),
      iterations: out.iterations,
    };
  }
  if (job.tasks.includes('gbdt')) {
    const tr = load(`${job.dir}/tree.train`, job.nTrain, job.pTree);
    const te = load(`${job.dir}/tree.test`, job.nTest, job.pTree);
    // One thread, then the default (two on a 2-core machine): the same trees either way.
    const single = bestOf(job.repeats, () =>
      fitGbdt(tr.X, tr.y, { rng: makeRng(1), params: job.gbdt, threads: 1 }),
    );
    const { seconds, out } = bestOf(job.repeats, () =>
      fitGbdt(tr.X, tr.y, { rng: makeRng(1), params: job.gbdt }),
    );
    const entry: Record<string, number> = {
      seconds1: single.seconds,
      seconds,
      auc: rocAuc(te.y, predictEnsemble(out.ensemble, te.X)),
      trees: out.ensemble.trees.length,
    };
    if (job.shapRows) {
      const rows = Math.min(job.shapRows, te.X.n);
      const sub: EncodedMatrix = {
        n: rows,
        p: te.X.p,
        data: new Float64Array(rows * te.X.p),
        columns: [],
      };
      for (let j = 0; j < te.X.p; j++)
        sub.data.set(te.X.data.subarray(j * te.X.n, j * te.X.n + rows), j * rows);
      const s = bestOf(1, () => treeShap(out.ensemble, sub));
      entry.shapRowsPerSec = rows / s.seconds;
    }
    res.gbdt = entry;
  }
  res.maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

main();
