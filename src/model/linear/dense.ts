/** The dense design matrix the linear solvers share (its own module so the solvers form no cycle). */
export interface DenseMatrix {
  n: number;
  p: number;
  /** Column-major, length n·p, no NaN. */
  data: Float64Array;
}
