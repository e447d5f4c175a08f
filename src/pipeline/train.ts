/**
 * Train: the mirrored contacts → point-in-time training rows → leakage checks → model fit
 * (time split, calibration, `auto` choice) → a new model version in the store, published unless
 * the admin runs new models in shadow mode first.
 */
import {
  buildTrainingSet,
  findNearDuplicates,
  findPostConversionProperties,
  snapshotSchema,
  type FeatureField,
} from '../features';
import { trainModel, type Model } from '../model';
import { featurePlanOf } from './feature-plan';
import type { JobDefinition } from './jobs';
import type { StoredReport } from './report';
import { allRecords } from './records';
import { packScoringModel } from './scoring-model';
import { scoreRows } from './scoring';

const DAY = 86_400_000;

export interface TrainState extends Record<string, unknown> {
  version: number | null;
  status: string | null;
  modelType: string | null;
  auc: number | null;
}

export function trainJob(): JobDefinition<TrainState> {
  return {
    name: 'train',
    init: () => ({ version: null, status: null, modelType: null, auc: null }),
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
        },
      });

      const labelled = set.labels.filter((l) => l !== null) as number[];
      const heldOut = heldOutSlice(set, result.model, result.report.splits.test);
      // The envelope carries the plan of exactly the fields the model reads.
      const used = new Set(result.model.encoder.fields.map((f) => f.name));
      const planned: FeatureField[] = fields.filter((f) => used.has(f.name));
      const created = contacts.map((c) => Date.parse(c.createdAt)).filter(Number.isFinite);
      const recent = created.filter((t) => t > at - 28 * DAY && t <= at).length;
      const report: StoredReport = {
        modelType: result.report.chosen,
        metrics: { ...(result.report.metrics ?? { auc: null }) },
        candidates: result.report.candidates.map((c) => ({ ...c })),
        splits: { ...result.report.splits },
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
      };
      const trainedAt = new Date(at).toISOString();
      const status =
        settings.shadowMode && (await store.getPublishedModel()) ? 'shadow' : 'published';
      let version = 0;
      const next: TrainState = {
        version: null,
        status,
        modelType: result.report.chosen,
        auc: result.report.metrics?.auc ?? null,
      };
      await ctx.commit(next, async (tx) => {
        version = await tx.saveModel({
          status: status === 'shadow' ? 'shadow' : 'retired',
          modelType: result.report.chosen,
          artifact: packScoringModel(result.artifact, planned),
          report: JSON.stringify(report),
          trainedAt,
          publishedAt: null,
        });
        if (status === 'published') await tx.publishModel(version, trainedAt);
        // `commit` saves `next` after this runs, so the version lands in the same transaction.
        next.version = version;
      });
      log.info('model trained', { version, modelType: next.modelType, auc: next.auc, status });
      return {
        state: next,
        done: true,
        progress: `model v${version} (${next.modelType}, AUC ${next.auc?.toFixed(3)}) ${status}`,
      };
    },
    summary: (s) => ({ ...s }),
  };
}

/** Scores and outcomes of the time-held-out slice (the last `n` labelled rows by time). */
function heldOutSlice(
  set: {
    ids: string[];
    rows: Record<string, unknown>[];
    labels: Array<0 | 1 | null>;
    times: number[];
  },
  model: Model,
  n: number,
): StoredReport['heldOut'] {
  const idx = set.labels
    .map((l, i) => (l === null ? -1 : i))
    .filter((i) => i >= 0)
    .sort((a, b) => set.times[a] - set.times[b] || a - b)
    .slice(-n);
  const scored = scoreRows(
    { model, features: [], valueLabels: new Map() },
    idx.map((i) => set.rows[i] as never),
    { top: 0, explain: false },
  );
  return {
    ids: idx.map((i) => set.ids[i]),
    // One decimal: tier statistics compare these with thresholds.
    scores: scored.map((s) => Math.round(s.probability * 1000) / 10),
    labels: idx.map((i) => set.labels[i] as number),
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
