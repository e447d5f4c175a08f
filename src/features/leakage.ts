/**
 * Leakage guards. A field that is only ever filled in after conversion, or that predicts the
 * label almost perfectly on its own, would make a model look brilliant on history and useless
 * on open leads; a numeric near-duplicate of another field only splits its credit in two.
 * The pipeline leaves flagged fields out by default and reports these findings.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import type { Conversion } from '../contracts/settings';
import { conversionMoment, dealIndex } from './labels';
import type { FeatureRow } from './snapshot';
import type { FeatureField, FeatureSpec } from './spec';
import { parseDate } from './values';

export interface LeakageFinding {
  field: string;
  reason: string;
  numbers: Record<string, number>;
}

export interface LeakageThresholds {
  /** Share of converters whose first value came at/after conversion (default 0.95). */
  postConversionShare: number;
  /** Largest share of non-converters that may ever have a value (default 0.02). */
  nonConverterShare: number;
  /** Fewest converters with a value before the first check means anything (default 10). */
  minConverters: number;
  /** |Pearson r| above which two numeric fields are near-duplicates (default 0.98). */
  maxCorrelation: number;
  /** Single-field AUC at or beyond which a field "predicts the label on its own" (0.98). */
  maxSingleAuc: number;
}

export const DEFAULT_LEAKAGE_THRESHOLDS: LeakageThresholds = {
  postConversionShare: 0.95,
  nonConverterShare: 0.02,
  minConverters: 10,
  maxCorrelation: 0.98,
  maxSingleAuc: 0.98,
};

/** Values written in the same workflow run as the conversion can land a little earlier. */
const SAME_MOMENT_SLACK_MS = 60_000;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

function firstValueTime(record: CrmRecord, property: string): number | null {
  for (const v of record.history[property] ?? []) {
    if (v.value != null && v.value.trim() !== '') return parseDate(v.timestamp);
  }
  return null;
}

function everSet(record: CrmRecord, property: string): boolean {
  const current = record.properties[property];
  if (current != null && current.trim() !== '') return true;
  return (record.history[property] ?? []).some((v) => v.value != null && v.value.trim() !== '');
}

/** Per property: what the post-conversion check counts over the records. */
export type PostConversionCounts = Record<
  string,
  {
    converters: number;
    convertersSet: number;
    setAfter: number;
    nonConverters: number;
    nonConvertersSet: number;
  }
>;

/**
 * Adds `records` to the post-conversion counts (`into`, or new ones): records may be counted
 * page by page (a training run spread over several calls) and give what one pass gives.
 */
export function countPostConversion(
  records: readonly CrmRecord[],
  deals: readonly DealOutcome[],
  conversion: Conversion,
  properties: readonly string[],
  into: PostConversionCounts = {},
): PostConversionCounts {
  const dealsOf = dealIndex(deals);
  const conv = records.map((r) => conversionMoment(r, dealsOf(r), conversion));
  for (const p of properties) {
    const n = (into[p] ??= {
      converters: 0,
      convertersSet: 0,
      setAfter: 0,
      nonConverters: 0,
      nonConvertersSet: 0,
    });
    records.forEach((r, i) => {
      const c = conv[i];
      if (c === null) {
        n.nonConverters++;
        if (everSet(r, p)) n.nonConvertersSet++;
        return;
      }
      n.converters++;
      const first = firstValueTime(r, p);
      if (first === null) return;
      n.convertersSet++;
      if (first >= c - SAME_MOMENT_SLACK_MS) n.setAfter++;
    });
  }
  return into;
}

/** The properties the counts show as only ever set after conversion (in `properties` order). */
export function postConversionFindings(
  counts: PostConversionCounts,
  properties: readonly string[],
  t: LeakageThresholds = DEFAULT_LEAKAGE_THRESHOLDS,
): LeakageFinding[] {
  const findings: LeakageFinding[] = [];
  for (const p of properties) {
    const n = counts[p];
    if (!n) continue;
    const { converters, convertersSet, setAfter, nonConverters, nonConvertersSet } = n;
    if (convertersSet < t.minConverters) continue;
    const afterShare = setAfter / convertersSet;
    const nonShare = nonConverters ? nonConvertersSet / nonConverters : 0;
    if (afterShare >= t.postConversionShare && nonShare <= t.nonConverterShare) {
      findings.push({
        field: p,
        reason: `only ever set after conversion: ${Math.round(afterShare * 100)}% of converters got it at or after converting, ${Math.round(nonShare * 100)}% of non-converters ever have it`,
        numbers: {
          converters,
          convertersWithValue: convertersSet,
          setAtOrAfterConversionShare: round(afterShare),
          nonConverters,
          nonConvertersWithValueShare: round(nonShare),
        },
      });
    }
  }
  return findings;
}

