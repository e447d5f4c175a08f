import { isModelError } from './errors';
import { makeRng } from './rng';
import { syntheticLeads } from './testing/synthetic';
import { trainModel } from './train';

describe('trainModel', () => {
  const data = syntheticLeads(2000, 31, { leak: true });

  it('backtests over time folds, excludes censored rows and the leaky field, and reports every fold', () => {
    const labels = data.labels.map((l, i) => (i >= 1900 ? null : l));
    const { report, model, outOfFold } = trainModel({
      ...data,
      labels,
      options: { model: 'logistic', exclude: ['id'] },
    });
    expect(report.splits).toEqual({ train: 1900, test: 1140, censored: 100, folds: 5 });
    expect(report.backtest.folds.map((f) => [f.train, f.test])).toEqual([
      [760, 228],
      [988, 228],
      [1216, 228],
      [1444, 228],
      [1672, 228],
    ]);
    for (const f of report.backtest.folds) {
      expect(f.trainFrom).toBe(data.times[0]);
      expect(f.auc).toBeGreaterThan(0.6);
    }
    expect(report.leakage.map((l) => [l.field, l.excluded])).toEqual([['closed_reason', true]]);
    expect(report.excluded.map((e) => e.field)).toEqual(['id', 'closed_reason']);
    expect(model.encoder.fields.map((f) => f.name)).not.toContain('closed_reason');
    expect(report.metrics!.rows).toBe(1140);
    expect(outOfFold.index).toHaveLength(1140);
    expect(report.metrics!.liftByDecile).toHaveLength(10);
    expect(report.settings.C).toBeGreaterThan(0);
    expect(report.verdict).toMatchObject({ ok: true, code: 'OK' });
    // Every candidate carries its fold AUCs; exactly one is chosen.
    expect(report.backtest.candidates.every((c) => c.foldAuc.length === 5)).toBe(true);
    expect(report.backtest.candidates.filter((c) => c.chosen)).toHaveLength(1);
  });

  it('reports precision and recall at every tier cut-off', () => {
    const tiers = [
      { name: 'A', min: 60 },
      { name: 'B', min: 35 },
      { name: 'C', min: 0 },
    ];
    const { report } = trainModel({
      ...data,
      options: { model: 'logistic', exclude: ['id', 'closed_reason'], tiers },
    });
    const cuts = report.metrics!.atTiers!;
    expect(cuts.map((c) => [c.tier, c.min])).toEqual([
      ['A', 60],
      ['B', 35],
      ['C', 0],
    ]);
    // Lower cut-offs call more leads: recall never falls, everyone is called at 0.
    expect(cuts[0]!.recall).toBeLessThanOrEqual(cuts[1]!.recall);
    expect(cuts[2]).toMatchObject({ recall: 1, predictedPositive: report.metrics!.rows });
  });

  it('keeps a flagged field when asked, still reporting it', () => {
    const { report, model } = trainModel({
      ...data,
      options: { model: 'logistic', exclude: ['id'], keepLeaky: true },
    });
    expect(report.leakage[0]).toMatchObject({ field: 'closed_reason', excluded: false });
    expect(model.encoder.fields.map((f) => f.name)).toContain('closed_reason');
    expect(report.metrics!.auc).toBeGreaterThan(0.9);
  });

  it('auto backtests every family and keeps logistic regression when the others do not beat it beyond the noise', () => {
    const clean = syntheticLeads(2000, 32);
    const r = trainModel({
      ...clean,
      options: { exclude: ['id'], model: 'auto', gbdtParams: { nRounds: 80 } },
    }).report;
    expect(r.candidates.slice(0, 3).map((c) => c.kind)).toEqual(['logistic', 'gbdt', 'tree']);
    // The ground truth is logistic.
    expect(r.chosen).toBe('logistic');
    const kinds = new Set(r.backtest.candidates.map((c) => c.kind));
    expect([...kinds]).toEqual(['logistic', 'gbdt', 'tree']);
    // Weights were tried for the winning family (and only for it).
    const weighted = r.backtest.candidates.filter(
      (c) => c.weighting.classWeight || c.weighting.recency,
    );
    expect(weighted.map((c) => c.kind)).toEqual(['logistic', 'logistic', 'logistic']);
  });

  it("selection.prefer 'best' ships the best mean fold AUC; the default the simplest tied", () => {
    // Few rows: C = 0.1 is within the folds' noise of the best mean (C = 1).
    const small = syntheticLeads(600, 5);
    const run = (prefer?: 'best') =>
      trainModel({
        ...small,
        options: { exclude: ['id'], model: 'logistic', weightings: [], selection: { prefer } },
      }).report.backtest.candidates;
    const best = run('best');
    const top = Math.max(...best.map((c) => c.meanAuc));
    const simplest = run();
    // Candidates are listed simplest first (strongest L2): the first tied one is the default's.
    const firstTied = simplest.findIndex((c) => c.tied);
    expect(simplest.findIndex((c) => c.chosen)).toBe(firstTied);
    expect(simplest[firstTied]!.meanAuc).toBeLessThan(top);
    expect(best.find((c) => c.chosen)!.meanAuc).toBe(top);
  });

  it('keeps a form placeholder as a level of its own: "Select" and a blank differ, and the model uses it', () => {
    // A field whose blank (never shown) and "Select" (shown, left at the default) convert at
    // different rates; merging both into "missing" throws that difference away.
    const rng = makeRng(41);
    const n = 1500;
    const rows = [];
    const labels: Array<0 | 1> = [];
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      const referrer = u < 0.3 ? '' : u < 0.6 ? 'Select' : u < 0.8 ? 'Web' : 'Ads';
      const visits = rng.int(10);
      const rate = (referrer === 'Select' ? 0.55 : referrer === '' ? 0.1 : 0.3) + 0.02 * visits;
      rows.push({ referrer, visits: String(visits) });
      labels.push(rng.next() < rate ? 1 : 0);
    }
    const times = rows.map((_, i) => i);
    const opts = { model: 'logistic' as const, weightings: [] };
    const levels = trainModel({ rows, labels, times, options: opts });
    const merged = trainModel({
      rows,
      labels,
      times,
      options: { ...opts, encoder: { placeholderLevels: false } },
    });
    expect(levels.model.encoder.columns.map((c) => c.name)).toContain('referrer=Select');
    expect(merged.model.encoder.columns.map((c) => c.name)).not.toContain('referrer=Select');
    const [pSelect, pBlank] = levels.model.predictProba([
      { referrer: 'Select', visits: '5' },
      { referrer: '', visits: '5' },
    ]);
    expect(pSelect! - pBlank!).toBeGreaterThan(0.2);
    expect(levels.report.backtest.meanAuc).toBeGreaterThan(merged.report.backtest.meanAuc + 0.03);
  });

  it('lets the backtests choose the GBDT depth (shallow first) unless the caller fixes it', () => {
    const clean = syntheticLeads(1200, 35);
    const swept = trainModel({
      ...clean,
      options: { exclude: ['id'], model: 'gbdt', gbdtParams: { nRounds: 30 }, weightings: [] },
    }).report;
    const depths = new Set(swept.backtest.candidates.map((c) => c.settings.maxDepth));
    expect([...depths]).toEqual([3, 6]);
    expect([3, 6]).toContain(swept.settings.maxDepth);
    const fixed = trainModel({
      ...clean,
      options: {
        exclude: ['id'],
        model: 'gbdt',
        gbdtParams: { nRounds: 30, maxDepth: 2 },
        weightings: [],
      },
    }).report;
    expect(new Set(fixed.backtest.candidates.map((c) => c.settings.maxDepth))).toEqual(
      new Set([2]),
    );
  });

  it('the shipped model is fitted on all labelled history, the newest rows included', () => {
    const base = syntheticLeads(1500, 33);
    const { artifact, report } = trainModel({
      ...base,
      options: { model: 'logistic', exclude: ['id'] },
    });
    expect(artifact.trainingWindow).toEqual({
      from: base.times[0],
      to: base.times[1499],
      rows: 1500,
    });
    expect(report.splits.train).toBe(1500);
    // Flip the outcomes of the newest 10 %: a model refitted on train + valid only (the old
    // way) would not move; ours does, because the newest rows are in its fit.
    const flipped = base.labels.map((l, i) => (i >= 1350 ? (l === 1 ? 0 : 1) : l));
    const probe = base.rows.slice(0, 50);
    const a = trainModel({
      ...base,
      options: { model: 'logistic', exclude: ['id'], weightings: [] },
    });
    const b = trainModel({
      ...base,
      labels: flipped,
      options: { model: 'logistic', exclude: ['id'], weightings: [] },
    });
    const pa = a.model.predictProba(probe);
    const pb = b.model.predictProba(probe);
    expect(Math.max(...pa.map((p, i) => Math.abs(p - pb[i]!)))).toBeGreaterThan(0.01);
  });

  it('says there is no signal when the labels are noise', () => {
    const noise = syntheticLeads(3000, 34);
    const rng = makeRng(99);
    const labels = noise.labels.map(() => (rng.next() < 0.3 ? 1 : 0) as 0 | 1);
    const { report } = trainModel({ ...noise, labels, options: { exclude: ['id'] } });
    expect(report.verdict.ok).toBe(false);
    expect(['NO_SIGNAL', 'CONSTANT_SCORES']).toContain(report.verdict.code);
    expect(Math.abs(report.backtest.meanAuc - 0.5)).toBeLessThan(0.05);
  });

  it('says so when every lead gets the same score', () => {
    const { report } = trainModel({
      ...data,
      options: {
        model: 'tree',
        exclude: ['id', 'closed_reason'],
        // No split can hold enough weight: one leaf, one score for everyone.
        treeParams: { minLeafWeight: 1e9 },
      },
    });
    expect(report.verdict).toMatchObject({ ok: false, code: 'CONSTANT_SCORES' });
    expect(report.verdict.message).toMatch(/same score/);
  });

  it('fails with clear errors on unusable data', () => {
    const few = data.labels.map((l, i) => (i < 1000 ? 0 : l === 1 && i % 100 === 0 ? 1 : 0));
    try {
      trainModel({ ...data, labels: few });
      throw new Error('expected a throw');
    } catch (e) {
      expect(isModelError(e, 'TOO_FEW_POSITIVES')).toBe(true);
      expect((e as Error).message).toMatch(
        /^Only \d+ converted leads among 2000; at least 30 are needed/,
      );
    }
    expect(() => trainModel({ rows: [], labels: [] })).toThrow(/no rows/);
    expect(() =>
      trainModel({
        ...data,
        options: {
          exclude: ['id', 'visits', 'source', 'opt_in', 'last_seen', 'pages', 'closed_reason'],
        },
      }),
    ).toThrow(/No usable feature fields/);
  });
});
