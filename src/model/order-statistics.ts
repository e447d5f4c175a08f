/**
 * Order statistics without sorting: quickselect places one order statistic in linear time, and
 * a few ascending ones cost a few partial passes — where sorting each number column (per field
 * and per backtest fold) was the encoder's largest cost on a 200k-row CSV (bench:product).
 */
/**
 * Puts the k-th smallest of a[from..to) at a[k], smaller-or-equal values before it and
 * greater-or-equal after (Hoare quickselect, median-of-three pivots): O(n), where a sort was
 * O(n log n) — the encoder and the leakage guard need a few order statistics per number field
 * and backtest fold.
 */
export function selectKth(a: Float64Array, k: number, from: number, to: number): void {
  let lo = from;
  let hi = to - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot: sorted inputs (common: exported by date) stay linear.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
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
