/**
 * A second thread for histogram building. A large node's histogram is the ordered sum of
 * partial histograms over fixed chunks of its rows (gbdt-grow.ts); this helper and the calling
 * thread take chunks from a shared counter until none is left. Each partial sum runs in row
 * order from zero whoever computes it, so trees are bit-identical with or without the helper.
 *
 * fitGbdt is synchronous, so the calling thread hands work over with Atomics on a shared control
 * block and blocks until the worker is done; the worker is a small plain-JS loop (no TypeScript
 * loader needed) over the same shared row-major bins, row indices and gradients.
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

/** The worker's loop: `sumChunk` (gbdt-grow.ts) / `accumulateRange` (gbdt-accumulate.ts) per chunk. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { ctlBuf, rmBuf, rowsBuf, ghBuf, partsBuf, marginBuf, labelsBuf, weightsBuf, p, L } =
  workerData;
const margin = new Float64Array(marginBuf);
const labels = new Float64Array(labelsBuf);
const weights = new Float64Array(weightsBuf);
const ctl = new Int32Array(ctlBuf);
const rm = new Uint16Array(rmBuf);
const rows = new Uint32Array(rowsBuf);
const gh = new Float64Array(ghBuf);
const parts = new Float64Array(partsBuf);
const p4 = p & ~3;
function sumChunk(out, start, m) {
  out.fill(0);
  for (let k = 0; k < m; k++) {
    const r = rows[start + k];
    const rb = r * p;
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    let f = 0;
    for (; f < p4; f += 4) {
      const b0 = rm[rb + f] << 1;
      const b1 = rm[rb + f + 1] << 1;
      const b2 = rm[rb + f + 2] << 1;
      const b3 = rm[rb + f + 3] << 1;
      out[b0] += g;
      out[b0 + 1] += h;
      out[b1] += g;
      out[b1 + 1] += h;
      out[b2] += g;
      out[b2 + 1] += h;
      out[b3] += g;
      out[b3 + 1] += h;
    }
    for (; f < p; f++) {
      const b = rm[rb + f] << 1;
      out[b] += g;
      out[b + 1] += h;
    }
  }
}
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
  for (let c = Atomics.add(ctl, ${NEXT}, 1); c < chunks; c = Atomics.add(ctl, ${NEXT}, 1)) {
    const a = start + Math.floor((m * c) / chunks);
    const b = start + Math.floor((m * (c + 1)) / chunks);
    sumChunk(parts.subarray(c * L, (c + 1) * L), a, b - a);
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

  /** The arrays must live on SharedArrayBuffers (see `sharedBuffer`). */
  constructor(
    grow: { rowMajor: Uint16Array; rows: Uint32Array; gh: Float64Array; parts: Float64Array },
    boost: { margin: Float64Array; labels: Float64Array; weights: Float64Array },
    p: number,
    totalBins: number,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        ctlBuf: this.ctl.buffer,
        rmBuf: grow.rowMajor.buffer,
        rowsBuf: grow.rows.buffer,
        ghBuf: grow.gh.buffer,
        partsBuf: grow.parts.buffer,
        marginBuf: boost.margin.buffer,
        labelsBuf: boost.labels.buffer,
        weightsBuf: boost.weights.buffer,
        p,
        L: 2 * totalBins,
      },
    });
    // Never keep the process alive for the helper; a failed start shows as a missing READY flag.
    this.worker.unref();
    this.worker.on('error', () => {
      this.alive = false;
    });
  }

  /** Opens `chunks` chunks of rows[start, start + m) to both threads; false without a worker. */
  begin(start: number, m: number, chunks: number): boolean {
    return this.post(0, start, m, chunks);
  }

  /** Starts the gradients of rows [start, start + m) on the worker; false without one. */
  beginGradients(start: number, m: number): boolean {
    return this.post(1, start, m, 0);
  }

  private post(kind: number, start: number, m: number, chunks: number): boolean {
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

/** Shared memory when a helper thread may read it, plain memory otherwise. */
export function sharedBuffer(bytes: number, shared: boolean): ArrayBuffer {
  return shared ? (new SharedArrayBuffer(bytes) as unknown as ArrayBuffer) : new ArrayBuffer(bytes);
}
