import { aucStandardError, meanSe, pickWithTieRule, scoreSpread, signalVerdict } from './selection';

describe('the tie rule', () => {
  it('keeps the simpler (earlier) candidate when its shortfall is inside the folds’ noise', () => {
    const simple = { foldAuc: [0.7, 0.74, 0.69, 0.73] };
    // Better by 0.005 on average, but the paired differences swing by ±0.02.
    const complex = { foldAuc: [0.72, 0.72, 0.71, 0.72] };
    const r = pickWithTieRule([simple, complex]);
    expect(r.best).toBe(1);
    expect(r.tied).toEqual([0, 1]);
    expect(r.index).toBe(0);
  });

  it('takes the better candidate when it wins beyond the noise', () => {
    const simple = { foldAuc: [0.7, 0.72, 0.69, 0.71] };
    const complex = { foldAuc: [0.75, 0.76, 0.75, 0.77] };
    expect(pickWithTieRule([simple, complex])).toMatchObject({ index: 1, best: 1, tied: [1] });
  });

  it('compares folds pairwise, so a fold hard for everyone is not noise', () => {
    // Folds differ a lot, but the complex model is better on every one by 0.02.
    const simple = { foldAuc: [0.6, 0.8, 0.7] };
    const complex = { foldAuc: [0.62, 0.82, 0.72] };
    expect(pickWithTieRule([simple, complex]).index).toBe(1);
  });

  it('skips folds without a score and candidates with none', () => {
    const a = { foldAuc: [NaN, 0.7, 0.71] };
    const b = { foldAuc: [NaN, NaN, NaN] };
    expect(pickWithTieRule([b, a]).index).toBe(1);
    expect(meanSe([NaN, 1, 3])).toEqual({ mean: 2, se: 1, n: 2 });
  });

  it("prefer 'best' takes the best mean even inside the noise, and reports the same ties", () => {
    const simple = { foldAuc: [0.7, 0.74, 0.69, 0.73] };
    const complex = { foldAuc: [0.72, 0.72, 0.71, 0.72] };
    expect(pickWithTieRule([simple, complex], 'best')).toEqual({ index: 1, best: 1, tied: [0, 1] });
    expect(pickWithTieRule([simple, complex], 'simplest').index).toBe(0);
  });
});

describe('the signal verdict', () => {
  const spread = Array.from({ length: 200 }, (_, i) => i / 2);

  it('passes a model that beats chance clearly', () => {
    const v = signalVerdict(
      [0.78, 0.8, 0.79].map((auc) => ({ auc, positives: 200, negatives: 800 })),
      spread,
    );
    expect(v).toMatchObject({ ok: true, code: 'OK' });
  });

  it('fails a model near chance, and one whose margin the folds do not support', () => {
    const near = signalVerdict(
      [0.51, 0.505, 0.515].map((auc) => ({ auc, positives: 5000, negatives: 5000 })),
      spread,
    );
    expect(near).toMatchObject({ ok: false, code: 'NO_SIGNAL' });
    // 0.56 on average, but on ten positives per fold that is well inside the sampling error.
    const thin = signalVerdict(
      [0.62, 0.5, 0.56].map((auc) => ({ auc, positives: 10, negatives: 90 })),
      spread,
    );
    expect(thin.code).toBe('NO_SIGNAL');
    expect(thin.message).toMatch(/mean AUC 0\.560 over 3 folds/);
  });

  it('fails constant and near-constant scores whatever the AUC', () => {
    const folds = [0.8, 0.8].map((auc) => ({ auc, positives: 100, negatives: 100 }));
    expect(signalVerdict(folds, new Array(100).fill(21.3)).code).toBe('CONSTANT_SCORES');
    const near = Array.from({ length: 100 }, (_, i) => 30 + (i % 5) * 0.1);
    expect(signalVerdict(folds, near)).toMatchObject({ code: 'CONSTANT_SCORES' });
    expect(scoreSpread(near).spread).toBeCloseTo(0.4, 12);
    expect(scoreSpread(near).distinct).toBe(5);
  });

  it('scoreSpread reads the 5th and 95th percentiles of a sorted copy, without sorting', () => {
    let seed = 7;
    const next = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 100;
    for (const n of [1, 2, 19, 20, 21, 1000, 4099]) {
      // Repeated values (scores of a tree) mixed with continuous ones.
      const scores = Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? Math.round(next()) : next(),
      );
      const sorted = [...scores].sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]!;
      const got = scoreSpread(scores);
      expect(got.spread).toBe(at(0.95) - at(0.05));
      expect(got.distinct).toBe(new Set(sorted.map((x) => Math.round(x * 10))).size);
    }
  });

  it('Hanley–McNeil: more rows, smaller error; 0.5 on balanced classes matches the closed form', () => {
    expect(aucStandardError(0.8, 400, 400)).toBeLessThan(aucStandardError(0.8, 40, 40));
    // At AUC 0.5, Q1 = 1/3 and Q2 = 1/3: var = (0.25 + (m+n-2)/12) / (m n).
    expect(aucStandardError(0.5, 10, 10)).toBeCloseTo(Math.sqrt((0.25 + 18 / 12) / 100), 12);
  });
});
