import { DecisionTreeClassifier } from 'ml-cart';
import { treeShap } from '../../explain/treeshap';
import { fitTree } from './tree';
import { fromMlCart } from './importers/mlcart';
import { makeRng } from '../rng';
import { predictEnsemble } from './tree-ensemble';
import type { EncodedMatrix } from '../types';

function data(n: number, seed: number): { X: EncodedMatrix; y: Float64Array; rows: number[][] } {
  const rng = makeRng(seed);
  const p = 3;
  const d = new Float64Array(n * p);
  const y = new Float64Array(n);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = [rng.next(), rng.next(), rng.next()];
    r.forEach((v, j) => (d[j * n + i] = v));
    rows.push(r);
    y[i] = rng.next() < (r[0] > 0.5 ? (r[1] > 0.3 ? 0.85 : 0.4) : 0.1) ? 1 : 0;
  }
  return { X: { n, p, data: d, columns: [] }, y, rows };
}

describe('fitTree', () => {
  const d = data(3000, 1);

  it('learns the rules, with smoothed class-1 log-odds in the leaves and counts as cover', () => {
    const e = fitTree(d.X, d.y, { rng: makeRng(1), params: { maxDepth: 2 } });
    const t = e.trees[0];
    expect(e.output).toBe('logit');
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBeCloseTo(0.5, 1);
    expect(t.cover[0]).toBe(3000);
    const m = predictEnsemble(e, {
      n: 3,
      p: 3,
      data: Float64Array.from([0.9, 0.9, 0.1, 0.9, 0.1, 0.5, 0, 0, 0]),
      columns: [],
    });
    const prob = Array.from(m, (v) => 1 / (1 + Math.exp(-v)));
    expect(prob[0]).toBeGreaterThan(0.75);
    expect(prob[1]).toBeGreaterThan(0.25);
    expect(prob[1]).toBeLessThan(0.55);
    expect(prob[2]).toBeLessThan(0.15);
  });

  it('stays within the depth limit and picks a depth on validation when given one', () => {
    const e = fitTree(d.X, d.y, { rng: makeRng(1), valid: data(1000, 2), params: { maxDepth: 4 } });
    const depth = (j: number): number =>
      e.trees[0].left[j] === -1
        ? 0
        : 1 + Math.max(depth(e.trees[0].left[j]), depth(e.trees[0].right[j]));
    expect(depth(0)).toBeGreaterThanOrEqual(2);
    expect(depth(0)).toBeLessThanOrEqual(4);
  });
});

describe('fromMlCart', () => {
  // ml-cart is O(n²) per split: keep the data small.
  const d = data(300, 3);
  const cart = new DecisionTreeClassifier({ maxDepth: 4 });
  cart.train(d.rows, Array.from(d.y));
  const json = JSON.parse(JSON.stringify(cart.toJSON()));
  const e = fromMlCart(json, d.X);

  it('predicts exactly what ml-cart predicts (class-1 proportion of the leaf)', () => {
    const m = predictEnsemble(e, d.X);
    d.rows.forEach((r, i) => {
      const dist = cart.root.classify(r);
      const p1 = dist.columns > 1 ? dist.get(0, 1) : 0;
      expect(m[i]).toBeCloseTo(p1, 12);
    });
    expect(e.output).toBe('probability');
  });

  it('fills cover by routing the training rows, so TreeSHAP is exact and additive', () => {
    const t = e.trees[0];
    expect(t.cover[0]).toBe(300);
    for (let j = 0; j < t.left.length; j++) {
      if (t.left[j] !== -1) expect(t.cover[j]).toBe(t.cover[t.left[j]] + t.cover[t.right[j]]);
    }
    const { base, phi } = treeShap(e, d.X);
    const m = predictEnsemble(e, d.X);
    for (let i = 0; i < d.X.n; i++)
      expect(base + phi[3 * i] + phi[3 * i + 1] + phi[3 * i + 2]).toBeCloseTo(m[i], 10);
    // The mean prediction over the training rows is the base value.
    expect(base).toBeCloseTo(m.reduce((s, v) => s + v, 0) / d.X.n, 10);
  });

  it('handles single-class leaves and rejects foreign JSON', () => {
    const leaf = { name: 'DTClassifier', root: { distribution: [[1]] } };
    expect(predictEnsemble(fromMlCart(leaf, d.X), d.X)[0]).toBe(0);
    expect(() => fromMlCart({ name: 'other', root: {} }, d.X)).toThrow(/cannot be loaded/);
    expect(() =>
      fromMlCart(
        {
          name: 'DTClassifier',
          root: { splitColumn: 7, splitValue: 0, left: leaf.root, right: leaf.root },
        },
        d.X,
      ),
    ).toThrow(/column 7/);
  });
});
