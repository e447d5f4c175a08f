/**
 * Data checks that turn a label column into 0/1/null labels, or say exactly what is wrong:
 * what was found, how many, and what is needed.
 */
import { ModelError } from '../errors';
import { asFrame, type TableInput } from '../frame';
import { readCategories } from './read';
import { placeholderSet, DEFAULT_PLACEHOLDERS } from './schema';
import type { Label } from '../evaluation/split';

const POSITIVE_WORDS = ['1', 'true', 'yes', 'won', 'converted', 'y'];
const NEGATIVE_WORDS = ['0', 'false', 'no', 'lost', 'not converted', 'n'];
const MAX_LISTED = 10;

function listValues(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => JSON.stringify(v));
  return shown.join(', ') + (values.length > MAX_LISTED ? `, … (${values.length} in all)` : '');
}

export interface LabelOptions {
  /** The value meaning "converted"; inferred for 1/0, true/false, yes/no, won/lost. */
  positive?: string;
  placeholders?: readonly string[];
}

export function requireRows(rows: readonly unknown[], what = 'input'): void {
  if (rows.length === 0) {
    throw new ModelError(
      'EMPTY_INPUT',
      `The ${what} has no data rows.`,
      'Provide a file or record set with a header and at least one row per lead.',
    );
  }
}

/** Throws LABEL_MISSING when the label column is not among the columns. */
export function requireLabelColumn(columns: readonly string[], label: string): void {
  if (!columns.includes(label)) {
    throw new ModelError(
      'LABEL_MISSING',
      `The label column "${label}" is not in the data. Columns found: ${listValues(columns)}.`,
      'Pass the name of the column that says whether the lead converted (--label).',
      { label, columns: columns.slice(0, 50) },
    );
  }
}

/**
 * Reads the label column to 1 (positive), 0 (any other value) or null (empty: the outcome is
 * not known yet, so the row is censored, not counted as a loss).
 */
export function labelsFrom(input: TableInput, label: string, opts: LabelOptions = {}): Label[] {
  const frame = asFrame(input);
  if (frame.n === 0) requireRows([]);
  requireLabelColumn(frame.names, label);
  const ph = placeholderSet(opts.placeholders ?? DEFAULT_PLACEHOLDERS);
  // Each distinct value is read once; rows only carry its code.
  const read = readCategories(frame.columns.get(label)!, ph);
  // "Won", "won" and "WON" are one outcome (hand-edited sheets mix them): values that differ
  // only in case are merged, under the spelling met first.
  const byLower = new Map<string, number>();
  const values: string[] = [];
  const merge = Int32Array.from(read.values, (v) => {
    const low = v.toLowerCase();
    let k = byLower.get(low);
    if (k === undefined) {
      k = values.length;
      values.push(v);
      byLower.set(low, k);
    }
    return k;
  });
  const codes =
    values.length === read.values.length
      ? read.codes
      : Int32Array.from(read.codes, (c) => (c < 0 ? -1 : merge[c]!));
  const distinct = [...values].sort();
  if (distinct.length === 0) {
    throw new ModelError(
      'SINGLE_CLASS',
      `The label column "${label}" has no values: every outcome is unknown.`,
      'Train on leads old enough to have an outcome.',
    );
  }
  if (distinct.length > 2) {
    throw new ModelError(
      'LABEL_NOT_BINARY',
      `The label column "${label}" has ${distinct.length} distinct values (${listValues(distinct)}); it must have two.`,
      'Map the outcomes to two values (converted / not converted) before training, or pick another column.',
      { label, values: distinct.slice(0, 50) },
    );
  }
  if (distinct.length === 1) {
    throw new ModelError(
      'SINGLE_CLASS',
      `Every known outcome in "${label}" is "${distinct[0]}"; a model needs both converted and not converted leads.`,
      'Include leads with the other outcome (e.g. a longer time window).',
      { label, value: distinct[0] },
    );
  }
  let positive = opts.positive;
  if (positive !== undefined) {
    const given = positive;
    positive =
      distinct.find((d) => d === given) ??
      distinct.find((d) => d.toLowerCase() === given.toLowerCase());
    if (positive === undefined) {
      throw new ModelError(
        'UNKNOWN_POSITIVE',
        `The positive value "${given}" does not occur in "${label}"; values found: ${listValues(distinct)}.`,
        `Pass one of the values found as --positive.`,
        { label, positive: given, values: distinct },
      );
    }
  } else {
    // `1.0` / `0.0` (a float column exported from pandas or a spreadsheet) read as 1 / 0.
    const lower = distinct.map((d) =>
      /^[+-]?\d+(\.\d*)?$/.test(d) ? String(Number(d)) : d.toLowerCase(),
    );
    const k = POSITIVE_WORDS.findIndex((w) => lower.includes(w));
    const known = lower.every((d) => POSITIVE_WORDS.includes(d) || NEGATIVE_WORDS.includes(d));
    if (k < 0 || !known) {
      throw new ModelError(
        'UNKNOWN_POSITIVE',
        `Cannot tell which value of "${label}" means converted; values found: ${listValues(distinct)}.`,
        'Pass the converted value as --positive.',
        { label, values: distinct },
      );
    }
    positive = distinct[lower.indexOf(POSITIVE_WORDS[k]!)]!;
  }
  const positiveCode = values.indexOf(positive);
  return Array.from(codes, (c): Label => (c < 0 ? null : c === positiveCode ? 1 : 0));
}

export interface TrainableOptions {
  /** Conversions needed to learn anything stable (default 30). */
  minPositives?: number;
  minNegatives?: number;
}

/** Throws when the labelled rows cannot train a model: none, one class, too few of either. */
export function checkTrainable(labels: readonly Label[], opts: TrainableOptions = {}): void {
  requireRows(labels);
  let pos = 0;
  let neg = 0;
  for (const l of labels) {
    if (l === 1) pos++;
    else if (l === 0) neg++;
  }
  if (pos + neg === 0) {
    throw new ModelError(
      'EMPTY_INPUT',
      `All ${labels.length} rows have an unknown outcome (censored).`,
      'Train on leads old enough to have an outcome.',
    );
  }
  if (pos === 0 || neg === 0) {
    throw new ModelError(
      'SINGLE_CLASS',
      `All ${pos + neg} labelled rows are ${pos ? 'converted' : 'not converted'}; a model needs both.`,
      'Include leads with the other outcome, or check the --positive value.',
      { positives: pos, negatives: neg },
    );
  }
  const minPos = opts.minPositives ?? 30;
  const minNeg = opts.minNegatives ?? 30;
  if (pos < minPos) {
    throw new ModelError(
      'TOO_FEW_POSITIVES',
      `Only ${pos} converted leads among ${pos + neg}; at least ${minPos} are needed to learn from.`,
      `Add history until there are ${minPos} or more conversions (a longer window, or a broader conversion definition).`,
      { positives: pos, needed: minPos },
    );
  }
  if (neg < minNeg) {
    throw new ModelError(
      'TOO_FEW_ROWS',
      `Only ${neg} non-converted leads among ${pos + neg}; at least ${minNeg} are needed.`,
      'Include leads that did not convert (they are the contrast the model learns from).',
      { negatives: neg, needed: minNeg },
    );
  }
}
