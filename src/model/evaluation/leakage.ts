/**
 * The leakage guard. A field that on its own separates converted from not converted almost
 * perfectly, or that is filled in (almost) only for one outcome, was most likely written after
 * the outcome was known (a rep's tag, a "closed" reason). It would make the model look great in
 * testing and useless on new leads, so it is flagged and, by default, left out.
 */
import { rocAuc } from './metrics';
import {
  isMissing,
  parseDate,
  parseNumber,
  placeholderSet,
  splitMulti,
  DEFAULT_PLACEHOLDERS,
} from '../encoding/schema';
import type { FieldInfo, RawRow } from '../types';

export interface LeakageOptions {
  /** Flag when the single-field validation AUC (either direction) exceeds this. */
  aucThreshold?: number;
  /** Flag when the field is present for under this share of one class… */
  presenceRareMax?: number;
  /** …and for at least this share of the other class. */
  presenceCommonMin?: number;
  /**
   * Flag when at least this share of the training rows carry a value that settles the outcome:
   * a value (seen on ≥ 20 rows) whose conversion rate is within 10 % of the base rate from 0, or
   * within 10 % of (1 − base rate) from 1 — "Closed by …" or "Wrong number" style tags.
   */
  decisiveShareMin?: number;
  placeholders?: readonly string[];
}

export interface LeakageFinding {
  field: string;
  reason: 'single-field-auc' | 'presence' | 'decisive-values';
  /** Human-readable: why, with the numbers. */
  detail: string;
  auc?: number;
  presentWhenConverted?: number;
  presentWhenNotConverted?: number;
  /** decisive-values: the share of training rows whose value settles the outcome. */
  decisiveShare?: number;
  /** decisive-values: the values, their training row counts and conversion rates. */
  decisiveValues?: Array<{ value: string; rows: number; conversionRate: number }>;
}

const DECISIVE_MIN_ROWS = 20;
const DECISIVE_FACTOR = 0.1;

const BINS = 20;
/** Pseudo-rows of the overall rate mixed into each value's rate, so rare values are not extreme. */
const SMOOTHING = 5;

