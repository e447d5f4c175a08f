/**
 * The model report's key charts inside HubSpot, with HubSpot's own chart components
 * (`LineChart`, `BarChart` of @hubspot/ui-extensions): calibration, lift by decile, score
 * distribution over time, drift by feature, feature importance and the backtest folds — the
 * same data as the self-hosted report (the `settings` function's 'charts' action, built by
 * src/pipeline/charts.ts). Any stored version can be chosen; a chart without data says why.
 */
import { BarChart, Flex, Heading, LineChart, Select, Text } from '@hubspot/ui-extensions';
import type { ModelCharts as Charts } from '../../src/contracts/charts';
import type { SettingsResult } from '../../src/contracts/functions';
import { unwrapResult } from '../../src/errors';
import { ChartsPending, Empty, pct, r3, short, useChartsLoad } from './chart-card';
import type { Serverless } from './SuggestionPanel';

/** The rows each chart is fed: one object per point, HubSpot's chart data format. */
export function chartRows(c: Charts) {
  return {
    calibration: (c.calibration ?? []).map((b) => ({
      predicted: pct(b.meanPredicted),
      observed: pct(b.observedRate),
    })),
    lift: (c.lift ?? []).map((d) => ({ decile: String(d.decile), lift: r3(d.lift) })),
    scoreDistribution: c.scoreDistribution
      ? [
          { when: 'Training', shares: c.scoreDistribution.training },
          ...c.scoreDistribution.runs.map((r) => ({
            when: r.at.slice(0, 16).replace('T', ' '),
            shares: r.shares,
          })),
        ].flatMap((col) =>
          c.scoreDistribution!.bands.map((band, b) => ({
            when: col.when,
            band,
            share: pct(col.shares[b] ?? 0),
          })),
        )
      : [],
    drift: (c.drift?.rows ?? []).flatMap((r) => [
      ...(r.psiTraining === null
        ? []
        : [{ field: short(r.label), against: 'training', psi: r3(r.psiTraining) }]),
      ...(r.psiReference === null
        ? []
        : [{ field: short(r.label), against: 'first run', psi: r3(r.psiReference) }]),
    ]),
    importance: (c.importance ?? []).map((f) => ({
      field: short(f.label),
      meanAbsShap: r3(f.meanAbsShap),
    })),
    backtest: (c.backtest?.candidates ?? []).flatMap((cand) =>
      c.backtest!.folds.flatMap((f, i) => {
        const auc = cand.foldAuc[i];
        return auc === null || auc === undefined
          ? []
          : [{ fold: f.label, candidate: `${cand.chosen ? '✔ ' : ''}${cand.name}`, auc: r3(auc) }];
      }),
    ),
  };
}

export function ModelCharts({ serverless }: { serverless: Serverless }) {
  const { load, reload } = useChartsLoad<Charts>(
    async (version) =>
      unwrapResult<SettingsResult>(
        await serverless('settings', {
          parameters: version === undefined ? { action: 'charts' } : { action: 'charts', version },
        }),
      ).charts ?? null,
  );
  if (load.state !== 'ready') {
    return <ChartsPending load={load} what="model charts" onRetry={() => void reload()} />;
  }
  const c = load.charts;
  if (!c) return <Text>No model has been trained yet: the charts appear after the first run.</Text>;
  const rows = chartRows(c);
  return (
    <Flex direction="column" gap="md">
      <Select
        label="Model version"
        name="charts-version"
        value={c.version}
        options={c.versions.map((v) => ({
          value: v.version,
          label: `v${v.version} (${v.status})`,
        }))}
        onChange={(v) => void reload(Number(v))}
      />
      <Text variant="microcopy">{`v${c.version} · ${c.modelType} · trained ${c.trainedAt.slice(0, 10)} · ${c.status}`}</Text>

      <Heading>{`Calibration (${c.evaluatedOn})`}</Heading>
      {rows.calibration.length ? (
        <LineChart
          data={rows.calibration}
          axes={{
            x: { field: 'predicted', fieldType: 'linear', label: 'Mean predicted (%)' },
            y: { field: 'observed', fieldType: 'linear', label: 'Observed conversion (%)' },
          }}
          options={{ showTooltips: true, colorList: ['aqua'] }}
        />
      ) : (
        <Empty charts={c} which="calibration" />
      )}

      <Heading>{`Lift by decile (${c.evaluatedOn})`}</Heading>
      {rows.lift.length ? (
        <BarChart
          data={rows.lift}
          axes={{
            x: { field: 'decile', fieldType: 'category', label: 'Decile (1 = highest scores)' },
            y: { field: 'lift', fieldType: 'linear', label: 'Lift ×' },
          }}
          options={{ showDataLabels: true, colorList: ['aqua'] }}
        />
      ) : (
        <Empty charts={c} which="lift" />
      )}

      <Heading>Score distribution over time</Heading>
      {rows.scoreDistribution.length ? (
        <BarChart
          data={rows.scoreDistribution}
          axes={{
            x: { field: 'when', fieldType: 'category', label: 'Training, then each monitored run' },
            y: { field: 'share', fieldType: 'linear', label: 'Share of records (%)' },
            options: { groupFieldByColor: 'band', stacking: true },
          }}
          options={{ showLegend: true, showTooltips: true }}
        />
      ) : null}
      {c.empty.scoreDistribution ? <Empty charts={c} which="scoreDistribution" /> : null}

      <Heading>Drift by feature (PSI)</Heading>
      {rows.drift.length ? (
        <>
          <BarChart
            data={rows.drift}
            axes={{
              x: { field: 'field', fieldType: 'category', label: 'Field' },
              y: { field: 'psi', fieldType: 'linear', label: 'PSI' },
              options: { groupFieldByColor: 'against' },
            }}
            options={{ showLegend: true, showTooltips: true }}
          />
          <Text variant="microcopy">{`Run of ${c.drift!.at.slice(0, 16).replace('T', ' ')}; warning at ${c.drift!.warn}, alert at ${c.drift!.alert}.`}</Text>
        </>
      ) : (
        <Empty charts={c} which="drift" />
      )}

      <Heading>Feature importance (mean |SHAP| per field)</Heading>
      {rows.importance.length ? (
        <BarChart
          data={rows.importance}
          axes={{
            x: { field: 'field', fieldType: 'category', label: 'Field' },
            y: { field: 'meanAbsShap', fieldType: 'linear', label: 'mean |SHAP| (log-odds)' },
          }}
          options={{ showTooltips: true, colorList: ['blue'] }}
        />
      ) : (
        <Empty charts={c} which="importance" />
      )}

      <Heading>Backtests: AUC per fold and candidate</Heading>
      {rows.backtest.length ? (
        <LineChart
          data={rows.backtest}
          axes={{
            x: { field: 'fold', fieldType: 'category', label: 'Test block' },
            y: { field: 'auc', fieldType: 'linear', label: 'AUC' },
            options: { groupFieldByColor: 'candidate' },
          }}
          options={{ showLegend: true, showTooltips: true }}
        />
      ) : (
        <Empty charts={c} which="backtest" />
      )}
    </Flex>
  );
}
