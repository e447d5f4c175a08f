/**
 * The hot loops of GBDT training, kept as plain functions over typed arrays so V8 keeps them
 * monomorphic: per-row logistic gradients and dense row-major histogram accumulation. The helper
 * thread (gbdt-hist-pool.ts) runs plain-JS copies of the same loops.
 */

/** Rows [a, b): the same arithmetic as the helper's copy in gbdt-hist-pool.ts. */
export function logisticGradients(
  margin: Float64Array,
  y: Float64Array,
  w: Float64Array,
  gh: Float64Array,
  a: number,
  b: number,
): void {
  for (let i = a; i < b; i++) {
    const pr = 1 / (1 + Math.exp(-margin[i]));
    const wi = w[i];
    gh[2 * i] = (pr - y[i]) * wi;
    gh[2 * i + 1] = Math.max(pr * (1 - pr), 1e-16) * wi;
  }
}

// The two hot loops of training, kept as plain functions over typed arrays so V8 keeps them
// monomorphic.
/** Features [f0, f1) of rows[start, start + m); gbdt-hist-pool.ts runs the same loop. */
export function accumulateRange(
  hist: Float64Array,
  rm: Uint16Array,
  rows: Uint32Array,
  start: number,
  m: number,
  p: number,
  gh: Float64Array,
  f0: number,
  f1: number,
): void {
  const f4 = f0 + ((f1 - f0) & ~3);
  for (let k = 0; k < m; k++) {
    const r = rows[start + k];
    const rb = r * p;
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    // Unrolled by four: V8 does not unroll, and the loop body is only a few instructions.
    let f = f0;
    for (; f < f4; f += 4) {
      const b0 = rm[rb + f] << 1;
      const b1 = rm[rb + f + 1] << 1;
      const b2 = rm[rb + f + 2] << 1;
      const b3 = rm[rb + f + 3] << 1;
      hist[b0] += g;
      hist[b0 + 1] += h;
      hist[b1] += g;
      hist[b1 + 1] += h;
      hist[b2] += g;
      hist[b2 + 1] += h;
      hist[b3] += g;
      hist[b3 + 1] += h;
    }
    for (; f < f1; f++) {
      const b = rm[rb + f] << 1;
      hist[b] += g;
      hist[b + 1] += h;
    }
  }
}

export function accumulateSome(
  hist: Float64Array,
  rm: Uint16Array,
  rows: Uint32Array,
  start: number,
  m: number,
  p: number,
  gh: Float64Array,
  features: Int32Array,
): void {
  const nf = features.length;
  for (let k = 0; k < m; k++) {
    const r = rows[start + k];
    const rb = r * p;
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    for (let a = 0; a < nf; a++) {
      const b = rm[rb + features[a]] << 1;
      hist[b] += g;
      hist[b + 1] += h;
    }
  }
}
