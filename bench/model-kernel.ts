/**
 * `npx tsx bench/model-kernel.ts [rows] [rounds]`: the GBDT kernel alone on data shaped like the product
 * benchmark's CSV once encoded (18 numbers, 4 integer codes, 6 categories one-hot into 30
 * levels each, 2 flags: 201 columns, ~14 % of the cells away from their column's default, so
 * the sparse histogram form). Prints, per row count:
 * - one sparse histogram (all rows, then a scattered 40 %): the JS reference loop
 *   (`accumulateSparse`) against the WebAssembly kernel on one thread;
 * - a whole fit (300 rounds unless given, depth 3 and depth 6) on one thread and on two: wall and
 *   CPU (process.cpuUsage covers both threads), per round, and a fingerprint of the trees (the
 *   same on one thread and two, and before and after a kernel change that must keep the model);
 * - predicting the rows with the depth-3 ensemble: the coded walk (predictEnsemble) against the
 *   float walk (the same ensemble as 'le' with each threshold's next double below, which takes
 *   the float path and reaches the same leaves).
 * Nothing here is asserted: it reports, and the machine's load (shared) is printed with it.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { fitGbdt } from '../src/model/trees/gbdt';
import { KernelMemory } from '../src/model/trees/gbdt-memory';
import {
  accumulateSparse,
  fillDefaultBins,
  fillSparse,
  sparsePlan,
} from '../src/model/trees/gbdt-sparse';
import { binMatrix } from '../src/model/trees/histogram';
import { predictEnsemble } from '../src/model/trees/tree-ensemble';
import { makeRng } from '../src/model/rng';
import type { EncodedMatrix, TreeEnsemble } from '../src/model/types';

function productLike(n: number, seed: number): { X: EncodedMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const dense: Array<Float64Array | null> = [];
  const ones: Array<Uint32Array | null> = [];
  const logit = new Float64Array(n).fill(-0.6);
  const gauss = (): number => {
    let u = 0;
    while (u === 0) u = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  for (let f = 0; f < 18; f++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      col[i] = rng.next() < 0.03 ? NaN : 50 + 8 * gauss();
      if (f < 6 && col[i] === col[i]) logit[i] += ((col[i] - 50) / 8) * (0.5 - f * 0.08);
    }
    dense.push(col);
    ones.push(null);
  }
  for (let f = 0; f < 4; f++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = 1 + rng.int(9);
    dense.push(col);
    ones.push(null);
  }
  for (let c = 0; c < 6; c++) {
    const rowsOf: number[][] = Array.from({ length: 30 }, () => []);
    for (let i = 0; i < n; i++) {
      const l = Math.min(29, Math.floor(-Math.log(1 - rng.next()) * 6));
      rowsOf[l].push(i);
      if (c < 2) logit[i] += (l % 5) * 0.15 - 0.3;
    }
    for (const r of rowsOf) {
      dense.push(null);
      ones.push(Uint32Array.from(r));
    }
  }
  for (let f = 0; f < 3; f++) {
    const r: number[] = [];
    for (let i = 0; i < n; i++) if (rng.next() < 0.2) r.push(i);
    dense.push(null);
    ones.push(Uint32Array.from(r));
  }
  const p = dense.length;
  const y = Float64Array.from(logit, (l) => (rng.next() < 1 / (1 + Math.exp(-l)) ? 1 : 0));
  const X = {
    n,
    p,
    columns: [],
    layout: { dense, ones },
    get data(): Float64Array {
      throw new Error('the bench never reads the dense form');
    },
  } as unknown as EncodedMatrix;
  return { X, y };
}

function timed<T>(f: () => T): { wall: number; cpu: number; out: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6, out };
}

const load = (): string => os.loadavg()[0]!.toFixed(1);

function histBench(X: EncodedMatrix, y: Float64Array): void {
  const B = binMatrix(X, 255);
  const plan = sparsePlan(B);
  if (!plan) throw new Error('expected the sparse form');
  const { n } = B;
  const mem = new KernelMemory(0);
  const at = {
    rowPtr: mem.alloc(4 * (n + 1)),
    rowMid: mem.alloc(4 * n),
    ent: mem.alloc(2 * plan.nnz),
    rows: mem.alloc(4 * n),
    gh: mem.alloc(16 * n),
    hist: mem.alloc(16 * B.totalBins),
  };
  const S = fillSparse(
    B,
    plan,
    mem.u32(at.rowPtr, n + 1),
    mem.u32(at.rowMid, n),
    mem.u16(at.ent, plan.nnz),
  );
  const gh = mem.f64(at.gh, 2 * n);
  for (let i = 0; i < n; i++) {
    gh[2 * i] = 0.3 - y[i];
    gh[2 * i + 1] = 0.21;
  }
  const rng = makeRng(5);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const some = all.filter(() => rng.next() < 0.4);
  const ref = new Float64Array(2 * B.totalBins);
  const hist = mem.f64(at.hist, 2 * B.totalBins);
  const reps = 20;
  for (const [label, rows] of [
    ['all rows', all],
    ['scattered 40 %', some],
  ] as const) {
    mem.u32(at.rows, rows.length).set(rows);
    const js = timed(() => {
      for (let r = 0; r < reps; r++) {
        ref.fill(0);
        accumulateSparse(ref, S, B, rows, 0, rows.length, gh);
      }
    });
    const wasm = timed(() => {
      for (let r = 0; r < reps; r++) {
        mem.k.zero(at.hist, 16 * B.totalBins);
        mem.k.histSparse(at.hist, at.rowPtr, at.rowPtr + 4, at.ent, at.rows, rows.length, at.gh, 0);
        let G = 0;
        let H = 0;
        for (let q = 0; q < rows.length; q++) {
          G += gh[2 * rows[q]];
          H += gh[2 * rows[q] + 1];
        }
        fillDefaultBins(hist, S, B, G, H);
      }
    });
    const same = Buffer.from(hist.slice().buffer).equals(Buffer.from(ref.buffer));
    console.log(
      `  histogram, ${label} (${rows.length} rows, ${(plan.nnz / n).toFixed(1)} entries/row): ` +
        `JS ${((1000 * js.cpu) / reps).toFixed(1)} ms CPU, kernel ${((1000 * wasm.cpu) / reps).toFixed(1)} ms CPU ` +
        `(${(js.cpu / wasm.cpu).toFixed(2)}×), same bits: ${same} (load ${load()})`,
    );
  }
}

/** The first 12 hex digits of a hash over every tree array: equal models, equal prints. */
function fingerprint(e: TreeEnsemble): string {
  const h = createHash('sha1');
  for (const t of e.trees)
    for (const a of [t.left, t.right, t.feature, t.threshold, t.defaultLeft, t.value, t.cover])
      h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 12);
}

