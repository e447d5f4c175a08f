/**
 * Growing one regression tree on gradient/hessian histograms (second-order, xgboost-style).
 * Nodes are expanded best gain first within the depth and leaf limits; each node owns a
 * contiguous segment of the row-index array, and only the smaller child's histogram is built
 * (the larger one is parent − smaller). All buffers live in a GrowWorkspace reused across trees.
 */
import { accumulateRange, accumulateSome, logisticGradients } from './gbdt-accumulate';
import { HistHelper, sharedBuffer } from './gbdt-hist-pool';
import { accumulateSparse, sparseBinsOf, type SparseBins } from './gbdt-sparse';
import type { BinnedMatrix } from './histogram';

/** Below this many bin cells (n·p) a helper thread costs more to start than it saves. */
const HELPER_MIN_CELLS = 1_000_000;
/** A node's histogram is built in row chunks (shared between threads) above this many updates. */
const SPLIT_MIN_UPDATES = 200_000;
/** Bin updates per chunk, and the most chunks (each adds one histogram-sized sum). */
const CHUNK_UPDATES = 250_000;
const MAX_CHUNKS = 8;

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
  hist: Float64Array | null;
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  /** Gradient / hessian sums of the best split's left side. */
  GL: number;
  HL: number;
}

export class GrowWorkspace {
  readonly rows: Uint32Array;
  private readonly scratch: Uint32Array;
  /** Gradient and hessian interleaved by row: a scattered row costs one cache line, not two. */
  readonly gh: Float64Array;
  private readonly pool: Float64Array[] = [];
  private readonly goesLeft = new Uint8Array(256);
  private readonly rowMajor: Uint16Array;
  private readonly helper: HistHelper | null = null;
  /** Non-default bins per row when most cells hold their feature's default (one-hot data). */
  private readonly sparse: SparseBins | null;
  /** Partial histograms of a large node's row chunks, side by side. */
  private readonly parts: Float64Array;

  /**
   * `threads` > 1 lets histograms of large nodes be built by two threads (same result bit for
   * bit); call `close()` when done with such a workspace.
   */
  /** Boosting state for `gradients()` (empty unless `boosting`): margins, labels, weights. */
  readonly margin: Float64Array;
  readonly labels: Float64Array;
  readonly weights: Float64Array;

  constructor(
    private readonly B: BinnedMatrix,
    nRows: number,
    threads = 1,
    boosting = false,
  ) {
    const { n, p, bins, offsets } = B;
    this.sparse = sparseBinsOf(B);
    const shared = threads > 1 && n * p >= HELPER_MIN_CELLS && this.sparse === null;
    this.rows = new Uint32Array(sharedBuffer(4 * nRows, shared));
    this.scratch = new Uint32Array(nRows);
    this.gh = new Float64Array(sharedBuffer(16 * n, shared));
    // A row-major copy of the bins, already offset into the flat histogram: a histogram pass
    // reads one row's bins from one cache line instead of p, and skips the offset lookup.
    this.rowMajor = new Uint16Array(sharedBuffer(this.sparse ? 0 : 2 * n * p, shared));
    for (let f = 0; f < (this.sparse ? 0 : p); f++) {
      const col = f * n;
      const off = offsets[f];
      for (let i = 0; i < n; i++) this.rowMajor[i * p + f] = off + bins[col + i];
    }
    this.parts = new Float64Array(sharedBuffer(MAX_CHUNKS * B.totalBins * 16, shared));
    const nb = boosting ? n : 0;
    this.margin = new Float64Array(sharedBuffer(8 * nb, shared));
    this.labels = new Float64Array(sharedBuffer(8 * nb, shared));
    this.weights = new Float64Array(sharedBuffer(8 * nb, shared));
    if (shared) {
      this.helper = new HistHelper(
        { rowMajor: this.rowMajor, rows: this.rows, gh: this.gh, parts: this.parts },
        { margin: this.margin, labels: this.labels, weights: this.weights },
        p,
        B.totalBins,
      );
    }
  }

  /** Whether large histograms are built on two threads. */
  get threaded(): boolean {
    return this.helper !== null;
  }

  /** Stops the helper thread, if any. */
  close(): void {
    this.helper?.close();
  }