/** One key per row: the value (categories), a quantile bin (numbers, dates) or '' when missing. */
function rowKeys(
  rows: readonly RawRow[],
  f: FieldInfo,
  trainIdx: readonly number[],
  ph: ReadonlySet<string>,
): string[] {
  const keys = new Array<string>(rows.length);
  if (f.type === 'number' || f.type === 'date') {
    const parse = f.type === 'number' ? parseNumber : parseDate;
    const vals = rows.map((r) => (isMissing(r[f.name], ph) ? NaN : parse(r[f.name])));
    const train = Float64Array.from(
      trainIdx.map((i) => vals[i]!).filter((v) => !Number.isNaN(v)),
    ).sort();
    const edges: number[] = [];
    for (let b = 1; b < BINS; b++) {
      const e = train[Math.floor((b * train.length) / BINS)];
      if (e !== undefined && e !== edges[edges.length - 1]) edges.push(e);
    }
    vals.forEach((v, i) => {
      if (Number.isNaN(v)) {
        keys[i] = isMissing(rows[i]![f.name], ph) ? '' : `?${String(rows[i]![f.name])}`;
        return;
      }
      let b = 0;
      while (b < edges.length && v >= edges[b]!) b++;
      keys[i] = `#${b}`;
    });
    return keys;
  }
  rows.forEach((r, i) => {
    const v = r[f.name];
    if (isMissing(v, ph)) keys[i] = '';
    else if (f.type === 'multi') keys[i] = `=${splitMulti(v, ';').sort().join(';')}`;
    else keys[i] = `=${String(v).trim().toLowerCase()}`;
  });
  return keys;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Checks every field: the single-field AUC on the validation rows (each value scored by its
 * conversion rate on the training rows) and the presence rates per class on train + valid.
 */
export function findLeakage(
  rows: readonly RawRow[],
  schema: readonly FieldInfo[],
  labels: ArrayLike<number | null>,
  split: { train: readonly number[]; valid: readonly number[] },
  opts: LeakageOptions = {},
): LeakageFinding[] {
  const aucMax = opts.aucThreshold ?? 0.95;
  const rareMax = opts.presenceRareMax ?? 0.01;
  const commonMin = opts.presenceCommonMin ?? 0.2;
  const decisiveMin = opts.decisiveShareMin ?? 0.1;
  const ph = placeholderSet(opts.placeholders ?? DEFAULT_PLACEHOLDERS);
  let trainPos = 0;
  for (const i of split.train) trainPos += labels[i] === 1 ? 1 : 0;
  const prior = split.train.length ? trainPos / split.train.length : 0.5;
  const yValid = Float64Array.from(split.valid, (i) => (labels[i] === 1 ? 1 : 0));
  const findings: LeakageFinding[] = [];

  for (const f of schema) {
    const keys = rowKeys(rows, f, split.train, ph);
    const stats = new Map<string, { n: number; pos: number }>();
    for (const i of split.train) {
      const s = stats.get(keys[i]!) ?? { n: 0, pos: 0 };
      s.n++;
      s.pos += labels[i] === 1 ? 1 : 0;
      stats.set(keys[i]!, s);
    }
    const score = Float64Array.from(split.valid, (i) => {
      const s = stats.get(keys[i]!);
      return s ? (s.pos + SMOOTHING * prior) / (s.n + SMOOTHING) : prior;
    });
    const decisive: NonNullable<LeakageFinding['decisiveValues']> = [];
    let decisiveRows = 0;
    for (const [key, st] of stats) {
      if (key === '' || st.n < DECISIVE_MIN_ROWS) continue;
      const rate = st.pos / st.n;
      if (rate >= 1 - DECISIVE_FACTOR * (1 - prior) || rate <= DECISIVE_FACTOR * prior) {
        decisive.push({ value: key.replace(/^[=#?]/, ''), rows: st.n, conversionRate: rate });
        decisiveRows += st.n;
      }
    }
    const decisiveShare = split.train.length ? decisiveRows / split.train.length : 0;
    const raw = rocAuc(yValid, score);
    const auc = Number.isNaN(raw) ? NaN : Math.max(raw, 1 - raw);

    let posN = 0;
    let negN = 0;
    let posPresent = 0;
    let negPresent = 0;
    for (const i of [...split.train, ...split.valid]) {
      const present = keys[i] !== '';
      if (labels[i] === 1) {
        posN++;
        posPresent += present ? 1 : 0;
      } else if (labels[i] === 0) {
        negN++;
        negPresent += present ? 1 : 0;
      }
    }
    const pPos = posN ? posPresent / posN : 0;
    const pNeg = negN ? negPresent / negN : 0;

    if (auc > aucMax) {
      findings.push({
        field: f.name,
        reason: 'single-field-auc',
        detail: `On its own it predicts the outcome with validation AUC ${auc.toFixed(3)} (limit ${aucMax}); it is probably filled in after the outcome is known.`,
        auc,
        presentWhenConverted: pPos,
        presentWhenNotConverted: pNeg,
      });
    } else if (decisiveShare >= decisiveMin) {
      decisive.sort((a, b) => b.rows - a.rows);
      const shown = decisive
        .slice(0, 3)
        .map((d) => `"${d.value}" ${pct(d.conversionRate)} of ${d.rows}`)
        .join(', ');
      findings.push({
        field: f.name,
        reason: 'decisive-values',
        detail: `${pct(decisiveShare)} of training leads have a value that all but settles the outcome (${shown}); such values are usually set after contact.`,
        auc,
        decisiveShare,
        decisiveValues: decisive,
      });
    } else if ((pNeg < rareMax && pPos >= commonMin) || (pPos < rareMax && pNeg >= commonMin)) {
      const [only, other] =
        pNeg < rareMax ? ['converted', 'not converted'] : ['not converted', 'converted'];
      findings.push({
        field: f.name,
        reason: 'presence',
        detail: `It is filled in for ${pct(Math.max(pPos, pNeg))} of ${only} leads but only ${pct(Math.min(pPos, pNeg))} of ${other} ones; it is probably set when the outcome is decided.`,
        auc,
        presentWhenConverted: pPos,
        presentWhenNotConverted: pNeg,
      });
    }
  }
  return findings;
}
