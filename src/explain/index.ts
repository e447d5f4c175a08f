/**
 * Explanations of a fitted model's rows, grouped per source field, plus points and reasons.
 * One explainer per model family over one normal form: linear SHAP for logistic regression,
 * TreeSHAP for every tree source (our GBDT, our single tree, ml-cart).
 */
import type { Cell, EncodedMatrix, FieldQuality, FittedModel, RawRow } from '../model/types';
import { assertAdditive, ExplainError, groupColumns, type Explanation } from './explanation';
import { linearShap } from './linear';
import { toPoints } from './points';
import { makeFactor, topFactors, type FactorLike } from './reasons';
import { ensembleBase, treeShap } from './treeshap';

export { assertAdditive, type Explanation } from './explanation';
export { toPoints, type Points } from './points';
export type { FactorLike } from './reasons';

/** Additivity tolerance: relative to max(1, |f|); float64 sums over ≤ thousands of terms. */
const ADDITIVE_TOL = 1e-8;

/** How a raw cell is shown to a rep ("12.5", "Yes", "a, b"); null when there is nothing. */
export function displayValue(cell: Cell): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return null;
    // A rep reads "307 days", not "307.08": two significant decimals only below 10.
    if (Number.isInteger(cell)) return String(cell);
    const digits = Math.abs(cell) >= 10 ? 0 : Math.abs(cell) >= 1 ? 1 : 2;
    return String(Number(cell.toFixed(digits)));
  }
  if (typeof cell === 'boolean') return cell ? 'Yes' : 'No';
  if (typeof cell === 'string') return cell.trim() === '' ? null : cell.trim();
  return cell.length === 0 ? null : cell.join(', ');
}

function columnsByField(model: FittedModel): {
  fieldOfColumn: Int32Array;
  missingColumn: Int32Array;
} {
  const fields = model.encoder.fields;
  const index = new Map(fields.map((f, i) => [f.name, i]));
  const cols = model.encoder.columns;
  const fieldOfColumn = new Int32Array(cols.length);
  const missingColumn = new Int32Array(fields.length).fill(-1);
  cols.forEach((c, j) => {
    const i = index.get(c.field);
    if (i === undefined) {
      throw new ExplainError(
        'INPUT_INVALID',
        `Encoded column '${c.name}' belongs to field '${c.field}', which the encoder does not list.`,
        'The model artifact is inconsistent; re-train it.',
      );
    }
    fieldOfColumn[j] = i;
    if (c.kind === 'missing') missingColumn[i] = j;
  });
  return { fieldOfColumn, missingColumn };
}

/** Per-column SHAP values of every row, by model family. */
function columnShap(model: FittedModel, X: EncodedMatrix): { base: number; phi: Float64Array } {
  const core = model.core;
  switch (core.kind) {
    case 'logistic':
      return linearShap(core.coef, core.intercept, model.backgroundMean, X);
    case 'gbdt':
    case 'tree':
    case 'ml-cart':
      return treeShap(core.ensemble, X);
    default: {
      const kind: string = (core as { kind: string }).kind;
      throw new ExplainError(
        'UNSUPPORTED_MODEL',
        `No explainer for model kind '${kind}'.`,
        'Use logistic, gbdt, tree or ml-cart.',
      );
    }
  }
}

/**
 * One additive Explanation per row, grouped per source field. Every explanation is checked
 * against the model's own margin; a mismatch throws rather than showing wrong reasons.
 */
