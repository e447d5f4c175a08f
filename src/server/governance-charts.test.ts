import type { GovernanceCharts } from '../contracts/charts';
import { drawGovernanceCharts, governanceChartsSection } from './governance-charts';

const none: GovernanceCharts = {
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

/** Data marks ECharts tagged in an SVG, per series: distinct data indices. */
function points(svg: string): Map<number, number> {
  const seen = new Map<number, Set<string>>();
  for (const m of svg.matchAll(
    /ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"/g,
  )) {
    const set = seen.get(Number(m[1])) ?? new Set<string>();
    set.add(m[2]!);
    seen.set(Number(m[1]), set);
  }
  return new Map([...seen].map(([k, v]) => [k, v.size]));
}

describe('governance charts (server-side SVG)', () => {
  it('says why each chart is empty instead of drawing placeholder data', () => {
    const html = governanceChartsSection(none);
    expect(html).not.toContain('<svg');
    for (const reason of new Set(Object.values(none.empty)))
      expect(html).toContain(`No data: ${reason}`);
  });

  it('draws alerts over time, PSI and AUC over the runs and the live calibration', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const runs = ['2026-03-02', '2026-03-09', '2026-03-16'].map((d, i) => ({
      at: `${d}T06:00:00.000Z`,
      championVersion: i < 2 ? 1 : 2,
      scored: 1000 + i,
      outcomes: 100 * i,
    }));
    const charts: GovernanceCharts = {
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
          { field: 'source', label: evil, values: [null, 0.2, 0.31] },
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
    const drawn = drawGovernanceCharts(charts);
    expect(drawn.map((d) => d.key)).toEqual([
      'alerts',
      'psiOverRuns',
      'aucOverRuns',
      'liveCalibration',
    ]);
    const [alerts, psi, auc, calibration] = drawn;
    // Three stacked series (drift, decay, warnings), a bar per day each.
    expect(alerts!.series).toBe(3);
    expect(points(alerts!.svg!)).toEqual(
      new Map([
        [0, 2],
        [1, 2],
        [2, 2],
      ]),
    );
    // PSI: a line per field, nulls left out (no made-up zeros).
    expect(psi!.series).toBe(2);
    // (Series 0 also carries the warning and alert lines, which ECharts tags as its marks.)
    expect(points(psi!.svg!).get(1)).toBe(2);
    expect(psi!.svg).toContain('alert 0.25');
    // AUC: live, expected, the decay line, and the challenger where it was in shadow.
    expect(auc!.series).toBe(4);
    expect(points(auc!.svg!).get(0)).toBe(2);
    expect(points(auc!.svg!).get(1)).toBe(3);
    expect(points(auc!.svg!).get(3)).toBe(1);
    expect(calibration!.points).toBe(2);
    expect(points(calibration!.svg!).get(0)).toBe(2);
    const html = governanceChartsSection(charts);
    expect(html).not.toContain(evil);
    expect(html).toContain('Live calibration (v2, 200 outcomes)');
  });
});
