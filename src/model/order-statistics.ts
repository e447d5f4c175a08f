/**
 * Order statistics without sorting: quickselect places one order statistic in linear time, and
 * a few ascending ones cost a few partial passes — where sorting each number column (per field
 * and per backtest fold) was the encoder's largest cost on a 200k-row CSV (bench:product).
 */
/**
 * Puts the k-th smallest of a[from..to) at a[k], smaller-or-equal values before it and
 * greater-or-equal after: O(n), where a sort was O(n log n) — the encoder and the leakage guard
 * need a few order statistics per number field and backtest fold.
 *
 * Floyd–Rivest: on a range of more than 600 values it first places k within a small sample
 * around its expected rank (recursively), so the partition that follows brackets k tightly and
 * takes about n + min(k, n − k) comparisons — against ≈ 3n for median-of-three Hoare, which
 * was the encoder's clip quantiles' whole cost (0.5 % and 99.5 % of every number column, per
 * fold). Deterministic (no random pivots); the order statistic is the same either way.
 */
export function selectKth(a: Float64Array, k: number, from: number, to: number): void {
  let left = from;
  let right = to - 1;
  while (right > left) {
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const l2 = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const r2 = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      selectKth(a, k, l2, r2 + 1);
    }
    const t = a[k]!;
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right]! > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * The q-quantiles of `values` (linear interpolation between order statistics, as on a sorted
 * copy), for ascending qs. Reorders `values`.
 */
export function quantiles(values: Float64Array, qs: readonly number[]): number[] {
  const m = values.length;
  let from = 0;
  return qs.map((q) => {
    const pos = q * (m - 1);
    const lo = Math.floor(pos);
    if (lo < from) from = 0;
    selectKth(values, lo, from, m);
    // Everything after `lo` is ≥ its value: the next order statistic is their minimum.
    let next = values[lo]!;
    if (lo + 1 < m) {
      next = values[lo + 1]!;
      for (let i = lo + 2; i < m; i++) if (values[i]! < next) next = values[i]!;
    }
    from = lo;
    return values[lo]! + (next - values[lo]!) * (pos - lo);
  });
}
