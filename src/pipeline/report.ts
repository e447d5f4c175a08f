/**
 * The training report stored beside each model version: what the admin's model report page
 * shows and what tier suggestions read (held-out scores and outcomes).
 */
import { z } from 'zod';
import type { StoredModel } from '../store/port';
import { FeatureFieldSchema } from './feature-plan';

const FindingSchema = z.object({ field: z.string(), reason: z.string() }).passthrough();

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
    splits: z.object({ train: z.number(), valid: z.number(), test: z.number() }).passthrough(),
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
    }),
    weeklyInflow: z.number().nullable(),
    trainingWindow: z.object({ from: z.string(), to: z.string() }),
    conversion: z.object({ kind: z.string(), horizonDays: z.number() }),
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
