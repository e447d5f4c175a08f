/**
 * The model report's charts for one version, from what the store holds: its training report
 * (calibration bins, lift by decile, backtest folds, mean |SHAP| per field, the training score
 * bins) and its monitoring runs as the live model (score distribution per run, drift per field).
 * Nothing is made up: a series the store does not hold is null and `empty` says why.
 */
import { z } from 'zod';
import { LeadLensError } from '../contracts/errors';
import type {
  BacktestChart,
  CalibrationBin,
  ChartKey,
  DriftChart,
  LiftDecile,
  ModelCharts,
  ScoreDistributionChart,
} from '../contracts/charts';
import type { StoredModel, StoreOps } from '../store/port';
import type { FieldBins } from './governance/bins';
import type { MonitorData } from './governance/monitor';
import { baselineOf } from './governance/shadow';
import { readReport, type StoredReport } from './report';

/** Runs drawn in the score-distribution chart (the newest ones). */
const MAX_RUNS = 24;
/** Fields drawn in the drift and importance charts (the largest). */
const MAX_FIELDS = 20;

/** An empty bin's means are NaN, which JSON stored as null. */
const CalibrationSchema = z.array(
  z.object({
    lo: z.number(),
    hi: z.number(),
    count: z.number(),
    meanPredicted: z.number().nullable(),
    observedRate: z.number().nullable(),
  }),
);
const LiftSchema = z.array(
  z.object({
    decile: z.number(),
    count: z.number(),
    conversionRate: z.number(),
    lift: z.number(),
  }),
);
const ImportanceSchema = z.array(
  z.object({ field: z.string(), label: z.string(), meanAbsShap: z.number() }),
);

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const pts = (p: number) => String(Math.round(p * 1000) / 10);

/** Score bands of the training score bins: "< 4.2", "4.2–7.9", …, "≥ 61.3". */
export function bandLabels(bins: FieldBins): string[] {
  if (bins.kind !== 'numeric') return bins.values;
  const e = bins.edges;
  if (e.length === 0) return ['all'];
  return [
    `< ${pts(e[0]!)}`,
    ...e.slice(1).map((hi, i) => `${pts(e[i]!)}–${pts(hi)}`),
    `≥ ${pts(e[e.length - 1]!)}`,
  ];
}

const shares = (counts: readonly number[]): number[] => {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (n > 0 ? c / n : 0));
};

