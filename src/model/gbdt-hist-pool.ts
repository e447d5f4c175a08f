/**
 * A second thread for histogram building. A large node's histogram is the sum of two partial
 * histograms over the two halves of its rows (gbdt-grow.ts); this helper builds the second half
 * while the calling thread builds the first. Each partial sum runs in row order from zero either
 * way, so trees are bit-identical with or without the helper.
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
const DONE = 3;
const READY = 4;
const STOP = 5;

/** The worker's loop: the same accumulation as `accumulateRange` in gbdt-grow.ts. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { ctlBuf, rmBuf, rowsBuf, ghBuf, outBuf, p } = workerData;
const ctl = new Int32Array(ctlBuf);
const rm = new Uint16Array(rmBuf);
const rows = new Uint32Array(rowsBuf);
const gh = new Float64Array(ghBuf);
const out = new Float64Array(outBuf);
const p4 = p & ~3;
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  const start = ctl[${START}];
  const m = ctl[${COUNT}];
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
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/** How long to wait for the worker to start before building histograms alone. */
const START_TIMEOUT_MS = 10_000;

export class HistHelper {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8 * 4));
  private readonly out: Float64Array;
  private readonly worker: Worker;
  private seq = 0;
  private alive = true;

  /** The arrays must live on SharedArrayBuffers (see `sharedBuffer`). */
  constructor(
    rowMajor: Uint16Array,
    rows: Uint32Array,
    gh: Float64Array,
    p: number,
    totalBins: number,
  ) {
    this.out = new Float64Array(new SharedArrayBuffer(totalBins * 2 * 8));
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        ctlBuf: this.ctl.buffer,
        rmBuf: rowMajor.buffer,
        rowsBuf: rows.buffer,
        ghBuf: gh.buffer,
        outBuf: this.out.buffer,
        p,
      },
    });
    // Never keep the process alive for the helper; a failed start shows as a missing READY flag.
    this.worker.unref();
    this.worker.on('error', () => {
      this.alive = false;
    });
  }

  /** Starts the worker on rows[start, start + m); false when it is not available. */
  begin(start: number, m: number): boolean {
    if (!this.alive) return false;
    if (Atomics.load(this.ctl, READY) !== 1) {
      Atomics.wait(this.ctl, READY, 0, START_TIMEOUT_MS);
      if (Atomics.load(this.ctl, READY) !== 1) {
        this.alive = false;
        return false;
      }
    }
    const c = this.ctl;
    c[START] = start;
    c[COUNT] = m;
    this.seq = (this.seq + 1) | 0;
    Atomics.store(c, SEQ, this.seq);
    Atomics.notify(c, SEQ);
    return true;
  }

  /** Waits for the worker, then adds its partial histogram into `hist`. */
  finishInto(hist: Float64Array): void {
    const c = this.ctl;
    for (;;) {
      const d = Atomics.load(c, DONE);
      if (d === this.seq) break;
      Atomics.wait(c, DONE, d);
    }
    const out = this.out;
    for (let k = 0; k < hist.length; k++) hist[k] += out[k];
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
