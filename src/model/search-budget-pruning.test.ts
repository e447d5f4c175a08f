import { depthsToStop, type SweepPointState } from './backtest';
import { CANDIDATES, NO_WEIGHTING, type CandidateSettings } from './candidates';
import { fitEncoder } from './encoding/encoder';
import { scoreSpread } from './evaluation/selection';
import { takeRows, asFrame } from './frame';
import { makeRng } from './rng';
import { syntheticLeads } from './testing/synthetic';
import { budgetedGbdtInput, resumeFaults, TEST_BUDGET, trainUnitByUnit } from './testing/budgeted';
import { trainModel, type CandidateReport } from './train';

const point = (maxDepth: number, nRounds: number, foldAuc: number[], pruned?: boolean) =>
  ({
    settings: { maxDepth, nRounds },
    foldAuc,
    foldMargins: [],
    ...(pruned ? { pruned } : {}),
  }) satisfies SweepPointState;

describe('depthsToStop (first-stage GBDT depths, budgeted runs)', () => {
  it('stops a deeper depth whose best mean is not above the shallower ones’ best', () => {
    const pts = [
      point(3, 10, [0.7, 0.72]),
      point(3, 20, [0.8, 0.78]),
      point(6, 10, [0.75, 0.74]),
      point(6, 20, [0.79, 0.79]), // mean 0.79 = depth 3's best: not ahead
    ];
    expect(depthsToStop(pts)).toEqual([6]);
    pts[3] = point(6, 20, [0.8, 0.7801]);
    expect(depthsToStop(pts)).toEqual([]);
  });

  it('never stops the shallowest depth, even when it is far behind', () => {
    expect(depthsToStop([point(3, 10, [0.6]), point(6, 10, [0.9])])).toEqual([]);
  });

  it('compares each depth with every shallower running one, and ignores stopped ones', () => {
    const pts = [point(2, 10, [0.8]), point(4, 10, [0.85]), point(6, 10, [0.82])];
    // 6 is behind 4 (though ahead of 2): stopped; 4 is ahead of 2: kept.
    expect(depthsToStop(pts)).toEqual([6]);
    // With 4 already stopped, 6 is compared with 2 only.
    pts[1] = point(4, 10, [0.85], true);
    expect(depthsToStop(pts)).toEqual([]);
  });

  it('keeps a depth without a usable fold (one class only: no evidence)', () => {
    expect(depthsToStop([point(3, 10, [0.8]), point(6, 10, [NaN])])).toEqual([]);
  });
});

describe('a pinned GBDT sweep scoring its round grid on the way', () => {
  const data = syntheticLeads(800, 9);
  const frame = asFrame(data.rows);
  const tr = Array.from({ length: 600 }, (_, i) => i);
  const te = Array.from({ length: 200 }, (_, i) => 600 + i);
  const enc = fitEncoder(
    takeRows(frame, tr),
    [
      { name: 'visits', label: 'visits', type: 'number' },
      { name: 'source', label: 'source', type: 'category' },
    ],
    { missing: 'nan' },
  );
  const Xtr = enc.transform(takeRows(frame, tr));
  const Xte = enc.transform(takeRows(frame, te));
  const y = (idx: number[]) => Float64Array.from(idx, (i) => (data.labels[i] === 1 ? 1 : 0));
  const s: CandidateSettings = { cGrid: [1], seed: 3, makeRng, gbdtParams: { nRounds: 60 } };

  it('gives the pinned count the same margins as scoring it alone', () => {
    const alone = CANDIDATES.gbdt.sweep(Xtr, y(tr), undefined, Xte, y(te), s, {
      maxDepth: 3,
      nRounds: 60,
    });
    const grid = CANDIDATES.gbdt.sweep(Xtr, y(tr), undefined, Xte, y(te), s, { maxDepth: 3 });
    expect(alone).toHaveLength(1);
    expect(grid.map((p) => p.settings.nRounds)).toEqual([10, 20, 30, 50, 60]);
    expect(grid[grid.length - 1]!.settings).toEqual(alone[0]!.settings);
    expect(Array.from(grid[grid.length - 1]!.margin)).toEqual(Array.from(alone[0]!.margin));
  });

  it('skips the depths it is told to', () => {
    const out = CANDIDATES.gbdt.sweep(
      Xtr,
      y(tr),
      undefined,
      Xte,
      y(te),
      { ...s, gbdtParams: { nRounds: 20 } },
      undefined,
      undefined,
      [6],
    );
    expect(new Set(out.map((p) => p.settings.maxDepth))).toEqual(new Set([3]));
    expect(NO_WEIGHTING).toEqual({ classWeight: null, recency: false });
  });
});

