/** The design matrix the linear solvers share (its own module so the solvers form no cycle). */
export interface DenseMatrix {
  n: number;
  p: number;
  /**
   * Column-major, length n·p, no NaN. With a `layout`, it may be made only when first read (the
   * encoder's matrices): kernels that can read the layout should, and never touch `data`.
   */
  data: Float64Array;
  layout?: ColumnLayout;
}

/**
 * The same matrix column by column, each column in the form that holds it cheaply: its n values,
 * or — for 0/1 columns (one-hot levels, "(other)", multi-select values, missing indicators) —
 * the ascending rows where it is 1. A 200k × 200 one-hot-heavy matrix is ~320 MB dense and
 * ~50 MB this way; writing the dense form is what cost the time (fresh pages touched once each).
 */
export interface ColumnLayout {
  /** Per column: its n values, or null when the column is held in `ones`. */
  readonly dense: ReadonlyArray<Float64Array | null>;
  /** Per column: ascending rows where the column is 1 (0 elsewhere), or null when dense. */
  readonly ones: ReadonlyArray<Uint32Array | null>;
}

/** The dense column-major form of a layout (what `data` holds). */
export function denseData(n: number, p: number, layout: ColumnLayout): Float64Array {
  const data = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const col = layout.dense[j];
    if (col) data.set(col, j * n);
    else {
      const rows = layout.ones[j]!;
      const off = j * n;
      for (let t = 0; t < rows.length; t++) data[off + rows[t]!] = 1;
    }
  }
  return data;
}

/**
 * A matrix held as a layout, whose `data` is made on first read and then kept: the logistic
 * kernels read the layout only, so a logistic fit never makes the dense form; other models
 * (trees, explanations) read `data` as before and get exactly the same numbers.
 */
export function layoutMatrix<T extends object>(
  n: number,
  p: number,
  layout: ColumnLayout,
  rest: T,
): T & DenseMatrix {
  let data: Float64Array | null = null;
  return Object.defineProperty({ ...rest, n, p, layout } as T & DenseMatrix, 'data', {
    enumerable: true,
    configurable: true,
    get(): Float64Array {
      data ??= denseData(n, p, layout);
      return data;
    },
  });
}

/** Column j of X as its n values: a view into `data`, or the layout's own array. */
export function denseColumn(X: DenseMatrix, j: number): Float64Array | null {
  if (X.layout) return X.layout.dense[j] ?? null;
  return X.data.subarray(j * X.n, (j + 1) * X.n);
}

/** The key under which per-matrix state is cached without making `data`. */
export function matrixKey(X: DenseMatrix): object {
  return X.layout ?? X.data;
}
