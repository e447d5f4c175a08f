/**
 * The report's charts, drawn on the server as inline SVG with Apache ECharts' server-side
 * rendering (`ssr: true`, `renderToSVGString`): no script reaches the browser, so the pages keep
 * their content security policy (scripts only from this origin, inline styles allowed). ECharts
 * escapes every text it draws; each data mark carries `ecmeta_series_index`/`ecmeta_data_index`,
 * which the page tests count. Input is the `ModelCharts` DTO (src/pipeline/charts.ts).
 */
import type * as EChartsLib from 'echarts';
import type { EChartsOption } from 'echarts';
import type { ChartKey, ModelCharts } from '../contracts/charts';
import { esc } from './html';

type ECharts = typeof EChartsLib;
let lib: ECharts | null = null;
/** Loaded on the first chart, so commands that never draw one do not pay for it. */
const echarts = (): ECharts => (lib ??= require('echarts') as ECharts);

const WIDTH = 760;
const PALETTE = ['#00a4bd', '#ff7a59', '#7c98b6', '#f5c26b', '#00bda5', '#6a78d1', '#f2547d'];
export const AXIS = { axisLabel: { color: '#33475b' }, nameTextStyle: { color: '#33475b' } };

/** One chart as an SVG string. */
export function svgChart(option: EChartsOption, height: number): string {
  const chart = echarts().init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: WIDTH,
    height,
  });
  try {
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: 'system-ui, sans-serif' },
      ...option,
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;
const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);

export function calibrationOption(
  c: NonNullable<ModelCharts['calibration']>,
  name = 'This model',
): EChartsOption {
  const top = Math.min(
    1,
    Math.ceil(Math.max(...c.flatMap((b) => [b.hi, b.observedRate])) * 10) / 10,
  );
  return {
    legend: { bottom: 0, itemGap: 28 },
    grid: { left: 60, right: 20, top: 20, bottom: 70 },
    xAxis: {
      type: 'value',
      name: 'Mean predicted',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      max: top,
      axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => pct(v) },
    },
    yAxis: {
      type: 'value',
      name: 'Observed conversion',
      min: 0,
      max: top,
      axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => pct(v) },
    },
    series: [
      {
        name,
        type: 'line',
        showSymbol: true,
        showAllSymbol: true,
        symbolSize: 8,
        data: c.map((b) => [r3(b.meanPredicted), r3(b.observedRate)]),
      },
      {
        name: 'Perfectly calibrated',
        type: 'line',
        silent: true,
        showSymbol: false,
        lineStyle: { type: 'dashed', color: '#99afc4' },
        itemStyle: { color: '#99afc4' },
        data: [
          [0, 0],
          [top, top],
        ],
      },
    ],
  };
}

function liftOption(l: NonNullable<ModelCharts['lift']>): EChartsOption {
  return {
    grid: { left: 60, right: 20, top: 20, bottom: 50 },
    xAxis: {
      type: 'category',
      name: 'Decile (1 = highest scores)',
      nameLocation: 'middle',
      nameGap: 28,
      data: l.map((d) => String(d.decile)),
      ...AXIS,
    },
    yAxis: { type: 'value', name: 'Lift ×', ...AXIS },
    series: [
      {
        name: 'Lift',
        type: 'bar',
        data: l.map((d) => r3(d.lift)),
        label: { show: true, position: 'top', formatter: (p) => `${Number(p.value).toFixed(2)}×` },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: '#516f90', type: 'dashed' },
          label: { formatter: 'no model (1×)' },
          data: [{ yAxis: 1 }],
        },
      },
    ],
  };
}

