import { makeRng } from '../rng';
import {
  ladderSizes,
  scheduleSearch,
  stratifiedSample,
  testCapFor,
  DEFAULT_BUDGET_THRESHOLD,
} from './budget';
import { rollingOriginFolds } from './folds';
import type { Label } from './split';

describe('search schedule for large data', () => {
  const rng = makeRng(11);
  const n = 4000;
  const labels: Label[] = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const plan = rollingOriginFolds(labels);

  it('samples one row per equal stratum of the window, in time order, the same for a seed', () => {
    const idx = Array.from({ length: 1000 }, (_, i) => 5000 + i);
    const a = stratifiedSample(idx, 100, 42);
    expect(a).toHaveLength(100);
    a.forEach((row, j) => {
      expect(row).toBeGreaterThanOrEqual(5000 + j * 10);
      expect(row).toBeLessThan(5000 + (j + 1) * 10);
    });
    expect(stratifiedSample(idx, 100, 42)).toEqual(a);
    expect(stratifiedSample(idx, 100, 43)).not.toEqual(a);
    expect(stratifiedSample(idx, 2000, 42)).toEqual(idx);
  });

  it('caps a block where one fold’s AUC error reaches the target', () => {
    // 1 / (12 · 0.005² · 0.25) = 13,333.3…
    expect(testCapFor(0.5)).toBe(13_334);
    // Rarer positives need more rows for the same error.
    expect(testCapFor(0.05)!).toBeGreaterThan(testCapFor(0.3)!);
    expect(testCapFor(0)).toBeNull();
  });

  it('leaves the folds untouched up to the threshold (small data behaves as before)', () => {
    const s = scheduleSearch(plan, labels, 6, 1);
    expect(DEFAULT_BUDGET_THRESHOLD).toBeGreaterThan(n);
    expect(s.folds).toBe(plan.folds);
    expect(s.report).toMatchObject({ budgeted: false, trainCap: null, testCap: null });
    // At the threshold exactly: still not budgeted.
    expect(scheduleSearch(plan, labels, 6, 1, { threshold: n }).folds).toBe(plan.folds);
  });

  it('above it, fits each fold on a sample of its own window no larger than the caps', () => {
    const opts = { threshold: 1000, aucSe: 0.05 };
    const s = scheduleSearch(plan, labels, 6, 1, opts);
    const { trainCap, testCap } = s.report;
    expect(s.report.budgeted).toBe(true);
    // The test cap from the error target; the train cap: the sweeps over the folds fit no more
    // rows than one fit on all rows, never fewer than the test cap.
    expect(testCap).toBe(testCapFor(plan.labelled.filter((i) => labels[i] === 1).length / n, 0.05));
    expect(trainCap).toBe(Math.max(testCap!, Math.ceil(n / (plan.folds.length * 6))));
    s.folds.forEach((f, k) => {
      const full = plan.folds[k]!;
      expect(f.train).toHaveLength(Math.min(trainCap!, full.train.length));
      expect(f.test).toHaveLength(Math.min(testCap!, full.test.length));
      const tr = new Set(full.train);
      const te = new Set(full.test);
      expect(f.train.every((i) => tr.has(i))).toBe(true);
      expect(f.test.every((i) => te.has(i))).toBe(true);
      expect(f.origin).toBe(full.origin);
    });
    // Seeded: the same input and seed give the same samples, another seed others.
    expect(scheduleSearch(plan, labels, 6, 1, opts).folds).toEqual(s.folds);
    expect(scheduleSearch(plan, labels, 6, 2, opts).folds).not.toEqual(s.folds);
  });

  it('grows the GBDT ladder 4× a step, ending at the whole window', () => {
    expect(ladderSizes(100_000, 5_000)).toEqual([5_000, 20_000, 80_000, 100_000]);
    expect(ladderSizes(20_000, 5_000)).toEqual([5_000, 20_000]);
    expect(ladderSizes(5_000, 5_000)).toEqual([]);
  });
});
