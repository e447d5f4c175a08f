/**
 * Fixtures of the budgeted search's tests: 2,500 synthetic leads made "large" by a low
 * threshold and a loose AUC error target, so the sampled schedule runs in seconds; and a run
 * unit by unit the way a job runs across restarts, to compare with one uninterrupted run.
 */
import { TrainingSession, type TrainInput, type TrainResult, type TrainingState } from '../train';
import { syntheticLeads } from './synthetic';

/** The threshold and AUC error target that make 2,500 rows "large". */
export const TEST_BUDGET = { threshold: 1000, aucSe: 0.05 };

/** A GBDT-only budgeted training input; `budget` adds to (or overrides) `TEST_BUDGET`. */
export function budgetedGbdtInput(nRounds = 150, budget: Record<string, unknown> = {}) {
  return {
    ...syntheticLeads(2500, 5),
    options: {
      exclude: ['id'],
      seed: 4,
      model: 'gbdt' as const,
      budget: { ...TEST_BUDGET, ...budget },
      gbdtParams: { nRounds },
    },
  };
}

export interface UnitByUnit {
  result: TrainResult;
  /** The state after the last unit (undefined when there was none). */
  state: TrainingState | undefined;
  /** `progress()` as each fresh session saw it, first to last. */
  progress: Array<{ done: number; total: number }>;
}

/**
 * A fresh session per unit, its state copied as a store would keep it (structuredClone keeps
 * typed arrays and −0), until done.
 */
export function trainUnitByUnit(input: TrainInput): UnitByUnit {
  let state: TrainingState | undefined;
  const progress: UnitByUnit['progress'] = [];
  for (;;) {
    const s = new TrainingSession(input, state && structuredClone(state));
    progress.push(s.progress());
    if (s.done()) return { result: s.finish(), state, progress };
    s.step();
    state = s.state;
  }
}
