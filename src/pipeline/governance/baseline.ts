/** The training baseline a new model version is stored with (see bins.ts). */
import type { FeatureField } from '../../features';
import type { Model, RawRow } from '../../model';
import { scoreRows } from '../scoring';
import { buildBaseline, type Baseline } from './bins';

/** Bins and proportions of the labelled training rows, and of the model's probabilities on them. */
export function trainingBaseline(
  model: Model,
  fields: readonly FeatureField[],
  set: { rows: ReadonlyArray<Record<string, unknown>>; labels: ReadonlyArray<0 | 1 | null> },
): Baseline {
  const rows = set.rows.filter((_, i) => set.labels[i] !== null);
  const scored = scoreRows(
    { model, features: [], valueLabels: new Map() },
    rows as readonly RawRow[],
    { top: 0, explain: false },
  );
  return buildBaseline(
    fields,
    rows,
    scored.map((s) => s.probability),
  );
}
