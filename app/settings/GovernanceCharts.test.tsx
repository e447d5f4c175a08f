import { BarChart, ErrorState, LineChart, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { GovernanceCharts as Charts } from '../../src/contracts/charts';
import type { SettingsResult } from '../../src/contracts/functions';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { AUC_LINES, GovernanceCharts, decayLine } from './GovernanceCharts';
import type { Serverless } from './SuggestionPanel';
import {
  fullGovernanceCharts,
  MONITORED_RUNS,
  NO_MONITORING,
} from '../../test/support/governance-charts';

const runs = MONITORED_RUNS;
const FULL: Charts = fullGovernanceCharts();
const NONE = NO_MONITORING;

function server(charts: Charts | 'fail') {
  const asked: Array<Record<string, unknown>> = [];
  const serverless: Serverless = async (_name, options) => {
    asked.push((options?.parameters ?? {}) as Record<string, unknown>);
    if (charts === 'fail')
      return { ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'The store is down.' } };
    const result: SettingsResult = {
      settings: DEFAULT_SETTINGS,
      model: null,
      stats: [],
      governanceCharts: charts,
    };
    return result;
  };
  return { asked, serverless };
}

async function shown(serverless: Serverless) {
  const r = createRenderer('settings');
  r.render(<GovernanceCharts serverless={serverless} />);
  await r.waitFor(() => expect(r.maybeFind(LoadingSpinner)).toBeNull());
  return r;
}

type Row = Record<string, unknown>;
const data = (c: { props: { data: unknown } }) => c.props.data as Row[];
const series = (rows: Row[], name: string) =>
  rows.filter((d) => d.series === name).map((d) => [d.run, d.psi ?? d.auc]);

