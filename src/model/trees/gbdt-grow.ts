/**
 * Growing one regression tree on gradient/hessian histograms (second-order, xgboost-style).
 * Nodes are expanded best gain first within the depth and leaf limits; each node owns a
 * contiguous segment of the row-index array, and only the smaller child's histogram is built
 * (the larger one is parent − smaller). All buffers live in a GrowWorkspace reused across trees;
 * the hot loops (histograms, partitions) are WebAssembly kernels over its memory (gbdt-memory.ts).
 */
import { chunkRange, HistHelper, type HelperJob } from './gbdt-hist-pool';
import { KernelMemory, kernelModule, rowStride, stageBytes, type GbdtKernels } from './gbdt-memory';
import { logisticGradients } from './gbdt-accumulate';
import {
  fillDefaultBins,
  fillSparse,
  sparsePlan,
  type SparseBins,
  type SparsePlan,
} from './gbdt-sparse';
import type { BinnedMatrix } from './histogram';
import { TreeModelError } from './tree-errors';

/** Below this many bin cells (n·p) a helper thread costs more to start than it saves. */
const HELPER_MIN_CELLS = 1_000_000;
/**
 * Sparse data: a helper thread pays from this many stored entries (a 16,667-row backtest fold
 * of one-hot data has about half a million), and a node's histogram is shared between the two
 * threads from this many rows (below, handing it over costs about what it saves).
 */
const HELPER_MIN_ENTRIES = 250_000;
const SPARSE_SPLIT_MIN_ROWS = 2048;
/** A node's histogram is built in row chunks (shared between threads) above this many updates. */
const SPLIT_MIN_UPDATES = 200_000;
/** Bin updates per chunk, and the most chunks (each adds one histogram-sized sum). */
const CHUNK_UPDATES = 250_000;
const MAX_CHUNKS = 8;
/** Pieces the per-row gradients are cut into, for the two threads to share. */
const GRADIENT_CHUNKS = 4;
/** Leaves a tree may have for its values to be deferred to the next gradients (u16 leaf ids). */
const LEAF_SLOTS = 65_535;
/** Histogram slots reserved up front; more are allocated when a tree keeps more nodes open. */
const INITIAL_HISTS = 8;

export interface GrowParams {
  maxDepth: number;
  maxLeaves: number;
  minChildHessian: number;
  l2: number;
  minSplitGain: number;
  learningRate: number;
}

/** A grown tree before conversion to FlatTree; `splitBin` lets training rows be routed on bins. */
export interface GrownTree {
  left: number[];
  right: number[];
  feature: number[];
  splitBin: number[];
  threshold: number[];
  defaultLeft: number[];
  value: number[];
  cover: number[];
  /** For each leaf node: its row segment [start, end) in `ws.rows` after growth. */
  leafStart: number[];
  leafEnd: number[];
}

interface Candidate {
  id: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  /** Null when the node can never be split (no histogram was built for it). */
  hist: Hist | null;
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  /** Gradient / hessian sums of the best split's left side. */
  GL: number;
  HL: number;
}

/** A histogram in kernel memory: its byte offset and a view of its 2·totalBins doubles. */
interface Hist {
  at: number;
  a: Float64Array;
}