function fitBench(X: EncodedMatrix, y: Float64Array, nRounds: number): void {
  const e = fitGbdt(X, y, { params: { nRounds: 300, maxDepth: 3 }, rng: makeRng(1) }).ensemble;
  // x < t ⟺ x ≤ the largest double below t: an 'le' twin that walks the floats.
  const below = (t: number): number => {
    const b = new Float64Array([t]);
    const u = new BigInt64Array(b.buffer);
    u[0] += t > 0 ? -1n : t < 0 ? 1n : 0n;
    return b[0];
  };
  const le = {
    ...e,
    comparison: 'le' as const,
    trees: e.trees.map((t) => ({ ...t, threshold: t.threshold.map(below) })),
  };
  const coded = timed(() => predictEnsemble(e, X));
  const float = timed(() => predictEnsemble(le, X));
  console.log(
    `  predict ${X.n} rows, ${e.trees.length} trees of depth 3: coded ${coded.cpu.toFixed(2)} s CPU, ` +
      `float walk ${float.cpu.toFixed(2)} s CPU (${(float.cpu / coded.cpu).toFixed(2)}×), ` +
      `same: ${coded.out.every((v, i) => v === float.out[i])} (load ${load()})`,
  );
  for (const maxDepth of [3, 6]) {
    for (const threads of [1, 2]) {
      const r = timed(() =>
        fitGbdt(X, y, {
          params: { nRounds, maxDepth, learningRate: 0.1 },
          rng: makeRng(1),
          threads,
        }),
      );
      console.log(
        `  fit depth ${maxDepth}, ${nRounds} rounds, ${threads} thread(s): ${r.wall.toFixed(2)} s wall, ` +
          `${r.cpu.toFixed(2)} s CPU; per round ${((1000 * r.wall) / nRounds).toFixed(0)} ms wall, ` +
          `${((1000 * r.cpu) / nRounds).toFixed(0)} ms CPU (binning included); ` +
          `trees ${fingerprint(r.out.ensemble)} (load ${load()})`,
      );
    }
  }
}

function main(): void {
  const sizes = process.argv[2] ? [Number(process.argv[2])] : [16_667, 200_000];
  const nRounds = process.argv[3] ? Number(process.argv[3]) : 300;
  for (const n of sizes) {
    const { X, y } = productLike(n, 7);
    console.log(`${n} × ${X.p} (product-like, one-hot), ${os.availableParallelism()} cores:`);
    histBench(X, y);
    fitBench(X, y, nRounds);
  }
}

main();
