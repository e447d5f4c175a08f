/**
 * A second thread for histogram building. A large node's histogram is the ordered sum of
 * partial histograms over fixed chunks of its rows (gbdt-grow.ts); a helper thread and the
 * calling thread take chunks from a shared counter until none is left. Each partial sum runs in
 * row order from zero whoever computes it, so trees are bit-identical with or without the helper.
 *
 * fitGbdt is synchronous, so the calling thread hands work over with Atomics on a shared control
 * block and blocks until the worker is done. The worker instantiates the same WebAssembly
 * kernels on the same shared memory (gbdt-memory.ts) and runs `helperMain`
 * (gbdt-hist-worker.ts), a typed module of its own. This module is the only one in `model` that
 * touches threads (lint).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  CONTROL_SLOTS,
  helperSource,
  SLOT,
  type HelperData,
  type HelperLayout,
} from './gbdt-hist-worker';

export { chunkRange } from './gbdt-hist-worker';

const { SEQ, START, COUNT, CHUNKS, NEXT, FINISHED, READY, STOP, KIND, NF, BY_WORKER, HIST } = SLOT;

/**
 * Milliseconds the worker polls for the next job before it sleeps. While trees grow, jobs come
 * every few milliseconds at most, and waking a thread that slept (on a VM, a halted vCPU) was
 * measured at up to several milliseconds: longer than the job. The caller polls briefly for the
 * worker's last chunk (SPIN polls), then sleeps.
 */
const SPIN_MS = 2;
const SPIN = 20_000;

/**
 * On a machine with more runnable threads than cores, the helper can claim a chunk and then not
 * run for a time slice, while this thread waits for it (and waking it can cost this thread its
 * core). When a shared job took longer than this thread would have taken for every chunk at the
 * pace it did its own, the next jobs run here alone: BACKOFF_MIN of them at first, twice as many
 * after each such job (up to BACKOFF_MAX), fewer again while the helper keeps up. Which thread
 * sums a chunk never changes the result, so this only moves time. (Measured at load 12 on two
 * cores: without it, two threads took 1.5-1.8× the wall time of one; with it, about the same.)
 */
const BACKOFF_MIN = 16;
/** A shared job counts as slow past this multiple of the estimate (timer noise). */
const SLACK = 1.05;
const BACKOFF_MAX = 4096;

/** Threads GBDT uses unless told: two where there are two cores. */
export function defaultThreads(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Work for both threads: histogram chunks of rows[start, start + m) over all features (nf 0 or
 * absent) or the nf listed at `feats`, the gradients of rows [start, start + m), or the two
 * halves (chunks 2) of a sparse histogram of rows[start, start + m) into the one at `hist`.
 */
export interface HelperJob {
  kind: 'histograms' | 'gradients' | 'sparse';
  start: number;
  m: number;
  chunks: number;
  nf?: number;
  hist?: number;
  /** For 'sparse': the rows are a scattered subset (the batched kernel, histSparseBatched). */
  scattered?: boolean;
}

/** The worker's program, made once per process. */
let source: string | null = null;

export class HistHelper {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  private readonly worker: Worker;
  private seq = 0;
  private alive = true;
  /** Jobs left to run on this thread alone, and how many the next backoff gives (see BACKOFF_MIN). */
  private solo = 0;
  private backoff = BACKOFF_MIN;

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
    const workerData: HelperData = {
      ctlBuf: this.ctl.buffer as SharedArrayBuffer,
      module,
      memory,
      o: layout,
      slot: SLOT,
      spinMs: SPIN_MS,
    };
    source ??= helperSource();
    this.worker = new Worker(source, { eval: true, workerData });
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
    if (this.solo > 0) {
      this.solo--;
      for (let c = 0; c < chunks; c++) here(c);
      return;
    }
    const t0 = performance.now();
    if (!this.post(job)) {
      for (let c = 0; c < chunks; c++) here(c);
      return;
    }
    const ctl = this.ctl;
    let mine = 0;
    let own = 0;
    while (this.helperFirst && (Atomics.load(ctl, NEXT) & 0xff) === 0) {
      Atomics.wait(ctl, NEXT, Atomics.load(ctl, NEXT), 1);
    }
    for (;;) {
      const v = Atomics.load(ctl, NEXT);
      const c = v & 0xff;
      if (c >= chunks) break;
      if (Atomics.compareExchange(ctl, NEXT, v, v + 1) !== v) continue;
      const a = performance.now();
      here(c);
      own += performance.now() - a;
      mine++;
      Atomics.add(ctl, FINISHED, 1);
    }
    // Every chunk is claimed; wait for the worker's (if it claimed any) to finish.
    let done = Atomics.load(ctl, FINISHED);
    for (let i = 0; done < chunks && i < SPIN; i++) done = Atomics.load(ctl, FINISHED);
    while (done < chunks) {
      Atomics.wait(ctl, FINISHED, done);
      done = Atomics.load(ctl, FINISHED);
    }
    if (this.helperFirst || mine === 0) return;
    // Slower than this thread doing every chunk at its own pace (handing over included).
    if (performance.now() - t0 > (own / mine) * chunks * SLACK) {
      this.solo = this.backoff;
      this.backoff = Math.min(BACKOFF_MAX, 2 * this.backoff);
    } else if (this.backoff > BACKOFF_MIN) this.backoff >>>= 1;
  }

  private post(job: HelperJob): boolean {
    // Until the worker has started (tens of milliseconds), this thread does every chunk itself
    // rather than wait for it.
    if (!this.alive || Atomics.load(this.ctl, READY) !== 1) return false;
    const c = this.ctl;
    c[KIND] = job.kind === 'gradients' ? 1 : job.kind === 'sparse' ? 2 : 0;
    c[HIST] = job.hist ?? 0;
    c[START] = job.start;
    c[COUNT] = job.m;
    c[CHUNKS] = job.chunks;
    c[NF] = job.kind === 'sparse' ? (job.scattered ? 1 : 0) : (job.nf ?? 0);
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
