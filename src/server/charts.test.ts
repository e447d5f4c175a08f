import type { ModelCharts } from '../contracts/charts';
import { chartsSection, drawCharts } from './charts';
import { svgDataMarks } from '../../test/support/svg-marks';

const none: ModelCharts = {
  version: 3,
  status: 'retired',
  modelType: 'logistic',
  trainedAt: '2026-01-01T00:00:00.000Z',
  evaluatedOn: 'test slice',
  calibration: null,
  lift: null,
  scoreDistribution: null,
  drift: null,
  importance: null,
  backtest: null,
  empty: {
    calibration: 'No calibration bins were recorded for this version.',
    lift: 'No lift table was recorded for this version.',
    scoreDistribution: 'This version was stored before training baselines.',
    drift: 'No scoring run of this version has been monitored yet.',
    importance: 'This version was trained before feature importance was recorded.',
    backtest: 'This version was trained before rolling-origin backtests.',
  },
  versions: [{ version: 3, status: 'retired' }],
};

const points = svgDataMarks;

describe('report charts (server-side SVG)', () => {
  it('says why each chart is empty instead of drawing placeholder data', () => {
    const html = chartsSection(none);
    expect(html).not.toContain('<svg');
    for (const reason of Object.values(none.empty)) expect(html).toContain(`No data: ${reason}`);
    expect(drawCharts(none).every((d) => d.svg === null && d.points === 0)).toBe(true);
  });

  it('draws the series and points of the data, with every label escaped', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const charts: ModelCharts = {
      ...none,
      empty: { drift: 'No scoring run of this version has been monitored yet.' },
      calibration: [
        { lo: 0, hi: 0.1, count: 50, meanPredicted: 0.05, observedRate: 0.04 },
        { lo: 0.1, hi: 0.2, count: 30, meanPredicted: 0.15, observedRate: 0.2 },
        { lo: 0.5, hi: 0.6, count: 5, meanPredicted: 0.55, observedRate: 0.6 },
      ],
      lift: [1, 2, 3, 4].map((d) => ({
        decile: d,
        count: 10,
        conversionRate: 0.1 * (5 - d),
        lift: (5 - d) / 2.5,
      })),
      importance: [
        { field: 'a', label: evil, meanAbsShap: 0.4 },
        { field: 'b', label: 'Source', meanAbsShap: 0.1 },
      ],
      scoreDistribution: {
        bands: ['< 10', '10–20', '≥ 20'],
        training: [0.3, 0.3, 0.4],
        runs: [{ at: '2026-02-01T00:00:00.000Z', scored: 100, shares: [0.2, 0.3, 0.5] }],
      },
      backtest: {
        folds: [1, 2, 3].map((f) => ({
          fold: f,
          label: `${f}: 2026-0${f}-01`,
          test: 50,
          testPositives: 5,
        })),
        candidates: [
          { name: 'logistic · C 1', chosen: true, tied: false, foldAuc: [0.7, 0.72, 0.74] },
          { name: 'gbdt · nRounds 50', chosen: false, tied: true, foldAuc: [0.69, null, 0.75] },
        ],
      },
    };
    const drawn = new Map(drawCharts(charts).map((d) => [d.key, d]));
    expect(points(drawn.get('calibration')!.svg!).get(0)).toBe(3);
    expect(points(drawn.get('lift')!.svg!).get(0)).toBe(4);
    expect([...points(drawn.get('importance')!.svg!)]).toEqual([[0, 2]]);
    // Three bands (series) over training and one run (points).
    const dist = points(drawn.get('scoreDistribution')!.svg!);
    expect([...dist.values()]).toEqual([2, 2, 2]);
    // A line per candidate; the fold without an AUC has no point.
    expect([...points(drawn.get('backtest')!.svg!)].sort()).toEqual([
      [0, 3],
      [1, 2],
    ]);
    expect(drawn.get('drift')!.svg).toBeNull();
    const html = chartsSection(charts);
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<script|<[^>]*\son[a-z]+=/i);
    expect(html).toContain('No data: No scoring run of this version has been monitored yet.');
  });
});
