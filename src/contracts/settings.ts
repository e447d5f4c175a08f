/**
 * Admin settings (the app's settings page → function `settings` → store). Tier values are
 * stable enumeration values (`tier_1` is the best); labels and thresholds are the admin's.
 */
import { z } from 'zod';

export const TIER_VALUES = ['tier_1', 'tier_2', 'tier_3', 'tier_4', 'tier_5'] as const;
export type TierValue = (typeof TIER_VALUES)[number];

export const TierSchema = z.object({
  value: z.enum(TIER_VALUES),
  label: z.string().trim().min(1).max(40),
  /** A record is in this tier when score >= minScore (and it is not in a better tier). */
  minScore: z.number().min(0).max(100),
});
export type Tier = z.infer<typeof TierSchema>;

export const TiersSchema = z
  .array(TierSchema)
  .min(2, 'Use at least 2 tiers.')
  .max(5, 'Use at most 5 tiers.')
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      if (t.value !== TIER_VALUES[i]) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'value'],
          message: `Tier ${i + 1} must have value ${TIER_VALUES[i]} (values are stable, best first).`,
        });
      }
      if (i > 0 && !(t.minScore < tiers[i - 1].minScore)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'minScore'],
          message: `Thresholds must strictly decrease: tier ${i + 1} (${t.minScore}) must be below tier ${i} (${tiers[i - 1].minScore}).`,
        });
      }
    });
    const last = tiers[tiers.length - 1];
    if (last && last.minScore !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [tiers.length - 1, 'minScore'],
        message: 'The last tier must start at 0 so every score has a tier.',
      });
    }
    const labels = new Set(tiers.map((t) => t.label.toLowerCase()));
    if (labels.size !== tiers.length) {
      ctx.addIssue({ code: 'custom', path: [], message: 'Tier names must be unique.' });
    }
  });

export const ConversionSchema = z.discriminatedUnion('kind', [
  /** lifecyclestage reached `customer` (the default). */
  z.object({
    kind: z.literal('lifecycle_customer'),
    horizonDays: z.number().int().min(7).max(730),
  }),
  /** lifecyclestage reached `salesqualifiedlead` or `opportunity`. */
  z.object({ kind: z.literal('lifecycle_sql'), horizonDays: z.number().int().min(7).max(730) }),
  /** An associated deal closed won within `horizonDays` of `asOf`. */
  z.object({ kind: z.literal('deal_won'), horizonDays: z.number().int().min(7).max(730) }),
  /**
   * Salesforce: the lead was converted (IsConverted, at ConvertedDate) — Einstein's default
   * milestone. "Converted and won" is `deal_won`: the converted Opportunity is the deal.
   */
  z.object({ kind: z.literal('lead_converted'), horizonDays: z.number().int().min(7).max(730) }),
]);
export type Conversion = z.infer<typeof ConversionSchema>;

