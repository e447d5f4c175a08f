import { KernelMemory, rowStride, stageBytes } from './gbdt-memory';
import { makeRng } from '../rng';

/** Plain-JS references: the loops the kernels replace, in the same summation order. */
function histReference(fx: Fixture, p: number, bins: number, features: number[]): Float64Array {
  const { rm, rows, gh, totalBins } = fx;
  const S8 = rowStride(p);
  const hist = new Float64Array(2 * totalBins);
  for (const r of rows) {
    for (const f of features) {
      const b = f * bins + rm[r * S8 + f];
      hist[2 * b] += gh[2 * r];
      hist[2 * b + 1] += gh[2 * r + 1];
    }
  }
  return hist;
}

interface Fixture {
  mem: KernelMemory;
  at: {
    rm: number;
    offs: number;
    rows: number;
    gh: number;
    stage: number;
    hist: number;
    feats: number;
  };
  rm: Uint8Array;
  rows: Uint32Array;
  gh: Float64Array;
  hist: Float64Array;
  feats: Uint16Array;
  totalBins: number;
}

/** n rows of p features with `bins` bins each (flat, offset per feature), m rows picked. */
function fixture(n: number, p: number, bins: number, m: number, seed: number): Fixture {
  const rng = makeRng(seed);
  const totalBins = p * bins;
  const mem = new KernelMemory(0);
  const at = {
    rm: mem.alloc(n * rowStride(p)),
    offs: mem.alloc(2 * rowStride(p)),
    rows: mem.alloc(4 * n),
    gh: mem.alloc(16 * n),
    stage: mem.alloc(stageBytes(p)),
    hist: mem.alloc(16 * totalBins),
    feats: mem.alloc(2 * p),
  };
  const S8 = rowStride(p);
  const rm = mem.u8(at.rm, n * S8);
  // Padding bytes hold junk: the kernels must ignore them.
  for (let k = 0; k < rm.length; k++) rm[k] = rng.int(256);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) rm[i * S8 + f] = rng.int(bins);
  const offs = mem.u16(at.offs, S8);
  for (let f = 0; f < p; f++) offs[f] = f * bins;
  const gh = mem.f64(at.gh, 2 * n);
  for (let k = 0; k < 2 * n; k++) gh[k] = rng.next() - (k % 2 === 0 ? 0.5 : 0);
  // m distinct rows, ascending, as a node's segment is after stable partitions.
  const picked = Array.from({ length: n }, (_, i) => i)
    .sort(() => rng.next() - 0.5)
    .slice(0, m)
    .sort((a, b) => a - b);
  const rows = mem.u32(at.rows, m);
  rows.set(picked);
  return {
    mem,
    at,
    rm,
    rows,
    gh,
    hist: mem.f64(at.hist, 2 * totalBins),
    feats: mem.u16(at.feats, p),
    totalBins,
  };
}

