/**
 * Maps a model's raw output (log-odds margin, or a probability for probability-output trees)
 * to a calibrated probability. Every calibrator is monotone non-decreasing, which the points
 * method of the explainer relies on (a higher margin never shows a lower score).
 */
import { sigmoid, log1pExp } from '../linear/logistic';
import { brier, logLoss } from './metrics';

export type Calibration =
  | { method: 'none'; input: 'logit' | 'probability' }
  | { method: 'platt'; a: number; b: number }
  /** Piecewise-linear through (x[k], y[k]), x strictly increasing, y non-decreasing. */
  | { method: 'isotonic'; x: number[]; y: number[] };

const EPS = 1e-6;

export function applyCalibration(c: Calibration, m: number): number {
  if (c.method === 'none') return c.input === 'logit' ? sigmoid(m) : Math.min(1, Math.max(0, m));
  if (c.method === 'platt') return sigmoid(c.a * m + c.b);
  const { x, y } = c;
  if (m <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (m >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= m) lo = mid;
    else hi = mid;
  }
  const t = (m - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}

/** The displayed 0–100 score of a calibrated probability. */
export function scoreFromProbability(p: number): number {
  return 100 * p;
}

/**
 * Platt scaling: p = σ(a·m + b) fitted by Newton on the margins, with Platt's smoothed targets
 * so a perfectly separated validation slice does not send a to infinity. a is kept ≥ 0.
 */
export function fitPlatt(m: ArrayLike<number>, y: ArrayLike<number>): Calibration {
  const n = m.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const tPos = (pos + 1) / (pos + 2);
  const tNeg = 1 / (n - pos + 2);
  let a = 1;
  let b = 0;
  const obj = (aa: number, bb: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const z = aa * m[i]! + bb;
      const t = y[i] === 1 ? tPos : tNeg;
      s += t * log1pExp(-z) + (1 - t) * log1pExp(z);
    }
    return s;
  };
  let f = obj(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const z = a * m[i]! + b;
      const p = sigmoid(z);
      const r = p - (y[i] === 1 ? tPos : tNeg);
      const s = p * (1 - p);
      ga += r * m[i]!;
      gb += r;
      haa += s * m[i]! * m[i]!;
      hab += s * m[i]!;
      hbb += s;
    }
    if (Math.max(Math.abs(ga), Math.abs(gb)) < 1e-10 * n) break;
    const det = haa * hbb - hab * hab;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let improved = false;
    while (step > 1e-10) {
      const fa = obj(a - step * da, b - step * db);
      if (fa <= f) {
        a -= step * da;
        b -= step * db;
        improved = f - fa > 1e-14 * Math.abs(f);
        f = fa;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  if (a < 0) {
    // A model worse than chance on validation: a flat calibration is the monotone best.
    return { method: 'platt', a: 0, b: Math.log((pos + 1) / (n - pos + 1)) };
  }
  return { method: 'platt', a, b };
}

/** Isotonic regression by pool-adjacent-violators, then clipped away from 0 and 1. */
export function fitIsotonic(m: ArrayLike<number>, y: ArrayLike<number>): Calibration {
  const n = m.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => m[a]! - m[b]!);
  // One block per distinct margin first, so tied margins share one value.
  const bx: number[] = [];
  const by: number[] = [];
  const bw: number[] = [];
  for (let k = 0; k < n;) {
    let j = k;
    let sy = 0;
    while (j < n && m[idx[j]!] === m[idx[k]!]) sy += y[idx[j++]!]!;
    bx.push(m[idx[k]!]!);
    by.push(sy / (j - k));
    bw.push(j - k);
    k = j;
  }
  // PAV over blocks: a stack of pooled blocks, each with a value, a weight and its x span.
  const vy: number[] = [];
  const vw: number[] = [];
  const xLo: number[] = [];
  const xHi: number[] = [];
  for (let k = 0; k < bx.length; k++) {
    vy.push(by[k]!);
    vw.push(bw[k]!);
    xLo.push(bx[k]!);
    xHi.push(bx[k]!);
    while (vy.length > 1 && vy[vy.length - 2]! >= vy[vy.length - 1]!) {
      const w2 = vw.pop()!;
      const y2 = vy.pop()!;
      const hi = xHi.pop()!;
      xLo.pop();
      const t = vy.length - 1;
      vy[t] = (vy[t]! * vw[t]! + y2 * w2) / (vw[t]! + w2);
      vw[t]! += w2;
      xHi[t] = hi;
    }
  }
  // Knots at both ends of every pooled block: flat inside a block, linear between blocks.
  const x: number[] = [];
  const yy: number[] = [];
  for (let t = 0; t < vy.length; t++) {
    const v = Math.min(1 - EPS, Math.max(EPS, vy[t]!));
    x.push(xLo[t]!);
    yy.push(v);
    if (xHi[t]! > xLo[t]!) {
      x.push(xHi[t]!);
      yy.push(v);
    }
  }
  return { method: 'isotonic', x, y: yy };
}

export interface CalibrationChoice {
  calibration: Calibration;
  /** Out-of-fold log loss and Brier of each method on the validation slice. */
  candidates: Array<{ method: Calibration['method']; logLoss: number; brier: number }>;
}

/**
 * Picks the calibrator by out-of-fold log loss on the validation slice (two interleaved folds,
 * fit on one and scored on the other, so the flexible isotonic fit is not judged on the rows it
 * memorised), then refits the winner on the whole slice.
 */
export function chooseCalibration(
  m: ArrayLike<number>,
  y: ArrayLike<number>,
  input: 'logit' | 'probability',
): CalibrationChoice {
  const n = m.length;
  const fits: Record<'platt' | 'isotonic', (mm: number[], yy: number[]) => Calibration> = {
    platt: fitPlatt,
    isotonic: fitIsotonic,
  };
  const none: Calibration = { method: 'none', input };
  const oof = {
    none: new Float64Array(n),
    platt: new Float64Array(n),
    isotonic: new Float64Array(n),
  };
  for (let fold = 0; fold < 2; fold++) {
    const tm: number[] = [];
    const ty: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 2 !== fold) {
        tm.push(m[i]!);
        ty.push(y[i]!);
      }
    }
    const cal = { platt: fits.platt(tm, ty), isotonic: fits.isotonic(tm, ty) };
    for (let i = fold; i < n; i += 2) {
      oof.none[i] = applyCalibration(none, m[i]!);
      oof.platt[i] = applyCalibration(cal.platt, m[i]!);
      oof.isotonic[i] = applyCalibration(cal.isotonic, m[i]!);
    }
  }
  const candidates = (['none', 'platt', 'isotonic'] as const).map((method) => ({
    method,
    logLoss: logLoss(y, oof[method]),
    brier: brier(y, oof[method]),
  }));
  // Log loss decides; Brier breaks near-ties (within 1e-4).
  const best = [...candidates].sort((a, b) =>
    Math.abs(a.logLoss - b.logLoss) > 1e-4 ? a.logLoss - b.logLoss : a.brier - b.brier,
  )[0]!;
  const calibration =
    best.method === 'none' ? none : fits[best.method](Array.from(m), Array.from(y));
  return { calibration, candidates };
}