/** Five cron fields (minute hour day-of-month month day-of-week), as pg-boss and crontab read them. */
const CRON_FIELD = String.raw`[0-9A-Za-z*/,?-]+`;
const CRON = new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`);

/**
 * When the pipeline runs on its own (deployments with workers): an incremental sync, a retrain
 * when `retrainCadenceDays` says so, scoring and write-back of what changed.
 */
export const ScheduleSchema = z.object({
  enabled: z.boolean(),
  cron: z
    .string()
    .trim()
    .regex(CRON, 'Use five cron fields, e.g. "0 * * * *" for every hour on the hour.'),
  /** IANA time zone the cron is read in, e.g. "Europe/Berlin". */
  timezone: z.string().trim().min(1).max(64),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export const DEFAULT_SCHEDULE: Schedule = { enabled: true, cron: '0 * * * *', timezone: 'UTC' };

/**
 * Governance: when monitoring raises an alert, and when a challenger (a model trained in shadow
 * mode) replaces the published model by itself. Defaults from the seeds: a 5 % drop of the
 * chosen metric; PSI 0.1 (warn) / 0.25 (alert).
 */
export const GovernanceSchema = z.object({
  /** The metric decay alerts watch and the promotion rule compares. */
  metric: z.enum(['auc', 'precision_top_tier']).default('auc'),
  /** Relative drop of `metric` (realised on arrived outcomes vs the model's own test) that alerts. */
  decayDrop: z.number().min(0.001).max(0.9).default(0.05),
  psiWarn: z.number().min(0.01).max(5).default(0.1),
  psiAlert: z.number().min(0.01).max(5).default(0.25),
  /**
   * What PSI alerts compare a scoring run with: the model's first scoring run (default), or
   * its training rows. Training rows are contacts as they were 30 days after creation, while
   * a scoring run sees every open contact now, so age-like fields differ by construction; the
   * first run is the like-for-like reference. Both PSIs are reported either way.
   */
  driftReference: z.enum(['first_run', 'training']).default('first_run'),
  /** Outcomes of each class needed before a realised metric is judged at all. */
  minOutcomes: z.number().int().min(5).max(100_000).default(20),
  /** 'manual': only the admin promotes a challenger; 'rule': the rule below does it too. */
  promotion: z.enum(['manual', 'rule']).default('manual'),
  /** The rule: the challenger's metric beats the champion's by at least this, on the same records… */
  promoteMinGain: z.number().min(0).max(1).default(0.01),
  /** …with at least this many outcomes (each class) among the records both scored. */
  promoteMinOutcomes: z.number().int().min(5).max(100_000).default(30),
  /**
   * Retrain at the next run when an alert (not a warning) was raised after the newest model
   * was trained; with shadow mode on, the new model enters as a challenger.
   */
  retrainOnAlert: z.boolean().default(false),
  /** Create a CRM task for the admin when an alert is raised. */
  alertTasks: z.boolean().default(true),
  /** CRM owner id (HubSpot owner) the alert tasks are assigned to; null leaves them unassigned. */
  alertOwnerId: z
    .string()
    .regex(/^[0-9]{1,20}$/, 'Use the numeric owner id.')
    .nullable()
    .default(null),
  /**
   * Reps' feedback that states an outcome ("actually converted", "will never convert")
   * corrects that record's training label; the latest feedback per record counts, once.
   */
  feedbackLabels: z.boolean().default(true),
  /** At most this share of the labelled training rows may be flipped by feedback (a warning beyond). */
  feedbackMaxShare: z.number().min(0).max(0.5).default(0.05),
  /** When feedback changed labels, also fit without it, so the model card shows both backtests. */
  feedbackCompare: z.boolean().default(true),
  /**
   * A task for the record's owner when a written score enters the top tier or moves by
   * `scoreJumpPoints` (the jump property is written either way, for workflows).
   */
  spikeTasks: z.boolean().default(false),
  /**
   * Per-segment monitoring (each record's segment as its score payload recorded it): a segment's
   * drift is judged once it has this many scored records in the run and in its reference run
   * (below it, PSI's sampling noise alone approaches the warning threshold).
   */
  segmentMinRows: z.number().int().min(50).max(1_000_000).default(200),
  /** Outcomes of each class a segment needs before the challenger is judged on it. */
  segmentMinOutcomes: z.number().int().min(5).max(100_000).default(10),
  /**
   * When the challenger would make a segment worse beyond its noise although it wins overall:
   * 'hold' keeps the promotion rule from promoting it (the admin still can), 'warn' only says so.
   */
  segmentGuard: z.enum(['hold', 'warn']).default('hold'),
});
export type Governance = z.infer<typeof GovernanceSchema>;

export const DEFAULT_GOVERNANCE: Governance = {
  metric: 'auc',
  decayDrop: 0.05,
  psiWarn: 0.1,
  psiAlert: 0.25,
  driftReference: 'first_run',
  minOutcomes: 20,
  promotion: 'manual',
  promoteMinGain: 0.01,
  promoteMinOutcomes: 30,
  retrainOnAlert: false,
  alertTasks: true,
  alertOwnerId: null,
  feedbackLabels: true,
  feedbackMaxShare: 0.05,
  feedbackCompare: true,
  spikeTasks: false,
  segmentMinRows: 200,
  segmentMinOutcomes: 10,
  segmentGuard: 'hold',
};

/**
 * A segment: the records whose `property` had one of `values` when they were scored (training:
 * at the row's asOf). Each segment is trained its own model when its data supports one by
 * backtest, else it is scored by the global model (src/pipeline/segments). `minScores` are its
 * own tier thresholds (one per tier, best first, the last 0); absent: the global thresholds.
 */
export const SegmentSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'Use lower-case letters, digits and _ (≤ 40).'),
  label: z.string().trim().min(1).max(60),
  property: z.string().regex(/^[a-z][a-z0-9_]*$/),
  values: z.array(z.string().trim().min(1).max(200)).min(1).max(100),
  minScores: z.array(z.number().min(0).max(100)).min(2).max(5).optional(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const SegmentsSchema = z
  .object({
    /** First match wins: a record belongs to at most one segment. */
    list: z.array(SegmentSchema).max(20),
    /** Positives (labelled, converted rows) a segment needs before a model of its own is tried. */
    minPositives: z.number().int().min(10).max(100_000).default(40),
    /** Mean AUC gain over the global model (on the segment's rows) a segment model must show. */
    minGain: z.number().min(0).max(0.5).default(0.01),
  })
  .superRefine((s, ctx) => {
    const keys = new Set<string>();
    s.list.forEach((seg, i) => {
      if (keys.has(seg.key))
        ctx.addIssue({
          code: 'custom',
          path: ['list', i, 'key'],
          message: `Segment key "${seg.key}" is used twice.`,
        });
      keys.add(seg.key);
      const m = seg.minScores;
      if (!m) return;
      m.forEach((v, j) => {
        if (j > 0 && !(v < m[j - 1]!))
          ctx.addIssue({
            code: 'custom',
            path: ['list', i, 'minScores', j],
            message: 'Segment thresholds must strictly decrease.',
          });
      });
      if (m[m.length - 1] !== 0)
        ctx.addIssue({
          code: 'custom',
          path: ['list', i, 'minScores', m.length - 1],
          message: 'The last segment threshold must be 0.',
        });
    });
  });
export type Segments = z.infer<typeof SegmentsSchema>;

export const DEFAULT_SEGMENTS: Segments = { list: [], minPositives: 40, minGain: 0.01 };

export const SettingsSchema = z.object({
  tiers: TiersSchema,
  conversion: ConversionSchema,
  features: z.object({
    /** Extra contact properties (custom ones too) to use as features. */
    include: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).max(100),
    /** Properties never to use, e.g. ones filled in by sales after the first call. */
    exclude: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).max(200),
    /**
     * Per property, the type to read it as whatever the CRM says — e.g. a number property that
     * holds region codes 1–9 as `category`. Settings saved before this field have none.
     */
    types: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.enum(['category', 'number']))
      .optional(),
  }),
  model: z.enum(['auto', 'logistic', 'gbdt', 'tree']),
  retrainCadenceDays: z.number().int().min(1).max(90),
  /** A new model scores into the store only; the CRM keeps the published model's scores. */
  shadowMode: z.boolean(),
  /** A score change of at least this many points sets `leadlens_score_jump`. */
  scoreJumpPoints: z.number().int().min(1).max(100),
  /** Settings saved before schedules existed read as the default schedule. */
  schedule: ScheduleSchema.default(DEFAULT_SCHEDULE),
  /** Settings saved before governance existed read as the defaults. */
  governance: GovernanceSchema.refine((g) => g.psiWarn < g.psiAlert, {
    message: 'The PSI warning threshold must be below the alert threshold.',
    path: ['psiWarn'],
  }).default(DEFAULT_GOVERNANCE),
  /**
   * The admin's deal economics: leads the rep team can work a week and the cost of working one.
   * With both, the report prices each tier from the synced deals (src/pipeline/economics.ts).
   */
  economics: z
    .object({ leadsPerWeek: z.number().int().min(1), costPerLead: z.number().positive() })
    .optional(),
  /** Settings saved before segments existed read as none (one global model). */
  segments: SegmentsSchema.default(DEFAULT_SEGMENTS),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  tiers: [
    { value: 'tier_1', label: 'Hot', minScore: 70 },
    { value: 'tier_2', label: 'Warm', minScore: 40 },
    { value: 'tier_3', label: 'Cool', minScore: 15 },
    { value: 'tier_4', label: 'Cold', minScore: 0 },
  ],
  conversion: { kind: 'lifecycle_customer', horizonDays: 120 },
  features: { include: [], exclude: [] },
  model: 'auto',
  retrainCadenceDays: 7,
  shadowMode: false,
  scoreJumpPoints: 15,
  schedule: DEFAULT_SCHEDULE,
  governance: DEFAULT_GOVERNANCE,
  segments: DEFAULT_SEGMENTS,
};

/** The tier a score falls in; tiers are ordered best first and the last starts at 0. */
export function tierFor(score: number, tiers: readonly Tier[]): Tier {
  for (const t of tiers) if (score >= t.minScore) return t;
  return tiers[tiers.length - 1];
}

/**
 * The tiers a record of `segment` is tiered with: the segment's own thresholds under the global
 * values and labels (the CRM enumeration stays one), or the global tiers when it has none or
 * they no longer fit the global tier count.
 */
export function tiersForSegment(
  tiers: readonly Tier[],
  segments: Segments | undefined,
  segment: string | null | undefined,
): readonly Tier[] {
  if (!segment || !segments) return tiers;
  const own = segments.list.find((s) => s.key === segment)?.minScores;
  if (!own || own.length !== tiers.length) return tiers;
  return tiers.map((t, i) => ({ ...t, minScore: own[i]! }));
}