function backtestOf(r: StoredReport): BacktestChart | null {
  const bt = r.backtest;
  if (!bt || bt.folds.length === 0) return null;
  const name = (c: (typeof bt.candidates)[number]) => {
    const set = Object.entries(c.settings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const w = [c.weighting.classWeight ? 'balanced' : '', c.weighting.recency ? 'recency' : '']
      .filter(Boolean)
      .join('+');
    return [c.kind, set, w].filter(Boolean).join(' · ');
  };
  return {
    folds: bt.folds.map((f) => ({
      fold: f.fold,
      label: `${f.fold}: ${day(f.origin)}`,
      test: f.test,
      testPositives: f.testPositives,
    })),
    candidates: bt.candidates.map((c) => ({
      name: name(c),
      chosen: c.chosen,
      tied: c.tied,
      foldAuc: c.foldAuc.map((a) => (a === null || Number.isFinite(a) ? a : null)),
    })),
  };
}

function parseRun(data: string): MonitorData | null {
  try {
    return JSON.parse(data) as MonitorData;
  } catch {
    return null;
  }
}

export async function modelCharts(store: StoreOps, version?: number): Promise<ModelCharts> {
  const models = await store.listModels();
  const stored: StoredModel | null =
    version !== undefined
      ? (models.find((m) => m.version === version) ?? null)
      : ((await store.getPublishedModel()) ??
        models.reduce<StoredModel | null>((a, m) => (!a || m.version > a.version ? m : a), null));
  if (!stored) {
    throw new LeadLensError(
      'NO_MODEL',
      version === undefined
        ? 'No model has been trained yet.'
        : `There is no model version ${version}.`,
      {
        hint: 'Train one with `leadlens run`; list the stored versions with `leadlens models list`.',
      },
    );
  }
  const empty: Partial<Record<ChartKey, string>> = {};
  const report = readReport(stored);
  const metrics = (report?.metrics ?? {}) as Record<string, unknown>;
  const unreadable = 'The training report of this version is unreadable.';

  const calib = CalibrationSchema.safeParse(metrics.calibrationTable);
  const calibration: CalibrationBin[] | null = calib.success
    ? calib.data.flatMap((b) =>
        b.count > 0 && b.meanPredicted !== null && b.observedRate !== null
          ? [{ ...b, meanPredicted: b.meanPredicted, observedRate: b.observedRate }]
          : [],
      )
    : null;
  if (!calibration || calibration.length === 0) {
    empty.calibration = report ? 'No calibration bins were recorded for this version.' : unreadable;
  }
  const liftParsed = LiftSchema.safeParse(metrics.liftByDecile);
  const lift: LiftDecile[] | null =
    liftParsed.success && liftParsed.data.length ? liftParsed.data : null;
  if (!lift) empty.lift = report ? 'No lift table was recorded for this version.' : unreadable;

  const backtest = report ? backtestOf(report) : null;
  if (!backtest) {
    empty.backtest = report
      ? 'This version was trained before rolling-origin backtests: it was tested on one held-out slice.'
      : unreadable;
  }

  const imp = ImportanceSchema.safeParse((report as Record<string, unknown> | null)?.importance);
  const importance = imp.success && imp.data.length ? imp.data.slice(0, MAX_FIELDS) : null;
  if (!importance) {
    empty.importance = report
      ? 'This version was trained before feature importance was recorded; retrain to see it.'
      : unreadable;
  }

  // Monitoring: runs of this version as the live model, oldest first.
  const runs = (await store.listMonitorRuns({ modelVersion: stored.version, limit: MAX_RUNS }))
    .map((r) => ({ at: r.at, data: parseRun(r.data) }))
    .filter((r): r is { at: string; data: MonitorData } => r.data !== null)
    .reverse();
  const baseline = baselineOf(stored);
  let scoreDistribution: ScoreDistributionChart | null = null;
  if (baseline) {
    // The score has no "missing" bin in practice (every record gets a probability): drop it.
    const bands = bandLabels(baseline.score.bins);
    const k = bands.length;
    scoreDistribution = {
      bands,
      training: baseline.score.expected.slice(0, k),
      runs: runs
        .filter((r) => r.data.scoreCounts.length >= k)
        .map((r) => ({
          at: r.at,
          scored: r.data.scored,
          shares: shares(r.data.scoreCounts.slice(0, k)),
        })),
    };
    if (scoreDistribution.runs.length === 0) {
      empty.scoreDistribution =
        'No scoring run of this version has been monitored yet: only its training distribution is shown.';
    }
  } else {
    empty.scoreDistribution =
      'This version was stored before training baselines: there is no score distribution to compare.';
  }

  const labels = new Map((report?.featureFields ?? []).map((f) => [f.name, f.label]));
  const settings = await store.getSettings();
  const last = runs[runs.length - 1];
  let drift: DriftChart | null = null;
  if (last && last.data.drift.rows.length > 0) {
    const d = last.data.drift;
    const read = (r: (typeof d.rows)[number]) =>
      d.reference === 'training' ? r.psiTraining : r.psiReference;
    const score = d.rows.find((r) => r.subject === 'score');
    const rows = d.rows
      .filter((r) => r.subject !== 'score')
      .map((r) => ({
        field: r.subject,
        label: labels.get(r.subject) ?? r.subject,
        psiTraining: r.psiTraining,
        psiReference: r.psiReference,
      }))
      .sort(
        (a, b) =>
          Math.max(b.psiTraining ?? 0, b.psiReference ?? 0) -
          Math.max(a.psiTraining ?? 0, a.psiReference ?? 0),
      )
      .slice(0, MAX_FIELDS);
    drift = {
      at: last.at,
      reference: d.reference,
      warn: settings.governance.psiWarn,
      alert: settings.governance.psiAlert,
      scorePsi: score ? read(score) : null,
      rows,
    };
  }
  if (!drift || drift.rows.length === 0) {
    drift = null;
    empty.drift = !last
      ? 'No scoring run of this version has been monitored yet.'
      : 'This version has no training baseline, so there are no per-field bins to compare.';
  }

  return {
    version: stored.version,
    status: stored.status,
    modelType: stored.modelType,
    trainedAt: stored.trainedAt,
    evaluatedOn: report?.backtest ? 'out of fold' : 'test slice',
    calibration: calibration && calibration.length ? calibration : null,
    lift,
    scoreDistribution,
    drift,
    importance,
    backtest,
    empty,
    versions: [...models]
      .sort((a, b) => b.version - a.version)
      .map((m) => ({ version: m.version, status: m.status })),
  };
}
