import { makeRng } from '../rng';
import { isModelError } from '../errors';
import { chooseFoldCount, rollingOriginFolds, type Fold } from './folds';
import { timeOrder, type Label } from './split';

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
    expect(() => rollingOriginFolds([1, 0, 1, 0, 1], undefined, { folds: 5 })).toThrow(
      /backtest folds/,
    );
    expect(() => rollingOriginFolds([0, 1], undefined, { initialShare: 1 })).toThrow(
      /initialShare/,
    );
  });

  it('refuses options it cannot use', () => {
    expect(() => rollingOriginFolds([0, 1], undefined, { minTrainPerClass: 0 })).toThrow(
      /minTrainPerClass/,
    );
  });
});

/**
 * The layout as it was before the first origin could move (a verbatim copy of the old cut): every
 * data set whose first window held both outcomes trained then, and must keep exactly these folds
 * (bench:real and bench:small rest on them).
 */
function previousLayout(
  labels: readonly Label[],
  times: readonly number[] | undefined,
  opts: { folds?: number; initialShare?: number; embargo?: number; minMinorityPerFold?: number },
): Fold[] {
  const share = opts.initialShare ?? 0.4;
  const embargo = opts.embargo ?? 0;
  const order = timeOrder(labels.length, times);
  const labelled = order.filter((i) => labels[i] !== null);
  const n = labelled.length;
  const start = Math.round(n * share);
  let pos = 0;
  for (let r = start; r < n; r++) pos += labels[labelled[r]!] === 1 ? 1 : 0;
  const minority = Math.min(pos, n - start - pos);
  const k = opts.folds ?? chooseFoldCount(n, minority, opts.minMinorityPerFold);
  const when = (row: number, rank: number): number => (times ? times[row]! : rank);
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const from = start + Math.round((f * (n - start)) / k);
    const to = start + Math.round(((f + 1) * (n - start)) / k);
    const origin = when(labelled[from]!, from);
    const train: number[] = [];
    let embargoed = 0;
    for (let r = 0; r < from; r++) {
      const row = labelled[r]!;
      if (when(row, r) + embargo < origin) train.push(row);
      else embargoed++;
    }
    folds.push({ fold: f + 1, train, embargoed, test: labelled.slice(from, to), origin });
  }
  return folds;
}

const DAY = 86_400_000;

