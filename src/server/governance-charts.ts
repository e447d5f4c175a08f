/**
 * The governance page's charts (`/report/governance`) as inline SVG, through the same ECharts
 * server-side rendering as a version's charts (./charts.ts): alerts over time, PSI by field
 * over the monitoring runs, live against expected AUC, and the live calibration. Input is the
 * `GovernanceCharts` DTO (src/pipeline/charts-governance.ts).
 */
import type { EChartsOption } from 'echarts';
import type { GovernanceChartKey, GovernanceCharts } from '../contracts/charts';
import { AXIS, calibrationOption, chartList, figuresSection, svgChart } from './charts';
import type { Drawn } from './charts';

const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
const runLabel = (at: string) => at.slice(0, 16).replace('T', ' ');

function alertsOption(a: GovernanceCharts['alerts']): EChartsOption {
  const bar = (name: string, color: string, values: number[]) => ({
    name,
    type: 'bar' as const,
    stack: 'alerts',
    itemStyle: { color },
    data: values,
  });
  return {
    legend: { bottom: 0, itemGap: 28 },
    grid: { left: 50, right: 20, top: 20, bottom: 70 },
    xAxis: { type: 'category', data: a.map((d) => d.day), ...AXIS },
    yAxis: { type: 'value', name: 'Raised', minInterval: 1, ...AXIS },
    series: [
      bar(
        'Drift alerts',
        '#f2545b',
        a.map((d) => d.drift),
      ),
      bar(
        'Decay alerts',
        '#6a78d1',
        a.map((d) => d.decay),
      ),
      bar(
        'Warnings',
        '#f5c26b',
        a.map((d) => d.warnings),
      ),
    ],
  };
}

/** Warning and alert lines; ECharts' markLine typing wants literal unions, so it is an object here. */
function thresholds(warn: number, alert: number): object {
  return {
    markLine: {
      silent: true,
      symbol: 'none',
      data: [
        {
          yAxis: warn,
          lineStyle: { color: '#f5c26b', type: 'dashed' },
          label: { formatter: `warn ${warn}`, position: 'insideEndTop' },
        },
        {
          yAxis: alert,
          lineStyle: { color: '#f2545b', type: 'dashed' },
          label: { formatter: `alert ${alert}`, position: 'insideEndTop' },
        },
      ],
    },
  };
}

/**
 * A line per series over the monitoring runs: the shape the PSI, segment drift and segment decay
 * charts share. `first` is spread into the first series only (its alert lines), `style` into
 * every series before its data.
 */
function runLinesOption<S extends { label: string; values: Array<number | null> }>(
  c: GovernanceCharts,
  yName: string,
  series: S[],
  first: object,
  style: (s: S) => object = () => ({}),
): EChartsOption {
  return {
    legend: { bottom: 0, itemGap: 20 },
    grid: { left: 60, right: 20, top: 20, bottom: 90 },
    xAxis: {
      type: 'category',
      data: c.runs.map((r) => runLabel(r.at)),
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, rotate: c.runs.length > 6 ? 30 : 0 },
    },
    yAxis: { type: 'value', name: yName, ...AXIS },
    series: series.map((s, i) => ({
      name: s.label.length > 28 ? `${s.label.slice(0, 27)}…` : s.label,
      type: 'line',
      showSymbol: true,
      showAllSymbol: true,
      connectNulls: false,
      ...style(s),
      data: s.values.map(r3),
      ...(i === 0 ? first : {}),
    })),
  };
}

function psiOption(c: GovernanceCharts): EChartsOption {
  const p = c.psi!;
  return runLinesOption(c, 'PSI', p.series, thresholds(p.warn, p.alert), (s) => ({
    lineStyle: { width: s.field === 'score' ? 3 : 1.5 },
  }));
}

function segmentDriftOption(c: GovernanceCharts): EChartsOption {
  const p = c.segmentDrift!;
  return runLinesOption(c, 'PSI beyond chance', p.series, thresholds(p.warn, p.alert));
}

function segmentDecayOption(c: GovernanceCharts): EChartsOption {
  const p = c.segmentDecay!;
  return runLinesOption(c, 'Drop beyond noise', p.series, {
    markLine: {
      symbol: 'none',
      label: { formatter: 'alert' },
      lineStyle: { type: 'dashed', color: '#b91c1c' },
      data: [{ yAxis: p.decayDrop }],
    },
  });
}