export class GrowWorkspace {
  readonly rows: Uint32Array;
  /** Gradient and hessian interleaved by row: one f64x2 per row for the kernels. */
  readonly gh: Float64Array;
  /** Boosting state for `gradients()` (empty unless `boosting`): margins, labels, weights. */
  readonly margin: Float64Array;
  readonly labels: Float64Array;
  readonly weights: Float64Array;
  /** Each row's leaf in the last tree, and the leaves' values (see deferLeafValues). */
  private readonly leafOf: Uint16Array;
  private readonly leafVal: Float64Array;
  /** Whether leafOf/leafVal hold values not yet added to `margin`. */
  private deferred = false;
  private readonly mem: KernelMemory;
  private readonly k: GbdtKernels;
  private readonly pool: Hist[] = [];
  private readonly helper: HistHelper | null = null;
  /** Non-default bins per row when most cells hold their feature's default (one-hot data). */
  private readonly sparse: SparseBins | null;
  /** Byte offsets in kernel memory. */
  private readonly at: {
    rows: number;
    scratch: number;
    gh: number;
    /** Row-major u8 bins, rows padded to `rowStride(p)` bytes. */
    rm: number;
    /** Per feature, its offset into the flat histogram (u16, rowStride(p) of them). */
    offs: number;
    /** Column-major bins (u8), as in BinnedMatrix: what partitions read. */
    col: number;
    /** Partial histograms of a large node's row chunks, side by side. */
    parts: number;
    stage: number;
    /** Which bins go left in the current partition (u8 per bin). */
    table: number;
    /** Active features as u16 byte offsets into a row (2f), for `histSome`. */
    feats: number;
    /** Sparse rows (0 when dense): entry bounds per row (u32) and the entries (u16). */
    rowPtr: number;
    rowMid: number;
    ent: number;
    /** (ΣG, ΣH) of the last sparse histogram's rows, from the kernel (f64 pair). */
    sum: number;
  };
  private readonly histBytes: number;
  /** View of `at.sum`. */
  private readonly sum: Float64Array;
  private readonly table: Uint8Array;
  private readonly feats: Uint16Array;
  /** The features `feats` currently lists (so it is rewritten only when they change). */
  private featsFor: Int32Array | null = null;