describe('budgeted GBDT search: depth pruning, the ladder’s first step, the verdict sample', () => {
  const input = budgetedGbdtInput();
  const data = input;
  const budget = TEST_BUDGET;
  const once = trainModel(input);
  const r = once.report;
  const full = trainModel({
    ...input,
    options: { ...input.options, budget: { ...budget, prune: false } },
  }).report;
  const unweighted = (c: CandidateReport) => !c.weighting.classWeight && !c.weighting.recency;

  it('runs a stopped depth on the same folds as without pruning, and never chooses it', () => {
    const nFolds = r.backtest.folds.length;
    const stage1 = r.backtest.candidates.filter(unweighted);
    const stage1Full = full.backtest.candidates.filter(unweighted);
    expect(stage1.map((c) => c.settings)).toEqual(stage1Full.map((c) => c.settings));
    stage1.forEach((c, j) => {
      expect(c.foldAuc).toEqual(stage1Full[j]!.foldAuc.slice(0, c.foldAuc.length));
      if (c.pruned) {
        expect(c.settings.maxDepth).toBeGreaterThan(3);
        expect(c.foldAuc.length).toBeLessThan(nFolds);
        expect(c.chosen).toBe(false);
        expect(c.tied).toBe(false);
      } else expect(c.foldAuc).toHaveLength(nFolds);
    });
    // Depth 3 is never stopped; a stopped depth was not ahead of it on the folds it ran.
    const best = (d: number, k: number) =>
      Math.max(
        ...stage1
          .filter((c) => c.settings.maxDepth === d)
          .map((c) => c.foldAuc.slice(0, k).reduce((a, b) => a + b, 0) / k),
      );
    for (const c of stage1.filter((x) => x.pruned)) {
      const k = c.foldAuc.length;
      expect(best(c.settings.maxDepth!, k)).toBeLessThanOrEqual(best(3, k));
    }
    // On this data depth 6 is behind on the first fold: the rule has something to stop.
    expect(stage1.some((c) => c.pruned)).toBe(true);
    expect(full.backtest.candidates.every((c) => !c.pruned)).toBe(true);
  });

  it('takes the ladder’s first step from the backtests’ newest fold (no refit)', () => {
    const sch = r.backtest.schedule;
    expect(sch.ladder.length).toBeGreaterThan(0);
    const rung = sch.ladder[0]!;
    expect(rung.rows).toBe(sch.trainCap);
    const k = r.backtest.folds.length - 1;
    const chosen = r.backtest.candidates.find((c) => c.chosen)!;
    if (unweighted(chosen)) {
      const curve = r.backtest.candidates.filter(
        (c) => unweighted(c) && c.settings.maxDepth === chosen.settings.maxDepth,
      );
      const best = curve.reduce((a, b) => (b.foldAuc[k]! > a.foldAuc[k]! ? b : a));
      expect(rung).toEqual({
        rows: sch.trainCap,
        nRounds: best.settings.nRounds,
        auc: best.foldAuc[k],
      });
    } else {
      // A weighted winner's own entry is the last point of the curve the rung read.
      expect(rung.auc).toBeGreaterThanOrEqual(chosen.foldAuc[k]!);
      expect(rung.nRounds).toBeLessThanOrEqual(chosen.settings.nRounds!);
    }
  });

  it('reads the verdict’s score spread on a sample close to all rows’ spread', () => {
    const labelled = data.labels.flatMap((l, i) => (l === null ? [] : [i]));
    const all = once.model.predictProba(takeRows(asFrame(data.rows), labelled));
    const whole = scoreSpread(Array.from(all, (p) => 100 * p));
    const sampled = r.verdict.details.spread!;
    expect(sampled).toBeGreaterThan(0);
    // The sample holds k × test cap rows of 2,500: its 5th–95th spread is near the whole's.
    expect(Math.abs(sampled - whole.spread)).toBeLessThan(0.1 * whole.spread);
  });

  it('unbudgeted, reads the verdict on every labelled row as before', () => {
    const small = trainModel({
      ...input,
      options: { ...input.options, budget: { threshold: Infinity } },
    });
    const labelled = data.labels.flatMap((l, i) => (l === null ? [] : [i]));
    const all = small.model.predictProba(takeRows(asFrame(data.rows), labelled));
    expect(small.report.verdict.details.spread).toBe(
      scoreSpread(Array.from(all, (p) => 100 * p)).spread,
    );
  });

  it('resumes from any split of the units to the same result', () => {
    expect(resumeFaults(trainUnitByUnit(input), once)).toEqual([]);
  });
});

describe('the train cap counts one fit per GBDT depth', () => {
  const data = syntheticLeads(2500, 7);
  const run = (gbdtParams: { nRounds: number; maxDepth?: number }) =>
    trainModel({
      ...data,
      options: {
        exclude: ['id'],
        model: 'gbdt',
        // A loose AUC error target: the test cap is below N ÷ (folds × fits), so the rule shows.
        budget: { threshold: 1000, aucSe: 0.1, ladder: false },
        gbdtParams,
        weightings: [{ classWeight: 'balanced', recency: false }],
      },
    }).report;

  it('divides by folds × (depths + weightings)', () => {
    for (const [params, fits] of [
      [{ nRounds: 10 }, 2 + 1],
      [{ nRounds: 10, maxDepth: 3 }, 1 + 1],
    ] as const) {
      const r = run(params);
      const { trainCap, testCap } = r.backtest.schedule;
      const n = r.splits.train;
      const k = r.backtest.folds.length;
      expect(testCap!).toBeLessThan(n / (k * fits));
      expect(trainCap).toBe(Math.ceil(n / (k * fits)));
    }
  });
});
