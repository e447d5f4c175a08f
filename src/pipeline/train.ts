/**
 * Train: the mirrored contacts → point-in-time training rows → leakage checks → model fit
 * (rolling-origin backtests with an embargo of the label horizon, calibration from the
 * out-of-fold scores, the chosen setting fitted on all labelled history) → a new model version
 * in the store, published unless the admin runs new models in shadow mode first, or the
 * backtests found no signal (then the previous model stays; `publishAnyway` overrides).
 */
import {
  buildTrainingSet,
  findNearDuplicates,
  findPostConversionProperties,
  snapshotSchema,
  type FeatureField,
} from '../features';
import { globalImportance } from '../explain';
import { trainModel } from '../model';
import { featurePlanOf } from './feature-plan';
import type { JobDefinition } from './jobs';
import type { StoredReport } from './report';
import { trainingBaseline } from './governance/baseline';
import { logDecision } from './governance/decisions';
import { allRecords } from './records';
import { packScoringModel } from './scoring-model';

const DAY = 86_400_000;

export interface TrainState extends Record<string, unknown> {
  version: number | null;
  status: string | null;
  modelType: string | null;
  auc: number | null;
  /** 'OK', or why the model was not published ('NO_SIGNAL', 'CONSTANT_SCORES'). */
  verdict: string | null;
  warning: string | null;
}

export interface TrainJobOptions {
  /** Publish even when the backtests find no signal or the scores are constant. */
  publishAnyway?: boolean;
}

