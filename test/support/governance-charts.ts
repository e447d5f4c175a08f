/**
 * Governance chart data for the tests of its two renderings (the self-hosted SVG page and the
 * HubSpot settings card): three monitored runs, the live version changing at the third.
 */
import type { GovernanceCharts } from '../../src/contracts/charts';

export const MONITORED_RUNS = ['2026-03-02', '2026-03-09', '2026-03-16'].map((d, i) => ({
  at: `${d}T06:00:00.000Z`,
  championVersion: i < 2 ? 1 : 2,
  scored: 1000 + i,
  outcomes: 100 * i,
}));

/** Every chart with data; `sourceLabel` names the second PSI field (a test puts markup in it). */
export function fullGovernanceCharts(sourceLabel = 'Original source'): GovernanceCharts {
  const runs = MONITORED_RUNS;
  return {
    runs,
    alerts: [
      { day: '2026-03-09', drift: 0, decay: 1, warnings: 2 },
      { day: '2026-03-16', drift: 1, decay: 0, warnings: 0 },
    ],
    psi: {
      reference: 'first_run',
      warn: 0.1,
      alert: 0.25,
      series: [
        { field: 'score', label: 'Score', values: [null, 0.05, 0.12] },
        { field: 'source', label: sourceLabel, values: [null, 0.2, 0.31] },
      ],
    },
    auc: {
      realised: [null, 0.66, 0.64],
      expected: [0.75, 0.75, 0.7],
      challenger: [null, null, 0.69],
      decayDrop: 0.05,
    },
    liveCalibration: {
      at: runs[2]!.at,
      version: 2,
      outcomes: 200,
      bins: [
        { lo: 0, hi: 0.1, count: 150, meanPredicted: 0.04, observedRate: 0.03 },
        { lo: 0.3, hi: 0.4, count: 50, meanPredicted: 0.35, observedRate: 0.2 },
      ],
    },
    empty: {},
  };
}

/** What charts-governance.ts answers before any monitored run or alert. */
export const NO_MONITORING: GovernanceCharts = {
  runs: [],
  alerts: [],
  psi: null,
  auc: null,
  liveCalibration: null,
  empty: {
    alerts: 'No alert or warning has been raised.',
    psiOverRuns: 'No scoring run has been monitored yet.',
    aucOverRuns: 'No scoring run has been monitored yet.',
    liveCalibration: 'No scoring run has been monitored yet.',
  },
};
