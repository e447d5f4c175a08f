/**
 * The fault matrix's two-workers column at CI size (docs/reliability.md): two `leadlens worker`
 * processes on one PostgreSQL database run a portal's `run` job (and a second one asked for
 * meanwhile) through a few faults — a worker SIGKILLed at a random moment, a 429 storm on the
 * first writes, 207s with permanent failures. Each case must
 * end with the clean run's CRM state, no record written two values, at most one batch of
 * identical repeats per interruption, and every permanent failure listed. All seven faults:
 * `npm run bench:faults`.
 */
import { Rng } from '../../emulator/demo/rng';
import { killLeftovers } from '../support/child';
import { matrixTable, runMatrix, type CaseResult, type FaultKind } from '../support/fault-matrix';

jest.setTimeout(15 * 60_000);

const CASES: FaultKind[] = ['sigkill', '429-storm', '207-partials'];

describe('fault matrix: two workers (small)', () => {
  let results: CaseResult[] = [];
  // Each case ends its processes; this is the net for a case that threw past its own finally.
  afterAll(() => killLeftovers());

  beforeAll(async () => {
    const rng = new Rng('fault-workers-ci');
    results = await runMatrix(
      CASES.map((fault) => ({ fault, mode: 'two-workers' as const })),
      {
        contacts: 300,
        seed: 'matrix',
        burstMs: 4_000,
        leaseTtlMs: 3_000,
        timeoutMs: 4_000,
        random: () => rng.next(),
        // A stuck case fails with its state after 3 min (two rounds of cases: 6 min at most of
        // the hook's 15). Normal cases took 16–46 s on the shared 2-core machine at a load of
        // 6–13 (2026-12-03, 37 cases): a margin of about 4× for a slower CI machine.
        caseDeadlineMs: 3 * 60_000,
      },
      2,
      (r) =>
        process.stdout.write(
          `${r.fault} × ${r.mode}: ${(r.wallMs / 1000).toFixed(0)} s ${r.problems.join('; ')}\n`,
        ),
    );
    process.stdout.write(`${matrixTable(results)}\n`);
  });

  for (const fault of CASES) {
    it(`${fault} × two workers: the clean run's CRM state, nothing doubled, failures listed`, () => {
      const r = results.find((x) => x.fault === fault);
      expect(r).toBeDefined();
      expect(r!.problems).toEqual([]);
      expect(r!.lost).toBe(0);
      expect(r!.doubled).toBe(0);
      expect(r!.permanentListed).toBe(r!.permanent);
      expect(r!.permanentInSummary).toBe(r!.permanent);
      // The fault landed.
      if (fault === 'sigkill') expect(r!.kills).toBeGreaterThan(0);
      if (fault === '429-storm') expect(r!.throttled).toBeGreaterThan(0);
      if (fault === '207-partials') expect(r!.permanent).toBeGreaterThan(0);
      if (fault !== 'sigkill') expect(r!.faults).toBeGreaterThan(0);
    });
  }
});
