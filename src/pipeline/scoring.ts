/**
 * The one scorer. Every score LeadLens writes or shows — the batch score job, the card's
 * refresh, webhook rescoring, the workflow action, `leadlens score --csv`, the held-out slice of
 * the model report — comes out of `scoreRows`: feature rows → calibrated probability → exact
 * explanation → integer points that sum to the score → the top factors with their reason text
 * (built once, from the value as a rep reads it) and the points of all the others. Nothing else
 * in src/ calls the model or the explainers to score (test/one-scorer.test.ts checks both).
 * `scoreRecords` (score-records.ts) puts CRM records through it.
 */
import type { Factor } from '../contracts/factors';
import { describeExplanation, explainRows, explanationBase } from '../explain';
import type { FieldQuality, RawRow } from '../model';
import { isFrame, rowAt, type TableInput } from '../model/frame';
import type { ScoringModel } from './scoring-model';

/** One scored row: base + Σ top points + otherPoints = score, always. */
export interface Scored {
  /** Calibrated probability. */
  probability: number;
  /** Displayed score and baseline, integers 0–100. */
  score: number;
  base: number;
  /** The factors worth showing, strongest first; empty when not explained. */
  top: Factor[];
  /** Points of every factor not in `top`. */
  otherPoints: number;
}

export interface ScoreOptions {
  /** How many factors to keep (the strongest positives and negatives). */
  top: number;
  /** False: probability and score only (no explanation is computed). */
  explain?: boolean;
  /** Adds up the cells read as missing (wrong type, unseen value), field by field. */
  quality?: QualityTally;
}

/**
 * Per field, the cells scoring read as missing because their value was of the wrong type or
 * never seen in training — never fatal, always counted, so a job's summary can say so.
 */
export type QualityTally = Record<string, { expected: string; wrongType: number; unseen: number }>;

export function addQuality(tally: QualityTally, found: readonly FieldQuality[]): void {
  for (const q of found) {
    const t = (tally[q.field] ??= { expected: q.expected, wrongType: 0, unseen: 0 });
    t.wrongType += q.wrongType;
    t.unseen += q.unseen;
  }
}

/** "visits: 3 not a number; source: 2 values never seen in training" (empty when none). */
export function describeQuality(tally: QualityTally): string {
  return Object.entries(tally)
    .map(([field, t]) => {
      const parts: string[] = [];
      if (t.wrongType)
        parts.push(`${t.wrongType} not a ${t.expected === 'bool' ? 'yes/no' : t.expected}`);
      if (t.unseen) parts.push(`${t.unseen} never seen in training`);
      return `${field}: ${parts.join(', ')}`;
    })
    .join('; ');
}

/**
 * The scorer. Rows hold each field of the model by name, raw or typed; or a frame (a CSV read
 * column by column: `leadlens score --csv`), which the encoder reads as it is.
 */
export function scoreRows(sm: ScoringModel, rows: TableInput, opts: ScoreOptions): Scored[] {
  if ((isFrame(rows) ? rows.n : rows.length) === 0) return [];
  const { model, valueLabels } = sm;
  if (opts.explain === false) {
    const base = Math.round(100 * model.calibrate(explanationBase(model)));
    const X = model.encoder.transform(rows);
    if (opts.quality && X.quality) addQuality(opts.quality, X.quality);
    const margins = model.margin(X);
    return Array.from(margins, (m) => {
      const probability = model.calibrate(m);
      const score = Math.round(100 * probability);
      return { probability, score, base, top: [], otherPoints: score - base };
    });
  }
  const show = (field: string, value: string): string => valueLabels.get(field)?.[value] ?? value;
  const quality: FieldQuality[] = [];
  // Explanations show each row's values: a frame's rows become objects here (a chunk at a time).
  const objects: readonly RawRow[] = isFrame(rows)
    ? Array.from({ length: rows.n }, (_, i) => rowAt(rows, i))
    : (rows as readonly RawRow[]);
  const explained = explainRows(model, objects, { quality });
  if (opts.quality) addQuality(opts.quality, quality);
  return explained.map((expl) => {
    const d = describeExplanation(model, expl, opts.top, show);
    return {
      probability: d.probability,
      score: d.score,
      base: d.base,
      top: d.factors,
      otherPoints: d.otherPoints,
    };
  });
}
