/**
 * The decision log and the actions it records: publishing, rolling back and promoting model
 * versions, by a person (CLI, settings) or by the admin's rule. Every change of the published
 * model goes through `changePublished`, so none is unlogged.
 */
import { LeadLensError } from '../../contracts/errors';
import type { StoreOps } from '../../store/port';

export interface Decision {
  modelVersion: number;
  action: 'published' | 'shadow' | 'promoted' | 'rolled_back' | 'retrain_requested';
  actor: string;
  reason: string;
  details?: Record<string, unknown>;
  at: string;
}

export async function logDecision(store: StoreOps, d: Decision): Promise<number> {
  return store.addDecision({ ...d, details: JSON.stringify(d.details ?? {}) });
}

/**
 * Makes `version` the published model and logs why: 'promoted' for a challenger (status
 * shadow), 'rolled_back' for an older version than the current one, 'published' otherwise.
 */
export async function changePublished(
  store: StoreOps & { transaction?: <T>(fn: (tx: StoreOps) => Promise<T>) => Promise<T> },
  version: number,
  by: { actor: string; reason: string; details?: Record<string, unknown>; at: string },
): Promise<Decision['action']> {
  const run = async (tx: StoreOps) => {
    const target = await tx.getModel(version);
    if (!target) {
      throw new LeadLensError('NO_MODEL', `There is no model version ${version}.`, {
        hint: 'List the stored versions with `leadlens models list` and pick one of them.',
      });
    }
    const current = await tx.getPublishedModel();
    if (current?.version === version) {
      throw new LeadLensError('INPUT_INVALID', `Model v${version} is already published.`, {
        hint: 'Nothing to do.',
      });
    }
    const action: Decision['action'] =
      target.status === 'shadow'
        ? 'promoted'
        : current && version < current.version
          ? 'rolled_back'
          : 'published';
    await tx.publishModel(version, by.at);
    await logDecision(tx, {
      modelVersion: version,
      action,
      actor: by.actor,
      reason: by.reason,
      details: { ...(by.details ?? {}), previous: current?.version ?? null },
      at: by.at,
    });
    return action;
  };
  return store.transaction ? store.transaction(run) : run(store);
}
