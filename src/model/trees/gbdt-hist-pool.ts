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
/** (job seq << 8) | next unclaimed chunk: a claim is a compare-exchange, so it is never stale. */
const NEXT = 4;
/** Chunks of the current job finished, by either thread. */
const FINISHED = 5;
const READY = 6;
const STOP = 7;
/** 0: histogram chunks of rows[START, START + COUNT); 1: gradients of rows [START, START + COUNT). */
const KIND = 8;
/** For KIND 0: how many features are listed at `feats` (0 = all p features). */
const NF = 9;
/** Chunks the worker has done in all (for tests: proof that it took part). */
const BY_WORKER = 10;
/**
 * Milliseconds the worker polls for the next job before it sleeps. While trees grow, jobs come
 * every few milliseconds at most, and waking a thread that slept (on a VM, a halted vCPU) was
 * measured at up to several milliseconds: longer than the job. The caller polls briefly for the
 * worker's last chunk (SPIN polls), then sleeps.
 */
const SPIN_MS = 2;
const SPIN = 20_000;

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
  p: number;
  /** Bytes of one partial histogram. */
  partBytes: number;
}

/**
 * Work for both threads: histogram chunks of rows[start, start + m) over all features (nf 0 or
 * absent) or the nf listed at `feats`, or the gradients of rows [start, start + m).
 */
export interface HelperJob {
  kind: 'histograms' | 'gradients';
  start: number;
  m: number;
  chunks: number;
  nf?: number;
}

/** Chunk c of `chunks` over [start, start + m): both threads cut the same ranges. */
export function chunkRange(start: number, m: number, chunks: number, c: number): [number, number] {
  return [start + Math.floor((m * c) / chunks), start + Math.floor((m * (c + 1)) / chunks)];
}

