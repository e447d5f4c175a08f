import { fullGovernanceCharts, NO_MONITORING } from '../../test/support/governance-charts';
import { drawGovernanceCharts, governanceChartsSection } from './governance-charts';
import { svgDataMarks } from '../../test/support/svg-marks';

const none = NO_MONITORING;

const points = svgDataMarks;

describe('governance charts (server-side SVG)', () => {
  it('says why each chart is empty instead of drawing placeholder data', () => {
    const html = governanceChartsSection(none);
    expect(html).not.toContain('<svg');
    for (const reason of new Set(Object.values(none.empty)))
      expect(html).toContain(`No data: ${reason}`);
  });

  it('draws the drift per segment when the runs have segments, and only then', () => {
    const charts = fullGovernanceCharts();
    expect(drawGovernanceCharts(charts).map((d) => d.key)).not.toContain('segmentDrift');
    const drawn = drawGovernanceCharts({
      ...charts,
      segmentDrift: {
        warn: 0.1,
        alert: 0.25,
        series: [{ key: 'paid', label: 'Paid channels', values: charts.runs.map(() => 0.4) }],
      },
    });
    const seg = drawn.find((d) => d.key === 'segmentDrift')!;
    expect(seg.series).toBe(1);
    expect(seg.svg).toContain('Paid channels');
  });

  it('draws alerts over time, PSI and AUC over the runs and the live calibration', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const charts = fullGovernanceCharts(evil);
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
