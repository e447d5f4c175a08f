import { fitGbdt } from './gbdt';
import { fitLogistic, linearPredictor } from '../linear/logistic';
import { rocAuc } from '../evaluation/metrics';
import { makeRng, type Rng } from '../rng';
import { ensembleFromJSON, ensembleToJSON, predictEnsemble } from './tree-ensemble';
import { isTreeModelError } from './tree-errors';
import type { EncodedMatrix } from '../types';

function gauss(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** y depends on x0·x1 (no main effects): logistic regression cannot see it, trees can. */
function interaction(n: number, seed: number): { X: EncodedMatrix; y: Float64Array } {
  const rng = makeRng(seed);
  const p = 5;
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) data[j * n + i] = gauss(rng);
    const logit = 2.5 * Math.sign(data[i]) * Math.sign(data[n + i]) + 0.3 * data[2 * n + i];
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { X: { n, p, data, columns: [] }, y };
}

describe('fitGbdt', () => {
  const train = interaction(4000, 1);
  const test = interaction(2000, 2);

  it('beats logistic regression on data with an interaction', () => {
    const { ensemble } = fitGbdt(train.X, train.y, {
      rng: makeRng(1),
      params: { nRounds: 60, maxDepth: 3 },
    });
    const gbdtAuc = rocAuc(test.y, predictEnsemble(ensemble, test.X));
    const lr = fitLogistic(train.X, train.y, { l2: 1 });
    const lrAuc = rocAuc(test.y, linearPredictor(test.X, lr.coef, lr.intercept));
    expect(gbdtAuc).toBeGreaterThan(0.85);
    expect(gbdtAuc).toBeGreaterThan(lrAuc + 0.2);
  });

  it('is deterministic under the seed, also with row and column subsampling', () => {
    const params = { nRounds: 15, maxDepth: 4, subsample: 0.7, colsampleByTree: 0.6 };
    const a = fitGbdt(train.X, train.y, { rng: makeRng(5), params });
    const b = fitGbdt(train.X, train.y, { rng: makeRng(5), params });
    const c = fitGbdt(train.X, train.y, { rng: makeRng(6), params });
    expect(JSON.stringify(ensembleToJSON(a.ensemble))).toBe(
      JSON.stringify(ensembleToJSON(b.ensemble)),
    );
    expect(JSON.stringify(ensembleToJSON(a.ensemble))).not.toBe(
      JSON.stringify(ensembleToJSON(c.ensemble)),
    );
  });

  it('keeps every node’s cover = hessian sum of its children and respects the limits', () => {
    const { ensemble } = fitGbdt(train.X, train.y, {
      rng: makeRng(1),
      params: { nRounds: 5, maxDepth: 3, maxLeaves: 5 },
    });
    for (const t of ensemble.trees) {
      let leaves = 0;
      for (let j = 0; j < t.left.length; j++) {
        if (t.left[j] === -1) leaves++;
        else expect(t.cover[j]).toBeCloseTo(t.cover[t.left[j]] + t.cover[t.right[j]], 8);
      }
      expect(leaves).toBeLessThanOrEqual(5);
    }
    // Unweighted root cover = Σ p(1−p) at the base rate.
    const pr = 1 / (1 + Math.exp(-ensemble.baseMargin));
    expect(ensemble.trees[0].cover[0]).toBeCloseTo(train.X.n * pr * (1 - pr), 6);
  });

  it('sends missing values down the learned default branch', () => {
    // Missing x0 means "converted": the tree must learn to route NaN to the high-score side.
    const n = 2000;
    const rng = makeRng(9);
    const data = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (rng.next() < 0.3) {
        data[i] = NaN;
        y[i] = rng.next() < 0.9 ? 1 : 0;
      } else {
        data[i] = gauss(rng);
        y[i] = rng.next() < (data[i] > 1 ? 0.5 : 0.1) ? 1 : 0;
      }
    }
    const X = { n, p: 1, data, columns: [] };
    const { ensemble } = fitGbdt(X, y, { rng: makeRng(1), params: { nRounds: 20, maxDepth: 2 } });
    const probe = { n: 3, p: 1, data: Float64Array.from([NaN, -1, 2]), columns: [] };
    const m = predictEnsemble(ensemble, probe);
    expect(m[0]).toBeGreaterThan(m[2]);
    expect(m[2]).toBeGreaterThan(m[1]);
    // And the same rows scored through JSON (no NaN in JSON) route identically.
    expect(
      Array.from(
        predictEnsemble(
          ensembleFromJSON(JSON.parse(JSON.stringify(ensembleToJSON(ensemble)))),
          probe,
        ),
      ),
    ).toEqual(Array.from(m));
  });

  it('stops early on the validation slice and returns the best iteration', () => {
    const valid = interaction(1000, 3);
    // A large learning rate overfits quickly, so validation loss turns up well before 500.
    const r = fitGbdt(train.X, train.y, {
      rng: makeRng(1),
      valid,
      params: { nRounds: 500, learningRate: 0.8, maxDepth: 6, earlyStoppingRounds: 5 },
    });
    expect(r.bestIteration).toBeLessThan(100);
    expect(r.ensemble.trees.length).toBe(r.bestIteration + 1);
  });

  it('honours sample weights (zero-weight rows do not count)', () => {
    const w = new Float64Array(train.X.n).fill(1);
    for (let i = 0; i < w.length; i += 2) w[i] = 0;
    const { ensemble } = fitGbdt(train.X, train.y, {
      rng: makeRng(1),
      weights: w,
      params: { nRounds: 3 },
    });
    const pr = 1 / (1 + Math.exp(-ensemble.baseMargin));
    expect(ensemble.trees[0].cover[0]).toBeCloseTo((train.X.n / 2) * pr * (1 - pr), 6);
  });

  it('rejects bad input and parameters with typed errors', () => {
    const bad = (f: () => unknown, code: string): void => {
      try {
        f();
        throw new Error('did not throw');
      } catch (e) {
        expect(isTreeModelError(e) && e.code).toBe(code);
      }
    };
    bad(() => fitGbdt(train.X, train.y.subarray(1), { rng: makeRng(1) }), 'INPUT_INVALID');
    bad(
      () =>
        fitGbdt(
          train.X,
          Float64Array.from(train.y, (v) => v * 2),
          { rng: makeRng(1) },
        ),
      'INPUT_INVALID',
    );
    bad(
      () => fitGbdt(train.X, train.y, { rng: makeRng(1), params: { maxBins: 300 } }),
      'PARAMS_INVALID',
    );
  });
});

describe('TreeEnsemble JSON', () => {
  it('round-trips predictions exactly and rejects damaged trees', () => {
    const d = interaction(500, 4);
    const { ensemble } = fitGbdt(d.X, d.y, { rng: makeRng(1), params: { nRounds: 10 } });
    const json = JSON.parse(JSON.stringify(ensembleToJSON(ensemble)));
    const back = ensembleFromJSON(json);
    expect(Array.from(predictEnsemble(back, d.X))).toEqual(
      Array.from(predictEnsemble(ensemble, d.X)),
    );
    json.trees[0].left[0] = 0; // a self-loop
    expect(() => ensembleFromJSON(json)).toThrow(/malformed/);
    expect(() => ensembleFromJSON({ trees: 'x' })).toThrow(/invalid at trees/);
    expect(() =>
      predictEnsemble(back, { n: 1, p: 2, data: new Float64Array(2), columns: [] }),
    ).toThrow(/expects 5/);
  });
});
