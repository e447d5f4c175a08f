/**
 * A table column by column, as readers hand it over (CSV files: src/crm/csv/columns.ts): numbers
 * in a Float64Array (NaN = empty), text as codes into a dictionary of distinct values. The model
 * core reads the same shape as its `Frame` (src/model/frame.ts; model imports nothing of ours,
 * so the shape is written twice and the compiler checks they agree where one is passed as the
 * other, in the CLI).
 */
export type TableColumn =
  | { readonly kind: 'number'; readonly values: Float64Array }
  | { readonly kind: 'text'; readonly codes: Int32Array; readonly dict: readonly string[] };

export interface ColumnTable {
  readonly kind: 'frame';
  readonly n: number;
  readonly names: readonly string[];
  readonly columns: ReadonlyMap<string, TableColumn>;
}
