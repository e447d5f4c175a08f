import {
  applyCalibration,
  chooseCalibration,
  fitIsotonic,
  fitPlatt,
  type Calibration,
} from './calibration';
import { makeRng } from '../rng';

function sample(n: number, seed: number, distort: (m: number) => number) {
  const rng = makeRng(seed);
  const m = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    m[i] = 6 * rng.next() - 3;
    y[i] = rng.next() < distort(m[i]!) ? 1 : 0;
  }
  return { m, y };
}

function expectMonotone(c: Calibration): void {
  let prev = -Infinity;
  for (let x = -8; x <= 8; x += 0.01) {
    const p = applyCalibration(c, x);
    expect(p).toBeGreaterThanOrEqual(prev);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    prev = p;
  }
}

describe('calibration', () => {
  const sig = (z: number) => 1 / (1 + Math.exp(-z));

  it('Platt recovers a linear distortion of the logit', () => {
    const { m, y } = sample(20000, 3, (x) => sig(2 * x - 0.5));
    const c = fitPlatt(m, y);
    if (c.method !== 'platt') throw new Error('expected platt');
    expect(c.a).toBeCloseTo(2, 0);
    expect(c.b).toBeCloseTo(-0.5, 0);
    expectMonotone(c);
  });

  it('isotonic (PAV) pools adjacent violators', () => {
    // Margins 1..4 with labels 1, 0, 1, 1: the first two violate and pool to 0.5.
    const c = fitIsotonic([1, 2, 3, 4], [1, 0, 1, 1]);
    expect(applyCalibration(c, 1)).toBeCloseTo(0.5, 6);
    expect(applyCalibration(c, 2)).toBeCloseTo(0.5, 6);
    expect(applyCalibration(c, 4)).toBeCloseTo(1 - 1e-6, 9);
    expectMonotone(c);
  });

  it('every calibrator is monotone non-decreasing, even on noisy or inverted data', () => {
    for (const seed of [1, 2, 3]) {
      const noisy = sample(500, seed, (x) => sig(Math.sin(3 * x)));
      expectMonotone(fitIsotonic(noisy.m, noisy.y));
      expectMonotone(fitPlatt(noisy.m, noisy.y));
      const inverted = sample(500, seed, (x) => sig(-x));
      const p = fitPlatt(inverted.m, inverted.y);
      expectMonotone(p);
      if (p.method === 'platt') expect(p.a).toBe(0);
      expectMonotone(chooseCalibration(noisy.m, noisy.y, 'logit').calibration);
    }
  });

  it('chooses by out-of-fold log loss: none for an already calibrated margin, a fit for a distorted one', () => {
    const good = sample(6000, 5, sig);
    const g = chooseCalibration(good.m, good.y, 'logit');
    const none = g.candidates.find((c) => c.method === 'none')!;
    const best = g.candidates.find((c) => c.method === g.calibration.method)!;
    expect(best.logLoss).toBeLessThanOrEqual(none.logLoss);
    expect(none.logLoss - best.logLoss).toBeLessThan(0.005);

    const bad = sample(6000, 6, (x) => sig(0.3 * x + 1));
    const b = chooseCalibration(bad.m, bad.y, 'logit');
    expect(b.calibration.method).not.toBe('none');
    const noneBad = b.candidates.find((c) => c.method === 'none')!.logLoss;
    expect(Math.min(...b.candidates.map((c) => c.logLoss))).toBeLessThan(noneBad - 0.05);
  });
});
