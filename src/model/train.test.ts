import { isModelError } from './errors';
import { syntheticLeads } from './testing/synthetic';
import { trainModel } from './train';

describe('trainModel', () => {
  const data = syntheticLeads(2000, 31, { leak: true });

  it('splits by time, excludes censored rows and the leaky field, and reports everything', () => {
    const labels = data.labels.map((l, i) => (i >= 1900 ? null : l));
    const { report, model } = trainModel({
      ...data,
      labels,
      options: { model: 'logistic', exclude: ['id'] },
    });
    expect(report.splits).toEqual({ train: 1140, valid: 380, test: 380, censored: 100 });
    expect(report.leakage.map((l) => [l.field, l.excluded])).toEqual([['closed_reason', true]]);
    expect(report.excluded.map((e) => e.field)).toEqual(['id', 'closed_reason']);
    expect(model.encoder.fields.map((f) => f.name)).not.toContain('closed_reason');
    expect(report.metrics!.rows).toBe(380);
    expect(report.metrics!.liftByDecile).toHaveLength(10);
    expect(report.candidates[0]!.settings.C).toBeGreaterThan(0);
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

  it('auto compares the candidates on validation and prefers logistic regression within the tolerance', () => {
    const clean = syntheticLeads(2000, 32);
    const opts = { exclude: ['id'], gbdtParams: { nRounds: 80 } };
    const r = trainModel({ ...clean, options: { ...opts, model: 'auto' } }).report;
    expect(r.candidates.map((c) => c.kind)).toEqual(['logistic', 'gbdt', 'tree']);
    const best = Math.max(...r.candidates.map((c) => c.validAuc));
    const lr = r.candidates[0]!.validAuc;
    // The ground truth is logistic, so it wins or is within the tolerance.
    expect(r.chosen).toBe('logistic');
    expect(lr).toBeGreaterThanOrEqual(best - 0.005);
    // With no tolerance the strictly best validation AUC wins.
    const strict = trainModel({
      ...clean,
      options: { ...opts, model: 'auto', autoTolerance: 0 },
    }).report;
    const top = strict.candidates.reduce((a, b) => (b.validAuc > a.validAuc ? b : a));
    expect(strict.chosen).toBe(top.kind);
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
