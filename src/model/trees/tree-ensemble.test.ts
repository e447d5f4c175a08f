import { leafIndex, predictEnsemble } from './tree-ensemble';
import { makeRng, type Rng } from '../rng';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../types';

/** A full tree of the given depth on random features, thresholds drawn from `pick`. */
function randomTree(
  rng: Rng,
  depth: number,
  p: number,
  pick: (f: number) => number,
  mirrored = false,
): FlatTree {
  const m = 2 ** (depth + 1) - 1;
  const t: FlatTree = {
    left: new Int32Array(m).fill(-1),
    right: new Int32Array(m).fill(-1),
    feature: new Int32Array(m).fill(-1),
    threshold: new Float64Array(m),
    defaultLeft: new Uint8Array(m),
    value: new Float64Array(m),
    cover: new Float64Array(m).fill(1),
  };
  for (let j = 0; j < m; j++) {
    if (2 * j + 2 < m) {
      const f = rng.int(p);
      t.left[j] = mirrored ? 2 * j + 2 : 2 * j + 1;
      t.right[j] = mirrored ? 2 * j + 1 : 2 * j + 2;
      t.feature[j] = f;
      t.threshold[j] = pick(f);
      t.defaultLeft[j] = rng.next() < 0.5 ? 1 : 0;
    } else t.value[j] = rng.next() - 0.5;
  }
  return t;
}

/** The float walk, tree by tree (what predictEnsemble did before the coded walk). */
function reference(e: TreeEnsemble, data: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const t of e.trees) {
    for (let i = 0; i < n; i++) out[i] += t.value[leafIndex(t, data, n, i, e.comparison === 'lt')];
  }
  for (let i = 0; i < n; i++) out[i] += e.baseMargin;
  return out;
}

const sameBits = (a: Float64Array, b: Float64Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

describe('predictEnsemble on threshold codes', () => {
  const rng = makeRng(21);
  const n = 20_001; // more than two blocks of rows, the last one short
  const p = 8;
  // Columns 0–4 numbers with missing values and ties, 5–7 0/1 columns.
  const data = new Float64Array(n * p);
  for (let f = 0; f < p; f++) {
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      data[f * n + i] =
        f >= 5 ? (u < 0.2 ? 1 : 0) : u < 0.05 ? NaN : f === 4 ? Math.floor(u * 7) : u * 10 - 3;
    }
  }
  const pick = (f: number): number => {
    const u = rng.next();
    if (u < 0.05) return Number.MAX_VALUE; // "every present value left" splits
    if (f >= 5) return 0.5;
    // Thresholds on data values themselves (ties) and in between.
    return u < 0.5 ? data[f * n + rng.int(n)] || 0.25 : rng.next() * 10 - 3;
  };
  const ensemble = (
    depth: number,
    trees: number,
    comparison: 'lt' | 'le',
    mirrored = false,
  ): TreeEnsemble => ({
    trees: Array.from({ length: trees }, () => randomTree(rng, depth, p, pick, mirrored)),
    nFeatures: p,
    baseMargin: -0.7,
    comparison,
    aggregate: 'sum',
    output: 'logit',
  });

  it('gives the float walk bit for bit (dense matrix and column layout)', () => {
    const e = ensemble(5, 40, 'lt');
    const want = reference(e, data, n);
    const X: EncodedMatrix = { n, p, data, columns: [] };
    expect(sameBits(predictEnsemble(e, X), want)).toBe(true);
    const dense = Array.from({ length: p }, (_, f) =>
      f < 5 ? data.subarray(f * n, (f + 1) * n) : null,
    );
    const ones = Array.from({ length: p }, (_, f) => {
      if (f < 5) return null;
      const r: number[] = [];
      for (let i = 0; i < n; i++) if (data[f * n + i] === 1) r.push(i);
      return Uint32Array.from(r);
    });
    const L = { n, p, columns: [], layout: { dense, ones } } as unknown as EncodedMatrix;
    expect(sameBits(predictEnsemble(e, L), want)).toBe(true);
    // Right children stored before left ones (as an imported model may): the branching walk.
    const mirrored = ensemble(5, 40, 'lt', true);
    expect(sameBits(predictEnsemble(mirrored, L), reference(mirrored, data, n))).toBe(true);
  });

  it('falls back to the float walk past 254 thresholds on a feature, and for "le"', () => {
    const many = ensemble(7, 12, 'lt');
    const distinct = new Set<number>();
    for (const t of many.trees)
      t.threshold.forEach((v, j) => t.feature[j] === 0 && distinct.add(v));
    const X: EncodedMatrix = { n, p, data, columns: [] };
    // Feature 0 alone: 12 trees of 127 splits give it far more than 254 thresholds.
    for (const t of many.trees)
      for (let j = 0; j < t.left.length; j++)
        if (t.left[j] !== -1) {
          t.feature[j] = 0;
          t.threshold[j] = rng.next() * 10 - 3;
        }
    expect(sameBits(predictEnsemble(many, X), reference(many, data, n))).toBe(true);
    const le = ensemble(4, 10, 'le');
    expect(sameBits(predictEnsemble(le, X), reference(le, data, n))).toBe(true);
  });
});
