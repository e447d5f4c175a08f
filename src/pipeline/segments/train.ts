/**
 * Segment models inside a training run (src/pipeline/train.ts): which admin segments get a
 * training session of their own (enough positives, data the backtests accept), and — once every
 * unit is done — which of them keep their model (compare.ts) and which fall back to the global
 * model, each with the reason the report and `--json` show.
 */
import type { Segments } from '../../contracts/settings';
import {
  TrainingSession,
  type TrainInput,
  type TrainingState,
  type TrainResult,
} from '../../model';
import type { FeatureField } from '../../features';
import type { Label } from '../governance/feedback-labels';
import type { SegmentReport } from '../report';
import { compareWithGlobal } from './compare';

/** One segment's part of a run, persisted in the run's checkpoint. */
export interface SegmentRun {
  key: string;
  /** Labelled rows and converted ones. */
  rows: number;
  positives: number;
  /** Why no model of its own is tried; null when a session runs. */
  refused: string | null;
  training: TrainingState | null;
}

/** The segment's training rows: indices into the run's rows (labelled or censored). */
export function segmentIndex(keys: readonly (string | null)[], key: string): number[] {
  const out: number[] = [];
  keys.forEach((k, i) => {
    if (k === key) out.push(i);
  });
  return out;
}

/**
 * The runs at the end of the frame. `inputFor(idx)` is the global run's training input restricted
 * to those rows; a session is built here so the data's refusals (one outcome in the first fold,
 * too little history) come now, as a fallback with its reason, never as a failed run.
 */
export function planSegmentRuns(
  config: Segments,
  keys: readonly (string | null)[],
  labels: readonly Label[],
  inputFor: (idx: number[]) => TrainInput,
): { runs: SegmentRun[]; sessions: Map<string, TrainingSession> } {
  const runs: SegmentRun[] = [];
  const sessions = new Map<string, TrainingSession>();
  for (const seg of config.list) {
    const idx = segmentIndex(keys, seg.key);
    let rows = 0;
    let positives = 0;
    for (const i of idx) {
      if (labels[i] === null) continue;
      rows++;
      positives += labels[i] === 1 ? 1 : 0;
    }
    const run: SegmentRun = { key: seg.key, rows, positives, refused: null, training: null };
    if (positives < config.minPositives) {
      run.refused = `too few positives to train a model of its own (${positives} converted of ${rows} labelled; ${config.minPositives} needed)`;
    } else {
      try {
        sessions.set(seg.key, new TrainingSession(inputFor(idx)));
      } catch (e) {
        run.refused = `its data cannot be backtested on its own: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    runs.push(run);
  }
  return { runs, sessions };
}

export interface SegmentOutcome {
  report: SegmentReport;
  /** The segment's own model, when it beat the global model; with the fields it reads. */
  own: { result: TrainResult; planned: FeatureField[] } | null;
}

/** Decisions once every unit is done. */
export function decideSegments(
  config: Segments,
  runs: readonly SegmentRun[],
  keys: readonly (string | null)[],
  labels: readonly Label[],
  global: TrainResult,
  finished: (key: string) => TrainResult | null,
  fields: readonly FeatureField[],
): SegmentOutcome[] {
  return runs.map((run) => {
    const seg = config.list.find((s) => s.key === run.key)!;
    const base: SegmentReport = {
      key: seg.key,
      label: seg.label,
      property: seg.property,
      values: [...seg.values],
      rows: run.rows,
      positives: run.positives,
      segmentAuc: null,
      globalAuc: null,
      gain: null,
      seGain: null,
      folds: 0,
      decision: 'global',
      why: '',
      modelType: null,
    };
    const result = run.refused ? null : finished(run.key);
    const idx = segmentIndex(keys, run.key);
    // The global model's out-of-fold scores of the segment's rows: its backtest estimate there.
    const globalHeldOut = heldOutOf(global.outOfFold, (i) => i, new Set(idx), labels);
    if (!result) {
      return {
        report: {
          ...base,
          why: `Global model: ${run.refused ?? 'no model was trained'}.`,
          heldOut: globalHeldOut,
        },
        own: null,
      };
    }
    const cmp = compareWithGlobal(
      result.outOfFold,
      idx,
      global.outOfFold,
      (g) => (labels[g] === 1 ? 1 : 0),
      config.minGain,
    );
    const stats = {
      segmentAuc: cmp.segmentAuc,
      globalAuc: cmp.globalAuc,
      gain: cmp.gain,
      seGain: cmp.seGain,
      folds: cmp.folds.length,
    };
    // A model of its own must also pass the no-signal verdict the global model must pass.
    const ok = cmp.beats && result.report.verdict.ok;
    if (!ok) {
      const why = cmp.beats
        ? `its own model has no signal (${result.report.verdict.message})`
        : cmp.why;
      return {
        report: { ...base, ...stats, why: `Global model: ${why}.`, heldOut: globalHeldOut },
        own: null,
      };
    }
    const used = new Set(result.model.encoder.fields.map((f) => f.name));
    return {
      report: {
        ...base,
        ...stats,
        decision: 'own',
        why: `Own model: ${cmp.why}.`,
        modelType: result.report.chosen,
        heldOut: heldOutOf(result.outOfFold, (i) => idx[i]!, null, labels),
      },
      own: { result, planned: fields.filter((f) => used.has(f.name)) },
    };
  });
}

/**
 * Out-of-fold scores (0–100, one decimal like the report's `heldOut`) and outcomes of the rows of
 * `oof` that are in `keep` (all when null); `toSet` maps an out-of-fold index to the run's row.
 */
function heldOutOf(
  oof: { index: readonly number[]; probability: ArrayLike<number> },
  toSet: (i: number) => number,
  keep: ReadonlySet<number> | null,
  labels: readonly Label[],
): { scores: number[]; labels: number[] } {
  const scores: number[] = [];
  const ys: number[] = [];
  oof.index.forEach((i, j) => {
    const g = toSet(i);
    const y = labels[g];
    if ((keep && !keep.has(g)) || y === null || y === undefined) return;
    scores.push(Math.round(oof.probability[j]! * 1000) / 10);
    ys.push(y === 1 ? 1 : 0);
  });
  return { scores, labels: ys };
}

/** One line per segment for the CLI and logs. */
export function describeSegment(r: SegmentReport): string {
  const auc = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  return `segment ${r.key} (${r.rows} rows, ${r.positives} converted): segment AUC ${auc(r.segmentAuc)} vs global ${auc(r.globalAuc)} → ${r.why}`;
}
