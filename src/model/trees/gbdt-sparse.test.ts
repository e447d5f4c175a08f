import { KernelMemory } from './gbdt-memory';
import {
  accumulateSparse,
  fillDefaultBins,
  fillSparse,
  sparseBinsOf,
  sparsePlan,
} from './gbdt-sparse';
import { binMatrix } from './histogram';
import { makeRng } from '../rng';

describe('sparse histograms', () => {
  const rng = makeRng(11);
  const n = 3000;
  const p = 12;
  // One-hot-like columns (mostly 0), one with missing values, one mostly 1.
  const data = new Float64Array(n * p);
  for (let f = 0; f < p; f++) {
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      data[f * n + i] = f === 3 && u < 0.1 ? NaN : f === 5 ? (u < 0.9 ? 1 : 0) : u < 0.08 ? 1 : 0;
    }
  }
  const B = binMatrix({ n, p, data, columns: [] }, 255);
  const gh = Float64Array.from({ length: 2 * n }, (_, k) =>
    k % 2 === 0 ? rng.next() - 0.4 : 0.1 + rng.next() * 0.15,
  );

  it('is chosen for mostly-default data and matches a dense histogram on any row subset', () => {
    const S = sparseBinsOf(B);
    expect(S).not.toBeNull();
    const rows = Uint32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.3);
    const sparse = new Float64Array(B.totalBins * 2);
    accumulateSparse(sparse, S!, B, rows, 0, rows.length, gh);
    const dense = new Float64Array(B.totalBins * 2);
    for (const r of rows) {
      for (let f = 0; f < p; f++) {
        const b = 2 * (B.offsets[f] + B.bins[f * n + r]);
        dense[b] += gh[2 * r];
        dense[b + 1] += gh[2 * r + 1];
      }
    }
    for (let k = 0; k < dense.length; k++) expect(sparse[k]).toBeCloseTo(dense[k], 9);
  });

  it('is not chosen for dense data', () => {
    const d = Float64Array.from({ length: n * p }, () => rng.next());
    expect(sparseBinsOf(binMatrix({ n, p, data: d, columns: [] }, 255))).toBeNull();
  });

  it('the kernel, on one thread or as the two halves of rowMid, sums bit for bit as the JS loop', () => {
    const plan = sparsePlan(B)!;
    expect(plan.splitFeature).toBeGreaterThan(0);
    expect(plan.splitFeature).toBeLessThan(p);
    const mem = new KernelMemory(0);
    const at = {
      rowPtr: mem.alloc(4 * (n + 1)),
      rowMid: mem.alloc(4 * n),
      ent: mem.alloc(2 * plan.nnz),
      rows: mem.alloc(4 * n),
      gh: mem.alloc(16 * n),
      one: mem.alloc(16 * B.totalBins),
      two: mem.alloc(16 * B.totalBins),
      three: mem.alloc(16 * B.totalBins),
      sumOne: mem.alloc(16),
      sumTwo: mem.alloc(16),
      sumThree: mem.alloc(16),
      stage: mem.alloc(64 * 32 + 16),
    };
    const S = fillSparse(
      B,
      plan,
      mem.u32(at.rowPtr, n + 1),
      mem.u32(at.rowMid, n),
      mem.u16(at.ent, plan.nnz),
    );
    // rowMid splits each row's entries at the split feature.
    const fOf = (e: number): number => {
      let f = 0;
      while (f + 1 < p && B.offsets[f + 1] <= e) f++;
      return f;
    };
    for (let i = 0; i < n; i += 97) {
      for (let e = S.rowPtr[i]; e < S.rowPtr[i + 1]; e++)
        expect(fOf(S.ent[e]) < plan.splitFeature).toBe(e < S.rowMid[i]);
    }
    const picked = Uint32Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.4);
    const m = picked.length;
    mem.u32(at.rows, m).set(picked);
    mem.f64(at.gh, 2 * n).set(gh);
    const { k } = mem;
    k.zero(at.one, 16 * B.totalBins);
    k.zero(at.two, 16 * B.totalBins);
    k.histSparse(at.one, at.rowPtr, at.rowPtr + 4, at.ent, at.rows, m, at.gh, at.sumOne);
    // The second half first: the halves touch disjoint bins, so order cannot matter.
    k.histSparse(at.two, at.rowMid, at.rowPtr + 4, at.ent, at.rows, m, at.gh, 0);
    k.histSparse(at.two, at.rowPtr, at.rowMid, at.ent, at.rows, m, at.gh, at.sumTwo);
    // The batched kernel (scattered rows), as the two halves; m is not a multiple of the batch.
    expect(m % 64).not.toBe(0);
    k.zero(at.three, 16 * B.totalBins);
    const { rowPtr, rowMid, ent, rows, gh: ghAt, stage } = at;
    k.histSparseBatched(at.three, rowMid, rowPtr + 4, ent, rows, m, ghAt, 0, stage);
    k.histSparseBatched(at.three, rowPtr, rowMid, ent, rows, m, ghAt, at.sumThree, stage);
    let G = 0;
    let H = 0;
    for (const r of picked) {
      G += gh[2 * r];
      H += gh[2 * r + 1];
    }
    // The kernel's node totals are the JS loop's, bit for bit (the default bins rest on them).
    expect(Array.from(mem.f64(at.sumOne, 2))).toEqual([G, H]);
    expect(Array.from(mem.f64(at.sumTwo, 2))).toEqual([G, H]);
    expect(Array.from(mem.f64(at.sumThree, 2))).toEqual([G, H]);
    expect(G).not.toBe(0);
    const one = mem.f64(at.one, 2 * B.totalBins);
    const two = mem.f64(at.two, 2 * B.totalBins);
    const three = mem.f64(at.three, 2 * B.totalBins);
    fillDefaultBins(one, S, B, G, H);
    fillDefaultBins(two, S, B, G, H);
    fillDefaultBins(three, S, B, G, H);
    const ref = new Float64Array(2 * B.totalBins);
    accumulateSparse(ref, S, B, picked, 0, m, gh);
    expect(Buffer.from(one.slice().buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    expect(Buffer.from(two.slice().buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    expect(Buffer.from(three.slice().buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    expect(ref.some((v) => v !== 0)).toBe(true);
  });
});
