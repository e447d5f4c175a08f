import {
  BarChart,
  ErrorState,
  LineChart,
  LoadingSpinner,
  Select,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { ModelCharts as Charts } from '../../src/contracts/charts';
import type { SettingsResult } from '../../src/contracts/functions';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { ModelCharts } from './ModelCharts';
import type { Serverless } from './SuggestionPanel';

const FULL: Charts = {
  version: 2,
  status: 'published',
  modelType: 'gbdt',
  trainedAt: '2026-03-01T00:00:00.000Z',
  evaluatedOn: 'out of fold',
  calibration: [
    { lo: 0, hi: 0.1, count: 300, meanPredicted: 0.04, observedRate: 0.05 },
    { lo: 0.1, hi: 0.2, count: 80, meanPredicted: 0.14, observedRate: 0.12 },
    { lo: 0.4, hi: 0.5, count: 20, meanPredicted: 0.45, observedRate: 0.5 },
  ],
  lift: Array.from({ length: 10 }, (_, i) => ({
    decile: i + 1,
    count: 40,
    conversionRate: 0.3 - i * 0.03,
    lift: 3 - i * 0.3,
  })),
  scoreDistribution: {
    bands: ['< 10', '10–20', '≥ 20'],
    training: [0.3, 0.3, 0.4],
    runs: [
      { at: '2026-03-02T00:00:00.000Z', scored: 900, shares: [0.3, 0.35, 0.35] },
      { at: '2026-03-09T00:00:00.000Z', scored: 950, shares: [0.2, 0.3, 0.5] },
    ],
  },
  drift: {
    at: '2026-03-09T00:00:00.000Z',
    reference: 'training',
    warn: 0.1,
    alert: 0.25,
    scorePsi: 0.08,
    rows: [
      { field: 'industry', label: 'Industry', psiTraining: 0.6, psiReference: 0.4 },
      { field: 'visits', label: 'Visits', psiTraining: 0.02, psiReference: null },
    ],
  },
  importance: [
    { field: 'visits', label: 'Visits', meanAbsShap: 0.51 },
    { field: 'industry', label: 'Industry', meanAbsShap: 0.2 },
  ],
  backtest: {
    folds: [
      { fold: 1, label: '1: 2026-01-01', test: 100, testPositives: 10 },
      { fold: 2, label: '2: 2026-02-01', test: 100, testPositives: 0 },
    ],
    candidates: [
      { name: 'gbdt · nRounds 50', chosen: true, tied: false, foldAuc: [0.8, null] },
      { name: 'logistic · C 1', chosen: false, tied: true, foldAuc: [0.78, null] },
    ],
  },
  empty: {},
  versions: [
    { version: 2, status: 'published' },
    { version: 1, status: 'retired' },
  ],
};

const OLD: Charts = {
  ...FULL,
  version: 1,
  status: 'retired',
  evaluatedOn: 'test slice',
  scoreDistribution: null,
  drift: null,
  importance: null,
  backtest: null,
  empty: {
    scoreDistribution: 'This version was stored before training baselines.',
    drift: 'No scoring run of this version has been monitored yet.',
    importance:
      'This version was trained before feature importance was recorded; retrain to see it.',
    backtest: 'This version was trained before rolling-origin backtests.',
  },
};

function server(fail = false) {
  const asked: Array<Record<string, unknown>> = [];
  const serverless: Serverless = async (_name, options) => {
    const p = (options?.parameters ?? {}) as Record<string, unknown>;
    asked.push(p);
    if (fail)
      return { ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'The store is down.' } };
    const result: SettingsResult = {
      settings: DEFAULT_SETTINGS,
      model: null,
      stats: [],
      charts: p.version === 1 ? OLD : FULL,
    };
    return result;
  };
  return { asked, serverless };
}

async function shown(serverless: Serverless) {
  const r = createRenderer('settings');
  r.render(<ModelCharts serverless={serverless} />);
  await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull());
  return r;
}

describe('ModelCharts (HubSpot chart components)', () => {
  it('draws the six charts from the charts answer, a point per stored value', async () => {
    const { asked, serverless } = server();
    const r = await shown(serverless);
    expect(asked).toEqual([{ action: 'charts' }]);
    const lines = r.findAll(LineChart);
    const bars = r.findAll(BarChart);
    expect(lines).toHaveLength(2);
    expect(bars).toHaveLength(4);
    const data = (c: { props: { data: unknown } }) =>
      c.props.data as Array<Record<string, unknown>>;
    // Calibration: a point per bin, in percent.
    expect(data(lines[0]!)).toEqual([
      { predicted: 4, observed: 5 },
      { predicted: 14, observed: 12 },
      { predicted: 45, observed: 50 },
    ]);
    // Lift: ten deciles.
    expect(data(bars[0]!).map((d) => d.decile)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    // Score distribution: three bands × (training + two runs), stacked by band.
    expect(data(bars[1]!)).toHaveLength(9);
    expect(bars[1]!.props.axes.options).toEqual({ groupFieldByColor: 'band', stacking: true });
    expect(
      data(bars[1]!)
        .filter((d) => d.when === '2026-03-09 00:00')
        .map((d) => d.share),
    ).toEqual([20, 30, 50]);
    // Drift: only the PSIs that exist.
    expect(data(bars[2]!)).toEqual([
      { field: 'Industry', against: 'training', psi: 0.6 },
      { field: 'Industry', against: 'first run', psi: 0.4 },
      { field: 'Visits', against: 'training', psi: 0.02 },
    ]);
    expect(data(bars[3]!).map((d) => d.field)).toEqual(['Visits', 'Industry']);
    // Backtests: a fold with one class has no AUC, so no point.
    expect(data(lines[1]!)).toEqual([
      { fold: '1: 2026-01-01', candidate: '✔ gbdt · nRounds 50', auc: 0.8 },
      { fold: '1: 2026-01-01', candidate: 'logistic · C 1', auc: 0.78 },
    ]);
    expect(r.findAll(Text).some((t) => (t.text ?? '').startsWith('No data'))).toBe(false);
  });

  it('switches to another version, and says why its charts have no data', async () => {
    const { asked, serverless } = server();
    const r = await shown(serverless);
    r.find(Select, { name: 'charts-version' }).trigger('onChange', 1 as never);
    await r.waitFor(() => expect(r.find(Select).props.value).toBe(1));
    expect(asked[1]).toEqual({ action: 'charts', version: 1 });
    expect(r.findAll(BarChart)).toHaveLength(1);
    expect(r.findAll(LineChart)).toHaveLength(1);
    const notes = r.findAll(Text).map((t) => t.text ?? '');
    for (const why of Object.values(OLD.empty)) expect(notes).toContain(`No data: ${why}`);
  });

  it('shows an error state with the server’s message', async () => {
    const r = await shown(server(true).serverless);
    expect(r.find(ErrorState).props.title).toMatch(/Could not load the model charts/);
  });
});
