/**
 * A training run with admin segments stays resumable: cut into one unit per call (each call a
 * fresh job definition rebuilding everything from the stored checkpoint), it publishes exactly
 * the version — global and segment models, report — one uninterrupted call publishes.
 */
import { makeBudget, runJob, trainJob, type Budget } from '../../src/pipeline';
import { PAID_SEGMENT, segmentSettings, useSegmentsPortal } from '../support/segments-portal';

const ONE_UNIT: Budget = { hasTime: () => false, remainingMs: () => 0 };

describe('train with segments: resumable across calls', () => {
  const portal = useSegmentsPortal({
    seed: 'segments-resume',
    contacts: 900,
    settings: segmentSettings([PAID_SEGMENT], { minPositives: 10, minGain: 0.01 }),
    now: Date.now() + 3_600_000,
  });

  it('one unit per call gives the version one call gives', async () => {
    const { deps } = portal;
    const whole = await runJob(deps, trainJob(), {
      budget: makeBudget(Infinity, deps.now),
      restart: true,
    });
    expect(whole.status).toBe('done');
    let res = await runJob(deps, trainJob(), { budget: ONE_UNIT, restart: true });
    let calls = 1;
    while (res.status === 'continue') {
      res = await runJob(deps, trainJob(), { budget: ONE_UNIT });
      calls++;
    }
    expect(res.status).toBe('done');
    // The segment ran units of its own (more calls than pages + global units alone would need).
    const segs = res.summary.segments as Array<{ key: string; why: string }>;
    expect(segs.map((s) => s.key)).toEqual(['paid']);
    expect(segs[0]!.why).not.toMatch(/too few positives|cannot be backtested/);
    expect(calls).toBeGreaterThan(20);
    const [a, b] = await Promise.all([
      deps.store.getModel(whole.summary.version as number),
      deps.store.getModel(res.summary.version as number),
    ]);
    expect(b!.artifact).toBe(a!.artifact);
    expect(JSON.parse(b!.report)).toEqual(JSON.parse(a!.report));
  }, 120_000);
});
