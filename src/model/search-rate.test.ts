import { aucNoise, keepFastRate } from './backtest';
import { GBDT_FAST_RATE } from './candidates';
import { budgetedGbdtInput, resumeFaults, TEST_BUDGET, trainUnitByUnit } from './testing/budgeted';
import { trainModel } from './train';

/** The same run configured at the fast rate from the start, with the step off: what the step must equal once kept. */
const configuredAtFastRate = (input: Parameters<typeof trainModel>[0]) =>
  trainModel({
    ...input,
    options: {
      ...input.options,
      budget: { ...TEST_BUDGET, rate: false },
      gbdtParams: { nRounds: 10, learningRate: GBDT_FAST_RATE },
    },
  }).report;

describe('the GBDT learning-rate step of a budgeted search', () => {
  const budget = TEST_BUDGET;
  const withRounds = (nRounds: number, extra: Record<string, unknown> = {}) =>
    budgetedGbdtInput(nRounds, extra);

  it('decides on the first fold when its curve is still rising at the grid maximum', () => {
    // One round count (10 at rate 0.1): the first fold's best is always the grid's maximum.
    // Unweighted only, so the runs below compare the first stage alone.
    const base = withRounds(10);
    const input = { ...base, options: { ...base.options, weightings: [] } };
    const once = trainModel(input);
    const r = once.report;
    const rate = r.backtest.schedule.rate!;
    expect(rate).not.toBeNull();
    expect(rate.fold).toBe(0);
    expect(rate.base.learningRate).toBe(0.1);
    expect(rate.fast.learningRate).toBe(GBDT_FAST_RATE);
    const off = trainModel({
      ...input,
      options: { ...input.options, budget: { ...budget, rate: false } },
    });
    expect(off.report.backtest.schedule.rate).toBeNull();
    expect(off.report.settings.learningRate).toBeUndefined();
    // The base rate's best is the backtests' own first fold at the configured rate.
    const firstFoldBest = (rep: typeof r, depths?: number[]) =>
      Math.max(
        ...rep.backtest.candidates
          .filter((c) => !depths || depths.includes(c.settings.maxDepth!))
          .filter((c) => c.foldAuc.length > 0)
          .map((c) => c.foldAuc[0]!),
      );
    const running = off.report.backtest.candidates
      .filter((c) => !c.pruned || c.foldAuc.length > 1)
      .map((c) => c.settings.maxDepth!);
    // The depths still running after the first fold (a depth stopped there is not refitted).
    const stillRunning = off.report.backtest.candidates
      .filter((c) => !(c.pruned && c.foldAuc.length === 1))
      .map((c) => c.settings.maxDepth!);
    expect(running.length).toBeGreaterThan(0);
    expect(rate.base.auc).toBe(firstFoldBest(off.report, stillRunning));
    // The fast one is what the backtests see on that fold when configured at the fast rate
    // (same rows, same seed).
    const at3 = configuredAtFastRate(input);
    expect(rate.fast.auc).toBe(firstFoldBest(at3, stillRunning));
    // The tie rule: kept unless behind by more than the block's AUC standard error.
    expect(rate.se).toBeGreaterThan(0);
    expect(rate.chosen).toBe(
      rate.fast.auc >= rate.base.auc - rate.se! ? GBDT_FAST_RATE : rate.base.learningRate,
    );
    expect(rate.chosen).toBe(GBDT_FAST_RATE);
    // Kept: every later GBDT fit ran at the fast rate, and the first fold's entries were
    // replaced by the fast fits — the backtests of the running depths are those of a run
    // configured at the fast rate, fold for fold.
    const of = (rep: typeof r, d: number) =>
      rep.backtest.candidates.filter((c) => c.settings.maxDepth === d).map((c) => c.foldAuc);
    for (const d of new Set(stillRunning)) expect(of(r, d)).toEqual(of(at3, d));
    expect(r.settings).toEqual({ ...at3.settings, learningRate: GBDT_FAST_RATE });
    // The final fit uses it: the model differs from the one shipped without the step.
    expect(JSON.stringify(off.artifact)).not.toBe(JSON.stringify(once.artifact));

    // The step is one unit of the resumable run: any split of the units gives the same result.
    const run = trainUnitByUnit(input);
    expect(resumeFaults(run, once)).toEqual([]);
    const { state } = run;
    expect(state!.backtest.rate).toEqual(rate);
  });

  it('is one resumable unit with the weightings and the ladder at the rate kept', () => {
    const input = withRounds(10);
    const once = trainModel(input);
    const rate = once.report.backtest.schedule.rate!;
    expect(rate.chosen).toBe(GBDT_FAST_RATE);
    // The weightings (second stage) ran at the fast rate too: the same as a run configured at it.
    const at3 = configuredAtFastRate(input);
    const weighted = (rep: typeof at3) =>
      rep.backtest.candidates
        .filter((c) => c.weighting.classWeight || c.weighting.recency)
        .map((c) => c.foldAuc);
    expect(weighted(once.report)).toEqual(weighted(at3));
    expect(resumeFaults(trainUnitByUnit(input), once)).toEqual([]);
  });

  it('does not fire when boosting stops before the grid maximum', () => {
    const r = trainModel(withRounds(300)).report;
    const sch = r.backtest.schedule;
    expect(sch.budgeted).toBe(true);
    // The first fold's best round count is below the maximum: not under-boosted, no step.
    expect(r.settings.nRounds).toBeLessThan(300);
    expect(sch.rate).toBeNull();
    expect(r.settings.learningRate).toBeUndefined();
  });

  it('leaves a run below the threshold unchanged', () => {
    // One round count: the grid's maximum is always the best, so only the gate keeps it off.
    const small = withRounds(10, { threshold: 2500 });
    const a = trainModel(small);
    expect(a.report.backtest.schedule).toMatchObject({ budgeted: false, rate: null });
    expect(a.report.settings.learningRate).toBeUndefined();
    // At the maximum, yet the step does not run: the same as with it switched off.
    expect(a.report.settings.nRounds).toBe(10);
    const b = trainModel({
      ...small,
      options: { ...small.options, budget: { ...small.options.budget, rate: false } },
    });
    expect(JSON.stringify(a.artifact)).toBe(JSON.stringify(b.artifact));
  });

  it('keeps the faster rate within the noise and not beyond it', () => {
    // 30 converted of 100: SE = √(100 / (12 · 30 · 70)) ≈ 0.0630.
    const y = Float64Array.from({ length: 100 }, (_, i) => (i < 30 ? 1 : 0));
    const se = aucNoise(y);
    expect(se).toBeCloseTo(Math.sqrt(100 / (12 * 30 * 70)), 12);
    expect(keepFastRate(0.8, 0.81, se)).toBe(true); // ahead
    expect(keepFastRate(0.8, 0.8, se)).toBe(true); // level: the cheaper model
    expect(keepFastRate(0.8, 0.8 - se / 2, se)).toBe(true); // behind within the noise
    expect(keepFastRate(0.8, 0.8 - 2 * se, se)).toBe(false); // behind beyond it
    // One class: no noise estimate, no evidence — the configured rate stays.
    expect(aucNoise(new Float64Array(10).fill(1))).toBeNaN();
    expect(keepFastRate(0.8, 0.9, NaN)).toBe(false);
    expect(keepFastRate(0.8, NaN, se)).toBe(false);
  });
});
