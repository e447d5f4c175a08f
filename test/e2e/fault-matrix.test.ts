/**
 * The fault matrix at CI size (docs/reliability.md): every fault kind × {one run, two concurrent
 * runs} through the real CLI against its own emulator (two workers: fault-workers.test.ts); each case must end with the clean run's
 * CRM state, no record written two values, at most one batch of identical repeats per
 * interruption, and every permanent failure listed. Full size: `npm run bench:faults`.
 */
import { Rng } from '../../emulator/demo/rng';
import { killLeftovers } from '../support/child';
import { FAULTS, matrixTable, MODES, runMatrix, type CaseResult } from '../support/fault-matrix';

const CLI_MODES = MODES.filter((m) => m !== 'two-workers');

jest.setTimeout(15 * 60_000);

describe('fault matrix (small)', () => {
  let results: CaseResult[] = [];
  // Each case ends its processes; this is the net for a case that threw past its own finally.
  afterAll(() => killLeftovers());

  beforeAll(async () => {
    const rng = new Rng('fault-matrix-ci');
    const cases = FAULTS.flatMap((fault) => CLI_MODES.map((mode) => ({ fault, mode })));
    results = await runMatrix(
      cases,
      {
        contacts: 300,
        seed: 'matrix',
        burstMs: 4_000,
        leaseTtlMs: 3_000,
        timeoutMs: 4_000,
        random: () => rng.next(),
      },
      3,
      (r) =>
        process.stdout.write(
          `${r.fault} × ${r.mode}: ${(r.wallMs / 1000).toFixed(0)} s ${r.problems.join('; ')}\n`,
        ),
    );
    process.stdout.write(`${matrixTable(results)}\n`);
  });

  for (const fault of FAULTS) {
    for (const mode of CLI_MODES) {
      it(`${fault} × ${mode}: the clean run's CRM state, nothing doubled, failures listed`, () => {
        const r = results.find((x) => x.fault === fault && x.mode === mode);
        expect(r).toBeDefined();
        expect(r!.problems).toEqual([]);
        expect(r!.lost).toBe(0);
        expect(r!.doubled).toBe(0);
        expect(r!.permanentListed).toBe(r!.permanent);
        if (fault === '207-partials') expect(r!.permanent).toBeGreaterThan(0);
        if (fault === 'sigkill') expect(r!.kills).toBeGreaterThan(0);
        // The fault must have landed: answered by the emulator, or a run interrupted by it.
        if (fault === '429-storm') expect(r!.throttled).toBeGreaterThan(0);
        if (
          [
            '429-storm',
            '5xx-burst',
            'hung-connection',
            '207-partials',
            'applied-then-5xx',
          ].includes(fault)
        )
          expect(r!.faults).toBeGreaterThan(0);
        if (fault === 'token-expiry') expect(r!.interruptions).toBeGreaterThan(0);
      });
    }
  }
});
