/**
 * Log-odds SHAP values → integer points on the 0–100 score scale (reference/ml.md §3.4,
 * generalised to any monotone calibration). One secant factor k = (S − B)/Σφ keeps every
 * factor's sign and rank and makes B + Σ points = S exactly; largest-remainder rounding then
 * makes the displayed integers sum to round(S) − round(B).
 */
import type { Explanation } from './explanation';

export interface Points {
  /** Displayed score, round(100 · cal(f)). */
  score: number;
  /** Displayed baseline, round(100 · cal(φ₀)). */
  base: number;
  /** Unrounded points per field (sum = S − B). */
  exact: Float64Array;
  /** Integer points per field; Σ = score − base. */
  points: Int32Array;
  /** 100 · cal(f) before rounding. */
  scoreExact: number;
}

/** Below this |Σφ| the secant is replaced by its limit, the slope at the base. */
const FLAT = 1e-12;

export function toPoints(expl: Explanation, calibrate: (margin: number) => number): Points {
  let sum = 0;
  for (let i = 0; i < expl.values.length; i++) sum += expl.values[i];
  const f = expl.base + sum;
  const S = 100 * calibrate(f);
  const B = 100 * calibrate(expl.base);
  let k: number;
  if (Math.abs(sum) >= FLAT) k = (S - B) / sum;
  else {
    // Central difference: exact enough for the slope and valid for any calibration map.
    const h = 1e-6;
    k = (100 * (calibrate(expl.base + h) - calibrate(expl.base - h))) / (2 * h);
  }
  if (!Number.isFinite(k) || k < 0) k = 0;
  const m = expl.values.length;
  const exact = new Float64Array(m);
  for (let i = 0; i < m; i++) exact[i] = k * expl.values[i];
  const score = Math.round(S);
  const base = Math.round(B);
  return { score, base, exact, points: largestRemainder(exact, score - base), scoreExact: S };
}

/**
 * Integers close to `x` summing exactly to `target`: floor everything, then give the missing
 * units to the largest fractional parts (or take surplus units from the smallest ones).
 */
export function largestRemainder(x: Float64Array, target: number): Int32Array {
  const m = x.length;
  const out = new Int32Array(m);
  if (m === 0) return out;
  let floorSum = 0;
  for (let i = 0; i < m; i++) {
    out[i] = Math.floor(x[i]);
    floorSum += out[i];
  }
  let rest = target - floorSum;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => {
    const d = x[b] - Math.floor(x[b]) - (x[a] - Math.floor(x[a]));
    // Ties: the stronger factor first, then field order, so the result is deterministic.
    return d !== 0 ? d : Math.abs(x[b]) - Math.abs(x[a]) || a - b;
  });
  // |rest| ≤ m mathematically; the loops also absorb float noise at the edges.
  for (let r = 0; rest > 0; r++, rest--) out[order[r % m]] += 1;
  for (let r = 0; rest < 0; r++, rest++) out[order[m - 1 - (r % m)]] -= 1;
  return out;
}