const bits = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('GBDT WebAssembly kernels', () => {
  // p = 1, odd, a multiple of 8, and more than a 64-byte row; m below, at and above a batch.
  it.each([
    [1, 200, 200],
    [3, 500, 63],
    [7, 500, 64],
    [8, 500, 65],
    [30, 3000, 1000],
    [33, 2000, 777],
    [100, 400, 129],
  ])('histAll over p = %i features equals the plain loop bit for bit (n %i, m %i)', (p, n, m) => {
    const fx = fixture(n, p, 5, m, p * 31 + m);
    fx.mem.k.histAll(fx.at.hist, fx.at.rm, fx.at.offs, fx.at.rows, m, p, fx.at.gh, fx.at.stage);
    const all = Array.from({ length: p }, (_, f) => f);
    const ref = histReference(fx, p, 5, all);
    expect(bits(fx.hist).equals(bits(ref))).toBe(true);
    // Every row lands once per feature: the hessian column sums to m·p rows' hessians.
    let H = 0;
    for (let b = 0; b < fx.totalBins; b++) H += fx.hist[2 * b + 1];
    let want = 0;
    for (const r of fx.rows) want += fx.gh[2 * r + 1] * p;
    expect(H).toBeCloseTo(want, 8);
  });

  it('histAll adds to what the histogram holds, and m = 0 leaves it alone', () => {
    const p = 5;
    const fx = fixture(300, p, 4, 100, 9);
    fx.hist.fill(1);
    fx.mem.k.histAll(fx.at.hist, fx.at.rm, fx.at.offs, fx.at.rows, 0, p, fx.at.gh, fx.at.stage);
    expect(fx.hist.every((v) => v === 1)).toBe(true);
    fx.mem.k.histAll(fx.at.hist, fx.at.rm, fx.at.offs, fx.at.rows, 100, p, fx.at.gh, fx.at.stage);
    const ref = histReference(fx, p, 4, [0, 1, 2, 3, 4]);
    for (let k = 0; k < ref.length; k++) expect(fx.hist[k]).toBe(1 + ref[k]);
  });

  it('histSome sums only the listed features', () => {
    const p = 12;
    const fx = fixture(1000, p, 6, 300, 5);
    const features = [0, 3, 4, 11];
    features.forEach((f, a) => (fx.feats[a] = 2 * f));
    fx.mem.k.histSome(
      fx.at.hist,
      fx.at.rm,
      fx.at.offs,
      fx.at.rows,
      300,
      p,
      fx.at.gh,
      fx.at.stage,
      fx.at.feats,
      features.length,
    );
    const ref = histReference(fx, p, 6, features);
    expect(bits(fx.hist).equals(bits(ref))).toBe(true);
    expect(fx.hist.subarray(2 * 6, 2 * 12).every((v) => v === 0)).toBe(true);
  });

  it('partition is stable and sends each row by its bin', () => {
    const rng = makeRng(11);
    const n = 5000;
    const mem = new KernelMemory(0);
    const colAt = mem.alloc(n);
    const col = mem.u8(colAt, n);
    for (let i = 0; i < n; i++) col[i] = rng.int(10);
    const tableAt = mem.alloc(256);
    const table = mem.u8(tableAt, 256);
    [1, 1, 0, 1, 0, 0, 0, 1, 0, 1].forEach((v, b) => (table[b] = v));
    const rowsAt = mem.alloc(4 * n);
    const scratchAt = mem.alloc(4 * n);
    const rows = mem.u32(rowsAt, n);
    const segment = Array.from({ length: 2000 }, (_, k) => (k * 7 + 3) % n);
    rows.fill(99_999);
    rows.set(segment, 100);
    const nLeft = mem.k.partition(rowsAt + 400, segment.length, colAt, tableAt, scratchAt);
    const lefts = segment.filter((r) => table[col[r]] === 1);
    const rights = segment.filter((r) => table[col[r]] === 0);
    expect(nLeft).toBe(lefts.length);
    expect(Array.from(rows.subarray(100, 2100))).toEqual([...lefts, ...rights]);
    // Nothing outside the segment moved.
    expect(rows[99]).toBe(99_999);
    expect(rows[2100]).toBe(99_999);
  });

  it('sumParts adds partial histograms in order; subtract takes one from another', () => {
    const mem = new KernelMemory(0);
    const L = 40;
    const parts = mem.alloc(3 * 8 * L);
    const dst = mem.alloc(8 * L);
    const P = mem.f64(parts, 3 * L);
    P.forEach((_, k) => (P[k] = (k % 7) * 0.1 + Math.floor(k / L) * 1e-17));
    mem.k.sumParts(dst, parts, 8 * L, 3, 8 * L);
    const D = mem.f64(dst, L);
    for (let k = 0; k < L; k++) expect(D[k]).toBe(P[k] + P[L + k] + P[2 * L + k]);
    mem.k.subtract(dst, parts, 8 * L);
    for (let k = 0; k < L; k++) expect(D[k]).toBe(P[k] + P[L + k] + P[2 * L + k] - P[k]);
  });

  it('memory grows for more arrays and earlier views stay valid', () => {
    const mem = new KernelMemory(0);
    const a = mem.alloc(1000);
    const view = mem.f64(a, 125);
    view.fill(3);
    const big = mem.alloc(32 * 2 ** 20);
    mem.f64(big, 4 * 2 ** 20).fill(1);
    expect(view.every((v) => v === 3)).toBe(true);
    expect(mem.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 32 * 2 ** 20);
  });
});