export function explainRows(
  model: FittedModel,
  rows: readonly RawRow[],
  opts: { referenceTime?: number; quality?: FieldQuality[] } = {},
): Explanation[] {
  const X = model.encoder.transform(rows, opts);
  // Cells the encoder read as missing (wrong type, unseen value), for the caller to report.
  if (opts.quality && X.quality) opts.quality.push(...X.quality);
  const f = model.margin(X);
  const { base, phi } = columnShap(model, X);
  const { fieldOfColumn, missingColumn } = columnsByField(model);
  const fields = model.encoder.fields;
  const names = fields.map((fi) => fi.name);
  return rows.map((row, i) => {
    const data = fields.map((fi, k) => {
      // What the encoder read as missing (empty, a placeholder in a number field, a value of the
      // wrong type or never seen) is shown as missing too.
      const mc = missingColumn[k];
      if (mc >= 0 && X.data[mc * X.n + i] === 1) return null;
      return displayValue(row[fi.name]);
    });
    const expl: Explanation = {
      base,
      values: groupColumns(phi, i, X.p, fieldOfColumn, fields.length),
      names,
      data,
    };
    assertAdditive(expl, f[i], ADDITIVE_TOL);
    return expl;
  });
}

export interface ExplainedRow {
  /** Calibrated probability of the row. */
  probability: number;
  /** Displayed score and baseline (integers, 0–100); base + Σ all points = score. */
  score: number;
  base: number;
  /** The top factors, strongest first. */
  factors: FactorLike[];
  /** Points of every factor not in `factors`. */
  otherPoints: number;
}

/**
 * φ₀ of the model — the expected margin its explanations start from — without explaining any
 * row: f(E[x]) for logistic regression, the cover-weighted tree expectation for trees.
 */
export function explanationBase(model: FittedModel): number {
  const core = model.core;
  if (core.kind === 'logistic') {
    let b = core.intercept;
    for (let j = 0; j < core.coef.length; j++) b += core.coef[j] * model.backgroundMean[j];
    return b;
  }
  return ensembleBase(core.ensemble);
}

/**
 * Points and reasons of one explanation, with the top `k` factors. `show` turns a field's raw
 * value into what a rep reads (a CRM option label, a named category); reasons are built once,
 * from the shown value.
 */
export function describeExplanation(
  model: FittedModel,
  expl: Explanation,
  k: number,
  show: (field: string, value: string) => string = (_field, value) => value,
): ExplainedRow {
  const pts = toPoints(expl, (m) => model.calibrate(m));
  const labels = new Map(model.encoder.fields.map((fi) => [fi.name, fi.label]));
  const all = expl.names.map((name, i) => {
    const raw = expl.data[i];
    const value = raw === null ? null : show(name, raw);
    return makeFactor(name, labels.get(name) ?? name, value, pts.points[i], expl.values[i]);
  });
  const { top, otherPoints } = topFactors(all, k);
  return {
    probability: pts.scoreExact / 100,
    score: pts.score,
    base: pts.base,
    factors: top,
    otherPoints,
  };
}

/** One field's global importance: the mean |φ| over rows, in log-odds (margin) units. */
export interface FieldImportance {
  field: string;
  label: string;
  meanAbsShap: number;
}

/**
 * Global importance per source field (shap's "mean(|SHAP value|)" bar plot, grouped per CRM
 * field like every explanation here): the average size of each field's exact contribution to
 * the margin over `rows`, strongest first. At most `maxRows` rows are explained, taken at an
 * even stride so the estimate covers the whole span of the rows without random draws.
 */
export function globalImportance(
  model: FittedModel,
  rows: readonly RawRow[],
  maxRows = 2000,
): FieldImportance[] {
  const stride = Math.max(1, Math.ceil(rows.length / maxRows));
  const sample = rows.filter((_, i) => i % stride === 0);
  const fields = model.encoder.fields;
  const sums = new Float64Array(fields.length);
  for (const expl of sample.length ? explainRows(model, sample) : []) {
    for (let k = 0; k < fields.length; k++) sums[k] += Math.abs(expl.values[k]);
  }
  return fields
    .map((f, k) => ({
      field: f.name,
      label: f.label,
      meanAbsShap: sample.length ? sums[k] / sample.length : 0,
    }))
    .sort((a, b) => b.meanAbsShap - a.meanAbsShap || (a.field < b.field ? -1 : 1));
}
