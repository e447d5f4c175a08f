/**
 * Training resumes across calls from its persisted checkpoint: a run cut into one unit per call,
 * each call a fresh job definition holding nothing in memory (so it rebuilds everything from
 * the stored checkpoint, as a new HubSpot function call on another machine would), trains and
 * publishes exactly the model — candidate, artifact, report — that one uninterrupted call does.
 */
import { runJob, syncJob, trainJob, type PipelineDeps } from '../../src/pipeline';
import { makeBudget } from '../../src/pipeline/budget';
import type { Budget } from '../../src/pipeline/budget';
import { depsFor, startPortal, tempDb, type Emulator } from './helpers';

/** No time left: each call does exactly one unit (runJob always does at least one). */
const ONE_UNIT: Budget = { hasTime: () => false, remainingMs: () => 0 };

describe('train: resumable across calls from a persisted checkpoint', () => {
  let emu: Emulator;
  let deps: PipelineDeps & { close(): Promise<void> };
  const now = Date.now() + 3_600_000;

  beforeAll(async () => {
    emu = await startPortal(1200, 'train-resume');
    deps = await depsFor(emu.url, tempDb('train-resume'), now);
    const r = await runJob(deps, syncJob({}), { budget: makeBudget(Infinity, deps.now) });
    expect(r.status).toBe('done');
  }, 180_000);

  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('one unit per call gives the model one call gives', async () => {
    const whole = await runJob(deps, trainJob(), {
      budget: makeBudget(Infinity, deps.now),
      restart: true,
    });
    expect(whole.status).toBe('done');
    const v1 = whole.summary.version as number;

    const answers: string[] = [];
    let res = await runJob(deps, trainJob(), { budget: ONE_UNIT, restart: true });
    const runId = res.runId;
    while (res.status === 'continue') {
      answers.push(res.progress);
      // The checkpoint is small enough to summarise: the frame and the work are not shown.
      expect(Object.keys(res.summary)).not.toEqual(expect.arrayContaining(['frame']));
      expect(Object.keys(res.summary)).not.toEqual(expect.arrayContaining(['work']));
      res = await runJob(deps, trainJob(), { budget: ONE_UNIT });
      expect(res.runId).toBe(runId);
    }
    expect(res.status).toBe('done');
    // Pages of contacts (500 a page), then every backtest unit, then the final fit, each a call.
    expect(answers.filter((p) => /contacts read/.test(p))).toHaveLength(3);
    const units = Number(/of (\d+) units/.exec(answers[answers.length - 1]!)![1]);
    expect(units).toBeGreaterThan(10);
    expect(answers.length).toBe(3 + 1 + units);

    const v2 = res.summary.version as number;
    expect(v2).toBe(v1 + 1);
    const [a, b] = await Promise.all([deps.store.getModel(v1), deps.store.getModel(v2)]);
    expect(b!.modelType).toBe(a!.modelType);
    expect(b!.artifact).toBe(a!.artifact);
    expect(JSON.parse(b!.report)).toEqual(JSON.parse(a!.report));
    // The same answer too (but for timings: the slowest unit is measured, not computed).
    const same = (s: Record<string, unknown>) => ({ ...s, version: 0, slowestUnitMs: 0 });
    expect(same(res.summary)).toEqual(same(whole.summary));
  }, 600_000);
});
