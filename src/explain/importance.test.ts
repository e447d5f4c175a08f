import { trainModel } from '../model';
import { syntheticLeads } from '../model/testing/synthetic';
import { explainRows, globalImportance } from '.';

describe('globalImportance (mean |SHAP| per field)', () => {
  const data = syntheticLeads(600, 5);
  const { model } = trainModel({ ...data, options: { model: 'logistic', exclude: ['id'] } });

  it('is the mean absolute contribution of each field over the rows, strongest first', () => {
    const rows = data.rows.slice(0, 200);
    const imp = globalImportance(model, rows);
    const expls = explainRows(model, rows);
    expect(imp.map((f) => f.field).sort()).toEqual(
      [...model.encoder.fields.map((f) => f.name)].sort(),
    );
    for (const f of imp) {
      const k = expls[0]!.names.indexOf(f.field);
      const mean = expls.reduce((s, e) => s + Math.abs(e.values[k]!), 0) / expls.length;
      expect(f.meanAbsShap).toBeCloseTo(mean, 12);
    }
    for (let i = 1; i < imp.length; i++) {
      expect(imp[i - 1]!.meanAbsShap).toBeGreaterThanOrEqual(imp[i]!.meanAbsShap);
    }
    // The ground truth's strongest drivers rank above its weakest.
    const rank = (name: string) => imp.findIndex((f) => f.field === name);
    expect(rank('visits')).toBeLessThan(rank('last_seen'));
  });

  it('explains at most maxRows rows, spread over the whole span', () => {
    const all = globalImportance(model, data.rows, 10_000);
    const sampled = globalImportance(model, data.rows, 150);
    // An even stride over 600 rows: the estimate stays close to the full mean.
    for (const f of all) {
      const s = sampled.find((x) => x.field === f.field)!;
      expect(Math.abs(s.meanAbsShap - f.meanAbsShap)).toBeLessThan(0.35 * f.meanAbsShap + 0.02);
    }
    expect(globalImportance(model, [])).toEqual(
      expect.arrayContaining([expect.objectContaining({ meanAbsShap: 0 })]),
    );
  });
});
