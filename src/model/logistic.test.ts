import fs from 'node:fs';
import path from 'node:path';
import { fitLogistic } from './logistic';

const FIX = path.resolve(__dirname, '../../test/fixtures');

interface Case {
  name: string;
  C: number;
  sampleWeights: boolean;
  classWeight: 'balanced' | null;
  coef: number[];
  intercept: number;
}

function loadFixture() {
  const lines = fs.readFileSync(path.join(FIX, 'logistic-data.csv'), 'utf8').trim().split('\n');
  const n = lines.length - 1;
  const p = 5;
  const data = new Float64Array(n * p);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  lines.slice(1).forEach((line, i) => {
    const v = line.split(',').map(Number);
    for (let j = 0; j < p; j++) data[j * n + i] = v[j]!;
    y[i] = v[p]!;
    w[i] = v[p + 1]!;
  });
  const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'logistic-sklearn.json'), 'utf8'));
  return { X: { n, p, data }, y, w, cases: expected.cases as Case[] };
}

describe('fitLogistic', () => {
  const { X, y, w, cases } = loadFixture();

  it.each(cases.map((c) => [c.name, c] as const))(
    'matches scikit-learn LogisticRegression (%s) to 1e-4',
    (_name, c) => {
      const fit = fitLogistic(X, y, {
        l2: 1 / c.C,
        weights: c.sampleWeights ? w : undefined,
        classWeight: c.classWeight,
      });
      expect(fit.converged).toBe(true);
      expect(fit.iterations).toBeLessThan(20);
      c.coef.forEach((b, j) => expect(Math.abs(fit.coef[j]! - b)).toBeLessThan(1e-4));
      expect(Math.abs(fit.intercept - c.intercept)).toBeLessThan(1e-4);
    },
  );

  it('leaves the intercept unpenalised: a huge L2 shrinks coefficients to 0, not the intercept', () => {
    const fit = fitLogistic(X, y, { l2: 1e9 });
    let pos = 0;
    for (let i = 0; i < y.length; i++) pos += y[i]!;
    const rate = pos / y.length;
    for (const b of fit.coef) expect(Math.abs(b)).toBeLessThan(1e-5);
    expect(fit.intercept).toBeCloseTo(Math.log(rate / (1 - rate)), 4);
  });

  it('rejects a negative L2 strength', () => {
    expect(() => fitLogistic(X, y, { l2: -1 })).toThrow(/l2 must be/);
  });
});
