import { makeRng, type Rng } from '../model/rng';
import { predictEnsemble } from '../model/trees/tree-ensemble';
import type { EncodedMatrix, FlatTree, TreeEnsemble } from '../model/types';
import { treeShap } from './treeshap';

/** A random tree over M features with consistent covers; some splits repeat a feature. */
function randomTree(rng: Rng, M: number, maxDepth: number): FlatTree {
  const L: number[] = [];
  const R: number[] = [];
  const F: number[] = [];
  const T: number[] = [];
  const D: number[] = [];
  const V: number[] = [];
  const C: number[] = [];
  const add = (cover: number): number => {
    L.push(-1);
    R.push(-1);
    F.push(-1);
    T.push(0);
    D.push(0);
    V.push(0);
    C.push(cover);
    return L.length - 1;
  };
  const grow = (j: number, depth: number): void => {
    if (depth >= maxDepth || (depth > 0 && rng.next() < 0.25)) {
      V[j] = rng.next() * 4 - 2;
      return;
    }
    F[j] = rng.int(M);
    T[j] = rng.next() * 2 - 1;
    D[j] = rng.next() < 0.5 ? 1 : 0;
    const share = 0.05 + 0.9 * rng.next();
    const a = add(C[j] * share);
    const b = add(C[j] * (1 - share));
    L[j] = a;
    R[j] = b;
    grow(a, depth + 1);
    grow(b, depth + 1);
  };
  grow(add(100), 0);
  return {
    left: Int32Array.from(L),
    right: Int32Array.from(R),
    feature: Int32Array.from(F),
    threshold: Float64Array.from(T),
    defaultLeft: Uint8Array.from(D),
    value: Float64Array.from(V),
    cover: Float64Array.from(C),
  };
}

function randomX(rng: Rng, n: number, p: number, missingRate = 0.1): EncodedMatrix {
  const data = new Float64Array(n * p);
  for (let k = 0; k < data.length; k++)
    data[k] = rng.next() < missingRate ? NaN : rng.next() * 2 - 1;
  return { n, p, data, columns: [] };
}

/** v(S) of ml.md §3.2: follow x on features in S, cover-weighted average elsewhere. */
function v(t: FlatTree, x: number[], S: Set<number>, lt: boolean, j = 0): number {
  if (t.left[j] === -1) return t.value[j];
  const f = t.feature[j];
  if (S.has(f)) {
    const xv = x[f];
    const goLeft = Number.isNaN(xv)
      ? t.defaultLeft[j] === 1
      : lt
        ? xv < t.threshold[j]
        : xv <= t.threshold[j];
    return v(t, x, S, lt, goLeft ? t.left[j] : t.right[j]);
  }
  const ra = t.cover[t.left[j]];
  const rb = t.cover[t.right[j]];
  return (ra * v(t, x, S, lt, t.left[j]) + rb * v(t, x, S, lt, t.right[j])) / (ra + rb);
}

function bruteForce(e: TreeEnsemble, x: number[]): Float64Array {
  const M = e.nFeatures;
  const fact = [1];
  for (let k = 1; k <= M; k++) fact[k] = fact[k - 1] * k;
  const phi = new Float64Array(M);
  const val = (S: Set<number>): number =>
    e.trees.reduce((s, t) => s + v(t, x, S, e.comparison === 'lt'), 0);
  for (let i = 0; i < M; i++) {
    const others = [...Array(M).keys()].filter((k) => k !== i);
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const S = new Set(others.filter((_, b) => mask & (1 << b)));
      const wgt = (fact[S.size] * fact[M - S.size - 1]) / fact[M];
      const withI = new Set(S).add(i);
      phi[i] += wgt * (val(withI) - val(S));
    }
  }
  return phi;
}

const rowOf = (X: EncodedMatrix, i: number): number[] =>
  Array.from({ length: X.p }, (_, f) => X.data[f * X.n + i]);