  /**
   * `threads` > 1 lets histograms of large nodes be built by two threads (same result bit for
   * bit); call `close()` when done with such a workspace. `helperFirst` is for tests (see
   * HistHelper). `prepared`: the sparse form of `B` made before (`sparseBinsOf(B)`, null when
   * `B` is too dense for it), copied in instead of derived again (fits sharing one binning).
   */
  constructor(
    private readonly B: BinnedMatrix,
    nRows: number,
    threads = 1,
    boosting = false,
    helperFirst = false,
    prepared?: SparseBins | null,
  ) {
    const { n, p, bins, offsets, totalBins } = B;
    if (totalBins > 65_536) {
      throw new TreeModelError(
        'TOO_LARGE',
        `${p} features with up to ${B.nValueBins.reduce((a, b) => Math.max(a, b), 0)} bins ` +
          `each make ${totalBins} histogram bins; at most 65,536 fit the 16-bit bin indices.`,
        'Use fewer bins (maxBins) or fewer numeric features.',
      );
    }
    const plan: SparsePlan | null =
      prepared === undefined
        ? sparsePlan(B)
        : prepared && {
            def: prepared.def,
            nnz: prepared.ent.length,
            splitFeature: prepared.splitFeature,
          };
    const dense = plan === null;
    const useHelper =
      threads > 1 && (plan ? plan.nnz >= HELPER_MIN_ENTRIES : n * p >= HELPER_MIN_CELLS);
    const nb = boosting ? n : 0;
    this.histBytes = 16 * totalBins;
    const partBytes = this.histBytes;
    const stage = stageBytes(p);
    const sizes = {
      rows: 4 * nRows,
      scratch: 4 * nRows,
      gh: 16 * n,
      rm: dense ? n * rowStride(p) : 0,
      offs: 2 * rowStride(p),
      col: n * p,
      parts: dense ? MAX_CHUNKS * partBytes : 0,
      stage: 2 * stage,
      table: 256,
      feats: 2 * p,
      margin: 8 * nb,
      labels: 8 * nb,
      weights: 8 * nb,
      leafOf: 2 * nb,
      leafVal: boosting ? 8 * LEAF_SLOTS : 0,
      rowPtr: plan ? 4 * (n + 1) : 0,
      rowMid: plan ? 4 * n : 0,
      ent: plan ? 2 * plan.nnz : 0,
      sum: 16,
    };
    const total = Object.values(sizes).reduce((a, b) => a + b + 64, 0);
    this.mem = new KernelMemory(total + INITIAL_HISTS * (this.histBytes + 64));
    this.k = this.mem.k;
    const mem = this.mem;
    const at = {
      rows: mem.alloc(sizes.rows),
      scratch: mem.alloc(sizes.scratch),
      gh: mem.alloc(sizes.gh),
      rm: mem.alloc(sizes.rm),
      offs: mem.alloc(sizes.offs),
      col: mem.alloc(sizes.col),
      parts: mem.alloc(sizes.parts),
      stage: mem.alloc(sizes.stage),
      table: mem.alloc(sizes.table),
      feats: mem.alloc(sizes.feats),
      rowPtr: mem.alloc(sizes.rowPtr),
      rowMid: mem.alloc(sizes.rowMid),
      ent: mem.alloc(sizes.ent),
      sum: mem.alloc(sizes.sum),
    };
    this.at = at;
    this.rows = mem.u32(at.rows, nRows);
    this.gh = mem.f64(at.gh, 2 * n);
    this.table = mem.u8(at.table, 256);
    this.sum = mem.f64(at.sum, 2);
    this.feats = mem.u16(at.feats, p);
    mem.u8(at.col, n * p).set(bins);
    this.sparse = plan
      ? prepared
        ? copySparse(prepared, mem, at)
        : fillSparse(
            B,
            plan,
            mem.u32(at.rowPtr, n + 1),
            mem.u32(at.rowMid, n),
            mem.u16(at.ent, plan.nnz),
          )
      : null;
    mem.u16(at.offs, p).set(offsets);
    if (dense) {
      // A row-major copy of the bins: a histogram pass over scattered rows then reads each row's
      // bins from one cache line (up to 64 features) instead of p.
      const S8 = rowStride(p);
      const rm = mem.u8(at.rm, n * S8);
      for (let f = 0; f < p; f++) {
        const col = f * n;
        for (let i = 0; i < n; i++) rm[i * S8 + f] = bins[col + i];
      }
    }
    const margin = mem.alloc(sizes.margin);
    const labels = mem.alloc(sizes.labels);
    const weights = mem.alloc(sizes.weights);
    const leafOf = mem.alloc(sizes.leafOf);
    const leafVal = mem.alloc(sizes.leafVal);
    this.margin = mem.f64(margin, nb);
    this.labels = mem.f64(labels, nb);
    this.weights = mem.f64(weights, nb);
    this.leafOf = mem.u16(leafOf, nb);
    this.leafVal = mem.f64(leafVal, sizes.leafVal / 8);
    for (let h = 0; h < INITIAL_HISTS; h++) this.pool.push(this.newHist());
    if (useHelper) {
      this.helper = new HistHelper(
        kernelModule(),
        mem.memory,
        {
          rm: at.rm,
          offs: at.offs,
          rows: at.rows,
          gh: at.gh,
          parts: at.parts,
          stage: at.stage + stage,
          feats: at.feats,
          margin,
          labels,
          weights,
          nBoost: nb,
          leafOf,
          leafVal,
          leafSlots: sizes.leafVal / 8,
          p,
          partBytes,
          rowPtr: at.rowPtr,
          rowMid: at.rowMid,
          ent: at.ent,
          sum: at.sum,
        },
        helperFirst,
      );
    }
  }

  /** Whether large histograms are built on two threads. */
  get threaded(): boolean {
    return this.helper !== null;
  }

  /** Pieces of work the helper thread has done so far (0 without one). */
  get helperChunks(): number {
    return this.helper?.chunksDone ?? 0;
  }

  /** Blocks until the helper thread (if any) has started; false if it has not within the time. */
  waitForHelper(timeoutMs = 10_000): boolean {
    return this.helper?.waitUntilReady(timeoutMs) ?? false;
  }

  /** Stops the helper thread, if any. */
  close(): void {
    this.helper?.close();
  }

  private newHist(): Hist {
    const at = this.mem.alloc(this.histBytes);
    return { at, a: this.mem.f64(at, this.histBytes / 8) };
  }

