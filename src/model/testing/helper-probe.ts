/**
 * Grows one tree and computes one round of gradients on one thread and on two, and says
 * whether the helper thread took part and whether both gave the same bits. The helper-thread
 * test runs it under jest (Babel), tsx and an esbuild bundle built like `npm run build:hubspot`.
 */
import { GrowWorkspace } from '../trees/gbdt-grow';
import { binMatrix } from '../trees/histogram';
import { makeRng } from '../rng';

export interface ProbeResult {
  threaded: boolean;
  helperChunks: number;
  sameTree: boolean;
  sameGradients: boolean;
}

/** One tree's growth settings for the helper-thread tests. */
export const GROW_PARAMS = {
  maxDepth: 6,
  maxLeaves: 64,
  minChildHessian: 1,
  l2: 1,
  minSplitGain: 0,
  learningRate: 0.1,
};

export function probeHelper(): ProbeResult {
  const rng = makeRng(11);
  const n = 40_000;
  const p = 30;
  const data = new Float64Array(n * p);
  for (let k = 0; k < data.length; k++) data[k] = rng.next() < 0.05 ? NaN : rng.next();
  const B = binMatrix({ n, p, data, columns: [] }, 255);
  const margin = Float64Array.from({ length: n }, () => (rng.next() - 0.5) * 8);
  const labels = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const weights = Float64Array.from({ length: n }, () => 0.5 + rng.next());
  const features = Int32Array.from({ length: p }, (_, f) => f);
  const params = GROW_PARAMS;
  const run = (threads: number) => {
    // helperFirst: the helper takes each job's first chunk, so its part is proven.
    const ws = new GrowWorkspace(B, n, threads, true, true);
    try {
      if (threads > 1 && !ws.waitForHelper()) throw new Error('the helper thread did not start');
      ws.margin.set(margin);
      ws.labels.set(labels);
      ws.weights.set(weights);
      ws.gradients();
      const gh = Float64Array.from(ws.gh);
      for (let i = 0; i < n; i++) ws.rows[i] = i;
      const g = Float64Array.from({ length: n }, (_, i) => gh[2 * i]);
      const h = Float64Array.from({ length: n }, (_, i) => gh[2 * i + 1]);
      const tree = ws.grow(n, g, h, features, params);
      return { gh, tree: JSON.stringify(tree), threaded: ws.threaded, chunks: ws.helperChunks };
    } finally {
      ws.close();
    }
  };
  const one = run(1);
  const two = run(2);
  return {
    threaded: two.threaded,
    helperChunks: two.chunks,
    sameTree: one.tree === two.tree,
    sameGradients: Buffer.from(one.gh.buffer).equals(Buffer.from(two.gh.buffer)),
  };
}