/**
 * The worker's loop: `sumChunk` (gbdt-grow.ts) / `logisticGradients` (gbdt-accumulate.ts) per
 * chunk it manages to claim. It may wake late, after the caller did every chunk itself and
 * moved on; its claim then fails and it goes back to waiting.
 */
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
function claim(seq, chunks) {
  for (;;) {
    const v = Atomics.load(ctl, ${NEXT});
    if (v >>> 8 !== seq) return -1;
    const c = v & 0xff;
    if (c >= chunks) return -1;
    if (Atomics.compareExchange(ctl, ${NEXT}, v, v + 1) === v) return c;
  }
}
Atomics.store(ctl, ${READY}, 1);
Atomics.notify(ctl, ${READY});
let seen = 0;
for (;;) {
  let s = Atomics.load(ctl, ${SEQ});
  const until = performance.now() + ${SPIN_MS};
  for (let i = 1; s === seen; i++) {
    s = Atomics.load(ctl, ${SEQ});
    if ((i & 1023) === 0 && performance.now() > until) break;
  }
  if (s === seen) {
    Atomics.wait(ctl, ${SEQ}, seen);
    s = Atomics.load(ctl, ${SEQ});
  }
  seen = s;
  if (Atomics.load(ctl, ${STOP}) === 1) break;
  const kind = ctl[${KIND}];
  const start = ctl[${START}];
  const m = ctl[${COUNT}];
  const chunks = ctl[${CHUNKS}];
  const nf = ctl[${NF}];
  for (let c = claim(seen, chunks); c >= 0; c = claim(seen, chunks)) {
    const a = start + Math.floor((m * c) / chunks);
    const b = start + Math.floor((m * (c + 1)) / chunks);
    if (kind === 1) {
      for (let i = a; i < b; i++) {
        const pr = 1 / (1 + Math.exp(-margin[i]));
        const wi = weights[i];
        gh[2 * i] = (pr - labels[i]) * wi;
        gh[2 * i + 1] = Math.max(pr * (1 - pr), 1e-16) * wi;
      }
    } else {
      const part = o.parts + c * o.partBytes;
      k.zero(part, o.partBytes);
      const rows = o.rows + 4 * a;
      if (nf === 0) k.histAll(part, o.rm, o.offs, rows, b - a, o.p, o.gh, o.stage);
      else k.histSome(part, o.rm, o.offs, rows, b - a, o.p, o.gh, o.stage, o.feats, nf);
    }
    Atomics.add(ctl, ${BY_WORKER}, 1);
    Atomics.add(ctl, ${FINISHED}, 1);
    Atomics.notify(ctl, ${FINISHED});
  }
}
`;

export class HistHelper {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(12 * 4));
  private readonly worker: Worker;
  private seq = 0;
  private alive = true;

  /**
   * `helperFirst` (for tests): the caller lets the worker claim each job's first chunk before it
   * takes any, so the worker provably takes part whatever the timing.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    layout: HelperLayout,
    private readonly helperFirst = false,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctlBuf: this.ctl.buffer, module, memory, o: layout },
    });
    // Never keep the process alive for the helper; one that fails to start is never READY.
    this.worker.unref();
    this.worker.on('error', () => {
      this.alive = false;
    });
  }

  /** Chunks (histogram or gradient pieces) the worker has done so far. */
  get chunksDone(): number {
    return Atomics.load(this.ctl, BY_WORKER);
  }

  /** Blocks until the worker has started (tests use this to be sure it takes part). */
  waitUntilReady(timeoutMs: number): boolean {
    Atomics.wait(this.ctl, READY, 0, timeoutMs);
    return this.alive && Atomics.load(this.ctl, READY) === 1;
  }

  /**
   * Runs `job` in `job.chunks` pieces on this thread and the worker: `here(c)` does piece c on
   * this thread. Returns once every piece is done, by whichever thread.
   */
  run(job: HelperJob, here: (c: number) => void): void {
    const { chunks } = job;
    if (!this.post(job)) {
      for (let c = 0; c < chunks; c++) here(c);
      return;
    }
    const ctl = this.ctl;
    while (this.helperFirst && (Atomics.load(ctl, NEXT) & 0xff) === 0) {
      Atomics.wait(ctl, NEXT, Atomics.load(ctl, NEXT), 1);
    }
    for (;;) {
      const v = Atomics.load(ctl, NEXT);
      const c = v & 0xff;
      if (c >= chunks) break;
      if (Atomics.compareExchange(ctl, NEXT, v, v + 1) !== v) continue;
      here(c);
      Atomics.add(ctl, FINISHED, 1);
    }
    // Every chunk is claimed; wait for the worker's (if it claimed any) to finish.
    let done = Atomics.load(ctl, FINISHED);
    for (let i = 0; done < chunks && i < SPIN; i++) done = Atomics.load(ctl, FINISHED);
    while (done < chunks) {
      Atomics.wait(ctl, FINISHED, done);
      done = Atomics.load(ctl, FINISHED);
    }
  }

  private post(job: HelperJob): boolean {
    // Until the worker has started (tens of milliseconds), this thread does every chunk itself
    // rather than wait for it.
    if (!this.alive || Atomics.load(this.ctl, READY) !== 1) return false;
    const c = this.ctl;
    c[KIND] = job.kind === 'gradients' ? 1 : 0;
    c[START] = job.start;
    c[COUNT] = job.m;
    c[CHUNKS] = job.chunks;
    c[NF] = job.nf ?? 0;
    Atomics.store(c, FINISHED, 0);
    this.seq = (this.seq % 0xffffff) + 1;
    Atomics.store(c, NEXT, this.seq << 8);
    Atomics.store(c, SEQ, this.seq);
    Atomics.notify(c, SEQ);
    return true;
  }

  close(): void {
    if (!this.alive) {
      void this.worker.terminate();
      return;
    }
    this.alive = false;
    Atomics.store(this.ctl, STOP, 1);
    this.seq = (this.seq % 0xffffff) + 1;
    Atomics.store(this.ctl, SEQ, this.seq);
    Atomics.notify(this.ctl, SEQ);
  }
}
