/**
 * The leakage guard. A field that on its own separates converted from not converted almost
 * perfectly, or that is filled in (almost) only for one outcome, was most likely written after
 * the outcome was known (a rep's tag, a "closed" reason). It would make the model look great in
 * testing and useless on new leads, so it is flagged and, by default, left out.
 */
import { selectKth } from '../order-statistics';
import { columnDateOrder, readCategories, readMulti, readScalars } from '../encoding/read';
import { placeholderSet, DEFAULT_PLACEHOLDERS, type PlaceholderSet } from '../encoding/schema';
import {
  asFrame,
  frameFromRows,
  isFrame,
  takeRows,
  type Frame,
  type FrameColumn,
  type TableInput,
} from '../frame';
import { makeRng } from '../rng';
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
   * Category, yes/no and multi-select fields only (`judgesDecisiveValues`).
   */
  decisiveShareMin?: number;
  placeholders?: readonly string[];
  /**
   * Judge a time-stratified sample of the rows when the data set is large enough for the
   * sample's noise to stay far below every threshold (`guardSample`); `false` reads every row.
   * Default true.
   */
  sample?: boolean;
}

export interface LeakageFinding {
  field: string;
  reason: 'single-field-auc' | 'presence' | 'decisive-values' | 'empty-when-open';
  /** Human-readable: why, with the numbers. */
  detail: string;
  auc?: number;
  presentWhenConverted?: number;
  presentWhenNotConverted?: number;
  /** empty-when-open: the share of open leads (unknown outcome) that have a value. */
  presentWhenOpen?: number;
  /** empty-when-open: the share of leads with a known outcome that have a value. */
  presentWhenLabelled?: number;
  /** decisive-values: the share of training rows whose value settles the outcome. */
  decisiveShare?: number;
  /**
   * decisive-values: the values, their training row counts and conversion rates. When the guard
   * judged a sample, `rows` is the sample's count scaled to the whole training window.
   */
  decisiveValues?: Array<{ value: string; rows: number; conversionRate: number }>;
}

const DECISIVE_MIN_ROWS = 20;
const DECISIVE_FACTOR = 0.1;
/**
 * A value only "settles" the outcome when chance could not explain it: its rate must stay
 * past the threshold even with 3 more rows of the side it lacks (3 / n is the 95 % upper
 * bound for 0 events in n, the "rule of three"). Without it, with rare positives (3 %) bins
 * of a few hundred rows show 0 % by chance and the strongest genuine field is thrown out as
 * a leak.
 */
const CHANCE_ROWS = 3;

const BINS = 20;
/** Pseudo-rows of the overall rate mixed into each value's rate, so rare values are not extreme. */
const SMOOTHING = 5;

/**
 * One key per row — a category value's code, a quantile bin (numbers, dates), -1 when missing —
 * and what each key reads as in a finding.
 */
function rowKeys(
  col: FrameColumn,
  f: FieldInfo,
  trainIdx: Int32Array,
  ph: PlaceholderSet,
): { keys: Int32Array; names: string[] } {
  if (f.type === 'number' || f.type === 'date') {
    const vals = readScalars(col, f.type, ph, undefined, dateOrder(col, f));
    const train = new Float64Array(trainIdx.length);
    let m = 0;
    for (let t = 0; t < trainIdx.length; t++) {
      const v = vals[trainIdx[t]!]!;
      if (v === v) train[m++] = v;
    }
    // The bin edges are the order statistics a sorted copy would give, placed by quickselect
    // (ascending positions: each search starts where the previous one stopped).
    const present = train.subarray(0, m);
    const edges: number[] = [];
    let from = 0;
    for (let b = 1; b < BINS && m > 0; b++) {
      const at = Math.floor((b * m) / BINS);
      selectKth(present, at, from, m);
      from = at;
      const e = present[at]!;
      if (e !== edges[edges.length - 1]) edges.push(e);
    }
    const keys = new Int32Array(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (v !== v) {
        keys[i] = -1;
        continue;
      }
      // Binary search: the number of edges ≤ v.
      let lo = 0;
      let hi = edges.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v >= edges[mid]!) lo = mid + 1;
        else hi = mid;
      }
      keys[i] = lo;
    }
    return { keys, names: Array.from({ length: edges.length + 1 }, (_, b) => `${b}`) };
  }
  if (f.type === 'multi') {
    // The set of values, order-free: each distinct sorted list is one key.
    const { offsets, items, values } = readMulti(col, ph, ';');
    const keys = new Int32Array(offsets.length - 1);
    const index = new Map<string, number>();
    const names: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      if (offsets[i + 1] === offsets[i]) {
        keys[i] = -1;
        continue;
      }
      const name = Array.from(items.subarray(offsets[i]!, offsets[i + 1]!), (c) => values[c]!)
        .sort()
        .join(';');
      let k = index.get(name);
      if (k === undefined) {
        k = names.length;
        names.push(name);
        index.set(name, k);
      }
      keys[i] = k;
    }
    return { keys, names };
  }
  // Categories compared case-insensitively ("Yes" and "yes" are one value to a rep).
  const { codes, values } = readCategories(col, ph);
  const index = new Map<string, number>();
  const names: string[] = [];
  const remap = Int32Array.from(values, (v) => {
    const low = v.toLowerCase();
    let k = index.get(low);
    if (k === undefined) {
      k = names.length;
      names.push(low);
      index.set(low, k);
    }
    return k;
  });
  const keys = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) keys[i] = codes[i]! < 0 ? -1 : remap[codes[i]!]!;
  return { keys, names };
}