function aucOption(c: GovernanceCharts): EChartsOption {
  const a = c.auc!;
  const line = (name: string, values: Array<number | null>, extra: object = {}) => ({
    name,
    type: 'line' as const,
    showSymbol: true,
    showAllSymbol: true,
    connectNulls: false,
    data: values.map(r3),
    ...extra,
  });
  return {
    legend: { bottom: 0, itemGap: 28 },
    grid: { left: 60, right: 20, top: 20, bottom: 90 },
    xAxis: {
      type: 'category',
      data: c.runs.map((r) => `${runLabel(r.at)} v${r.championVersion}`),
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, rotate: c.runs.length > 6 ? 30 : 0 },
    },
    yAxis: { type: 'value', name: 'AUC', scale: true, ...AXIS },
    series: [
      line('Live model, arrived outcomes', a.realised, { lineStyle: { width: 3 } }),
      line('Its backtest (expected)', a.expected, { lineStyle: { type: 'dashed' } }),
      line(
        `Decay alert below (−${Math.round(a.decayDrop * 1000) / 10} %)`,
        a.expected.map((e) => (e === null ? null : e * (1 - a.decayDrop))),
        { lineStyle: { type: 'dotted', color: '#f2545b' }, itemStyle: { color: '#f2545b' } },
      ),
      ...(a.challenger.some((v) => v !== null)
        ? [line('Challenger, same records', a.challenger)]
        : []),
    ],
  };
}

export function drawGovernanceCharts(c: GovernanceCharts): Drawn<GovernanceChartKey>[] {
  const { out, add } = chartList<GovernanceChartKey>();
  add(
    'alerts',
    'Alerts over time',
    'Alerts and warnings raised per day (each alert is also a task for the admin in the CRM).',
    c.alerts.length ? () => [svgChart(alertsOption(c.alerts), 280), 3, c.alerts.length] : null,
  );
  add(
    'psiOverRuns',
    'Drift by field over the runs (PSI)',
    c.psi
      ? `PSI of the score and of the fields that moved most, in each monitored run, against ${
          c.psi.reference === 'training' ? 'the training rows' : "the live model's first run"
        } (warning at ${c.psi.warn}, alert at ${c.psi.alert}).`
      : '',
    c.psi ? () => [svgChart(psiOption(c), 360), c.psi!.series.length, c.runs.length] : null,
  );
  add(
    'aucOverRuns',
    'Live AUC against the backtest, per run',
    'The live model’s AUC on outcomes that arrived since it scored the records, against the AUC its backtest expected; below the dotted line the decay alert fires.',
    c.auc
      ? () => [
          svgChart(aucOption(c), 360),
          c.auc!.challenger.some((v) => v !== null) ? 4 : 3,
          c.runs.length,
        ]
      : null,
  );
  add(
    'liveCalibration',
    c.liveCalibration
      ? `Live calibration (v${c.liveCalibration.version}, ${c.liveCalibration.outcomes} outcomes)`
      : 'Live calibration',
    c.liveCalibration
      ? `Records the live model scored whose outcome has arrived, in bands of predicted probability: how many converted (run of ${runLabel(c.liveCalibration.at)}).`
      : '',
    c.liveCalibration
      ? () => [
          svgChart(calibrationOption(c.liveCalibration!.bins, 'Live model'), 360),
          1,
          c.liveCalibration!.bins.length,
        ]
      : null,
  );
  if (c.segmentDrift || c.empty.segmentDrift) {
    add(
      'segmentDrift',
      'Drift per segment over the runs',
      c.segmentDrift
        ? `Each segment's largest PSI, net of what chance reaches at its size, against the segment in the live model's first run (warning at ${c.segmentDrift.warn}, alert at ${c.segmentDrift.alert}; an alert names the segment).`
        : '',
      c.segmentDrift
        ? () => [svgChart(segmentDriftOption(c), 360), c.segmentDrift!.series.length, c.runs.length]
        : null,
    );
  }
  if (c.segmentDecay || c.empty.segmentDecay) {
    add(
      'segmentDecay',
      'Decay per segment over the runs',
      c.segmentDecay
        ? `Per segment, how far the live model's ${c.segmentDecay.metric === 'auc' ? 'AUC' : 'precision in the top tier'} on arrived outcomes fell under its backtest estimate on the segment, relative to it and net of the segment's noise (2 standard errors at its size); the alert is at ${c.segmentDecay.decayDrop} and names the segment.`
        : '',
      c.segmentDecay
        ? () => [svgChart(segmentDecayOption(c), 360), c.segmentDecay!.series.length, c.runs.length]
        : null,
    );
  }
  return out;
}

export function governanceChartsSection(c: GovernanceCharts): string {
  return figuresSection(drawGovernanceCharts(c), c.empty);
}
