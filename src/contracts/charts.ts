/**
 * The model report's charts as data: one DTO per model version, built from what the store holds
 * (the version's training report and its monitoring runs) by src/pipeline/charts.ts, drawn as
 * SVG on the self-hosted report (src/server/charts.ts) and with HubSpot's chart components on
 * the settings page (app/settings/ModelCharts.tsx). A series the store does not hold is null
 * and `empty` says why, in words the pages show.
 */

export type ChartKey =
  'calibration' | 'lift' | 'scoreDistribution' | 'drift' | 'importance' | 'backtest';

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface LiftDecile {
  decile: number;
  count: number;
  conversionRate: number;
  lift: number;
}

export interface BacktestChart {
  /** Test blocks in time order; `label` names the block's start day. */
  folds: Array<{ fold: number; label: string; test: number; testPositives: number }>;
  /** One line per candidate setting: its AUC on each fold (null: the fold had one class). */
  candidates: Array<{
    name: string;
    chosen: boolean;
    tied: boolean;
    foldAuc: Array<number | null>;
  }>;
}

export interface ScoreDistributionChart {
  /** Score bands (0–100), the training score deciles of this version. */
  bands: string[];
  /** Share of the training rows in each band. */
  training: number[];
  /** Oldest first: each monitored scoring run of this version as the live model. */
  runs: Array<{ at: string; scored: number; shares: number[] }>;
}

export interface DriftChart {
  /** The monitoring run the bars come from (the newest of this version). */
  at: string;
  /** Which PSI the alerts read. */
  reference: 'training' | 'first_run';
  warn: number;
  alert: number;
  /** PSI of the score itself (against the reference the alerts read). */
  scorePsi: number | null;
  /** Fields, the largest shift first. */
  rows: Array<{
    field: string;
    label: string;
    psiTraining: number | null;
    psiReference: number | null;
  }>;
}

export interface ModelCharts {
  version: number;
  status: string;
  modelType: string;
  trainedAt: string;
  /** 'out of fold' (backtests) or 'test slice' (versions stored before the backtests). */
  evaluatedOn: string;
  calibration: CalibrationBin[] | null;
  lift: LiftDecile[] | null;
  scoreDistribution: ScoreDistributionChart | null;
  drift: DriftChart | null;
  /** Mean |SHAP| per field over the training rows, in log-odds, the largest first. */
  importance: Array<{ field: string; label: string; meanAbsShap: number }> | null;
  backtest: BacktestChart | null;
  /** Why a chart has no data (or only part of it). */
  empty: Partial<Record<ChartKey, string>>;
  /** Every stored version, newest first, so a page can switch between them. */
  versions: Array<{ version: number; status: string }>;
}

export type GovernanceChartKey =
  'alerts' | 'psiOverRuns' | 'aucOverRuns' | 'liveCalibration' | 'segmentDrift' | 'segmentDecay';

/**
 * The governance page's charts (`/report/governance`), across model versions: built from the
 * monitoring runs and alerts the store holds (src/pipeline/charts-governance.ts) and drawn with
 * the same server-side SVG path as a version's charts.
 */
export interface GovernanceCharts {
  /** Monitoring runs, oldest first; every series below is aligned with them. */
  runs: Array<{ at: string; championVersion: number; scored: number; outcomes: number }>;
  /** Alerts (and warnings) raised per day, by kind. */
  alerts: Array<{ day: string; drift: number; decay: number; warnings: number }>;
  /** PSI of the fields that moved most (and the score) in each run, against `reference`. */
  psi: {
    reference: 'training' | 'first_run';
    warn: number;
    alert: number;
    series: Array<{ field: string; label: string; values: Array<number | null> }>;
  } | null;
  /** The live model's AUC on arrived outcomes against its own backtest/test AUC, per run. */
  auc: {
    realised: Array<number | null>;
    expected: Array<number | null>;
    /** The challenger on the records it is judged on, when one was in shadow. */
    challenger: Array<number | null>;
    decayDrop: number;
  } | null;
  /** The newest run's live model: mean predicted against observed on arrived outcomes. */
  liveCalibration: { at: string; version: number; outcomes: number; bins: CalibrationBin[] } | null;
  /**
   * Per admin segment, its largest drift in each run: PSI net of the chance level at the
   * segment's size, against the segment in the live model's first run (null where the run had
   * no judged comparison). Absent or null without segments.
   */
  segmentDrift?: {
    warn: number;
    alert: number;
    series: Array<{ key: string; label: string; values: Array<number | null> }>;
  } | null;
  /**
   * Per admin segment and run: how far the live model's realised metric on the segment fell
   * under its backtest estimate there, relative to it and net of the segment's noise (2 s.e.);
   * the alert is at `decayDrop`. Null where the run did not judge the segment.
   */
  segmentDecay?: {
    decayDrop: number;
    metric: 'auc' | 'precision_top_tier';
    series: Array<{ key: string; label: string; values: Array<number | null> }>;
  } | null;
  empty: Partial<Record<GovernanceChartKey, string>>;
}
