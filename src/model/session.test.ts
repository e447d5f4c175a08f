import { isModelError } from './errors';
import { syntheticLeads } from './testing/synthetic';
import { trainModel, TrainingSession, type TrainingState } from './train';

describe('TrainingSession: training as units of work over a persisted state', () => {
  const data = syntheticLeads(900, 7);
  const input = { ...data, options: { exclude: ['id'], seed: 3 } };

  it('each unit in a fresh session from a copied state gives exactly what one go gives', () => {
    const once = trainModel(input);

    let state: TrainingState | undefined;
    let units = 0;
    let total = 0;
    for (;;) {
      // A new session per unit, its state copied as a store would keep it (typed arrays, -0).
      const s = new TrainingSession(input, state && structuredClone(state));
      total = s.progress().total;
      expect(s.progress().done).toBe(units);
      if (s.done()) {
        const r = s.finish();
        expect(r.report).toEqual(once.report);
        expect(JSON.stringify(r.artifact)).toBe(JSON.stringify(once.artifact));
        expect(Array.from(r.outOfFold.probability)).toEqual(Array.from(once.outOfFold.probability));
        break;
      }
      s.step();
      units++;
      state = s.state;
    }
    // Three families and three weightings over every fold, then the final fit.
    const folds = once.report.splits.folds;
    expect(units).toBe(total);
    expect(total).toBe(6 * folds + 1);
    // The logistic warm starts cross units in the state (one per C of the grid).
    expect(Object.keys(state!.backtest.stage1[0]!.carry).sort()).toEqual([
      'C=0.01',
      'C=0.1',
      'C=1',
      'C=10',
    ]);
  });

  it('refuses a state that does not belong to its input, and an early finish', () => {
    const s = new TrainingSession(input);
    s.step();
    const state = structuredClone(s.state);
    state.backtest.stage1[0]!.done = 99;
    expect(() => new TrainingSession(input, state)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    try {
      s.finish();
      throw new Error('finish ran early');
    } catch (e) {
      expect(isModelError(e)).toBe(true);
    }
  });
});
