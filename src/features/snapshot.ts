/**
 * A record as it was at one moment: every property value from its history as of `asOf`
 * (never a later one) typed per the spec, plus the engineered signals at `asOf`.
 */
import type { CrmRecord } from '../contracts/records';
import { engineeredSignals } from './engineered';
import type { FeatureField, FeatureSpec } from './spec';
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

/** Types one raw CRM value. Dates become days before `asOf`, a scale a model can use. */
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