/** Properties (with history) that are only ever set after conversion. */
export function findPostConversionProperties(
  records: readonly CrmRecord[],
  deals: readonly DealOutcome[],
  conversion: Conversion,
  properties: readonly string[],
  t: LeakageThresholds = DEFAULT_LEAKAGE_THRESHOLDS,
): LeakageFinding[] {
  return postConversionFindings(
    countPostConversion(records, deals, conversion, properties),
    properties,
    t,
  );
}

function numericColumn(rows: readonly FeatureRow[], field: string): Float64Array {
  const col = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const v = r[field];
    col[i] = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN;
  });
  return col;
}

function pearson(a: Float64Array, b: Float64Array): { r: number; n: number } {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 3) return { r: 0, n };
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return { r: va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0, n };
}

/** Numeric fields nearly identical to an earlier field of the spec (the later one is flagged). */
export function findNearDuplicates(
  rows: readonly FeatureRow[],
  fields: readonly FeatureField[],
  t: LeakageThresholds = DEFAULT_LEAKAGE_THRESHOLDS,
  minRows = 30,
): LeakageFinding[] {
  const numeric = fields.filter((f) => f.type === 'number' || f.type === 'date');
  const cols = numeric.map((f) => numericColumn(rows, f.name));
  const findings: LeakageFinding[] = [];
  const flagged = new Set<number>();
  for (let j = 1; j < numeric.length; j++) {
    for (let i = 0; i < j; i++) {
      if (flagged.has(i)) continue;
      const { r, n } = pearson(cols[i], cols[j]);
      if (n >= minRows && Math.abs(r) > t.maxCorrelation) {
        flagged.add(j);
        findings.push({
          field: numeric[j].name,
          reason: `near-duplicate of ${numeric[i].name} (correlation ${r.toFixed(3)})`,
          numbers: { correlation: round(r), rows: n },
        });
        break;
      }
    }
  }
  return findings;
}

/** Rank AUC of one numeric column against 0/1 labels; ties share their mean rank. */
export function singleFieldAuc(values: Float64Array, labels: ReadonlyArray<0 | 1 | null>) {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i]) && (labels[i] === 0 || labels[i] === 1)) idx.push(i);
  }
  idx.sort((x, y) => values[x] - values[y]);
  let pos = 0;
  let rankSumPos = 0;
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && values[idx[e + 1]] === values[idx[s]]) e++;
    const meanRank = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSumPos += meanRank;
      }
    }
    s = e + 1;
  }
  const neg = idx.length - pos;
  const auc = pos && neg ? (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg) : 0.5;
  return { auc, positives: pos, negatives: neg };
}

/** Numeric/bool fields that alone separate converters from the rest almost perfectly. */
export function findSingleFieldLeaks(
  rows: readonly FeatureRow[],
  labels: ReadonlyArray<0 | 1 | null>,
  fields: readonly FeatureField[],
  t: LeakageThresholds = DEFAULT_LEAKAGE_THRESHOLDS,
  minPerClass = 20,
): LeakageFinding[] {
  const findings: LeakageFinding[] = [];
  for (const f of fields) {
    if (f.type !== 'number' && f.type !== 'bool' && f.type !== 'date') continue;
    const { auc, positives, negatives } = singleFieldAuc(numericColumn(rows, f.name), labels);
    if (positives < minPerClass || negatives < minPerClass) continue;
    const strength = Math.max(auc, 1 - auc);
    if (strength >= t.maxSingleAuc) {
      findings.push({
        field: f.name,
        reason: `predicts the label almost perfectly on its own (AUC ${strength.toFixed(3)})`,
        numbers: { auc: round(auc), positives, negatives },
      });
    }
  }
  return findings;
}

/** Every check, one finding per field (the first reason found). */
export function checkLeakage(input: {
  records: readonly CrmRecord[];
  deals: readonly DealOutcome[];
  conversion: Conversion;
  spec: FeatureSpec;
  rows: readonly FeatureRow[];
  labels: ReadonlyArray<0 | 1 | null>;
  thresholds?: Partial<LeakageThresholds>;
}): LeakageFinding[] {
  const t = { ...DEFAULT_LEAKAGE_THRESHOLDS, ...input.thresholds };
  const propertyFields = input.spec.fields.filter((f) => f.source === 'property');
  const all = [
    ...findPostConversionProperties(
      input.records,
      input.deals,
      input.conversion,
      propertyFields.map((f) => f.name),
      t,
    ),
    ...findSingleFieldLeaks(input.rows, input.labels, input.spec.fields, t),
    ...findNearDuplicates(input.rows, input.spec.fields, t),
  ];
  const seen = new Set<string>();
  return all.filter((f) => !seen.has(f.field) && seen.add(f.field));
}
