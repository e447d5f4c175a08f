/**
 * The helper thread's side of GBDT histogram building (the caller's side is gbdt-hist-pool.ts):
 * typed, linted and type-checked like the rest of the model, and shipped to a worker as text.
 *
 * `helperMain` runs in a `worker_threads` worker started from `helperSource()` with `eval`:
 * one source for jest (Babel), tsx and the esbuild bundles of `npm run build:hubspot`, with no
 * loader or extra bundle entry. So `helperMain` is self-contained — it reads nothing from this
 * module, and declares no named inner function (tsx and esbuild's keepNames would wrap it in a
 * `__name` helper the worker does not have). What it shares with the caller (the control-block
 * slots, the gradient arithmetic, the chunk ranges) it receives as arguments, so there is one
 * copy of each: `logisticGradients` and `chunkRange` are serialised beside it.
 */
import { logisticGradients } from './gbdt-accumulate';
import type { GbdtKernels } from './gbdt-memory';

/** Control block slots (an Int32Array over a SharedArrayBuffer). */
export const SLOT = {
  SEQ: 0,
  START: 1,
  COUNT: 2,
  CHUNKS: 3,
  /** (job seq << 8) | next unclaimed chunk: a claim is a compare-exchange, so never stale. */
  NEXT: 4,
  /** Chunks of the current job finished, by either thread. */
  FINISHED: 5,
  READY: 6,
  STOP: 7,
  /**
   * 0: histogram chunks of rows[START, START + COUNT); 1: gradients of rows [START, START + COUNT);
   * 2: a sparse histogram of rows[START, START + COUNT) into HIST, chunk 0 the entries below
   * rowMid, chunk 1 those from it (disjoint bins, so both threads write the same histogram).
   */
  KIND: 8,
  /**
   * For KIND 0: how many features are listed at `feats` (0 = all p features). For KIND 2: 1
   * when the rows are scattered (histSparseBatched), 0 for the plain kernel. For KIND 1: 1 when
   * the last tree's leaf values are to be added to the margins first.
   */
  NF: 9,
  /** Chunks the worker has done in all (for tests: proof that it took part). */
  BY_WORKER: 10,
  /** For KIND 2: the histogram's byte offset. */
  HIST: 11,
} as const;
export const CONTROL_SLOTS = 12;

/** Byte offsets of the arrays both threads use, inside the shared kernel memory. */
export interface HelperLayout {
  rm: number;
  offs: number;
  rows: number;
  gh: number;
  parts: number;
  /** The helper's own staging area (the calling thread has another). */
  stage: number;
  feats: number;
  margin: number;
  labels: number;
  weights: number;
  /** Rows with boosting state (margin, labels, weights). */
  nBoost: number;
  /** Deferred leaf values (GrowWorkspace.deferLeafValues): each row's leaf (u16), their values. */
  leafOf: number;
  leafVal: number;
  leafSlots: number;
  p: number;
  /** Bytes of one partial histogram. */
  partBytes: number;
  /** Sparse rows (gbdt-sparse.ts; 0 when dense): entry bounds per row and the entries. */
  rowPtr: number;
  rowMid: number;
  ent: number;
  /** Where a sparse histogram's first half stores the node's (ΣG, ΣH). */
  sum: number;
}

/** The worker's `workerData`. */
export interface HelperData {
  ctlBuf: SharedArrayBuffer;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  o: HelperLayout;
  slot: typeof SLOT;
  /** Milliseconds the worker polls for the next job before it sleeps. */
  spinMs: number;
}

/** Chunk c of `chunks` over [start, start + m): both threads cut the same ranges. */
export function chunkRange(start: number, m: number, chunks: number, c: number): [number, number] {
  return [start + Math.floor((m * c) / chunks), start + Math.floor((m * (c + 1)) / chunks)];
}

/** The caller's code the worker runs too (serialised beside `helperMain`). */
export interface HelperCode {
  gradients: typeof logisticGradients;
  range: typeof chunkRange;
}

