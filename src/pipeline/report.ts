/**
 * The training report stored beside each model version: what the admin's model report page
 * shows and what tier suggestions read (held-out scores and outcomes).
 */
import { z } from 'zod';
import type { StoredModel } from '../store/port';
import { FeatureFieldSchema } from './feature-plan';

const FindingSchema = z.object({ field: z.string(), reason: z.string() }).passthrough();

/** JSON turns NaN (a fold with one outcome) into null. */
const Auc = z.number().nullable();
const WeightingSchema = z.object({
  classWeight: z.enum(['balanced']).nullable(),
  recency: z.boolean(),
});
const BacktestSchema = z
  .object({
    folds: z.array(
      z
        .object({
          fold: z.number(),
          train: z.number(),
          embargoed: z.number(),
          test: z.number(),
          testPositives: z.number(),
          trainFrom: z.number().nullable(),
          origin: z.number(),
          testTo: z.number().nullable(),
          auc: Auc,
        })
        .passthrough(),
    ),
    candidates: z.array(
      z
        .object({
          kind: z.string(),
          settings: z.record(z.string(), z.number()),
          weighting: WeightingSchema,
          foldAuc: z.array(Auc),
          meanAuc: Auc,
          seAuc: Auc,
          tied: z.boolean(),
          chosen: z.boolean(),
        })
        .passthrough(),
    ),
    meanAuc: Auc,
    seAuc: Auc,
    rule: z.string(),
  })
  .passthrough();
export type StoredBacktest = z.infer<typeof BacktestSchema>;
const VerdictSchema = z
  .object({
    ok: z.boolean(),
    code: z.string(),
    message: z.string(),
    published: z.boolean(),
  })
  .passthrough();

const FeedbackReportSchema = z
  .object({
    /** Feedback rows read, and the records they are about (the latest per record counts). */
    rows: z.number(),
    records: z.number(),
    /** Labels feedback changed, and to what. */
    relabelled: z.number(),
    toConverted: z.number(),
    toNotConverting: z.number(),
    agreed: z.number(),
    notInTraining: z.number(),
    overCap: z.number(),
    cap: z.number(),
    /** Feedback without an outcome: for review, not used. */
    reviewItems: z.number(),
    /** Backtest AUC of this fit (with the corrections), and of the same fit without them. */
    aucWith: Auc,
    aucWithout: Auc,
    warning: z.string().nullable(),
    /** Each correction with its provenance (the first 500). */
    corrections: z.array(
      z
        .object({
          recordId: z.string(),
          feedbackId: z.number().nullable(),
          userId: z.string().nullable(),
          at: z.string(),
          from: z.number().nullable(),
          to: z.number(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
export type FeedbackReport = z.infer<typeof FeedbackReportSchema>;

export const SegmentReportSchema = z
  .object({
    key: z.string(),
    label: z.string(),
    property: z.string(),
    values: z.array(z.string()),
    /** Labelled training rows and converted ones in the segment. */
    rows: z.number(),
    positives: z.number(),
    /** Mean AUC over the compared folds: the segment's own model, and the global model there. */
    segmentAuc: Auc,
    globalAuc: Auc,
    gain: Auc,
    seGain: Auc,
    folds: z.number(),
    decision: z.enum(['own', 'global']),
    why: z.string(),
    /** The own model's family when it is used. */
    modelType: z.string().nullable(),
    /**
     * The segment's held-out rows as the backtests scored them with the model that serves the
     * segment (its own model's out-of-fold scores when it keeps one, else the global model's):
     * scores 0–100 and outcomes. What monitoring expects of the segment (per-segment decay).
     * Absent in versions trained before it.
     */
    heldOut: z.object({ scores: z.array(z.number()), labels: z.array(z.number()) }).optional(),
  })
  .passthrough();
export type SegmentReport = z.infer<typeof SegmentReportSchema>;

export const StoredReportSchema = z
  .object({
    modelType: z.string(),
    metrics: z
      .object({
        auc: z.number().nullable(),
        prAuc: z.number().nullable().optional(),
        logLoss: z.number().nullable().optional(),
        brier: z.number().nullable().optional(),
        ece: z.number().nullable().optional(),
        liftTopDecile: z.number().nullable().optional(),
      })
      .passthrough(),
    candidates: z.array(z.object({ kind: z.string() }).passthrough()),
    /**
     * train = labelled rows the model was fitted on; test = rows scored out of fold by the
     * backtests (with `folds`). Versions stored before the backtests have a `valid` slice.
     */
    splits: z
      .object({
        train: z.number(),
        valid: z.number().optional(),
        test: z.number(),
        folds: z.number().optional(),
      })
      .passthrough(),
    /** Rolling-origin backtests (absent in versions stored before them). */
    backtest: BacktestSchema.optional(),
    chosen: z
      .object({
        settings: z.record(z.string(), z.number()),
        weighting: WeightingSchema,
        calibration: z.string(),
      })
      .optional(),
    /** Whether the model beats chance; `published` says whether it was published. */
    verdict: VerdictSchema.optional(),
    /** Fields left out, with why: leakage, near-duplicates, post-conversion properties. */
    excluded: z.array(FindingSchema),
    /**
     * The fields offered to training, for the report page. Scoring reads the plan from the
     * model's own envelope; only a version stored before it is lifted from this list.
     */
    featureFields: z.array(FeatureFieldSchema),
    trainingRows: z.number(),
    conversionRate: z.number(),
    censored: z.number(),
    /** Scores (0–100) and outcomes of the time-held-out slice, for tier stats and suggestions. */
    heldOut: z.object({
      ids: z.array(z.string()),
      scores: z.array(z.number()),
      labels: z.array(z.number()),
      /** Each row's asOf (epoch ms): deal outcomes after it price the tiers (economics.ts). */
      asOf: z.array(z.number()).optional(),
    }),
    weeklyInflow: z.number().nullable(),
    trainingWindow: z.object({ from: z.string(), to: z.string() }),
    conversion: z.object({ kind: z.string(), horizonDays: z.number() }),
    /** What reps' feedback changed in this model's labels (absent before the feedback loop). */
    feedback: FeedbackReportSchema.optional(),
    /** Per admin segment: its own model or the global one, with the backtests' why. */
    segments: z.array(SegmentReportSchema).optional(),
  })
  .passthrough();
export type StoredReport = z.infer<typeof StoredReportSchema>;

export function readReport(model: StoredModel): StoredReport | null {
  try {
    const parsed = StoredReportSchema.safeParse(JSON.parse(model.report));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