/**
 * Whether the decisive-values rule applies to a field: only to unordered ones (category,
 * yes/no, multi-select). The rule exists for status-like levels a rep sets after contact
 * ("Closed by …", "Wrong number"): a label that settles the outcome whatever else is known.
 * In an ordered, point-in-time field (number, date) a quantile bin that never (or always)
 * converts is ordinary signal: at an end of the range it is a monotone threshold (a lead score
 * of 0–3, one-person companies, no time on site), and inside the range it is usually a mass
 * point with a meaning of its own (a page-view trend of exactly 0 = no visits either month).
 * On the demo portal the rule applied to numbers dropped `activity_decayed`,
 * `page_views_trend_30d` (interior bins) and `hs_analytics_num_page_views` from the contact
 * models the account model reads (docs/data.md). A number that leaks shows instead as a
 * near-perfect single-field AUC or as presence for one outcome only, and both rules still
 * judge numbers and dates. The cost: a status kept as a numeric code (disposition 1–9) is not
 * judged by this rule unless it is typed as a category (`types` / CLI `--categorical`).
 */
function judgesDecisiveValues(f: FieldInfo): boolean {
  return f.type !== 'number' && f.type !== 'date';
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * How far a statistic computed on a sample may wander from the whole data's value, as a share
 * of the distance between its threshold and the nearest bound (AUC 0.95 → ±0.005; presence
 * under 1 % → ±0.1 points; decisive share 10 % → ±1 point): one standard error of sampling
 * noise is a tenth of the room the threshold leaves, so a field flips between the sample's
 * verdict and the whole data's only when it already sits within a hair of a threshold — where
 * the whole data's own verdict is a coin toss too.
 */
const NOISE_SHARE = 0.1;

/** Rows a share p needs so its standard error √(p(1−p)/m) is at most NOISE_SHARE·p. */
function rowsForShare(p: number): number {
  if (!(p > 0 && p < 1)) return 0;
  return Math.ceil((1 - p) / (NOISE_SHARE * NOISE_SHARE * p));
}

/**
 * Rows of the smaller class an AUC near `a` needs so its Hanley–McNeil standard error is at
 * most tol = NOISE_SHARE·(1 − a). With m rows in the smaller class (the other at least as
 * large), Var ≤ (q + a(1 − a)/m)/m with q = Q1 + Q2 − 2a², Q1 = a/(2 − a), Q2 = 2a²/(1 + a):
 * m ≥ (q + √(q² + 4·tol²·a(1 − a)))/(2·tol²) — 1,018 at a = 0.95. Either direction counts
 * (the guard reads max(AUC, 1 − AUC)), so the bound is asked of the smaller class.
 */
function rowsForAuc(a: number): number {
  if (!(a > 0.5 && a < 1)) return 0;
  const q = a / (2 - a) + (2 * a * a) / (1 + a) - 2 * a * a;
  const tol2 = (NOISE_SHARE * (1 - a)) ** 2;
  return Math.ceil((q + Math.sqrt(q * q + 4 * tol2 * a * (1 - a))) / (2 * tol2));
}

export interface GuardSample {
  /** Rows the guard learns from and judges on (time order kept); the split's own when not sampled. */
  train: Int32Array;
  valid: Int32Array;
  /** Share of the split's rows kept (1 = every row). */
  fraction: number;
}

/**
 * The rows the guard reads. Its verdicts are statistics (single-field AUC on the validation
 * rows, presence rates per class, the share of decisive values), and each has a sampling noise
 * that shrinks with the rows of the smaller class: the fraction kept is the least that holds
 * every one of them within NOISE_SHARE of its threshold's room (`rowsForAuc`, `rowsForShare`)
 * — about 1,000 rows of each class in the validation window for the AUC and 9,900 of each
 * class for presence under 1 % at the defaults, whatever the data set. Small data sets
 * (fewer rows than that, or a sample that would keep half or more) are read whole.
 *
 * Time-stratified: train and valid are each cut into as many consecutive time strata as rows
 * kept, and one row is drawn from each (seeded), so every period is represented as it is in
 * the data and no periodic pattern in row order can alias with the draw.
 */
export function guardSample(
  y: Int8Array,
  split: { train: ArrayLike<number>; valid: ArrayLike<number> },
  opts: LeakageOptions = {},
): GuardSample {
  const train = Int32Array.from(split.train);
  const valid = Int32Array.from(split.valid);
  const all = { train, valid, fraction: 1 };
  if (opts.sample === false) return all;
  const count = (rows: Int32Array): [number, number] => {
    let pos = 0;
    let neg = 0;
    for (let t = 0; t < rows.length; t++) {
      const v = y[rows[t]!];
      if (v === 1) pos++;
      else if (v === 0) neg++;
    }
    return [pos, neg];
  };
  const [tPos, tNeg] = count(train);
  const [vPos, vNeg] = count(valid);
  const need = (rows: number, have: number): number =>
    rows === 0 ? 0 : have > 0 ? rows / have : 1;
  const fraction = Math.max(
    need(rowsForAuc(opts.aucThreshold ?? 0.95), Math.min(vPos, vNeg)),
    need(
      Math.max(
        rowsForShare(opts.presenceRareMax ?? 0.01),
        rowsForShare(opts.presenceCommonMin ?? 0.2),
      ),
      Math.min(tPos + vPos, tNeg + vNeg),
    ),
    need(rowsForShare(opts.decisiveShareMin ?? 0.1), train.length),
  );
  if (fraction >= 0.5) return all;
  const rng = makeRng(0x1ea6);
  const strata = (rows: Int32Array): Int32Array => {
    const L = rows.length;
    const k = Math.min(L, Math.ceil(fraction * L));
    const out = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const from = Math.floor((j * L) / k);
      const to = Math.floor(((j + 1) * L) / k);
      out[j] = rows[from + rng.int(to - from)]!;
    }
    return out;
  };
  return { train: strata(train), valid: strata(valid), fraction };
}