  private takeHist(): Float64Array {
    const h = this.pool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.B.totalBins * 2);
  }

  private releaseHist(h: Float64Array): void {
    this.pool.push(h);
  }

  /** Histogram of gradient/hessian of rows[start, end) over the active features. */
  private buildHist(start: number, end: number, features: Int32Array): Float64Array {
    const hist = this.takeHist();
    const { rows, gh } = this;
    const m = end - start;
    const p = this.B.p;
    const nf = features.length;
    if (this.sparse) {
      accumulateSparse(hist, this.sparse, this.B, rows, start, m, gh);
      return hist;
    }
    if (nf === p && m * p >= SPLIT_MIN_UPDATES) {
      // Large nodes: fixed chunks of rows, each summed from zero into its own partial
      // histogram, then added in chunk order. Which thread sums a chunk does not matter, so the
      // helper (when there is one) and this thread take chunks as they come free, and the
      // result is the same bit for bit with or without the helper.
      const chunks = Math.min(MAX_CHUNKS, Math.max(2, Math.floor((m * p) / CHUNK_UPDATES)));
      const helper = this.helper?.begin(start, m, chunks) ? this.helper : null;
      for (let c = helper ? helper.claim() : 0; c < chunks; c = helper ? helper.claim() : c + 1) {
        this.sumChunk(start, m, chunks, c);
      }
      helper?.wait();
      const L = hist.length;
      const parts = this.parts;
      for (let c = 0; c < chunks; c++) {
        const o = c * L;
        for (let k = 0; k < L; k++) hist[k] += parts[o + k];
      }
      return hist;
    }
    if (nf === p) accumulateRange(hist, this.rowMajor, rows, start, m, p, gh, 0, p);
    else accumulateSome(hist, this.rowMajor, rows, start, m, p, gh, features);
    return hist;
  }

  /**
   * Logistic-loss gradient and hessian of every row from `margin`, `labels` and `weights`
   * into `gh`; rows are independent, so the helper takes the second half.
   */
  gradients(): void {
    const n = this.margin.length;
    const half = n >>> 1;
    const { margin, labels, weights, gh } = this;
    if (this.helper?.beginGradients(half, n - half)) {
      logisticGradients(margin, labels, weights, gh, 0, half);
      this.helper.wait();
    } else logisticGradients(margin, labels, weights, gh, 0, n);
  }

  /** Chunk c of `chunks` of rows[start, start + m) into its partial histogram. */
  private sumChunk(start: number, m: number, chunks: number, c: number): void {
    const L = 2 * this.B.totalBins;
    const part = this.parts.subarray(c * L, (c + 1) * L);
    part.fill(0);
    const a = start + Math.floor((m * c) / chunks);
    const b = start + Math.floor((m * (c + 1)) / chunks);
    accumulateRange(part, this.rowMajor, this.rows, a, b - a, this.B.p, this.gh, 0, this.B.p);
  }

  /** Fill the best split of `c` (gain −Infinity when none satisfies the constraints). */
  private findSplit(c: Candidate, P: GrowParams, features: Int32Array): void {
    const { nValueBins, offsets } = this.B;
    const { l2: lambda, minChildHessian: mch } = P;
    const { G, H } = c;
    const hist = c.hist as Float64Array;
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
    const { rows, scratch, goesLeft } = this;
    const { bins, n, nValueBins } = this.B;
    const col = c.feature * n;
    const missing = nValueBins[c.feature];
    for (let b = 0; b < missing; b++) goesLeft[b] = b <= c.bin ? 1 : 0;
    goesLeft[missing] = c.missingLeft ? 1 : 0;
    let l = c.start;
    let r = 0;
    // Branch-free: a left/right branch per row mispredicts half the time; a table lookup and
    // two unconditional stores do not.
    for (let k = c.start; k < c.end; k++) {
      const row = rows[k];
      const isLeft = goesLeft[bins[col + row]];
      rows[l] = row;
      scratch[r] = row;
      l += isLeft;
      r += 1 - isLeft;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
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
    for (let k = 0; k < nActive; k++) {
      const r = this.rows[k];
      G += gh[2 * r];
      H += gh[2 * r + 1];
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
      let histL: Float64Array | null = null;
      let histR: Float64Array | null = null;
      const bigOk = leftSmaller ? rightOk : leftOk;
      const smallOk = leftSmaller ? leftOk : rightOk;
      const parent = c.hist as Float64Array;
      if (bigOk || smallOk) {
        const small = leftSmaller
          ? this.buildHist(c.start, mid, features)
          : this.buildHist(mid, c.end, features);
        let big: Float64Array | null = null;
        if (bigOk) {
          big = parent;
          for (let a = 0; a < features.length; a++) {
            const fa = features[a];
            const from = this.B.offsets[fa] * 2;
            const to = from + (this.B.nValueBins[fa] + 1) * 2;
            for (let k = from; k < to; k++) big[k] -= small[k];
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
        hist: Float64Array | null,
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
