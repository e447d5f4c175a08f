import { makeRng } from '../rng';
import { chooseFoldCount, rollingOriginFolds } from './folds';
import type { Label } from './split';

describe('rolling-origin folds', () => {
  // Shuffled times (rows are not in time order), some ties, some censored rows.
  const rng = makeRng(7);
  const n = 3000;
  const times = Array.from({ length: n }, () => Math.floor(rng.next() * 1000) * 86_400_000);
  const labels: Label[] = times.map((_, i) => (i % 17 === 0 ? null : rng.next() < 0.3 ? 1 : 0));

  it.each([0, 30 * 86_400_000])(
    'never trains a fold on a row at or after its origin (embargo %d ms)',
    (embargo) => {
      const { folds, labelled, censored } = rollingOriginFolds(labels, times, { embargo });
      expect(censored.every((i) => labels[i] === null)).toBe(true);
      expect(labelled.some((i) => labels[i] === null)).toBe(false);
      for (const f of folds) {
        const firstTest = Math.min(...f.test.map((i) => times[i]!));
        expect(f.origin).toBe(firstTest);
        for (const i of f.train) expect(times[i]! + embargo).toBeLessThan(f.origin);
        // Nothing of the test block, and no censored row, is trained on.
        const test = new Set(f.test);
        expect(f.train.some((i) => test.has(i) || labels[i] === null)).toBe(false);
      }
    },
  );

  it('cuts consecutive, disjoint test blocks over the newest 60 % with expanding training windows', () => {
    const { folds, labelled } = rollingOriginFolds(labels, times, { folds: 4 });
    expect(folds).toHaveLength(4);
    const tested = folds.flatMap((f) => f.test);
    expect(new Set(tested).size).toBe(tested.length);
    expect(tested).toEqual(labelled.slice(labelled.length - tested.length));
    expect(tested.length).toBe(labelled.length - Math.round(labelled.length * 0.4));
    for (let k = 1; k < folds.length; k++) {
      expect(folds[k]!.train.length).toBeGreaterThan(folds[k - 1]!.train.length);
      const prevEnd = Math.max(...folds[k - 1]!.test.map((i) => times[i]!));
      expect(folds[k]!.origin).toBeGreaterThanOrEqual(prevEnd);
    }
  });

  it('an embargo removes the rows whose outcome was still open at the origin', () => {
    const plain = rollingOriginFolds(labels, times, { folds: 3 });
    const held = rollingOriginFolds(labels, times, { folds: 3, embargo: 50 * 86_400_000 });
    for (let k = 0; k < 3; k++) {
      expect(held.folds[k]!.test).toEqual(plain.folds[k]!.test);
      expect(held.folds[k]!.embargoed).toBeGreaterThan(0);
      expect(held.folds[k]!.train.length + held.folds[k]!.embargoed).toBe(
        plain.folds[k]!.train.length + plain.folds[k]!.embargoed,
      );
    }
  });

  it('uses row order without times', () => {
    const ls: Label[] = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const { folds } = rollingOriginFolds(ls, undefined, { folds: 3 });
    expect(folds.map((f) => [f.train.length, f.test[0], f.test.length])).toEqual([
      [40, 40, 20],
      [60, 60, 20],
      [80, 80, 20],
    ]);
    for (const f of folds) expect(Math.max(...f.train)).toBeLessThan(f.test[0]!);
  });

  it('chooses fewer folds for more rows, and fewer when the rarer class is thin', () => {
    expect(chooseFoldCount(2_000, 400)).toBe(5);
    expect(chooseFoldCount(8_000, 1_000)).toBe(4);
    expect(chooseFoldCount(200_000, 10_000)).toBe(3);
    expect(chooseFoldCount(2_000, 50)).toBe(2);
    expect(chooseFoldCount(2_000, 80)).toBe(4);
  });

  it('refuses folds it cannot cut', () => {
    expect(() => rollingOriginFolds([0, 1, 0], undefined, { folds: 5 })).toThrow(/backtest folds/);
    expect(() => rollingOriginFolds([0, 1], undefined, { initialShare: 1 })).toThrow(
      /initialShare/,
    );
  });
});
