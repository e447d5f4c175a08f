import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromXgboostJson } from '../model/trees/importers/gbdt-xgboost';
import { predictEnsemble } from '../model/trees/tree-ensemble';
import { treeShap } from './treeshap';

// Generated once by bench/xgboost-fixture.py with Debian's python3-xgboost.
const dir = join(__dirname, '../../test/fixtures/xgboost');
const model: unknown = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  nFeatures: number;
  rows: (number | null)[][];
  margin: number[];
  contribs: number[][];
};

describe('TreeSHAP against xgboost pred_contribs', () => {
  const e = fromXgboostJson(model);
  const n = expected.rows.length;
  const p = expected.nFeatures;
  const data = new Float64Array(n * p);
  // xgboost compares in float32, so feed it the same float32-rounded inputs.
  expected.rows.forEach((r, i) =>
    r.forEach((v, f) => (data[f * n + i] = v === null ? NaN : Math.fround(v))),
  );
  const X = { n, p, data, columns: [] };

  it('imports the booster so margins match xgboost', () => {
    const m = predictEnsemble(e, X);
    for (let i = 0; i < n; i++) expect(Math.abs(m[i] - expected.margin[i])).toBeLessThan(1e-5);
  });

  it('matches the per-feature contributions and the bias (float32 noise only)', () => {
    const { base, phi } = treeShap(e, X);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < p; f++)
        worst = Math.max(worst, Math.abs(phi[i * p + f] - expected.contribs[i][f]));
      worst = Math.max(worst, Math.abs(base - expected.contribs[i][p]));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('rejects a model that is not a logistic gbtree', () => {
    expect(() => fromXgboostJson({ learner: {} })).toThrow(/cannot be imported/);
  });
});