export function trainJob(opts: TrainJobOptions = {}): JobDefinition<TrainState> {
  return {
    name: 'train',
    init: () => ({
      version: null,
      status: null,
      modelType: null,
      auc: null,
      verdict: null,
      warning: null,
    }),
    async step(_state, ctx) {
      const { store, now, seed, log } = ctx.deps;
      const settings = await store.getSettings();
      const { spec } = await featurePlanOf(store);
      const contacts = await allRecords(store, 'contact');
      const deals = await store.listDeals();
      const at = now();
      const set = buildTrainingSet(contacts, deals, {
        conversion: settings.conversion,
        now: at,
        spec,
      });

      // Record-level leakage: properties only ever set after conversion, near-duplicates.
      const propertyNames = spec.fields.filter((f) => f.source === 'property').map((f) => f.name);
      const recordFindings = [
        ...findPostConversionProperties(contacts, deals, settings.conversion, propertyNames),
        ...findNearDuplicates(set.rows, spec.fields),
      ];
      const excludedByRecords = new Set(recordFindings.map((f) => f.field));
      const fields = spec.fields.filter((f) => !excludedByRecords.has(f.name));
      // Dates reach the model as days before asOf, numbers (features/snapshot.ts).
      const schema = snapshotSchema(fields);

      const result = trainModel({
        rows: set.rows,
        labels: set.labels,
        times: set.times,
        schema,
        options: {
          model: settings.model,
          seed,
          tiers: settings.tiers.map((t) => ({ name: t.label, min: t.minScore })),
          // A row's outcome is known only a horizon after its asOf: no fold trains on a row
          // whose outcome was still open at the fold's origin.
          backtest: { embargo: settings.conversion.horizonDays * DAY },
        },
      });

      const labelled = set.labels.filter((l) => l !== null) as number[];
      const { outOfFold, report: r } = result;
      // Every held-out score comes from a backtest model that never saw the row or its future.
      const heldOut: StoredReport['heldOut'] = {
        ids: outOfFold.index.map((i) => set.ids[i]!),
        // One decimal: tier statistics compare these with thresholds.
        scores: Array.from(outOfFold.probability, (p) => Math.round(p * 1000) / 10),
        labels: outOfFold.index.map((i) => set.labels[i] as number),
      };
      // The envelope carries the plan of exactly the fields the model reads.
      const used = new Set(result.model.encoder.fields.map((f) => f.name));
      const planned: FeatureField[] = fields.filter((f) => used.has(f.name));
      const created = contacts.map((c) => Date.parse(c.createdAt)).filter(Number.isFinite);
      const recent = created.filter((t) => t > at - 28 * DAY && t <= at).length;
      const report: StoredReport = {
        modelType: r.chosen,
        metrics: { ...(r.metrics ?? { auc: null }) },
        candidates: r.candidates.map((c) => ({ ...c })),
        splits: { ...r.splits },
        backtest: {
          ...r.backtest,
          candidates: r.backtest.candidates.map((c) => ({ ...c })),
          folds: r.backtest.folds.map((f) => ({ ...f })),
        },
        chosen: { settings: r.settings, weighting: r.weighting, calibration: r.calibration },
        verdict: { ...r.verdict, published: r.verdict.ok || !!opts.publishAnyway },
        excluded: [
          ...recordFindings.map((f) => ({ ...f })),
          ...result.report.excluded.map((f) => ({ ...f })),
        ],
        // For the report page; scoring reads the plan from the model's own envelope.
        featureFields: fields.map((f) => ({ ...f })),
        trainingRows: labelled.length,
        conversionRate: labelled.length ? labelled.reduce((a, b) => a + b, 0) / labelled.length : 0,
        censored: set.labels.length - labelled.length,
        heldOut,
        weeklyInflow: recent / 4,
        trainingWindow: window(set.times.filter((_, i) => set.labels[i] !== null)),
        conversion: settings.conversion,
        dropped: set.dropped,
        specSkipped: spec.skipped,
        // Bins and proportions of the training rows and scores: what monitoring compares with.
        baseline: trainingBaseline(result.model, planned, set),
        // Mean |SHAP| per field over the labelled training rows: the report's importance plot.
        importance: globalImportance(
          result.model,
          set.rows.filter((_, i) => set.labels[i] !== null),
        ),
      };
      const trainedAt = new Date(at).toISOString();
      const previous = await store.getPublishedModel();
      // No signal: the version is kept for the report but the previous model keeps scoring.
      const status =
        !r.verdict.ok && !opts.publishAnyway
          ? 'not published'
          : settings.shadowMode && previous
            ? 'shadow'
            : 'published';
      let version = 0;
      const warning = r.verdict.ok
        ? null
        : `${r.verdict.message} ${
            status === 'not published'
              ? previous
                ? `Model v${previous.version} stays published.`
                : 'No model is published.'
              : 'Published anyway, as asked.'
          }`;
      const next: TrainState = {
        version: null,
        status,
        modelType: r.chosen,
        auc: r.metrics?.auc ?? null,
        verdict: r.verdict.code,
        warning,
      };
      await ctx.commit(next, async (tx) => {
        version = await tx.saveModel({
          status: status === 'shadow' ? 'shadow' : 'retired',
          modelType: r.chosen,
          artifact: packScoringModel(result.artifact, planned),
          report: JSON.stringify(report),
          trainedAt,
          publishedAt: null,
        });
        if (status === 'published') await tx.publishModel(version, trainedAt);
        await logDecision(tx, {
          modelVersion: version,
          action: status === 'shadow' ? 'shadow' : 'published',
          actor: 'pipeline',
          reason:
            status === 'shadow'
              ? 'Trained in shadow mode: scored beside the published model until promoted.'
              : 'Trained and published (shadow mode is off, or there was no published model).',
          details: { modelType: result.report.chosen, auc: result.report.metrics?.auc ?? null },
          at: trainedAt,
        });
        // `commit` saves `next` after this runs, so the version lands in the same transaction.
        next.version = version;
      });
      log.info('model trained', { version, modelType: next.modelType, auc: next.auc, status });
      if (warning) log.warn('model without signal', { version, verdict: r.verdict.code, status });
      return {
        state: next,
        done: true,
        progress: `model v${version} (${next.modelType}, AUC ${next.auc?.toFixed(3)}) ${status}${warning ? ` — ${warning}` : ''}`,
      };
    },
    summary: (s) => ({ ...s }),
  };
}

/** The asOf span of the rows that had an outcome (censored rows trained nothing). */
function window(times: number[]): { from: string; to: string } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return Number.isFinite(lo)
    ? { from: new Date(lo).toISOString(), to: new Date(hi).toISOString() }
    : { from: '', to: '' };
}
