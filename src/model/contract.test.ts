/**
 * One contract every model kind must keep (scikit-learn's estimator checks, in spirit): the same
 * seed gives the same model, probabilities are in [0, 1], a feature-schema mismatch throws, and
 * save → load gives the same predictions.
 */
import { loadModel } from './artifact';
import { isModelError } from './errors';
import { syntheticLeads } from './testing/synthetic';
import { trainModel, type ModelChoice } from './train';

const KINDS: Exclude<ModelChoice, 'auto'>[] = ['logistic', 'gbdt', 'tree'];
const data = syntheticLeads(1500, 11);
const train = (model: ModelChoice, seed = 7) =>
  trainModel({ ...data, options: { model, seed, exclude: ['id'], gbdtParams: { nRounds: 60 } } });

describe.each(KINDS)('model contract: %s', (kind) => {
  const a = train(kind);

  it('reports the kind it was asked for and sensible held-out metrics', () => {
    expect(a.model.core.kind).toBe(kind);
    expect(a.report.chosen).toBe(kind);
    expect(a.report.metrics!.auc).toBeGreaterThan(0.65);
  });

  it('same seed → same model and same predictions', () => {
    const b = train(kind);
    expect(JSON.stringify(b.artifact)).toBe(JSON.stringify(a.artifact));
    expect(b.model.predictProba(data.rows)).toEqual(a.model.predictProba(data.rows));
  });

  it('probabilities are in [0, 1]', () => {
    const p = a.model.predictProba(data.rows);
    expect(p.length).toBe(data.rows.length);
    for (const v of p) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('a feature-schema mismatch throws SCHEMA_MISMATCH naming the field', () => {
    const noSource = data.rows.slice(0, 3).map(({ source: _s, ...rest }) => rest);
    try {
      a.model.predictProba(noSource);
      throw new Error('expected a throw');
    } catch (e) {
      expect(isModelError(e, 'SCHEMA_MISMATCH')).toBe(true);
      expect((e as Error).message).toMatch(/"source"/);
    }
  });

  it('a value of the wrong type scores as missing, never throws', () => {
    const rows = data.rows.slice(0, 3);
    const wrongType = rows.map((r) => ({ ...r, visits: 'many' }));
    const missing = rows.map((r) => ({ ...r, visits: '' }));
    expect(Array.from(a.model.predictProba(wrongType))).toEqual(
      Array.from(a.model.predictProba(missing)),
    );
  });

  it('save → load → same predictions', () => {
    const loaded = loadModel(JSON.parse(JSON.stringify(a.artifact)));
    expect(loaded.core.kind).toBe(kind);
    expect(loaded.predictProba(data.rows)).toEqual(a.model.predictProba(data.rows));
    expect(Array.from(loaded.backgroundMean)).toEqual(Array.from(a.model.backgroundMean));
  });

  it('calibration is monotone in the margin', () => {
    let prev = -Infinity;
    for (let m = -10; m <= 10; m += 0.05) {
      const p = a.model.calibrate(m);
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
  });
});
