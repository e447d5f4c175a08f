/**
 * The shapes shared across `model` and read by `explain`. Numerics are Float64Array,
 * column-major: the value of row i, column j is `data[j * n + i]`.
 */

import type { TableInput } from './frame';
import type { ColumnLayout } from './linear/dense';

/** A raw input cell, as it comes from CSV or from `features` (CRM values already typed). */
export type Cell = string | number | boolean | null | undefined | readonly string[];
export type RawRow = Readonly<Record<string, Cell>>;

/** What one encoded column means; `field` is the source field it is grouped under for SHAP. */
export interface ColumnInfo {
  name: string;
  field: string;
  kind: 'numeric' | 'missing' | 'onehot' | 'other' | 'bool' | 'date' | 'multi';
  /** For one-hot / multi columns: the category value the column stands for. */
  category?: string;
}

export interface EncodedMatrix {
  n: number;
  p: number;
  /**
   * Column-major, length n·p. Missing values are NaN only where a model handles them (trees).
   * The encoder's matrices make it on first read, from `layout`.
   */
  data: Float64Array;
  /** The same columns held sparsely (0/1 columns as row lists); see linear/dense.ts. */
  layout?: ColumnLayout;
  columns: readonly ColumnInfo[];
  /** Fields with cells read as missing because of their type or an unseen value (transform). */
  quality?: FieldQuality[];
}

/**
 * Cells of one field that `transform` read as missing: a value not of the field's type (text in
 * a number field) or a category value training never saw. Counted, never fatal.
 */
export interface FieldQuality {
  field: string;
  expected: FieldInfo['type'];
  wrongType: number;
  unseen: number;
}

/**
 * One tree in flat arrays (the normal form every tree explainer reads). Node 0 is the root;
 * a leaf has `left[j] === -1`. `cover[j]` is the training weight (hessian sum for GBDT, sample
 * count for CART) reaching node j — TreeSHAP needs it.
 */
export interface FlatTree {
  left: Int32Array;
  right: Int32Array;
  /** Encoded column index split on; -1 on leaves. */
  feature: Int32Array;
  threshold: Float64Array;
  /** 1 when a missing (NaN) value goes left, 0 when it goes right. */
  defaultLeft: Uint8Array;
  /** Leaf value (margin contribution); unused on internal nodes. */
  value: Float64Array;
  cover: Float64Array;
}

/**
 * Trees summed (boosting) or averaged (forest) on top of `baseMargin`, in log-odds (boosting)
 * or probability (single CART with class-1 proportions) units. `comparison` is the split rule:
 * 'lt' goes left when x < threshold (our GBDT, xgboost, ml-cart); 'le' when x <= threshold.
 */
export interface TreeEnsemble {
  trees: FlatTree[];
  nFeatures: number;
  baseMargin: number;
  comparison: 'lt' | 'le';
  aggregate: 'sum' | 'mean';
  /** 'logit': the output is a log-odds margin; 'probability': it is already P(y = 1). */
  output: 'logit' | 'probability';
}

/** The learned numeric core of a model, in the encoded column space. */
export type ModelCore =
  | { kind: 'logistic'; coef: Float64Array; intercept: number }
  | { kind: 'gbdt' | 'tree' | 'ml-cart'; ensemble: TreeEnsemble };

/** A source field as the encoder saw it (what SHAP values are grouped and labelled by). */
export interface FieldInfo {
  name: string;
  label: string;
  type: 'number' | 'category' | 'bool' | 'date' | 'multi';
}

export interface FittedEncoderLike {
  readonly fields: readonly FieldInfo[];
  readonly columns: readonly ColumnInfo[];
  /**
   * Encode rows with the fitted statistics; unseen categories go to "other". Dates become ages
   * relative to `referenceTime` (epoch ms; the encoder's own reference when absent).
   */
  transform(input: TableInput, opts?: { referenceTime?: number }): EncodedMatrix;
}

/**
 * A fitted, immutable model: encoder + core + calibration. `margin` is the raw log-odds the
 * explainers decompose; `calibrate` maps a margin to a probability (monotone non-decreasing),
 * and the displayed score is `100 · calibrate(margin)`.
 */
export interface FittedModel {
  readonly core: ModelCore;
  readonly encoder: FittedEncoderLike;
  /** Mean of every encoded column over the training rows (the linear SHAP background). */
  readonly backgroundMean: Float64Array;
  margin(X: EncodedMatrix): Float64Array;
  calibrate(margin: number): number;
  predictProba(input: TableInput): Float64Array;
}
