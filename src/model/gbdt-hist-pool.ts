/**
 * A second thread for histogram building. A large node's histogram is the ordered sum of
 * partial histograms over fixed chunks of its rows (gbdt-grow.ts); this helper and the calling
 * thread take chunks from a shared counter until none is left. Each partial sum runs in row
 * order from zero whoever computes it, so trees are bit-identical with or without the helper.
 *
 * fitGbdt is synchronous, so the calling thread hands work over with Atomics on a shared control
 * block and blocks until the worker is done. The worker instantiates the same WebAssembly
 * kernels on the same shared memory (gbdt-memory.ts), so it needs no TypeScript loader: it is a
 * small plain-JS loop that calls them, plus a copy of `logisticGradients` (no `exp` in wasm).
 */
import { Worker } from 'node:worker_threads';

/** Control block slots (Int32Array over a SharedArrayBuffer). */
const SEQ = 0;
const START = 1;
const COUNT = 2;
const CHUNKS = 3;
const NEXT = 4;
const DONE = 5;
const READY = 6;
const STOP = 7;
/** 0: histogram chunks of rows[START, START + COUNT); 1: gradients of rows [START, START + COUNT). */
const KIND = 8;
/** For KIND 0: how many features are listed at `feats` (0 = all p features). */
const NF = 9;

/** Byte offsets of the arrays both threads use, inside the shared kernel memory. */
export interface HelperLayout {
  rm: number;
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
  p: number;
  /** Bytes of one partial histogram. */
  partBytes: number;
}

/** The worker's loop: `sumChunk` (gbdt-grow.ts) / `logisticGradients` (gbdt-accumulate.ts). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { ctlBuf, module, memory, o } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(ctlBuf);
const buf = memory.buffer;
const margin = new Float64Array(buf, o.margin, o.nBoost);
const labels = new Float64Array(buf, o.labels, o.nBoost);
const weights = new Float64Array(buf, o.weights, o.nBoost);
const gh = new Float64Array(buf, o.gh, 2 * o.nBoost);
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  const start = ctl[${START}];
  const m = ctl[${COUNT}];
  if (ctl[${KIND}] === 1) {
    for (let i = start; i < start + m; i++) {
      const pr = 1 / (1 + Math.exp(-margin[i]));
      const wi = weights[i];
      gh[2 * i] = (pr - labels[i]) * wi;
      gh[2 * i + 1] = Math.max(pr * (1 - pr), 1e-16) * wi;
    }
    Atomics.store(ctl, ${DONE}, seen);
    Atomics.notify(ctl, ${DONE});
    continue;
  }
  const chunks = ctl[${CHUNKS}];
  const nf = ctl[${NF}];
  for (let c = Atomics.add(ctl, ${NEXT}, 1); c < chunks; c = Atomics.add(ctl, ${NEXT}, 1)) {
    const a = start + Math.floor((m * c) / chunks);
    const b = start + Math.floor((m * (c + 1)) / chunks);
    const part = o.parts + c * o.partBytes;
    new Uint8Array(buf, part, o.partBytes).fill(0);
    if (nf === 0) k.histAll(part, o.rm, o.rows + 4 * a, b - a, o.p, o.gh, o.stage);
    else k.histSome(part, o.rm, o.rows + 4 * a, b - a, o.p, o.gh, o.stage, o.feats, nf);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/** How long to wait for the worker to start before building histograms alone. */
const START_TIMEOUT_MS = 10_000;

export class HistHelper {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(12 * 4));
  private readonly worker: Worker;
  private seq = 0;
  private alive = true;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, layout: HelperLayout) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctlBuf: this.ctl.buffer, module, memory, o: layout },
    });
    // Never keep the process alive for the helper; a failed start shows as a missing READY flag.
    this.worker.unref();
    this.worker.on('error', () => {
      this.alive = false;
    });
  }

  /**
   * Opens `chunks` chunks of rows[start, start + m) to both threads, over all features (nf = 0)
   * or the nf listed at `feats`; false without a worker.
   */
  begin(start: number, m: number, chunks: number, nf: number): boolean {
    return this.post(0, start, m, chunks, nf);
  }

  /** Starts the gradients of rows [start, start + m) on the worker; false without one. */
  beginGradients(start: number, m: number): boolean {
    return this.post(1, start, m, 0, 0);
  }

  private post(kind: number, start: number, m: number, chunks: number, nf: number): boolean {
    if (!this.alive) return false;
    if (Atomics.load(this.ctl, READY) !== 1) {
      Atomics.wait(this.ctl, READY, 0, START_TIMEOUT_MS);
      if (Atomics.load(this.ctl, READY) !== 1) {
        this.alive = false;
        return false;
      }
    }
    const c = this.ctl;
    c[KIND] = kind;
    c[START] = start;
    c[COUNT] = m;
    c[CHUNKS] = chunks;
    c[NF] = nf;
    Atomics.store(c, NEXT, 0);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(c, SEQ, this.seq);
    Atomics.notify(c, SEQ);
    return true;
  }

  /** The next unclaimed chunk (≥ chunks when none is left). */
  claim(): number {
    return Atomics.add(this.ctl, NEXT, 1);
  }

  /** Waits until the worker has finished its chunks. */
  wait(): void {
    const c = this.ctl;
    for (;;) {
      const d = Atomics.load(c, DONE);
      if (d === this.seq) break;
      Atomics.wait(c, DONE, d);
    }
  }

  close(): void {
    if (!this.alive) {
      void this.worker.terminate();
      return;
    }
    this.alive = false;
    Atomics.store(this.ctl, STOP, 1);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
  }
}
