import { GBDT_FAST_RATE } from './candidates';
import { budgetedGbdtInput, resumeFaults, TEST_BUDGET, trainUnitByUnit } from './testing/budgeted';
import { trainModel } from './train';

describe('the GBDT learning-rate step of a budgeted search', () => {
  const budget = TEST_BUDGET;
  const withRounds = (nRounds: number, extra: Record<string, unknown> = {}) =>
    budgetedGbdtInput(nRounds, extra);

  it('fires when the curve is still rising at the grid maximum and ships the faster rate', () => {
    // 20 rounds at rate 0.1 are far too few: the winner's best round count is the maximum.
    // Unweighted only, so the fast curve can be checked against the backtests' own below.
    const base = withRounds(20);
    const input = { ...base, options: { ...base.options, weightings: [] } };
    const once = trainModel(input);
    const r = once.report;
    const rate = r.backtest.schedule.rate!;
    expect(rate).not.toBeNull();
    // Fired because the round count to ship (after the ladder) is the grid's maximum: the
    // run without the step ships it.
    const off = trainModel({
      ...input,
      options: { ...input.options, budget: { ...budget, rate: false } },
    });
    expect(off.report.settings.nRounds).toBe(20);
    expect(off.report.backtest.schedule.rate).toBeNull();
    expect(off.report.settings.learningRate).toBeUndefined();
    expect(rate.base.learningRate).toBe(0.1);
    expect(rate.fast.learningRate).toBe(GBDT_FAST_RATE);
    const chosen = r.backtest.candidates.find((c) => c.chosen)!;
    const last = r.backtest.folds.length - 1;
    // Each rate's best over the round grid on the newest fold, for the winner's depth: the
    // base one is the backtests' own curve; the fast one is what the backtests see on that
    // fold when configured at the fast rate (same rows, same seed).
    const bestOnNewest = (rep: typeof r) =>
      Math.max(
        ...rep.backtest.candidates
          .filter((c) => c.settings.maxDepth === chosen.settings.maxDepth)
          .map((c) => c.foldAuc[last]!),
      );
    expect(rate.base.auc).toBe(bestOnNewest(r));
    const at3 = trainModel({
      ...input,
      options: {
        ...input.options,
        budget: { ...budget, rate: false },
        gbdtParams: { nRounds: 20, learningRate: GBDT_FAST_RATE },
      },
    }).report;
    expect(at3.backtest.schedule.rate).toBeNull();
    expect(rate.fast.auc).toBe(bestOnNewest(at3));
    // Ahead: the faster rate is shipped at its own best round count.
    expect(rate.fast.auc).toBeGreaterThan(rate.base.auc);
    expect(rate.chosen).toBe(GBDT_FAST_RATE);
    expect(r.settings).toMatchObject({
      learningRate: GBDT_FAST_RATE,
      nRounds: rate.fast.nRounds,
      maxDepth: chosen.settings.maxDepth,
    });
    // The final fit uses it: the model differs from the one shipped without the step.
    expect(JSON.stringify(off.artifact)).not.toBe(JSON.stringify(once.artifact));

    // The step is one unit of the resumable run: any split of the units gives the same result.
    const run = trainUnitByUnit(input);
    expect(resumeFaults(run, once)).toEqual([]);
    const { state } = run;
    expect(state!.backtest.rate).toEqual(rate);
  });

  it('does not fire when boosting stops before the grid maximum', () => {
    const r = trainModel(withRounds(300)).report;
    const sch = r.backtest.schedule;
    expect(sch.budgeted).toBe(true);
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
});
