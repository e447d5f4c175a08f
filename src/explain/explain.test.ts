/**
 * Explanations on real data: X Education leads (../shared/datasets), through the model core's
 * own training, encoder and calibration. Every explanation is checked for additivity inside
 * explainRows; here we check grouping, displayed values, points and the payload shape.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DecisionTreeClassifier } from 'ml-cart';
import { FactorSchema } from '../contracts/factors';
import { parseCsv } from '../crm/csv/read';
import { labelsFrom, Model, trainModel, type TrainResult } from '../model';
import { fromMlCart } from '../model/trees/importers/mlcart';
import { assertAdditive, describeExplanation, explainRows, explanationBase, toPoints } from '.';

const CSV = path.resolve(__dirname, '../../../shared/datasets/x-education-leads/Leads.csv');
const present = fs.existsSync(CSV);
const maybe = present ? describe : describe.skip;

maybe('explainRows on X Education', () => {
  const table = present ? parseCsv(fs.readFileSync(CSV)) : { rows: [] };
  // The oldest 4,000 leads keep the suite fast; enough for every model family.
  const rows = table.rows.slice(0, 4000);
  const labels = present ? labelsFrom(rows, 'Converted') : [];
  const models = new Map<string, TrainResult>();
  const train = (kind: 'logistic' | 'gbdt' | 'tree'): TrainResult => {
    if (!models.has(kind)) {
      models.set(
        kind,
        trainModel({
          rows,
          labels,
          options: {
            model: kind,
            exclude: ['Prospect ID', 'Lead Number'],
            gbdtParams: { nRounds: 80 },
          },
        }),
      );
    }
    return models.get(kind)!;
  };
  const sample = rows.slice(0, 400);

  it.each(['logistic', 'gbdt', 'tree'] as const)(
    '%s: additive, one value per field, points sum to the score',
    (kind) => {
      const { model } = train(kind);
      const expls = explainRows(model, sample);
      const fields = model.encoder.fields.map((f) => f.name);
      const m = model.margin(model.encoder.transform(sample));
      expls.forEach((e, i) => {
        expect(e.names).toEqual(fields);
        expect(e.values.length).toBe(fields.length);
        expect(e.base).toBeCloseTo(explanationBase(model), 12);
        assertAdditive(e, m[i], 1e-9);
        const pts = toPoints(e, (x) => model.calibrate(x));
        expect(pts.base + pts.points.reduce((s, v) => s + v, 0)).toBe(pts.score);
        expect(pts.score).toBe(Math.round(100 * model.predictProba([sample[i]])[0]));
        const d = describeExplanation(model, e, 6);
        for (const f of d.factors) expect(FactorSchema.safeParse(f).success).toBe(true);
        expect(d.factors.reduce((s, f) => s + f.points, 0) + d.otherPoints).toBe(d.score - d.base);
      });
    },
  );

  it('sums one-hot columns back to their field and shows a placeholder level as its value', () => {
    const { model } = train('logistic');
    const core = model.core as { kind: 'logistic'; coef: Float64Array; intercept: number };
    const X = model.encoder.transform(sample);
    const [e] = explainRows(model, sample.slice(0, 1));
    const cols = model.encoder.columns;
    const k = e.names.indexOf('Lead Source');
    let expected = 0;
    cols.forEach((c, j) => {
      if (c.field === 'Lead Source')
        expected += core.coef[j] * (X.data[j * X.n] - model.backgroundMean[j]);
    });
    expect(cols.filter((c) => c.field === 'Lead Source').length).toBeGreaterThan(2);
    expect(e.values[k]).toBeCloseTo(expected, 12);
    expect(e.data[k]).toBe(sample[0]['Lead Source']);
    // "Select" is X Education's form default: a level of its own (shown and left unchosen),
    // shown as such; an empty cell is missing and shown as null.
    const i = sample.findIndex((r) => r['Specialization'] === 'Select');
    const [withSelect] = explainRows(model, [sample[i]]);
    expect(withSelect.data[withSelect.names.indexOf('Specialization')]).toBe('Select');
    const [blank] = explainRows(model, [{ ...sample[i], Specialization: '' }]);
    expect(blank.data[blank.names.indexOf('Specialization')]).toBeNull();
  });

  it('explains an ml-cart tree through the same path', () => {
    const { model } = train('logistic');
    const small = rows.slice(0, 300);
    const X = model.encoder.transform(small);
    const dense = small.map((_, i) => Array.from({ length: X.p }, (_, j) => X.data[j * X.n + i]));
    const cart = new DecisionTreeClassifier({ maxDepth: 4 });
    cart.train(
      dense,
      labels.slice(0, 300).map((l) => (l === 1 ? 1 : 0)),
    );
    const ensemble = fromMlCart(JSON.parse(JSON.stringify(cart.toJSON())), X);
    const cartModel = new Model(
      { kind: 'ml-cart', ensemble },
      model.encoder,
      { method: 'none', input: 'probability' },
      model.backgroundMean,
    );
    const expls = explainRows(cartModel, small);
    const m = cartModel.margin(X);
    expls.forEach((e, i) => assertAdditive(e, m[i], 1e-12));
  });
});

describe('assertAdditive', () => {
  it('throws with the numbers when base + Σ values ≠ f(x)', () => {
    const e = {
      base: 1,
      values: Float64Array.from([0.5, -0.25]),
      names: ['a', 'b'],
      data: [null, null],
    };
    expect(() => assertAdditive(e, 1.25)).not.toThrow();
    expect(() => assertAdditive(e, 1.3, 1e-6)).toThrow(/not additive.*1\.25.*1\.3/);
  });
});