  /** A free histogram slot; zeroed unless the caller overwrites all of it. */
  private takeHist(zero = true): Hist {
    const h = this.pool.pop();
    if (h) {
      if (zero) this.k.zero(h.at, this.histBytes);
      return h;
    }
    return this.newHist();
  }

  private releaseHist(h: Hist): void {
    this.pool.push(h);
  }

  /** Lists `features` for `histSome` (byte offsets into a row), once per feature set. */
  private listFeatures(features: Int32Array): void {
    if (this.featsFor === features) return;
    for (let a = 0; a < features.length; a++) this.feats[a] = 2 * features[a];
    this.featsFor = features;
  }

  /** Histogram of gradient/hessian of rows[start, end) over the active features. */
  private buildHist(start: number, end: number, features: Int32Array): Hist {
    const m = end - start;
    const p = this.B.p;
    const nf = features.length;
    if (this.sparse) return this.buildSparseHist(start, m);
    const all = nf === p;
    if (!all) this.listFeatures(features);
    if (m * nf >= SPLIT_MIN_UPDATES) {
      // Large nodes: fixed chunks of rows, each summed from zero into its own partial
      // histogram, then added in chunk order. Which thread sums a chunk does not matter, so the
      // helper (when there is one) and this thread take chunks as they come free, and the
      // result is the same bit for bit with or without the helper.
      const chunks = Math.min(MAX_CHUNKS, Math.max(2, Math.floor((m * nf) / CHUNK_UPDATES)));
      const here = (c: number): void => this.sumChunk(start, m, chunks, c, features);
      const job = { kind: 'histograms', start, m, chunks, nf: all ? 0 : nf } as const;
      if (this.helper) this.helper.run(job, here);
      else for (let c = 0; c < chunks; c++) here(c);
      const hist = this.takeHist(false);
      this.k.sumParts(hist.at, this.at.parts, this.histBytes, chunks, this.histBytes);
      return hist;
    }
    const hist = this.takeHist();
    this.accumulate(hist.at, start, m, features);
    return hist;
  }

  /**
   * The sparse form's histogram of rows[start, start + m): the stored entries summed by the
   * kernel (large nodes: each thread the entries on its side of rowMid, so disjoint bins), then
   * the default bins derived from the node totals, as `accumulateSparse` does.
   */
  private buildSparseHist(start: number, m: number): Hist {
    const hist = this.takeHist();
    const { at, k } = this;
    const rows = at.rows + 4 * start;
    // A child's rows are scattered over the row arrays: the batched kernel reads a batch's
    // bounds and gradients up front so the cache misses overlap (measured at 1M rows: the same
    // time on a 40 % subset, about a third of it on a 10 % one, a little slower on all rows).
    const scattered = 2 * m <= this.B.n;
    const sum = (begin: number, end: number, to: number): void => {
      if (scattered) k.histSparseBatched(hist.at, begin, end, at.ent, rows, m, at.gh, to, at.stage);
      else k.histSparse(hist.at, begin, end, at.ent, rows, m, at.gh, to);
    };
    // The pass that takes the entries below rowMid also sums the rows' gradients (ΣG, ΣH).
    if (this.helper && m >= SPARSE_SPLIT_MIN_ROWS) {
      const job = { kind: 'sparse', start, m, chunks: 2, hist: hist.at, scattered } as const;
      this.helper.run(job, (c) => {
        if (c === 0) sum(at.rowPtr, at.rowMid, at.sum);
        else sum(at.rowMid, at.rowPtr + 4, 0);
      });
    } else sum(at.rowPtr, at.rowPtr + 4, at.sum);
    const G = this.sum[0];
    const H = this.sum[1];
    fillDefaultBins(hist.a, this.sparse as SparseBins, this.B, G, H);
    return hist;
  }

  /** Rows[start, start + m) into the zeroed histogram at byte offset `hist`, on this thread. */
  private accumulate(hist: number, start: number, m: number, features: Int32Array): void {
    const { at, k } = this;
    const p = this.B.p;
    const rows = at.rows + 4 * start;
    if (features.length === p) k.histAll(hist, at.rm, at.offs, rows, m, p, at.gh, at.stage);
    else k.histSome(hist, at.rm, at.offs, rows, m, p, at.gh, at.stage, at.feats, features.length);
  }

