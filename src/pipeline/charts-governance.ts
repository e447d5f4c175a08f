/**
 * The governance page's charts, from what the store holds: alerts over time, PSI by field over
 * the monitoring runs, the live model's realised AUC against its expected AUC (and the
 * challenger's), and the live calibration of the newest run. Nothing is made up: a chart the
 * store has no data for is null and `empty` says why.
 */
import type { GovernanceCharts } from '../contracts/charts';
import type { StoreOps } from '../store/port';
import type { MonitorData } from './governance/monitor';
import { readReport } from './report';

/** Runs drawn (the newest ones). */
const MAX_RUNS = 52;
/** Fields drawn in the PSI chart: those with the largest PSI in any run. */
const MAX_FIELDS = 6;

function parse(data: string): MonitorData | null {
  try {
    return JSON.parse(data) as MonitorData;
  } catch {
    return null;
  }
}

export async function governanceCharts(store: StoreOps): Promise<GovernanceCharts> {
  const settings = await store.getSettings();
  const g = settings.governance;
  const empty: GovernanceCharts['empty'] = {};
  const runs = (await store.listMonitorRuns({ limit: MAX_RUNS }))
    .map((r) => ({ at: r.at, data: parse(r.data) }))
    .filter((r): r is { at: string; data: MonitorData } => r.data !== null)
    .reverse();

  const byDay = new Map<string, { drift: number; decay: number; warnings: number }>();
  for (const a of await store.listAlerts({ limit: 10_000 })) {
    const day = a.createdAt.slice(0, 10);
    const d = byDay.get(day) ?? { drift: 0, decay: 0, warnings: 0 };
    if (a.severity === 'warn') d.warnings += 1;
    else if (a.kind === 'decay') d.decay += 1;
    else d.drift += 1;
    byDay.set(day, d);
  }
  const alerts = [...byDay]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([day, d]) => ({ day, ...d }));
  if (alerts.length === 0) empty.alerts = 'No alert or warning has been raised.';

  if (runs.length === 0) {
    const none = 'No scoring run has been monitored yet.';
    empty.psiOverRuns = none;
    empty.aucOverRuns = none;
    empty.liveCalibration = none;
  }

  // Field labels from the versions that were live.
  const labels = new Map<string, string>();
  for (const v of new Set(runs.map((r) => r.data.championVersion))) {
    const stored = await store.getModel(v);
    const report = stored ? readReport(stored) : null;
    for (const f of report?.featureFields ?? []) labels.set(f.name, f.label);
  }
  labels.set('score', 'Score');

  const read = (r: MonitorData, subject: string) => {
    const row = r.drift.rows.find((x) => x.subject === subject);
    if (!row) return null;
    return r.drift.reference === 'training' ? row.psiTraining : row.psiReference;
  };
  let psi: GovernanceCharts['psi'] = null;
  if (runs.length > 0) {
    const peak = new Map<string, number>();
    for (const r of runs)
      for (const row of r.data.drift.rows) {
        const v = read(r.data, row.subject);
        if (v !== null && row.subject !== 'score')
          peak.set(row.subject, Math.max(peak.get(row.subject) ?? 0, v));
      }
    const fields = [...peak]
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_FIELDS)
      .map(([f]) => f);
    const series = ['score', ...fields].map((field) => ({
      field,
      label: labels.get(field) ?? field,
      values: runs.map((r) => read(r.data, field)),
    }));
    if (series.some((s) => s.values.some((v) => v !== null))) {
      psi = {
        reference: runs[runs.length - 1]!.data.drift.reference,
        warn: g.psiWarn,
        alert: g.psiAlert,
        series,
      };
    } else {
      // Against the first run, a version's first run has nothing to compare with.
      empty.psiOverRuns =
        'No run has a PSI yet: against the first run, the next monitored run is the first to have one.';
    }
  }

  let auc: GovernanceCharts['auc'] = null;
  if (runs.length > 0) {
    auc = {
      realised: runs.map((r) => r.data.realised.auc),
      expected: runs.map((r) => r.data.expected.auc),
      challenger: runs.map((r) => r.data.challenger?.metrics.auc ?? null),
      decayDrop: g.decayDrop,
    };
    if (auc.realised.every((v) => v === null)) {
      empty.aucOverRuns =
        'No outcomes have arrived for a scored record yet: only the expected AUC is drawn.';
    }
  }

  let liveCalibration: GovernanceCharts['liveCalibration'] = null;
  const last = runs[runs.length - 1];
  if (last) {
    const bins = last.data.realised.calibration ?? [];
    if (bins.length > 0) {
      liveCalibration = {
        at: last.at,
        version: last.data.championVersion,
        outcomes: last.data.realised.positives + last.data.realised.negatives,
        bins,
      };
    } else {
      empty.liveCalibration =
        last.data.realised.positives + last.data.realised.negatives === 0
          ? 'No outcomes have arrived for the live model yet.'
          : 'The newest monitoring run was stored before live calibration was kept.';
    }
  }

  // Per segment: the largest drift (net of chance) of each run where it was judged.
  const segKeys = new Map<string, string>();
  for (const r of runs) for (const sg of r.data.segments ?? []) segKeys.set(sg.key, sg.label);
  let segmentDrift: GovernanceCharts['segmentDrift'] = null;
  if (segKeys.size > 0) {
    const series = [...segKeys].map(([key, label]) => ({
      key,
      label,
      values: runs.map((r) => {
        const sg = r.data.segments?.find((x) => x.key === key);
        if (!sg || !sg.drift.judged || sg.drift.rows.length === 0) return null;
        return Math.max(0, ...sg.drift.rows.map((x) => x.excess));
      }),
    }));
    if (series.some((x) => x.values.some((v) => v !== null))) {
      segmentDrift = { warn: g.psiWarn, alert: g.psiAlert, series };
    } else {
      empty.segmentDrift = `No segment has a judged drift yet: a segment needs ${g.segmentMinRows} scored records in a run and in its reference (its first run).`;
    }
  }

  // Per segment: the live model's drop under its backtest on the segment, net of the noise.
  let segmentDecay: GovernanceCharts['segmentDecay'] = null;
  if (segKeys.size > 0) {
    const series = [...segKeys].map(([key, label]) => ({
      key,
      label,
      values: runs.map((r) => {
        const d = r.data.segments?.find((x) => x.key === key)?.decay;
        return d?.judged ? d.excess : null;
      }),
    }));
    if (series.some((x) => x.values.some((v) => v !== null))) {
      segmentDecay = { decayDrop: g.decayDrop, metric: g.metric, series };
    } else {
      empty.segmentDecay = `No segment's decay has been judged yet: a segment needs ${g.segmentMinOutcomes} arrived outcomes of each class, and as many in its backtests.`;
    }
  }

  return {
    runs: runs.map((r) => ({
      at: r.at,
      championVersion: r.data.championVersion,
      scored: r.data.scored,
      outcomes: r.data.realised.positives + r.data.realised.negatives,
    })),
    alerts,
    psi,
    auc,
    liveCalibration,
    segmentDrift,
    segmentDecay,
    empty,
  };
}
