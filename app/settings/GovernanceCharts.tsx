/**
 * The governance charts inside HubSpot, with HubSpot's own chart components (`LineChart`,
 * `BarChart` of @hubspot/ui-extensions; it has no other chart type): alerts over time, PSI by
 * field over the monitored runs, the live model's AUC against its backtest (with the challenger
 * and the decay line), the live calibration and the drift and decay per admin segment — the same `GovernanceCharts` data as the
 * self-hosted `/report/governance` page (the `settings` function's 'governanceCharts' action,
 * built by src/pipeline/charts-governance.ts). A chart without data says why.
 */
import { BarChart, Flex, Heading, LineChart, Text } from '@hubspot/ui-extensions';
import type { GovernanceCharts as Charts } from '../../src/contracts/charts';
import type { SettingsResult } from '../../src/contracts/functions';
import { unwrapResult } from '../../src/errors';
import { ChartsPending, Empty, pct, r3, short, useChartsLoad } from './chart-card';
import type { Serverless } from './SuggestionPanel';
const runLabel = (at: string) => at.slice(0, 16).replace('T', ' ');

/** Series names, shared by the rows and the tests. */
export const AUC_LINES = {
  realised: 'Live model, arrived outcomes',
  expected: 'Its backtest (expected)',
  challenger: 'Challenger, same records',
} as const;
export const decayLine = (drop: number) => `Decay alert below (−${Math.round(drop * 1000) / 10} %)`;

/**
 * One category per run; two runs in the same minute would share a category (and their points
 * would be drawn on top of each other), so a repeated label gets the run's number.
 */
function runCategories(c: Charts, withVersion: boolean): string[] {
  const seen = new Set<string>();
  return c.runs.map((r, i) => {
    let label = runLabel(r.at) + (withVersion ? ` v${r.championVersion}` : '');
    if (seen.has(label)) label = `${label} (#${i + 1})`;
    seen.add(label);
    return label;
  });
}

/** The rows each chart is fed: one object per point, HubSpot's chart data format (no nulls). */
export function governanceRows(c: Charts) {
  const runs = runCategories(c, false);
  const aucRuns = runCategories(c, true);
  const points = <K extends string>(
    cats: string[],
    series: string,
    values: Array<number | null>,
    key: K,
  ) =>
    values.flatMap((v, i) =>
      v === null || cats[i] === undefined ? [] : [{ run: cats[i]!, series, [key]: r3(v) }],
    ) as Array<{ run: string; series: string } & Record<K, number>>;
  const psi = c.psi;
  const auc = c.auc;
  return {
    alerts: c.alerts.flatMap((d) => [
      { day: d.day, kind: 'Drift alerts', count: d.drift },
      { day: d.day, kind: 'Decay alerts', count: d.decay },
      { day: d.day, kind: 'Warnings', count: d.warnings },
    ]),
    psi: psi
      ? [
          ...psi.series.flatMap((s) => points(runs, short(s.label), s.values, 'psi')),
          // HubSpot's charts have no threshold marks: the thresholds are drawn as flat lines.
          ...points(
            runs,
            `Warning (${psi.warn})`,
            runs.map(() => psi.warn),
            'psi',
          ),
          ...points(
            runs,
            `Alert (${psi.alert})`,
            runs.map(() => psi.alert),
            'psi',
          ),
        ]
      : [],
    auc: auc
      ? [
          ...points(aucRuns, AUC_LINES.realised, auc.realised, 'auc'),
          ...points(aucRuns, AUC_LINES.expected, auc.expected, 'auc'),
          ...points(
            aucRuns,
            decayLine(auc.decayDrop),
            auc.expected.map((e) => (e === null ? null : e * (1 - auc.decayDrop))),
            'auc',
          ),
          ...points(aucRuns, AUC_LINES.challenger, auc.challenger, 'auc'),
        ]
      : [],
    segmentDrift: c.segmentDrift
      ? [
          ...c.segmentDrift.series.flatMap((s) => points(runs, short(s.label), s.values, 'psi')),
          ...points(
            runs,
            `Warning (${c.segmentDrift.warn})`,
            runs.map(() => c.segmentDrift!.warn),
            'psi',
          ),
          ...points(
            runs,
            `Alert (${c.segmentDrift.alert})`,
            runs.map(() => c.segmentDrift!.alert),
            'psi',
          ),
        ]
      : [],
    segmentDecay: c.segmentDecay
      ? [
          ...c.segmentDecay.series.flatMap((s) => points(runs, short(s.label), s.values, 'drop')),
          ...points(
            runs,
            `Alert (${c.segmentDecay.decayDrop})`,
            runs.map(() => c.segmentDecay!.decayDrop),
            'drop',
          ),
        ]
      : [],
    liveCalibration: (c.liveCalibration?.bins ?? []).map((b) => ({
      predicted: pct(b.meanPredicted),
      observed: pct(b.observedRate),
    })),
  };
}

/**
 * A line per segment over the monitored runs with the alert drawn as a flat line, or why there
 * is none (nothing at all without segments): the segment drift and decay charts alike.
 */