/** Low scores light, high scores dark: the bands read as one scale, in order. */
function bandColour(i: number, n: number): string {
  const from = [0xd6, 0xf1, 0xf5];
  const to = [0x00, 0x3b, 0x5c];
  const t = n > 1 ? i / (n - 1) : 1;
  return `#${from
    .map((f, k) =>
      Math.round(f + (to[k]! - f) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

function distributionOption(d: NonNullable<ModelCharts['scoreDistribution']>): EChartsOption {
  const columns = ['Training', ...d.runs.map((r) => r.at.slice(0, 16).replace('T', ' '))];
  const cols = [d.training, ...d.runs.map((r) => r.shares)];
  return {
    legend: { bottom: 0, type: 'plain', itemGap: 24 },
    grid: { left: 60, right: 20, top: 20, bottom: 100 },
    xAxis: {
      type: 'category',
      data: columns,
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, rotate: columns.length > 6 ? 30 : 0 },
    },
    yAxis: {
      type: 'value',
      max: 1,
      name: 'Share of records',
      ...AXIS,
      axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => pct(v) },
    },
    series: d.bands.map((band, b) => ({
      name: band,
      type: 'bar',
      stack: 'share',
      itemStyle: { color: bandColour(b, d.bands.length) },
      data: cols.map((c) => r3(c[b] ?? 0)),
    })),
  };
}

function horizontalBars(
  rows: Array<{ label: string }>,
  series: Array<{ name: string; values: Array<number | null> }>,
  axisName: string,
  extra?: EChartsOption['series'],
): EChartsOption {
  const labels = rows.map((r) => (r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label));
  const built = series.map((s, i) => ({
    name: s.name,
    type: 'bar' as const,
    data: s.values.map(r3),
    ...(i === 0 && extra ? (extra as object) : {}),
  }));
  return {
    legend: series.length > 1 ? { bottom: 0, itemGap: 40 } : undefined,
    grid: { left: 200, right: 30, top: 10, bottom: series.length > 1 ? 60 : 40 },
    xAxis: { type: 'value', name: axisName, nameLocation: 'middle', nameGap: 26, ...AXIS },
    yAxis: { type: 'category', inverse: true, data: labels, ...AXIS },
    series: built,
  };
}

/** One colour per model family, so the candidates of a family read as one group. */
const kindColour = (name: string) =>
  name.startsWith('logistic') ? PALETTE[0] : name.startsWith('gbdt') ? PALETTE[1] : PALETTE[2];
/** Room under the plot: the x-axis name, then the legend (ECharts' itemGap spaces rows too). */
const LEGEND_GAP = 20;
const LEGEND_ROW = 14 + LEGEND_GAP;
const legendRows = (b: NonNullable<ModelCharts['backtest']>) =>
  56 + LEGEND_ROW * Math.ceil(b.candidates.length / 3);

function backtestOption(b: NonNullable<ModelCharts['backtest']>): EChartsOption {
  return {
    legend: { bottom: 0, type: 'plain', itemGap: LEGEND_GAP },
    grid: { left: 60, right: 20, top: 20, bottom: legendRows(b) },
    xAxis: {
      type: 'category',
      name: 'Test block (fold: start)',
      nameLocation: 'middle',
      nameGap: 28,
      data: b.folds.map((f) => f.label),
      ...AXIS,
    },
    yAxis: { type: 'value', name: 'AUC', scale: true, ...AXIS },
    series: b.candidates.map((c) => ({
      name: `${c.chosen ? '✔ ' : c.tied ? '≈ ' : ''}${c.name}`,
      type: 'line',
      showSymbol: true,
      showAllSymbol: true,
      connectNulls: false,
      lineStyle: { width: c.chosen ? 4 : 1.5, color: kindColour(c.name) },
      itemStyle: { color: kindColour(c.name) },
      data: c.foldAuc.map(r3),
    })),
  };
}

const rowsHeight = (n: number, legend: boolean) => Math.max(160, 24 * n + (legend ? 80 : 60));

export interface Drawn<K extends string = ChartKey> {
  key: K;
  title: string;
  note: string;
  svg: string | null;
  /** Series and data points drawn, for the page (and its tests) to state. */
  series: number;
  points: number;
}

/**
 * A list of drawn charts and the `add` that appends one: `make` draws it and says how many
 * series and points it has; without `make` (no data) the chart is listed with no SVG.
 */
export function chartList<K extends string>() {
  const out: Drawn<K>[] = [];
  const add = (
    key: K,
    title: string,
    note: string,
    make: (() => [string, number, number]) | null,
  ) => {
    if (!make) {
      out.push({ key, title, note, svg: null, series: 0, points: 0 });
      return;
    }
    const [svg, series, points] = make();
    out.push({ key, title, note, svg, series, points });
  };
  return { out, add };
}

/** A report page's charts section: a figure per chart, or the reason (`empty`) it has no data. */
export function figuresSection<K extends string>(
  drawn: Drawn<K>[],
  empty: Partial<Record<K, string>>,
): string {
  return `<section class="charts">${drawn
    .map(
      (
        d,
      ) => `<figure class="chart" id="chart-${d.key}" data-chart="${d.key}" data-series="${d.series}" data-points="${d.points}">
<h2>${esc(d.title)}</h2>
${d.svg ?? `<p class="muted empty">No data: ${esc(empty[d.key] ?? 'nothing stored.')}</p>`}
${d.svg && empty[d.key] ? `<p class="muted">${esc(empty[d.key])}</p>` : ''}
${d.svg && d.note ? `<figcaption class="muted">${esc(d.note)}</figcaption>` : ''}
</figure>`,
    )
    .join('\n')}</section>`;
}

/** Every chart of one version, in the report's order. */
export function drawCharts(c: ModelCharts): Drawn[] {
  const { out, add } = chartList<ChartKey>();
  add(
    'calibration',
    `Calibration (${c.evaluatedOn})`,
    'Each point is a band of predicted probability: how many of its contacts really converted. On the dashed line, a predicted 30 % means 30 % convert.',
    c.calibration
      ? () => [svgChart(calibrationOption(c.calibration!), 360), 1, c.calibration!.length]
      : null,
  );
  add(
    'lift',
    `Lift by decile (${c.evaluatedOn})`,
    'Conversion in each tenth of contacts, ranked by score, over the average conversion.',
    c.lift ? () => [svgChart(liftOption(c.lift!), 300), 1, c.lift!.length] : null,
  );
  add(
    'scoreDistribution',
    'Score distribution over time',
    'Share of scored records in each score band (the training deciles of this version): training first, then every monitored scoring run while this version was live.',
    c.scoreDistribution
      ? () => [
          svgChart(distributionOption(c.scoreDistribution!), 380),
          c.scoreDistribution!.bands.length,
          c.scoreDistribution!.runs.length + 1,
        ]
      : null,
  );
  add(
    'drift',
    'Drift by feature (PSI)',
    c.drift
      ? `Population stability of each field in the run of ${c.drift.at.slice(0, 16).replace('T', ' ')} against the training rows and against this version's first monitored run; alerts read the ${c.drift.reference === 'training' ? 'training' : 'first-run'} value (warning at ${c.drift.warn}, alert at ${c.drift.alert}).${c.drift.scorePsi === null ? '' : ` The score itself: PSI ${c.drift.scorePsi.toFixed(3)}.`}`
      : '',
    c.drift
      ? () => {
          const d = c.drift!;
          const marks = {
            markLine: {
              silent: true,
              symbol: 'none',
              data: [
                {
                  xAxis: d.warn,
                  lineStyle: { color: '#f5c26b', type: 'dashed' },
                  label: { formatter: `warn ${d.warn}`, position: 'insideStartTop' },
                },
                {
                  xAxis: d.alert,
                  lineStyle: { color: '#f2545b', type: 'dashed' },
                  label: { formatter: `alert ${d.alert}`, position: 'insideEndTop' },
                },
              ],
            },
          };
          return [
            svgChart(
              horizontalBars(
                d.rows,
                [
                  { name: 'PSI against training', values: d.rows.map((r) => r.psiTraining) },
                  { name: 'PSI against the first run', values: d.rows.map((r) => r.psiReference) },
                ],
                'PSI',
                marks as EChartsOption['series'],
              ),
              rowsHeight(d.rows.length, true),
            ),
            2,
            d.rows.length,
          ];
        }
      : null,
  );
  add(
    'importance',
    'Feature importance (mean |SHAP| per field)',
    'How far each field moves a contact’s log-odds on average over the training rows, in either direction (exact SHAP values grouped per CRM field).',
    c.importance
      ? () => [
          svgChart(
            horizontalBars(
              c.importance!,
              [{ name: 'mean |SHAP|', values: c.importance!.map((f) => f.meanAbsShap) }],
              'mean |SHAP| (log-odds)',
            ),
            rowsHeight(c.importance!.length, false),
          ),
          1,
          c.importance!.length,
        ]
      : null,
  );
  add(
    'backtest',
    'Backtests: AUC per fold and candidate',
    'Each fold trains on contacts before its test block and scores the block; the thick line is the chosen setting (✔), ≈ marks settings tied with it.',
    c.backtest
      ? () => [
          svgChart(backtestOption(c.backtest!), 260 + legendRows(c.backtest!)),
          c.backtest!.candidates.length,
          c.backtest!.folds.length,
        ]
      : null,
  );
  return out;
}

/** The charts section of a report page: a figure per chart, or the reason it has no data. */
export function chartsSection(c: ModelCharts): string {
  return figuresSection(drawCharts(c), c.empty);
}