/**
 * The single-field AUC from per-key counts: a row's score is its key's, so the rank sum of
 * the positives (with ties at their mean rank, as `rocAuc` does) is a sum over the distinct
 * scores — linear in rows, with no sort of the rows. NaN when one class is absent.
 */
export function keyedAuc(score: Float64Array, pos: Float64Array, neg: Float64Array): number {
  const order: number[] = [];
  for (let k = 0; k < score.length; k++) if (pos[k]! + neg[k]! > 0) order.push(k);
  order.sort((a, b) => score[a]! - score[b]!);
  let below = 0;
  let rankSum = 0;
  let nPos = 0;
  for (let i = 0; i < order.length;) {
    let p = 0;
    let m = 0;
    let j = i;
    for (; j < order.length && score[order[j]!] === score[order[i]!]; j++) {
      p += pos[order[j]!]!;
      m += pos[order[j]!]! + neg[order[j]!]!;
    }
    // Ranks below + 1 … below + m share the mean rank below + (m + 1)/2.
    rankSum += p * (below + (m + 1) / 2);
    nPos += p;
    below += m;
    i = j;
  }
  const nNeg = below - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** The sampled rows as a frame: train rows first, then valid (only those rows are read). */
function sampleFrame(input: TableInput, rows: Int32Array): Frame {
  if (isFrame(input)) return takeRows(input, rows);
  const raw = input as readonly RawRow[];
  return frameFromRows(Array.from(rows, (i) => raw[i]!));
}

/**
 * Checks every field: the single-field AUC on the validation rows (each value scored by its
 * conversion rate on the training rows) and the presence rates per class on train + valid —
 * on the time-stratified sample `guardSample` chooses when the data set is large.
 */
export function findLeakage(
  input: TableInput,
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
  const yAll = new Int8Array(labels.length);
  for (let i = 0; i < labels.length; i++) yAll[i] = labels[i] === 1 ? 1 : labels[i] === 0 ? 0 : -1;
  // The base rate from every training row (cheap, and one less noisy number in the rules).
  let trainPos = 0;
  for (let t = 0; t < split.train.length; t++) trainPos += yAll[split.train[t]!] === 1 ? 1 : 0;
  const prior = split.train.length ? trainPos / split.train.length : 0.5;
  const sample = guardSample(yAll, split, opts);
  const nTrain = sample.train.length;
  const nValid = sample.valid.length;
  // Sampled: a frame of just the sampled rows (training rows 0 … nTrain − 1, then validation),
  // so no field is read beyond them. Whole: the input itself, never a copy of it.
  let frame: Frame;
  let y = yAll;
  let trainIdx = sample.train;
  let validIdx = sample.valid;
  if (sample.fraction < 1) {
    const picked = new Int32Array(nTrain + nValid);
    picked.set(sample.train);
    picked.set(sample.valid, nTrain);
    frame = sampleFrame(input, picked);
    y = Int8Array.from(picked, (i) => yAll[i]!);
    trainIdx = Int32Array.from({ length: nTrain }, (_, t) => t);
    validIdx = Int32Array.from({ length: nValid }, (_, t) => nTrain + t);
  } else frame = asFrame(input);
  const scale = nTrain ? split.train.length / nTrain : 1;
  const about = sample.fraction < 1 ? 'about ' : '';
  const findings: LeakageFinding[] = [];

  for (const f of schema) {
    const col = frame.columns.get(f.name);
    if (!col) continue;
    const { keys, names } = rowKeys(col, f, trainIdx, ph);
    // Per key (slot 0 = missing): training rows and conversions; validation rows per class.
    const slots = names.length + 1;
    const seen = new Float64Array(slots);
    const conv = new Float64Array(slots);
    const vPos = new Float64Array(slots);
    const vNeg = new Float64Array(slots);
    const tNeg = new Float64Array(slots);
    let posN = 0;
    let negN = 0;
    let posPresent = 0;
    let negPresent = 0;
    for (let t = 0; t < nTrain; t++) {
      const i = trainIdx[t]!;
      const k = keys[i]! + 1;
      seen[k]!++;
      if (y[i] === 1) conv[k]!++;
      else if (y[i] === 0) tNeg[k]!++;
    }
    for (let t = 0; t < nValid; t++) {
      const i = validIdx[t]!;
      const k = keys[i]! + 1;
      if (y[i] === 1) vPos[k]!++;
      else if (y[i] === 0) vNeg[k]!++;
    }
    // Presence per class on train + valid, from the per-key counts (slot 0 = missing).
    for (let k = 0; k < slots; k++) {
      const p = conv[k]! + vPos[k]!;
      const m = tNeg[k]! + vNeg[k]!;
      posN += p;
      negN += m;
      if (k > 0) {
        posPresent += p;
        negPresent += m;
      }
    }
    const score = new Float64Array(slots);
    for (let k = 0; k < slots; k++) {
      score[k] = seen[k]! > 0 ? (conv[k]! + SMOOTHING * prior) / (seen[k]! + SMOOTHING) : prior;
    }
    const decisive: NonNullable<LeakageFinding['decisiveValues']> = [];
    let decisiveRows = 0;
    // Decisive values are judged in unordered fields only: see `judgesDecisiveValues`.
    for (let k = 1; judgesDecisiveValues(f) && k < slots; k++) {
      const n = seen[k]!;
      if (n < DECISIVE_MIN_ROWS) continue;
      const rate = conv[k]! / n;
      const high = (conv[k]! - CHANCE_ROWS) / n >= 1 - DECISIVE_FACTOR * (1 - prior);
      const low = (conv[k]! + CHANCE_ROWS) / n <= DECISIVE_FACTOR * prior;
      if (high || low) {
        decisive.push({ value: names[k - 1]!, rows: Math.round(n * scale), conversionRate: rate });
        decisiveRows += n;
      }
    }
    const decisiveShare = nTrain ? decisiveRows / nTrain : 0;
    const raw = keyedAuc(score, vPos, vNeg);
    const auc = Number.isNaN(raw) ? NaN : Math.max(raw, 1 - raw);
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
        .map((d) => `"${d.value}" ${pct(d.conversionRate)} of ${about}${d.rows}`)
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
  findings.push(...emptyWhenOpen(input, schema, yAll, ph, new Set(findings.map((f) => f.field))));
  return findings;
}

/** Open leads (outcome unknown) needed before their emptiness is read as evidence. */
const OPEN_MIN = 30;
/** Flag when open leads have the field at under this share of the labelled leads' rate… */
const OPEN_PRESENCE_RATIO = 0.1;
/** …and the labelled leads have it at least this often. */
const LABELLED_PRESENCE_MIN = 0.2;

/** Whether each row has a value (not missing, not a placeholder) in the field. */
function presence(col: FrameColumn, f: FieldInfo, ph: PlaceholderSet): Uint8Array {
  if (f.type === 'category') {
    const { codes } = readCategories(col, ph);
    return Uint8Array.from(codes, (c) => (c < 0 ? 0 : 1));
  }
  if (f.type === 'multi') {
    const { offsets } = readMulti(col, ph, ';');
    const out = new Uint8Array(offsets.length - 1);
    for (let i = 0; i < out.length; i++) out[i] = offsets[i + 1]! > offsets[i]! ? 1 : 0;
    return out;
  }
  const vals = readScalars(col, f.type, ph, undefined, dateOrder(col, f));
  return Uint8Array.from(vals, (v) => (v === v ? 1 : 0));
}

/** `DD/MM/YYYY` dates are judged as the encoder reads them: in the column's one order. */
function dateOrder(col: FrameColumn, f: FieldInfo) {
  return f.type === 'date' ? columnDateOrder(col)?.order : undefined;
}

/**
 * Fields filled in for leads whose outcome is known but (nearly) empty on the open leads of
 * the same export: a rep's tag, a quality grade, a "last activity" written at closing. On the
 * leads a model will score — open ones — such a field is empty, so a model that learnt from it
 * scores them on a value it will never see. Read from the open rows (`labels` −1) the caller
 * passes; needs `OPEN_MIN` of them. Reads every row of the fields checked (one pass each).
 */
function emptyWhenOpen(
  input: TableInput,
  schema: readonly FieldInfo[],
  y: Int8Array,
  ph: PlaceholderSet,
  flagged: ReadonlySet<string>,
): LeakageFinding[] {
  let open = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === -1) open++;
  const labelled = y.length - open;
  if (open < OPEN_MIN || labelled < OPEN_MIN) return [];
  const frame = asFrame(input);
  const out: LeakageFinding[] = [];
  for (const f of schema) {
    if (flagged.has(f.name)) continue;
    const col = frame.columns.get(f.name);
    if (!col) continue;
    const has = presence(col, f, ph);
    let inOpen = 0;
    let inLabelled = 0;
    for (let i = 0; i < has.length; i++) {
      if (y[i] === -1) inOpen += has[i]!;
      else inLabelled += has[i]!;
    }
    const pOpen = inOpen / open;
    const pLab = inLabelled / labelled;
    if (pLab >= LABELLED_PRESENCE_MIN && pOpen < OPEN_PRESENCE_RATIO * pLab) {
      out.push({
        field: f.name,
        reason: 'empty-when-open',
        detail: `It is filled in for ${pct(pLab)} of leads with a known outcome but only ${pct(pOpen)} of the ${open} open ones; it is probably written when the outcome is decided, and open leads (the ones scored) will not have it.`,
        presentWhenOpen: pOpen,
        presentWhenLabelled: pLab,
      });
    }
  }
  return out;
}