/**
 * The worker's loop: histogram chunks (`sumChunk` in gbdt-grow.ts) or gradient pieces, as
 * many as it manages to claim. It may wake late, after the caller did every chunk itself and
 * moved on; its claim then fails and it goes back to waiting.
 */
function helperMain(d: HelperData, code: HelperCode): void {
  const s = d.slot;
  const o = d.o;
  const k = new WebAssembly.Instance(d.module, { env: { memory: d.memory } })
    .exports as unknown as GbdtKernels;
  const ctl = new Int32Array(d.ctlBuf);
  const buf = d.memory.buffer;
  const margin = new Float64Array(buf, o.margin, o.nBoost);
  const labels = new Float64Array(buf, o.labels, o.nBoost);
  const weights = new Float64Array(buf, o.weights, o.nBoost);
  const gh = new Float64Array(buf, o.gh, 2 * o.nBoost);
  const leafOf = new Uint16Array(buf, o.leafOf, o.nBoost);
  const leafVal = new Float64Array(buf, o.leafVal, o.leafSlots);
  Atomics.store(ctl, s.READY, 1);
  Atomics.notify(ctl, s.READY);
  let seen = 0;
  for (;;) {
    let seq = Atomics.load(ctl, s.SEQ);
    const until = performance.now() + d.spinMs;
    for (let i = 1; seq === seen; i++) {
      seq = Atomics.load(ctl, s.SEQ);
      if ((i & 1023) === 0 && performance.now() > until) break;
    }
    if (seq === seen) {
      Atomics.wait(ctl, s.SEQ, seen);
      seq = Atomics.load(ctl, s.SEQ);
    }
    seen = seq;
    if (Atomics.load(ctl, s.STOP) === 1) break;
    const kind = ctl[s.KIND];
    const start = ctl[s.START];
    const m = ctl[s.COUNT];
    const chunks = ctl[s.CHUNKS];
    const nf = ctl[s.NF];
    for (;;) {
      // Claim the next chunk of this job, if there is one left.
      const v = Atomics.load(ctl, s.NEXT);
      if (v >>> 8 !== seen) break;
      const c = v & 0xff;
      if (c >= chunks) break;
      if (Atomics.compareExchange(ctl, s.NEXT, v, v + 1) !== v) continue;
      const r = code.range(start, m, chunks, c);
      const a = r[0];
      const b = r[1];
      if (kind === 1) {
        const lo = nf === 1 ? leafOf : null;
        const lv = nf === 1 ? leafVal : null;
        code.gradients(margin, labels, weights, gh, a, b, lo, lv);
      } else if (kind === 2) {
        const begin = c === 0 ? o.rowPtr : o.rowMid;
        const end = c === 0 ? o.rowMid : o.rowPtr + 4;
        const sum = c === 0 ? o.sum : 0;
        const rows = o.rows + 4 * start;
        if (nf === 1)
          k.histSparseBatched(ctl[s.HIST], begin, end, o.ent, rows, m, o.gh, sum, o.stage);
        else k.histSparse(ctl[s.HIST], begin, end, o.ent, rows, m, o.gh, sum);
      } else {
        const part = o.parts + c * o.partBytes;
        k.zero(part, o.partBytes);
        const rows = o.rows + 4 * a;
        if (nf === 0) k.histAll(part, o.rm, o.offs, rows, b - a, o.p, o.gh, o.stage);
        else k.histSome(part, o.rm, o.offs, rows, b - a, o.p, o.gh, o.stage, o.feats, nf);
      }
      Atomics.add(ctl, s.BY_WORKER, 1);
      Atomics.add(ctl, s.FINISHED, 1);
      Atomics.notify(ctl, s.FINISHED);
    }
  }
}

/** The worker's program: `helperMain` and the code it shares with the caller, as text. */
export function helperSource(): string {
  return [
    "'use strict';",
    `const code = { gradients: ${logisticGradients.toString()}, range: ${chunkRange.toString()} };`,
    `(${helperMain.toString()})(require('node:worker_threads').workerData, code);`,
  ].join('\n');
}
