/**
 * Training an object model (deals, accounts): the same model core as contacts, then the
 * scoring envelope kept to the fields the model uses, loaded for the one scorer.
 */
import type { Tier } from '../../contracts/settings';
import { snapshotSchema, type FeatureField, type FeatureRow } from '../../features';
import { trainModel, type FoldOptions, type TrainResult } from '../../model';
import { packScoringModel, unpackScoringModel, type LoadedModel } from '../scoring-model';

export interface ObjectModel<S> {
  /** The scoring envelope's JSON text (what a store keeps). */
  artifact: string;
  loaded: LoadedModel;
  result: TrainResult;
  set: S;
}

export function trainObjectModel<
  S extends { rows: FeatureRow[]; labels: Array<0 | 1 | null>; times: number[] },
>(
  set: S,
  plan: readonly FeatureField[],
  opts: { seed: number; tiers: readonly Tier[]; version?: number; backtest: FoldOptions },
): ObjectModel<S> {
  const result = trainModel({
    rows: set.rows,
    labels: set.labels,
    times: set.times,
    schema: snapshotSchema(plan),
    options: {
      seed: opts.seed,
      tiers: opts.tiers.map((t) => ({ name: t.label, min: t.minScore })),
      backtest: opts.backtest,
    },
  });
  const used = new Set(result.model.encoder.fields.map((f) => f.name));
  const artifact = packScoringModel(
    result.artifact,
    plan.filter((f) => used.has(f.name)),
  );
  const loaded: LoadedModel = {
    version: opts.version ?? 1,
    ...unpackScoringModel(artifact, { reportFeatures: () => null }),
  };
  return { artifact, loaded, result, set };
}