describe('treeShap', () => {
  it('equals brute-force Shapley values on random trees (M ≤ 8) to 1e-9', () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 40; trial++) {
      const M = 2 + rng.int(7);
      const nTrees = 1 + rng.int(3);
      const e: TreeEnsemble = {
        trees: Array.from({ length: nTrees }, () => randomTree(rng, M, 2 + rng.int(4))),
        nFeatures: M,
        baseMargin: rng.next() - 0.5,
        comparison: trial % 2 ? 'lt' : 'le',
        aggregate: 'sum',
        output: 'logit',
      };
      const X = randomX(rng, 4, M);
      const f = predictEnsemble(e, X);
      // Both forms: the published recursion and the per-leaf tables.
      for (const method of ['recursive', 'tables'] as const) {
        const { base, phi } = treeShap(e, X, method);
        for (let i = 0; i < X.n; i++) {
          const exact = bruteForce(e, rowOf(X, i));
          for (let k = 0; k < M; k++)
            expect(Math.abs(phi[i * M + k] - exact[k])).toBeLessThan(1e-9);
          let s = base;
          for (let k = 0; k < M; k++) s += phi[i * M + k];
          expect(Math.abs(s - f[i])).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('gives 0 to unused features, v_hot − E to a stump, and averages for mean ensembles', () => {
    const stump: FlatTree = {
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      feature: Int32Array.from([1, -1, -1]),
      threshold: Float64Array.from([0.5, 0, 0]),
      defaultLeft: Uint8Array.from([0, 0, 0]),
      value: Float64Array.from([0, 2, -1]),
      cover: Float64Array.from([4, 3, 1]),
    };
    const X: EncodedMatrix = { n: 1, p: 3, data: Float64Array.from([9, 0.2, 9]), columns: [] };
    const E = (3 * 2 + 1 * -1) / 4;
    const one = treeShap(
      {
        trees: [stump],
        nFeatures: 3,
        baseMargin: 0,
        comparison: 'lt',
        aggregate: 'sum',
        output: 'logit',
      },
      X,
    );
    expect(one.base).toBeCloseTo(E, 12);
    expect(Array.from(one.phi)).toEqual([0, 2 - E, 0]);
    const avg = treeShap(
      {
        trees: [stump, stump],
        nFeatures: 3,
        baseMargin: 0,
        comparison: 'lt',
        aggregate: 'mean',
        output: 'probability',
      },
      X,
    );
    expect(avg.base).toBeCloseTo(E, 12);
    expect(avg.phi[1]).toBeCloseTo(2 - E, 12);
  });

  it('falls back to the recursion for trees deeper than the table limit', () => {
    const rng = makeRng(11);
    const deep = randomTree(rng, 14, 13);
    const e: TreeEnsemble = {
      trees: [deep],
      nFeatures: 14,
      baseMargin: 0,
      comparison: 'lt',
      aggregate: 'sum',
      output: 'logit',
    };
    const X = randomX(rng, 20, 14);
    const a = treeShap(e, X, 'recursive').phi;
    const b = treeShap(e, X, 'tables').phi;
    for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-12);
  });

  it('swaps the values of two symmetric features when their inputs swap', () => {
    // f = [x0 < 0] + [x1 < 0] with equal covers: the features are exchangeable.
    const t = (f: number): FlatTree => ({
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      feature: Int32Array.from([f, -1, -1]),
      threshold: Float64Array.from([0, 0, 0]),
      defaultLeft: Uint8Array.from([0, 0, 0]),
      value: Float64Array.from([0, 1, 0]),
      cover: Float64Array.from([2, 1, 1]),
    });
    const e: TreeEnsemble = {
      trees: [t(0), t(1)],
      nFeatures: 2,
      baseMargin: 0,
      comparison: 'lt',
      aggregate: 'sum',
      output: 'logit',
    };
    const a = treeShap(e, { n: 1, p: 2, data: Float64Array.from([-1, 1]), columns: [] }).phi;
    const b = treeShap(e, { n: 1, p: 2, data: Float64Array.from([1, -1]), columns: [] }).phi;
    expect(a[0]).toBeCloseTo(b[1], 12);
    expect(a[1]).toBeCloseTo(b[0], 12);
  });

  it('stays exact when a branch has no cover', () => {
    const t: FlatTree = {
      left: Int32Array.from([1, -1, 3, -1, -1]),
      right: Int32Array.from([2, -1, 4, -1, -1]),
      feature: Int32Array.from([0, -1, 1, -1, -1]),
      threshold: Float64Array.from([0, 0, 0, 0, 0]),
      defaultLeft: Uint8Array.from([0, 0, 0, 0, 0]),
      value: Float64Array.from([0, 1, 0, 5, -3]),
      cover: Float64Array.from([10, 10, 0, 0, 0]),
    };
    const e: TreeEnsemble = {
      trees: [t],
      nFeatures: 2,
      baseMargin: 0,
      comparison: 'lt',
      aggregate: 'sum',
      output: 'logit',
    };
    const X: EncodedMatrix = { n: 2, p: 2, data: Float64Array.from([-1, 1, 1, -1]), columns: [] };
    const f = predictEnsemble(e, X);
    for (const method of ['recursive', 'tables'] as const) {
      const { base, phi } = treeShap(e, X, method);
      for (let i = 0; i < 2; i++) expect(base + phi[2 * i] + phi[2 * i + 1]).toBeCloseTo(f[i], 12);
    }
  });
});
