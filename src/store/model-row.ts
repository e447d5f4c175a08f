/**
 * A stored model version's row, as both engines read it (`models` and `object_models` share
 * these columns), and the port's `StoredModel` made of it.
 */
import type { ModelStatus, StoredModel } from './port';

export interface ModelRow {
  version: number;
  status: string;
  model_type: string;
  artifact: string;
  report: string;
  trained_at: string;
  published_at: string | null;
}

export function toModel(r: ModelRow): StoredModel {
  return {
    version: r.version,
    status: r.status as ModelStatus,
    modelType: r.model_type,
    artifact: r.artifact,
    report: r.report,
    trainedAt: r.trained_at,
    publishedAt: r.published_at,
  };
}
