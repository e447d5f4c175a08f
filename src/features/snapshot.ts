/**
 * A record as it was at one moment: every property value from its history as of `asOf`
 * (never a later one) typed per the spec, plus the engineered signals at `asOf`.
 */
import type { CrmRecord } from '../contracts/records';
import { engineeredSignals } from './engineered';
import type { FeatureField, FeatureSpec, FeatureType } from './spec';
import {
  DAY_MS,
  parseBool,
  parseCategory,
  parseDate,
  parseMulti,
  parseNumber,
  valueAt,
  type FeatureValue,
} from './values';

export type FeatureRow = Record<string, FeatureValue>;

/** The type of a snapshot value as the model must read it (a `FieldInfo` type). */
export type SnapshotValueType = Exclude<FeatureType, 'date'>;

/**
 * The one form dates take between `features` and `model`: a date property's snapshot value is
 * its age at `asOf` in days (a duration, point in time for every row, larger = longer ago), so
 * the model reads it as a plain number. It must never be declared a `date` to the model: that
 * type means an instant (epoch ms, ISO text) whose age the encoder measures itself — reading
 * days as epoch ms would lose the units and flip the sign. `snapshotSchema` is how a feature
 * plan becomes the model's schema; src/pipeline/date-seam.test.ts checks both sides together.
 */
export function snapshotValueType(type: FeatureType): SnapshotValueType {
  return type === 'date' ? 'number' : type;
}

/** The model's schema for rows built by `snapshot` from these fields. */
export function snapshotSchema(
  fields: readonly FeatureField[],
): Array<{ name: string; label: string; type: SnapshotValueType }> {
  return fields.map((f) => ({ name: f.name, label: f.label, type: snapshotValueType(f.type) }));
}

/** Types one raw CRM value. Dates become days before `asOf` (see `snapshotValueType`). */
export function typeValue(field: FeatureField, raw: string | null, asOf: number): FeatureValue {
  switch (field.type) {
    case 'number':
      return parseNumber(raw);
    case 'bool':
      return parseBool(raw);
    case 'multi':
      return parseMulti(raw);
    case 'category':
      return parseCategory(raw);
    case 'date': {
      const t = parseDate(raw);
      return t === null ? null : Math.round(((asOf - t) / DAY_MS) * 100) / 100;
    }
  }
}

export function snapshot(record: CrmRecord, asOf: number, spec: FeatureSpec): FeatureRow {
  const row: FeatureRow = {};
  let engineered: FeatureRow | null = null;
  for (const f of spec.fields) {
    if (f.source === 'property') {
      row[f.name] = typeValue(f, valueAt(record, f.name, asOf), asOf);
    } else {
      engineered ??= engineeredSignals(record, asOf);
      row[f.name] = engineered[f.name] ?? null;
    }
  }
  return row;
}
