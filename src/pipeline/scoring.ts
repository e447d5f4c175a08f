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
import type { RawRow } from '../model';
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
}

/** The scorer. Rows hold each field of the model by name, raw or typed. */
export function scoreRows(sm: ScoringModel, rows: readonly RawRow[], opts: ScoreOptions): Scored[] {
  if (rows.length === 0) return [];
  const { model, valueLabels } = sm;
  if (opts.explain === false) {
    const base = Math.round(100 * model.calibrate(explanationBase(model)));
    const margins = model.margin(model.encoder.transform(rows));
    return Array.from(margins, (m) => {
      const probability = model.calibrate(m);
      const score = Math.round(100 * probability);
      return { probability, score, base, top: [], otherPoints: score - base };
    });
  }
  const show = (field: string, value: string): string => valueLabels.get(field)?.[value] ?? value;
  return explainRows(model, rows).map((expl) => {
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