  /**
   * Logistic-loss gradient and hessian of every row from `margin`, `labels` and `weights`
   * into `gh`; rows are independent, so both threads take pieces.
   */
  gradients(): void {
    const n = this.margin.length;
    const { margin, labels, weights, gh } = this;
    const leafOf = this.deferred ? this.leafOf : null;
    const leafVal = this.deferred ? this.leafVal : null;
    this.deferred = false;
    if (!this.helper) {
      logisticGradients(margin, labels, weights, gh, 0, n, leafOf, leafVal);
      return;
    }
    const job: HelperJob = {
      kind: 'gradients',
      start: 0,
      m: n,
      chunks: GRADIENT_CHUNKS,
      nf: leafOf ? 1 : 0,
    };
    this.helper.run(job, (c) => {
      const [a, b] = chunkRange(0, n, GRADIENT_CHUNKS, c);
      logisticGradients(margin, labels, weights, gh, a, b, leafOf, leafVal);
    });
  }

  /**
   * Adds the tree's leaf values to `margin` (grown over every row, so each row sits in one
   * leaf's segment of `rows`): rather than adding them now, row by scattered row (a
   * read-modify-write over the whole margin array), each row's leaf id is noted (2 bytes) and
   * the next `gradients()` adds the values over the rows in order, on both threads. The sums
   * are the same. Returns false (nothing noted) when the tree has more leaves than ids; the
   * caller then adds the values itself. Call `gradients()` before reading `margin` again.
   */
  deferLeafValues(t: GrownTree): boolean {
    const { leafOf, leafVal, rows } = this;
    let q = 0;
    for (let j = 0; j < t.left.length; j++) if (t.left[j] === -1) q++;
    if (q > leafVal.length || this.deferred) return false;
    q = 0;
    for (let j = 0; j < t.left.length; j++) {
      if (t.left[j] !== -1) continue;
      leafVal[q] = t.value[j];
      for (let k = t.leafStart[j]; k < t.leafEnd[j]; k++) leafOf[rows[k]] = q;
      q++;
    }
    this.deferred = true;
    return true;
  }

  /** Chunk c of `chunks` of rows[start, start + m) into its partial histogram. */
  private sumChunk(
    start: number,
    m: number,
    chunks: number,
    c: number,
    features: Int32Array,
  ): void {
    const part = this.at.parts + c * this.histBytes;
    this.k.zero(part, this.histBytes);
    const [a, b] = chunkRange(start, m, chunks, c);
    this.accumulate(part, a, b - a, features);
  }