describe('the first origin on short or one-sided history', () => {
  const bothOutcomes = (ls: readonly Label[], idx: readonly number[]) => {
    const pos = idx.filter((i) => ls[i] === 1).length;
    return pos > 0 && pos < idx.length;
  };

  it('keeps the layout of every data set whose first window held both outcomes', () => {
    // Typical data of many shapes: sizes from a small CSV to a large export, conversion rates from
    // rare to common, with and without times (ties, shuffled rows), censored rows and embargoes —
    // including thin first windows (a single conversion) that trained before.
    const rng = makeRng(11);
    let compared = 0;
    for (let d = 0; d < 60; d++) {
      const n = [60, 120, 400, 2_000, 7_000, 12_000][d % 6]!;
      const rate = [0.02, 0.1, 0.3, 0.6][Math.floor(d / 6) % 4]!;
      const timed = d % 3 !== 0;
      const times = timed
        ? Array.from({ length: n }, () => Math.floor(rng.next() * 500) * DAY)
        : undefined;
      const labels: Label[] = Array.from({ length: n }, () =>
        rng.next() < 0.05 ? null : rng.next() < rate ? 1 : 0,
      );
      const opts = {
        embargo: timed && d % 2 === 0 ? 30 * DAY : 0,
        ...(d % 5 === 0 ? { folds: 3 } : {}),
        ...(d % 7 === 0 ? { initialShare: 0.5 } : {}),
      };
      const before = previousLayout(labels, times, opts);
      if (!bothOutcomes(labels, before[0]!.train)) continue;
      const plan = rollingOriginFolds(labels, times, opts);
      expect(plan.moved).toBeUndefined();
      expect(plan.folds).toEqual(before);
      compared++;
    }
    // The generator above must really exercise the comparison.
    expect(compared).toBeGreaterThan(45);
    // A first window with a single conversion trained before: it is not moved either.
    const thin: Label[] = Array.from({ length: 200 }, (_, i) =>
      i === 3 ? 1 : i < 80 ? 0 : i % 3 === 0 ? 1 : 0,
    );
    expect(rollingOriginFolds(thin).folds).toEqual(previousLayout(thin, undefined, {}));
  });

  it('moves the first origin past oldest rows that never converted, with fewer folds', () => {
    // 150 leads; the oldest 90 never converted, then one in three does.
    const labels: Label[] = Array.from({ length: 150 }, (_, i) =>
      i < 90 ? 0 : i % 3 === 0 ? 1 : 0,
    );
    const before = previousLayout(labels, undefined, {});
    expect(bothOutcomes(labels, before[0]!.train)).toBe(false);
    const plan = rollingOriginFolds(labels);
    // The earliest origin with 10 of each outcome before it: the 10th conversion is row 117.
    expect(plan.moved).toEqual({ from: 60, to: 118 });
    const first = plan.folds[0]!;
    expect(first.train.filter((i) => labels[i] === 1)).toHaveLength(10);
    expect(first.test[0]).toBe(118);
    // 32 rows left, 10 of them converted: fewer folds (two, the floor), consecutive to the end.
    expect(plan.folds).toHaveLength(2);
    expect(plan.folds.flatMap((f) => f.test)).toEqual(plan.labelled.slice(118));
    for (const f of plan.folds) expect(Math.max(...f.train)).toBeLessThan(f.test[0]!);
  });

  it('moves it past an embargo that leaves the default window one-sided', () => {
    // A young portal: a lead a day for a year, outcomes known 120 days after; the embargo
    // leaves the oldest 40 % with only its first weeks, which never converted.
    const n = 365;
    const times = Array.from({ length: n }, (_, i) => i * DAY);
    const labels: Label[] = times.map((_, i) => (i < 40 ? 0 : i % 4 === 0 ? 1 : 0));
    const embargo = 120 * DAY;
    const before = previousLayout(labels, times, { embargo });
    expect(before[0]!.train).toHaveLength(26);
    expect(bothOutcomes(labels, before[0]!.train)).toBe(false);
    const plan = rollingOriginFolds(labels, times, { embargo });
    expect(plan.moved!.from).toBe(146);
    const first = plan.folds[0]!;
    const pos = first.train.filter((i) => labels[i] === 1).length;
    expect(pos).toBe(10);
    expect(first.train.length - pos).toBeGreaterThanOrEqual(10);
    for (const f of plan.folds)
      for (const i of f.train) expect(times[i]! + embargo).toBeLessThan(f.origin);
    // The earliest such origin: one row earlier the window held only 9 conversions.
    const earlier = times[first.test[0]! - 1]!;
    const window = labels.filter((l, i) => l === 1 && times[i]! + embargo < earlier);
    expect(window).toHaveLength(9);
  });

  it('says how many of each outcome there are and how many are needed when no origin works', () => {
    // Every conversion among the newest rows: a window with 10 of them leaves none to test on.
    const labels: Label[] = Array.from({ length: 120 }, (_, i) => (i < 85 ? 0 : 1));
    let err: unknown;
    try {
      rollingOriginFolds(labels);
    } catch (e) {
      err = e;
    }
    expect(isModelError(err, 'SHORT_HISTORY')).toBe(true);
    const e = err as Error & { hint?: string; details?: Record<string, unknown> };
    expect(e.message).toMatch(/35 converted and 85 non-converted/);
    expect(e.message).toMatch(/10 of each before it/);
    expect(e.hint).toMatch(/10 or more of each/);
    expect(e.details).toMatchObject({ positives: 35, negatives: 85, neededPerClass: 10 });
  });
});