function SegmentRunsChart({
  charts,
  which,
  title,
  data,
  y,
  note,
}: {
  charts: Charts;
  which: 'segmentDrift' | 'segmentDecay';
  title: string;
  data: Array<Record<string, string | number>>;
  y: { field: string; label: string };
  note: string;
}) {
  // Drawn once the store holds the series or says why it has none: absent without segments.
  if (!charts[which] && !charts.empty[which]) return null;
  return (
    <>
      <Heading>{title}</Heading>
      {data.length ? (
        <>
          <LineChart
            data={data}
            axes={{
              x: { field: 'run', fieldType: 'category', label: 'Monitored run' },
              y: { field: y.field, fieldType: 'linear', label: y.label },
              options: { groupFieldByColor: 'series' },
            }}
            options={{ showLegend: true, showTooltips: true }}
          />
          <Text variant="microcopy">{note}</Text>
        </>
      ) : (
        <Empty charts={charts} which={which} />
      )}
    </>
  );
}

export function GovernanceCharts({ serverless }: { serverless: Serverless }) {
  const { load, reload } = useChartsLoad<Charts>(
    async () =>
      unwrapResult<SettingsResult>(
        await serverless('settings', { parameters: { action: 'governanceCharts' } }),
      ).governanceCharts ?? null,
  );
  if (load.state !== 'ready') {
    return <ChartsPending load={load} what="monitoring charts" onRetry={() => void reload()} />;
  }
  const c = load.charts;
  if (!c || (c.runs.length === 0 && c.alerts.length === 0)) {
    return (
      <Text>
        No monitoring yet: the charts appear after the first scoring run of a trained model.
      </Text>
    );
  }
  const rows = governanceRows(c);
  const cal = c.liveCalibration;
  return (
    <Flex direction="column" gap="md">
      <Heading>Alerts over time</Heading>
      {rows.alerts.length ? (
        <BarChart
          data={rows.alerts}
          axes={{
            x: { field: 'day', fieldType: 'category', label: 'Day' },
            y: { field: 'count', fieldType: 'linear', label: 'Raised' },
            options: {
              groupFieldByColor: 'kind',
              stacking: true,
              colors: { 'Drift alerts': 'pink', 'Decay alerts': 'purple', Warnings: 'yellow' },
            },
          }}
          options={{ showLegend: true, showTooltips: true }}
        />
      ) : (
        <Empty charts={c} which="alerts" />
      )}

      <Heading>Drift by field over the runs (PSI)</Heading>
      {rows.psi.length ? (
        <>
          <LineChart
            data={rows.psi}
            axes={{
              x: { field: 'run', fieldType: 'category', label: 'Monitored run' },
              y: { field: 'psi', fieldType: 'linear', label: 'PSI' },
              options: { groupFieldByColor: 'series' },
            }}
            options={{ showLegend: true, showTooltips: true }}
          />
          <Text variant="microcopy">{`Against ${
            c.psi!.reference === 'training' ? 'the training rows' : "the live model's first run"
          }; warning at ${c.psi!.warn}, alert at ${c.psi!.alert}.`}</Text>
        </>
      ) : null}
      {c.empty.psiOverRuns ? <Empty charts={c} which="psiOverRuns" /> : null}

      <SegmentRunsChart
        charts={c}
        which="segmentDrift"
        title="Drift per segment over the runs"
        data={rows.segmentDrift}
        y={{ field: 'psi', label: 'PSI beyond chance' }}
        note="Each segment's largest PSI net of what chance reaches at its size, against the segment in the live model's first run; an alert names the segment."
      />

      <SegmentRunsChart
        charts={c}
        which="segmentDecay"
        title="Decay per segment over the runs"
        data={rows.segmentDecay}
        y={{ field: 'drop', label: 'Drop beyond noise' }}
        note="Per segment, how far the live model fell under its backtest on the segment, relative to it and net of the segment's noise (2 standard errors); the alert names the segment."
      />

      <Heading>Live AUC against the backtest, per run</Heading>
      {rows.auc.length ? (
        <LineChart
          data={rows.auc}
          axes={{
            x: { field: 'run', fieldType: 'category', label: 'Monitored run (live version)' },
            y: { field: 'auc', fieldType: 'linear', label: 'AUC' },
            options: { groupFieldByColor: 'series' },
          }}
          options={{ showLegend: true, showTooltips: true }}
        />
      ) : null}
      {c.empty.aucOverRuns ? <Empty charts={c} which="aucOverRuns" /> : null}

      <Heading>
        {cal ? `Live calibration (v${cal.version}, ${cal.outcomes} outcomes)` : 'Live calibration'}
      </Heading>
      {rows.liveCalibration.length ? (
        <>
          <LineChart
            data={rows.liveCalibration}
            axes={{
              x: { field: 'predicted', fieldType: 'linear', label: 'Mean predicted (%)' },
              y: { field: 'observed', fieldType: 'linear', label: 'Observed conversion (%)' },
            }}
            options={{ showTooltips: true, colorList: ['aqua'] }}
          />
          <Text variant="microcopy">{`Records the live model scored whose outcome has arrived (run of ${runLabel(cal!.at)}).`}</Text>
        </>
      ) : (
        <Empty charts={c} which="liveCalibration" />
      )}
    </Flex>
  );
}
