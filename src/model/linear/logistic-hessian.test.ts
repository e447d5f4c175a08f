import { makeRng } from '../rng';
import { designFor } from './logistic-hessian';

/** The dense passes the builder's sparse ones must reproduce bit for bit. */
const BLOCK = 2048;

function denseMatVec(
  X: { n: number; p: number; data: Float64Array },
  v: Float64Array,
  c: number,
): Float64Array {
  const { n, p, data } = X;
  const out = new Float64Array(n);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    out.fill(c, i0, i1);
    for (let j = 0; j < p; j++) {
      const b = v[j]!;
      if (b === 0) continue;
      for (let i = i0; i < i1; i++) out[i]! += b * data[j * n + i]!;
    }
  }
  return out;
}

function denseMatTVec(
  X: { n: number; p: number; data: Float64Array },
  r: Float64Array,
): Float64Array {
  const { n, p, data } = X;
  const out = new Float64Array(p);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    for (let j = 0; j < p; j++) {
      let a0 = 0;
      let a1 = 0;
      let i = i0;
      for (; i + 1 < i1; i += 2) {
        a0 += data[j * n + i]! * r[i]!;
        a1 += data[j * n + i + 1]! * r[i + 1]!;
      }
      if (i < i1) a0 += data[j * n + i]! * r[i]!;
      out[j]! += a0 + a1;
    }
  }
  return out;
}

/** Dense numbers, one-hot groups, a rare indicator and an all-zero column; odd n. */
function mixedMatrix(n: number) {
  const rng = makeRng(3);
  const cols: Float64Array[] = [];
  for (let j = 0; j < 3; j++) cols.push(Float64Array.from({ length: n }, () => rng.next() * 4 - 2));
  for (const k of [3, 7, 12]) {
    const group = Array.from({ length: k }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) group[Math.floor(rng.next() * k)]![i] = 1;
    cols.push(...group);
  }
  cols.push(Float64Array.from({ length: n }, () => (rng.next() < 0.02 ? 1 : 0)));
  cols.push(new Float64Array(n));
  // A sparse column whose non-zero values are not 1 (a count, mostly 0).
  cols.push(Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? rng.next() * 9 : 0)));
  const p = cols.length;
  const data = new Float64Array(n * p);
  cols.forEach((c, j) => data.set(c, j * n));
  return { n, p, data, rng };
}

describe('HessianBuilder passes over X', () => {
  it.each([[9001], [70_001]])('X·v and Xᵀr equal the dense passes bit for bit (n = %i)', (n) => {
    const { rng, ...X } = mixedMatrix(n);
    const design = designFor(X);
    const v = Float64Array.from({ length: X.p }, (_, j) => (j % 5 === 4 ? 0 : rng.next() - 0.5));
    const r = Float64Array.from({ length: n }, () => rng.next() - 0.5);
    const mv = new Float64Array(n);
    design.matVec(v, 0.25, mv);
    expect(Array.from(mv)).toEqual(Array.from(denseMatVec(X, v, 0.25)));
    const mt = new Float64Array(X.p);
    design.matTVec(r, mt);
    expect(Array.from(mt)).toEqual(Array.from(denseMatTVec(X, r)));
    // A second pass reuses the cursors: same answer again.
    design.matTVec(r, mt);
    expect(Array.from(mt)).toEqual(Array.from(denseMatTVec(X, r)));
  });

  it('keeps one builder per matrix', () => {
    const { rng: _rng, ...X } = mixedMatrix(500);
    expect(designFor(X)).toBe(designFor({ ...X }));
    const other = { ...X, data: Float64Array.from(X.data) };
    expect(designFor(other)).not.toBe(designFor(X));
  });
});