describe('GovernanceCharts (HubSpot chart components)', () => {
  it('draws alerts, PSI and AUC over the runs and the live calibration from the answer', async () => {
    const { asked, serverless } = server(FULL);
    const r = await shown(serverless);
    expect(asked).toEqual([{ action: 'governanceCharts' }]);
    const bars = r.findAll(BarChart);
    const lines = r.findAll(LineChart);
    expect(bars).toHaveLength(1);
    expect(lines).toHaveLength(3);

    // Alerts: per day, stacked by kind.
    expect(bars[0]!.props.axes.options).toMatchObject({
      groupFieldByColor: 'kind',
      stacking: true,
    });
    expect(data(bars[0]!)).toEqual([
      { day: '2026-03-09', kind: 'Drift alerts', count: 0 },
      { day: '2026-03-09', kind: 'Decay alerts', count: 1 },
      { day: '2026-03-09', kind: 'Warnings', count: 2 },
      { day: '2026-03-16', kind: 'Drift alerts', count: 1 },
      { day: '2026-03-16', kind: 'Decay alerts', count: 0 },
      { day: '2026-03-16', kind: 'Warnings', count: 0 },
    ]);

    // PSI: a line per field (a run without a PSI has no point) and the two thresholds.
    const psi = data(lines[0]!);
    expect(lines[0]!.props.axes.options).toEqual({ groupFieldByColor: 'series' });
    expect([...new Set(psi.map((d) => d.series))]).toEqual([
      'Score',
      'Original source',
      'Warning (0.1)',
      'Alert (0.25)',
    ]);
    expect(series(psi, 'Original source')).toEqual([
      ['2026-03-09 06:00', 0.2],
      ['2026-03-16 06:00', 0.31],
    ]);
    expect(series(psi, 'Alert (0.25)').map((p) => p[1])).toEqual([0.25, 0.25, 0.25]);

    // AUC: live, expected, the decay line 5 % under expected, and the challenger.
    const auc = data(lines[1]!);
    expect(series(auc, AUC_LINES.realised)).toEqual([
      ['2026-03-09 06:00 v1', 0.66],
      ['2026-03-16 06:00 v2', 0.64],
    ]);
    expect(series(auc, AUC_LINES.expected).map((p) => p[1])).toEqual([0.75, 0.75, 0.7]);
    expect(series(auc, decayLine(0.05)).map((p) => p[1])).toEqual([0.712, 0.712, 0.665]);
    expect(series(auc, AUC_LINES.challenger)).toEqual([['2026-03-16 06:00 v2', 0.69]]);

    // Live calibration: a point per bin, in percent.
    expect(data(lines[2]!)).toEqual([
      { predicted: 4, observed: 3 },
      { predicted: 35, observed: 20 },
    ]);
    const texts = r.findAll(Text).map((t) => t.text ?? '');
    expect(texts.some((t) => t.startsWith('No data'))).toBe(false);
  });

  it('has no challenger line when no challenger was in shadow, and keeps apart runs of one minute', async () => {
    const same = [runs[0]!, { ...runs[0]!, scored: 5 }];
    const r = await shown(
      server({
        ...FULL,
        runs: same,
        psi: null,
        auc: {
          realised: [0.7, 0.6],
          expected: [0.75, 0.75],
          challenger: [null, null],
          decayDrop: 0.1,
        },
        empty: { psiOverRuns: 'No run has a PSI yet.' },
      }).serverless,
    );
    const lines = r.findAll(LineChart);
    expect(lines).toHaveLength(2);
    const auc = data(lines[0]!);
    expect([...new Set(auc.map((d) => d.series))]).toEqual([
      AUC_LINES.realised,
      AUC_LINES.expected,
      decayLine(0.1),
    ]);
    expect(series(auc, AUC_LINES.realised)).toEqual([
      ['2026-03-02 06:00 v1', 0.7],
      ['2026-03-02 06:00 v1 (#2)', 0.6],
    ]);
    expect(r.findAll(Text).map((t) => t.text)).toContain('No data: No run has a PSI yet.');
  });

  it('shows an empty state when nothing has been monitored yet', async () => {
    const r = await shown(server(NONE).serverless);
    expect(r.findAll(LineChart)).toHaveLength(0);
    expect(r.findAll(BarChart)).toHaveLength(0);
    expect(r.find(Text).text).toMatch(/^No monitoring yet/);
  });

  it('says why the run charts are empty when only alerts exist', async () => {
    const r = await shown(
      server({ ...NONE, alerts: FULL.alerts, empty: { ...NONE.empty, alerts: undefined } })
        .serverless,
    );
    expect(r.findAll(BarChart)).toHaveLength(1);
    expect(r.findAll(LineChart)).toHaveLength(0);
    const notes = r.findAll(Text).map((t) => t.text ?? '');
    expect(
      notes.filter((t) => t === 'No data: No scoring run has been monitored yet.'),
    ).toHaveLength(3);
  });

  it('draws each segment’s drift (net of chance) with the thresholds, gaps where not judged', async () => {
    const withSegments: Charts = {
      ...FULL,
      segmentDrift: {
        warn: 0.1,
        alert: 0.25,
        series: [
          {
            key: 'paid',
            label: 'Paid channels',
            values: FULL.runs.map((_, i) => (i ? 0.9 : null)),
          },
          { key: 'search', label: 'Search', values: FULL.runs.map(() => 0) },
        ],
      },
    };
    const r = await shown(server(withSegments).serverless);
    const lines = r.findAll(LineChart);
    expect(lines).toHaveLength(4);
    const seg = data(lines[1]!);
    expect(series(seg, 'Paid channels').map(([, v]) => v)).toEqual(
      FULL.runs.slice(1).map(() => 0.9),
    );
    expect(series(seg, 'Search')).toHaveLength(FULL.runs.length);
    expect(series(seg, 'Alert (0.25)')).toHaveLength(FULL.runs.length);
    // Without a judged comparison yet it says why.
    const none = await shown(
      server({
        ...FULL,
        segmentDrift: null,
        empty: { ...FULL.empty, segmentDrift: 'No segment has a judged drift yet.' },
      }).serverless,
    );
    expect(none.findAll(LineChart)).toHaveLength(3);
    expect(none.findAll(Text).map((t) => t.text)).toContain(
      'No data: No segment has a judged drift yet.',
    );
  });

  it('shows an error state with the server’s message', async () => {
    const r = await shown(server('fail').serverless);
    expect(r.find(ErrorState).props.title).toMatch(/Could not load the monitoring charts/);
  });
});
