import { budgetedGbdtInput, resumeFaults, TEST_BUDGET, trainUnitByUnit } from './testing/budgeted';
import { trainModel, type CandidateReport } from './train';

describe('training on a budgeted search schedule (large data)', () => {
  const input = budgetedGbdtInput();
  const data = input;
  const budget = TEST_BUDGET;

  it('fits folds on samples, reports them, and any split of the units gives the same result', () => {
    const once = trainModel(input);
    const r = once.report;
    const sch = r.backtest.schedule;
    expect(sch.budgeted).toBe(true);
    for (const f of r.backtest.folds) {
      expect(f.train).toBe(Math.min(sch.trainCap!, f.trainWindow));
      expect(f.test).toBe(Math.min(sch.testCap!, f.testBlock));
    }
    expect(r.backtest.folds.some((f) => f.train < f.trainWindow)).toBe(true);
    // The shipped model is still fitted on every labelled row.
    expect(r.splits.train).toBe(data.labels.filter((l) => l !== null).length);
    // The GBDT ladder ran on the newest fold, its first step at the train cap, and the shipped
    // round count is never below the backtests' choice.
    expect(sch.ladder.length).toBeGreaterThan(0);
    expect(sch.ladder[0]!.rows).toBe(sch.trainCap);
    expect(r.settings.nRounds).toBeGreaterThanOrEqual(sch.backtestRounds!);

    // Progress grows with every unit (a stopped weighting's folds count as done at once) and
    // ends at its total.
    const run = trainUnitByUnit(input);
    expect(resumeFaults(run, once)).toEqual([]);
    const { state } = run;
    expect(state!.backtest.ladder).toEqual(sch.ladder);
  });

  it('stops a weighting on the first fold it is not ahead of the unweighted winner', () => {
    const r = trainModel(input).report;
    const full = trainModel({
      ...input,
      options: { ...input.options, budget: { ...budget, prune: false } },
    }).report;
    const nFolds = r.backtest.folds.length;
    const weighted = (c: CandidateReport) => !!(c.weighting.classWeight || c.weighting.recency);
    const ws = r.backtest.candidates.filter(weighted);
    const wsFull = full.backtest.candidates.filter(weighted);
    expect(ws).toHaveLength(3);
    // Weightings run at the first stage's winner's setting; that entry is the reference.
    const winner = r.backtest.candidates.find(
      (c) => !weighted(c) && JSON.stringify(c.settings) === JSON.stringify(ws[0]!.settings),
    )!;
    let pruned = 0;
    ws.forEach((w, j) => {
      // The same fits as without pruning, on the folds it ran.
      expect(w.foldAuc).toEqual(wsFull[j]!.foldAuc.slice(0, w.foldAuc.length));
      const ahead = (k: number) =>
        w.foldAuc.slice(0, k).reduce((a, x, f) => a + x - winner.foldAuc[f]!, 0) > 0;
      if (w.pruned) {
        pruned++;
        expect(w.foldAuc.length).toBeLessThan(nFolds);
        expect(ahead(w.foldAuc.length)).toBe(false);
        expect(w.chosen).toBe(false);
      } else expect(w.foldAuc).toHaveLength(nFolds);
      // Every fold before the last one run was one it was ahead on.
      for (let k = 1; k < w.foldAuc.length; k++) expect(ahead(k)).toBe(true);
    });
    expect(pruned).toBeGreaterThan(0);
    expect(wsFull.every((w) => !w.pruned && w.foldAuc.length === nFolds)).toBe(true);
  });

  it('without the ladder ships the backtests’ round count', () => {
    const r = trainModel({
      ...input,
      options: { ...input.options, budget: { ...budget, ladder: false } },
    }).report;
    expect(r.backtest.schedule.ladder).toEqual([]);
    expect(r.settings.nRounds).toBe(r.backtest.schedule.backtestRounds);
  });

  it('leaves a run below the threshold exactly as before: whole windows, no ladder', () => {
    const small = { ...input, options: { ...input.options, budget: { threshold: 2500 } } };
    const r = trainModel(small).report;
    expect(r.backtest.schedule).toMatchObject({ budgeted: false, trainCap: null, ladder: [] });
    for (const f of r.backtest.folds) {
      expect(f.train).toBe(f.trainWindow);
      expect(f.test).toBe(f.testBlock);
    }
    expect(r.settings.nRounds).toBe(r.backtest.schedule.backtestRounds);
  });
});
