import { GrowWorkspace } from './gbdt-grow';
import { binMatrix } from './histogram';
import { makeRng } from '../rng';
import { GROW_PARAMS } from '../testing/helper-probe';

describe('GrowWorkspace with a helper thread', () => {
  it.each([
    ['all features', null],
    ['a column sample', [0, 2, 5, 7, 11, 19, 29]],
  ])('grows the same tree bit for bit as one thread (%s)', (_label, subset) => {
    const rng = makeRng(3);
    const n = 40_000;
    const p = 30;
    const data = new Float64Array(n * p);
    for (let k = 0; k < data.length; k++) data[k] = rng.next() < 0.05 ? NaN : rng.next();
    // Gradients that depend on two columns (missing counts as 0.5), plus noise.
    const at = (f: number, i: number): number =>
      data[f * n + i] === data[f * n + i] ? data[f * n + i] : 0.5;
    const grad = Float64Array.from({ length: n }, (_, i) => at(0, i) - at(7, i) + rng.next() - 0.5);
    const hess = Float64Array.from({ length: n }, () => 0.05 + rng.next() * 0.2);
    const B = binMatrix({ n, p, data, columns: [] }, 255);
    const features = subset ? Int32Array.from(subset) : Int32Array.from({ length: p }, (_, f) => f);
    const params = GROW_PARAMS;
    const grown = (threads: number): { tree: unknown; threaded: boolean; helped: number } => {
      const ws = new GrowWorkspace(B, n, threads, false, true);
      try {
        if (threads > 1) expect(ws.waitForHelper()).toBe(true);
        for (let i = 0; i < n; i++) ws.rows[i] = i;
        const tree = ws.grow(n, grad, hess, features, params);
        return { tree, threaded: ws.threaded, helped: ws.helperChunks };
      } finally {
        ws.close();
      }
    };
    const one = grown(1);
    const two = grown(2);
    expect(one.threaded).toBe(false);
    expect(two.threaded).toBe(true);
    // The helper really summed some of the chunks (it is let take each job's first).
    expect(two.helped).toBeGreaterThan(0);
    expect(one.helped).toBe(0);
    expect(two.tree).toEqual(one.tree);
    expect((one.tree as { left: number[] }).left.length).toBeGreaterThan(60);
    // Only listed features are split on.
    const used = (one.tree as { feature: number[] }).feature.filter((f) => f >= 0);
    expect(used.every((f) => features.includes(f))).toBe(true);
  });

  it('computes the same gradients bit for bit on two threads', () => {
    const rng = makeRng(4);
    const n = 40_000;
    const p = 30;
    const data = Float64Array.from({ length: n * p }, () => rng.next());
    const B = binMatrix({ n, p, data, columns: [] }, 255);
    const margin = Float64Array.from({ length: n }, () => (rng.next() - 0.5) * 8);
    const labels = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    const weights = Float64Array.from({ length: n }, () => 0.5 + rng.next());
    const gh = (threads: number): { gh: Float64Array; threaded: boolean; helped: number } => {
      const ws = new GrowWorkspace(B, n, threads, true, true);
      try {
        if (threads > 1) expect(ws.waitForHelper()).toBe(true);
        ws.margin.set(margin);
        ws.labels.set(labels);
        ws.weights.set(weights);
        ws.gradients();
        return { gh: Float64Array.from(ws.gh), threaded: ws.threaded, helped: ws.helperChunks };
      } finally {
        ws.close();
      }
    };
    const one = gh(1);
    const two = gh(2);
    expect(two.threaded).toBe(true);
    expect(two.helped).toBeGreaterThan(0);
    expect(Buffer.from(two.gh.buffer).equals(Buffer.from(one.gh.buffer))).toBe(true);
    const i = 123;
    const pr = 1 / (1 + Math.exp(-margin[i]));
    expect(one.gh[2 * i]).toBeCloseTo((pr - labels[i]) * weights[i], 12);
  });

  it('adds deferred leaf values in the next gradients exactly as adding them at once', () => {
    const rng = makeRng(6);
    const n = 40_000;
    // n·p past HELPER_MIN_CELLS, so two threads really take part.
    const p = 30;
    const data = Float64Array.from({ length: n * p }, () => rng.next());
    const B = binMatrix({ n, p, data, columns: [] }, 255);
    const features = Int32Array.from({ length: p }, (_, f) => f);
    const margin = Float64Array.from({ length: n }, () => (rng.next() - 0.5) * 4);
    const labels = Float64Array.from({ length: n }, (_, i) => (data[i]! + rng.next() > 1 ? 1 : 0));
    const run = (threads: number, defer: boolean) => {
      const ws = new GrowWorkspace(B, n, threads, true, true);
      try {
        if (threads > 1) expect(ws.waitForHelper()).toBe(true);
        ws.margin.set(margin);
        ws.labels.set(labels);
        ws.weights.fill(1);
        let deferred = 0;
        for (let round = 0; round < 3; round++) {
          ws.gradients();
          for (let i = 0; i < n; i++) ws.rows[i] = i;
          const t = ws.growPrepared(n, features, GROW_PARAMS);
          if (defer && ws.deferLeafValues(t)) deferred++;
          else
            for (let j = 0; j < t.left.length; j++) {
              if (t.left[j] !== -1) continue;
              for (let k = t.leafStart[j]!; k < t.leafEnd[j]!; k++)
                ws.margin[ws.rows[k]!] += t.value[j]!;
            }
        }
        ws.gradients();
        const helped = ws.helperChunks;
        return {
          margin: Float64Array.from(ws.margin),
          gh: Float64Array.from(ws.gh),
          deferred,
          helped,
        };
      } finally {
        ws.close();
      }
    };
    const direct = run(1, false);
    expect(direct.margin).not.toEqual(margin);
    for (const threads of [1, 2]) {
      const d = run(threads, true);
      expect(d.deferred).toBe(3);
      expect(d.helped > 0).toBe(threads > 1);
      expect(Buffer.from(d.margin.buffer).equals(Buffer.from(direct.margin.buffer))).toBe(true);
      expect(Buffer.from(d.gh.buffer).equals(Buffer.from(direct.gh.buffer))).toBe(true);
    }
  });

  it('grows the same tree bit for bit on two threads from one-hot (sparse) data', () => {
    const rng = makeRng(5);
    const n = 30_000;
    const p = 120;
    // Twelve categorical columns of ten levels each, one-hot: one 1 per group per row.
    const data = new Float64Array(n * p);
    const level = new Int32Array(n);
    for (let g = 0; g < 12; g++) {
      for (let i = 0; i < n; i++) {
        const l = Math.min(9, Math.floor(-Math.log(1 - rng.next()) * 3));
        if (g === 0) level[i] = l;
        data[(10 * g + l) * n + i] = 1;
      }
    }
    const grad = Float64Array.from({ length: n }, (_, i) => level[i] / 5 - 0.6 + rng.next() - 0.5);
    const hess = Float64Array.from({ length: n }, () => 0.05 + rng.next() * 0.2);
    const B = binMatrix({ n, p, data, columns: [] }, 255);
    const features = Int32Array.from({ length: p }, (_, f) => f);
    const grown = (threads: number): { tree: unknown; threaded: boolean; helped: number } => {
      const ws = new GrowWorkspace(B, n, threads, false, true);
      try {
        if (threads > 1) expect(ws.waitForHelper()).toBe(true);
        for (let i = 0; i < n; i++) ws.rows[i] = i;
        const tree = ws.grow(n, grad, hess, features, GROW_PARAMS);
        return { tree, threaded: ws.threaded, helped: ws.helperChunks };
      } finally {
        ws.close();
      }
    };
    const one = grown(1);
    const two = grown(2);
    expect(two.threaded).toBe(true);
    expect(two.helped).toBeGreaterThan(0);
    expect(two.tree).toEqual(one.tree);
    expect((one.tree as { left: number[] }).left.length).toBeGreaterThan(10);
  });
});