  /** Fill the best split of `c` (gain −Infinity when none satisfies the constraints). */
  private findSplit(c: Candidate, P: GrowParams, features: Int32Array): void {
    const { nValueBins, offsets } = this.B;
    const { l2: lambda, minChildHessian: mch } = P;
    const { G, H } = c;
    const hist = (c.hist as Hist).a;
    const parentScore = (G * G) / (H + lambda);
    let bestGain = -Infinity;
    let bestF = -1;
    let bestBin = -1;
    let bestMissingLeft = false;
    let bestGL = 0;
    let bestHL = 0;
    for (let a = 0; a < features.length; a++) {
      const f = features[a];
      const base = offsets[f] * 2;
      const nb = nValueBins[f];
      const Gm = hist[base + 2 * nb];
      const Hm = hist[base + 2 * nb + 1];
      const hasMissing = Hm > 0;
      let GL = 0;
      let HL = 0;
      // b = nb − 1 puts every present value left: the "known vs missing" split.
      const last = hasMissing ? nb - 1 : nb - 2;
      for (let b = 0; b <= last; b++) {
        GL += hist[base + 2 * b];
        HL += hist[base + 2 * b + 1];
        // Missing right.
        let GR = G - GL;
        let HR = H - HL;
        if (HL >= mch && HR >= mch) {
          const gain = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestBin = b;
            // Without missing rows at this node, send future missing values to the heavier side.
            bestMissingLeft = !hasMissing && HL > HR;
            bestGL = GL;
            bestHL = HL;
          }
        }
        if (hasMissing && b < nb - 1) {
          const GL2 = GL + Gm;
          const HL2 = HL + Hm;
          GR = G - GL2;
          HR = H - HL2;
          if (HL2 >= mch && HR >= mch) {
            const gain = (GL2 * GL2) / (HL2 + lambda) + (GR * GR) / (HR + lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestBin = b;
              bestMissingLeft = true;
              bestGL = GL2;
              bestHL = HL2;
            }
          }
        }
      }
    }
    c.gain = bestGain;
    c.feature = bestF;
    c.bin = bestBin;
    c.missingLeft = bestMissingLeft;
    c.GL = bestGL;
    c.HL = bestHL;
  }

  /** Stable in-place partition of rows[start, end); returns the first right index. */
  private partition(c: Candidate): number {
    const { table, at } = this;
    const { n, nValueBins } = this.B;
    const missing = nValueBins[c.feature];
    for (let b = 0; b < missing; b++) table[b] = b <= c.bin ? 1 : 0;
    table[missing] = c.missingLeft ? 1 : 0;
    const nLeft = this.k.partition(
      at.rows + 4 * c.start,
      c.end - c.start,
      at.col + c.feature * n,
      at.table,
      at.scratch,
    );
    return c.start + nLeft;
  }

  /**
   * Grow one tree over rows[0, nActive) (the caller fills `rows`, e.g. with a subsample).
   */
  grow(
    nActive: number,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
    P: GrowParams,
  ): GrownTree {
    const gh = this.gh;
    for (let i = 0; i < this.B.n; i++) {
      gh[2 * i] = grad[i];
      gh[2 * i + 1] = hess[i];
    }
    return this.growPrepared(nActive, features, P);
  }

  /** `grow` for a caller that wrote gradient and hessian straight into `gh` (row i at 2i, 2i+1). */
  growPrepared(nActive: number, features: Int32Array, P: GrowParams): GrownTree {
    const t: GrownTree = {
      left: [],
      right: [],
      feature: [],
      splitBin: [],
      threshold: [],
      defaultLeft: [],
      value: [],
      cover: [],
      leafStart: [],
      leafEnd: [],
    };
    const newNode = (G: number, H: number, start: number, end: number): number => {
      t.left.push(-1);
      t.right.push(-1);
      t.feature.push(-1);
      t.splitBin.push(-1);
      t.threshold.push(0);
      t.defaultLeft.push(0);
      t.value.push((-G / (H + P.l2)) * P.learningRate);
      t.cover.push(H);
      t.leafStart.push(start);
      t.leafEnd.push(end);
      return t.left.length - 1;
    };
    const gh = this.gh;
    const rootHist = this.buildHist(0, nActive, features);
    let G = 0;
    let H = 0;
    if (this.sparse) {
      // The kernel summed the same rows in the same order while building the histogram.
      G = this.sum[0];
      H = this.sum[1];
    } else {
      for (let k = 0; k < nActive; k++) {
        const r = this.rows[k];
        G += gh[2 * r];
        H += gh[2 * r + 1];
      }
    }
    const root: Candidate = {
      id: newNode(G, H, 0, nActive),
      start: 0,
      end: nActive,
      depth: 0,
      G,
      H,
      hist: rootHist,
      gain: -Infinity,
      feature: -1,
      bin: -1,
      missingLeft: false,
      GL: 0,
      HL: 0,
    };
    const open: Candidate[] = [];
    const consider = (c: Candidate): void => {
      if (c.hist === null) return;
      if (c.depth < P.maxDepth && c.end - c.start >= 2 && c.H >= 2 * P.minChildHessian) {
        this.findSplit(c, P, features);
        if (c.gain > P.minSplitGain && c.feature >= 0) {
          open.push(c);
          return;
        }
      }
      this.releaseHist(c.hist);
    };
    consider(root);
    let leaves = 1;
    while (open.length > 0 && leaves < P.maxLeaves) {
      // Best gain first; the open list is short (≤ maxLeaves), so a scan beats a heap.
      let bi = 0;
      for (let k = 1; k < open.length; k++) if (open[k].gain > open[bi].gain) bi = k;
      const c = open[bi];
      open[bi] = open[open.length - 1];
      open.pop();
      const mid = this.partition(c);
      const f = c.feature;
      const cuts = this.B.cuts[f];
      t.feature[c.id] = f;
      t.splitBin[c.id] = c.bin;
      t.threshold[c.id] = c.bin < cuts.length ? cuts[c.bin] : Number.MAX_VALUE;
      t.defaultLeft[c.id] = c.missingLeft ? 1 : 0;
      const GL = c.GL;
      const HL = c.HL;
      const GR = c.G - GL;
      const HR = c.H - HL;
      const li = newNode(GL, HL, c.start, mid);
      const ri = newNode(GR, HR, mid, c.end);
      t.left[c.id] = li;
      t.right[c.id] = ri;
      leaves++;
      // Histograms only for children that may still split: the deepest level, tiny nodes and
      // the last allowed leaves need none, which saves the largest level of work.
      const splittable = (h: number, count: number): boolean =>
        c.depth + 1 < P.maxDepth &&
        count >= 2 &&
        h >= 2 * P.minChildHessian &&
        leaves < P.maxLeaves;
      const leftOk = splittable(HL, mid - c.start);
      const rightOk = splittable(HR, c.end - mid);
      const leftSmaller = mid - c.start <= c.end - mid;
      let histL: Hist | null = null;
      let histR: Hist | null = null;
      const bigOk = leftSmaller ? rightOk : leftOk;
      const smallOk = leftSmaller ? leftOk : rightOk;
      const parent = c.hist as Hist;
      if (bigOk || smallOk) {
        const small = leftSmaller
          ? this.buildHist(c.start, mid, features)
          : this.buildHist(mid, c.end, features);
        let big: Hist | null = null;
        if (bigOk) {
          big = parent;
          if (features.length === this.B.p) this.k.subtract(big.at, small.at, this.histBytes);
          else {
            for (let a = 0; a < features.length; a++) {
              const fa = features[a];
              const from = this.B.offsets[fa] * 16;
              const bytes = (this.B.nValueBins[fa] + 1) * 16;
              this.k.subtract(big.at + from, small.at + from, bytes);
            }
          }
        } else this.releaseHist(parent);
        const smallKept = smallOk ? small : null;
        if (!smallOk) this.releaseHist(small);
        histL = leftSmaller ? smallKept : big;
        histR = leftSmaller ? big : smallKept;
      } else this.releaseHist(parent);
      const mk = (
        id: number,
        start: number,
        end: number,
        g: number,
        h: number,
        hist: Hist | null,
      ): Candidate => ({
        id,
        start,
        end,
        depth: c.depth + 1,
        G: g,
        H: h,
        hist,
        gain: -Infinity,
        feature: -1,
        bin: -1,
        missingLeft: false,
        GL: 0,
        HL: 0,
      });
      consider(mk(li, c.start, mid, GL, HL, histL));
      consider(mk(ri, mid, c.end, GR, HR, histR));
    }
    for (const c of open) if (c.hist) this.releaseHist(c.hist);
    return t;
  }
}

/** A prepared sparse form copied into kernel memory (its `def` is already flat). */
function copySparse(
  S: SparseBins,
  mem: KernelMemory,
  at: { rowPtr: number; rowMid: number; ent: number },
): SparseBins {
  const rowPtr = mem.u32(at.rowPtr, S.rowPtr.length);
  const rowMid = mem.u32(at.rowMid, S.rowMid.length);
  const ent = mem.u16(at.ent, S.ent.length);
  rowPtr.set(S.rowPtr);
  rowMid.set(S.rowMid);
  ent.set(S.ent);
  return { rowPtr, rowMid, ent, def: S.def, splitFeature: S.splitFeature };
}
