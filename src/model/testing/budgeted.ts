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

/**
 * What a resumed run must show: progress grew with every unit and ended at its total, and the
 * unit-by-unit result is byte for byte the uninterrupted one. The list of what fails (empty when
 * all holds), so a test reads `expect(resumeFaults(…)).toEqual([])` and sees which.
 */
export function resumeFaults(run: UnitByUnit, once: TrainResult): string[] {
  const faults: string[] = [];
  const { progress, result } = run;
  progress.forEach((p, k) => {
    if (k > 0 && !(p.done > progress[k - 1]!.done)) faults.push(`progress stalled at unit ${k}`);
  });
  const end = progress[progress.length - 1]!;
  if (end.done !== end.total) faults.push(`ended at ${end.done} of ${end.total}`);
  if (JSON.stringify(result.report) !== JSON.stringify(once.report)) faults.push('report differs');
  if (JSON.stringify(result.artifact) !== JSON.stringify(once.artifact))
    faults.push('artifact differs');
  return faults;
}
