/**
 * The `leadlens_factors` payload: written by the pipeline, read by the card, the preview page
 * and workflows. Points are integers on the 0–100 scale; `base + Σ points = score` exactly.
 */
import { z } from 'zod';

export const FactorSchema = z.object({
  /** Source field (CRM property or engineered feature) the points are grouped under. */
  field: z.string(),
  /** Human label of the field, e.g. "Lead Source". */
  label: z.string(),
  /** The record's value shown to the rep (already formatted), or null when missing. */
  value: z.string().nullable(),
  /** Integer points; the sum over *all* factors plus `base` equals `score`. */
  points: z.number().int(),
  /** The exact SHAP value in log-odds, the stored truth behind `points`. */
  logOdds: z.number(),
  /** Reason text, e.g. "Lead Source is Reference: +12". */
  reason: z.string(),
});
export type Factor = z.infer<typeof FactorSchema>;

export const FactorsPayloadSchema = z.object({
  v: z.literal(1),
  score: z.number().int().min(0).max(100),
  base: z.number().int().min(0).max(100),
  /** Top positive and negative factors, strongest first. */
  top: z.array(FactorSchema),
  /** Points of every factor not in `top`, so the card can show "others: +3". */
  otherPoints: z.number().int(),
  modelVersion: z.string(),
  /**
   * The admin's segment the record belongs to (its tier thresholds), when segments are set up;
   * `segmentModel` true when that segment's own model (inside version `modelVersion`) scored it,
   * false or absent when the global model did.
   */
  segment: z.string().optional(),
  segmentModel: z.boolean().optional(),
});
export type FactorsPayload = z.infer<typeof FactorsPayloadSchema>;

/** HubSpot text properties hold 65,536 characters; we stay far below. */
export const FACTORS_MAX_CHARS = 4000;

export function parseFactors(raw: string | null | undefined): FactorsPayload | null {
  if (!raw) return null;
  try {
    const parsed = FactorsPayloadSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
