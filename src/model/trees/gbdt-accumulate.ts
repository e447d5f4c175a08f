/**
 * The one hot loop of GBDT training left in JS (WebAssembly has no `exp`): per-row logistic
 * gradients, a plain function over typed arrays so V8 keeps it monomorphic. The helper thread
 * runs this same function: gbdt-hist-worker.ts ships its source to the worker, so it must stay
 * self-contained (no reference outside its own body).
 */

/**
 * Rows [a, b) of `gh` (gradient, hessian pairs) from the margins, labels and weights. With
 * `leafOf` and `leafVal`, the last tree's leaf values are added to the margins first (row i's
 * leaf is leafOf[i]): one addition per row, as adding them leaf by leaf would, but over the
 * rows in order instead of scattered (GrowWorkspace.deferLeafValues).
 */
export function logisticGradients(
  margin: Float64Array,
  y: Float64Array,
  w: Float64Array,
  gh: Float64Array,
  a: number,
  b: number,
  leafOf: Uint16Array | null,
  leafVal: Float64Array | null,
): void {
  if (leafOf !== null && leafVal !== null) {
    for (let i = a; i < b; i++) margin[i] += leafVal[leafOf[i]];
  }
  for (let i = a; i < b; i++) {
    const pr = 1 / (1 + Math.exp(-margin[i]));
    const wi = w[i];
    gh[2 * i] = (pr - y[i]) * wi;
    gh[2 * i + 1] = Math.max(pr * (1 - pr), 1e-16) * wi;
  }
}
