/**
 * Train: the mirrored contacts → point-in-time training rows → leakage checks → model fit
 * (rolling-origin backtests with an embargo of the label horizon, calibration from the
 * out-of-fold scores, the chosen setting fitted on all labelled history) → a new model version
 * in the store, published unless the admin runs new models in shadow mode first, or the
 * backtests found no signal (then the previous model stays; `publishAnyway` overrides).
 *
 * A run is a sequence of persisted steps, so it fits calls bounded in time and memory (a HubSpot
 * function: 10 s, 128 MB) at any portal size, and a killed call loses at most one unit:
 *   1. frame: the contacts are read a page at a time and become training rows (frozen at the
 *      run's first moment, with its settings and feature plan); the rows are kept in the
 *      checkpoint — rebuilding them means reading every contact with its history again;
 *   2. fit: each backtest sweep on each fold, then the final fit on all labelled history, one
 *      unit per step (src/model TrainingSession), the results kept in the checkpoint;
 *   3. publish: calibration, report, the model version saved (and published) in one commit.
 * Reps' feedback is read once, when the frame is complete: a stated outcome corrects its
 * record's label (latest per record, within a cap); when it changed a label and the admin asks
 * for the comparison, the same units run again on the uncorrected labels, so the report says
 * what the feedback changed.
 * Admin segments (settings `segments`): each segment with enough positives runs the same units
 * on its own rows after the global fit; at publish it keeps its own model only when it beats the
 * global model on its rows by a margin the folds support (segments/compare.ts), else it falls
 * back to the global model — the report says which and why. Segment models travel inside the
 * same model version (scoring-model.ts), so publishing, shadow mode and rollback move them along.
 * A call starts no unit it is unlikely to finish (the slowest unit so far against the budget
 * left) and returns `continue`; the next call resumes. Any split gives the model one process
 * would train (test/e2e/train-resume.test.ts).
 */
import {
  buildTrainingSet,
  countPostConversion,
  findNearDuplicates,
  postConversionFindings,
  snapshotSchema,
  type FeatureField,
  type FeatureSpec,
  type LeakageFinding,
  type PostConversionCounts,
  type TrainingSet,
} from '../features';
import { globalImportance } from '../explain';
import { TrainingSession, type TrainingState, type TrainInput, type TrainResult } from '../model';
import type { Settings } from '../contracts/settings';
import { decodeCheckpoint, encodeCheckpoint, encodeCheckpointPacked } from './checkpoint-codec';
import { featurePlanOf } from './feature-plan';
import type { JobDefinition, StepContext, StepOutcome } from './jobs';
import type { FeedbackReport, StoredReport } from './report';
import type { FeedbackRow, StoreOps } from '../store/port';
import {
  applyFeedbackLabels,
  latestPerRecord,
  type FeedbackUse,
  type Label,
} from './governance/feedback-labels';
import { trainingBaseline } from './governance/baseline';
import { logDecision } from './governance/decisions';
import { packScoringModel, type PackedSegment } from './scoring-model';
import { segmentOf } from './segments/define';
import {
  decideSegments,
  describeSegment,
  planSegmentRuns,
  segmentIndex,
  type SegmentRun,
} from './segments/train';
import type { SegmentReport } from './report';

const DAY = 86_400_000;
/** Contacts read per frame step (a page with property history is ~6 KB a contact as JSON). */
export const TRAIN_FRAME_PAGE = 500;

export interface TrainState extends Record<string, unknown> {
  version: number | null;
  status: string | null;
  modelType: string | null;
  auc: number | null;
  /** 'OK', or why the model was not published ('NO_SIGNAL', 'CONSTANT_SCORES'). */
  verdict: string | null;
  warning: string | null;
  phase?: 'frame' | 'fit';
  /** Contacts read into the frame so far. */
  contactsRead?: number;
  /** Fit units (backtest sweeps on folds, the final fit) done and in all. */
  unitsDone?: number;
  unitsTotal?: number | null;
  /** The slowest step so far (ms, commit included): a call starts none with less time left. */
  slowestUnitMs?: number;
  /**
   * The frame: one checkpoint text (checkpoint-codec) per page of contacts read, packed: the
   * frame is most of the state (~4.4 MB of 5 MB as plain text at 5,000 contacts, ~0.9 KB a
   * row), and the whole state is written at every unit's commit (older runs' plain pages still
   * decode).
   */
  frame?: string[];
  /** Checkpoint text of the run's `Work` (encoded once per step, never shown in summaries). */
  work?: string | null;
  /** Per admin segment: its own model or the global one, and why (set at publish). */
  segments?: SegmentReport[];
}

/** What a run fixes at its start, so every call computes on the same inputs. */
interface Frozen {
  at: number;
  conversion: Settings['conversion'];
  model: Settings['model'];
  tiers: Settings['tiers'];
  spec: FeatureSpec;
  /** Absent in runs checkpointed before segments existed: none. */
  segments?: Settings['segments'];
}

interface Work {
  frozen: Frozen;
  afterId: string | null;
  counts: PostConversionCounts;
  /** Contacts created in the 28 days before `at` (the report's weekly inflow). */
  recent: number;
  dropped: TrainingSet['dropped'];
  /** Set when the frame is complete. */
  recordFindings: LeakageFinding[] | null;
  fields: FeatureField[] | null;
  training: TrainingState | null;
  /** Labels corrected by reps' feedback (null: feedback off, or none read yet). */
  feedback: { labels: Label[]; use: FeedbackUse } | null;
  /** The comparison fit on the uncorrected labels (only when feedback changed a label). */
  compare: boolean;
  trainingWithout: TrainingState | null;
  /** Admin segments' training (set when the frame is complete; absent: no segments). */
  segmentRuns?: SegmentRun[];
}

type FramePage = Pick<TrainingSet, 'ids' | 'rows' | 'labels' | 'times'> & {
  /** Each row's segment key at its asOf (null: none); absent when no segments are set. */
  segments?: (string | null)[];
};

export interface TrainJobOptions {
  /** Publish even when the backtests find no signal or the scores are constant. */
  publishAnyway?: boolean;
}

export function trainJob(opts: TrainJobOptions = {}): JobDefinition<TrainState> {
  // Decoded inputs of this call (rebuilt from the checkpoint by the next call, anywhere).
  let memo: {
    runId: string;
    set: TrainingSet | null;
    session: TrainingSession | null;
    without: TrainingSession | null;
    segments: Map<string, TrainingSession>;
  } | null = null;
  let stepsThisCall = 0;
  const setOf = (state: TrainState, work: Work, runId: string): TrainingSet => {
    if (memo?.runId === runId && memo.set) return memo.set;
    const set = decodeFrame(state, work);
    memo = { runId, set, session: null, without: null, segments: new Map() };
    return set;
  };
  const sessionOf = (state: TrainState, work: Work, ctx: StepContext<TrainState>) => {
    const set = setOf(state, work, ctx.runId);
    if (memo!.session) return memo!.session;
    memo!.session = new TrainingSession(
      trainInput(set, work, ctx.deps.seed, labelsOf(set, work)),
      work.training ?? undefined,
    );
    return memo!.session;
  };
  const withoutOf = (state: TrainState, work: Work, ctx: StepContext<TrainState>) => {
    if (!work.compare) return null;
    const set = setOf(state, work, ctx.runId);
    if (memo!.without) return memo!.without;
    memo!.without = new TrainingSession(
      trainInput(set, work, ctx.deps.seed, set.labels),
      work.trainingWithout ?? undefined,
    );
    return memo!.without;
  };

  /** The session of a segment that trains its own model (rebuilt from its checkpoint). */
  const segmentSessionOf = (
    state: TrainState,
    work: Work,
    ctx: StepContext<TrainState>,
    run: SegmentRun,
  ): TrainingSession => {
    const set = setOf(state, work, ctx.runId);
    const hit = memo!.segments.get(run.key);
    if (hit) return hit;
    const idx = segmentIndex(segmentKeysOf(state), run.key);
    const session = new TrainingSession(
      trainInput(subset(set, idx), work, ctx.deps.seed, pick(labelsOf(set, work), idx)),
      run.training ?? undefined,
    );
    memo!.segments.set(run.key, session);
    return session;
  };

  const oneStep = async (
    state: TrainState,
    ctx: StepContext<TrainState>,
  ): Promise<StepOutcome<TrainState>> => {
    if (!state.work || state.phase !== 'fit') return frameStep(state, ctx);
    const work = decodeCheckpoint<Work>(state.work);
    const session = sessionOf(state, work, ctx);
    const without = withoutOf(state, work, ctx);
    // The corrected-label fit first, then (when asked) the same units on the CRM's labels.
    // Then each segment's own units, one segment after the other.
    const runs = work.segmentRuns ?? [];
    const segSessions = runs
      .filter((r) => r.refused === null)
      .map((r) => [r, segmentSessionOf(state, work, ctx, r)] as const);
    let active: TrainingSession | null = !session.done()
      ? session
      : without && !without.done()
        ? without
        : null;
    active ??= segSessions.find(([, s]) => !s.done())?.[1] ?? null;
    if (!active) {
      const segmentResults = new Map(segSessions.map(([r, s]) => [r.key, s.finish()] as const));
      return publish(
        state,
        work,
        setOf(state, work, ctx.runId),
        session,
        without,
        ctx,
        opts,
        segmentResults,
      );
    }
    active.step();
    const main = session.progress();
    const other = without?.progress() ?? { done: 0, total: 0 };
    const segs = segSessions.reduce(
      (a, [, s]) => {
        const p = s.progress();
        return { done: a.done + p.done, total: a.total + p.total };
      },
      { done: 0, total: 0 },
    );
    const byKey = new Map(segSessions.map(([r, s]) => [r.key, s] as const));
    const next: TrainState = {
      ...state,
      unitsDone: main.done + other.done + segs.done,
      unitsTotal: main.total + other.total + segs.total,
      work: encodeCheckpoint({
        ...work,
        training: session.state,
        trainingWithout: without?.state ?? null,
        ...(work.segmentRuns
          ? {
              segmentRuns: work.segmentRuns.map((r) => ({
                ...r,
                training: byKey.get(r.key)?.state ?? r.training,
              })),
            }
          : {}),
      }),
    };
    await ctx.commit(next);
    return { state: next, done: false, progress: progressOf(next) };
  };

  return {
    name: 'train',
    init: () => ({
      version: null,
      status: null,
      modelType: null,
      auc: null,
      verdict: null,
      warning: null,
      phase: 'frame',
      contactsRead: 0,
      unitsDone: 0,
      unitsTotal: null,
      slowestUnitMs: 0,
      frame: [],
      work: null,
    }),
    async step(state, ctx) {
      // Deadline-aware: after the first step of a call, start none the time left may not cover
      // (the slowest step so far, its commit included).
      const slowest = state.slowestUnitMs ?? 0;
      if (stepsThisCall > 0 && ctx.budget.remainingMs() < slowest) {
        return { state, done: false, progress: progressOf(state), yield: true };
      }
      stepsThisCall++;
      const t0 = performance.now();
      const out = await oneStep(state, ctx);
      if (out.done) return out;
      // Measured for the next call too: kept in the state, committed with the next step.
      out.state.slowestUnitMs = Math.max(slowest, Math.ceil(performance.now() - t0));
      return out;
    },
    summary: ({ frame: _f, work: _w, ...s }) => s,
  };
}

const progressOf = (s: TrainState) =>
  s.phase === 'fit'
    ? `training: ${s.unitsDone ?? 0} of ${s.unitsTotal ?? '?'} units done (${s.contactsRead ?? 0} contacts)`
    : `training: ${s.contactsRead ?? 0} contacts read`;

/** The labels training uses: the CRM's, with reps' corrections when there are any. */
const labelsOf = (set: TrainingSet, work: Work): Label[] => work.feedback?.labels ?? set.labels;

function trainInput(set: TrainingSet, work: Work, seed: number, labels: Label[]): TrainInput {
  const { frozen, fields } = work;
  return {
    rows: set.rows,
    labels,
    times: set.times,
    // Dates reach the model as days before asOf, numbers (features/snapshot.ts).
    schema: snapshotSchema(fields!),
    options: {
      model: frozen.model,
      seed,
      tiers: frozen.tiers.map((t) => ({ name: t.label, min: t.minScore })),
      // A row's outcome is known only a horizon after its asOf: no fold trains on a row
      // whose outcome was still open at the fold's origin.
      backtest: { embargo: frozen.conversion.horizonDays * DAY },
    },
  };
}

/** One page of contacts into the frame; the last (empty) page completes it. */
async function frameStep(
  state: TrainState,
  ctx: StepContext<TrainState>,
): Promise<StepOutcome<TrainState>> {
  const { store, now } = ctx.deps;
  let work: Work;
  if (state.work) work = decodeCheckpoint<Work>(state.work);
  else {
    const settings = await store.getSettings();
    const { spec } = await featurePlanOf(store);
    work = {
      frozen: {
        at: now(),
        conversion: settings.conversion,
        model: settings.model,
        tiers: settings.tiers,
        spec,
        segments: settings.segments,
      },
      afterId: null,
      counts: {},
      recent: 0,
      dropped: { tooYoung: 0, alreadyConverted: 0, noCreateDate: 0 },
      recordFindings: null,
      fields: null,
      training: null,
      feedback: null,
      compare: false,
      trainingWithout: null,
    };
  }
  const { frozen } = work;
  const propertyNames = frozen.spec.fields
    .filter((f) => f.source === 'property')
    .map((f) => f.name);
  const page = await store.listRecords('contact', {
    afterId: work.afterId,
    limit: TRAIN_FRAME_PAGE,
  });
  if (page.length > 0) {
    const deals = await store.listDeals();
    const part = buildTrainingSet(page, deals, {
      conversion: frozen.conversion,
      now: frozen.at,
      spec: frozen.spec,
    });
    // Record-level leakage (properties only ever set after conversion), counted page by page.
    countPostConversion(page, deals, frozen.conversion, propertyNames, work.counts);
    for (const c of page) {
      const t = Date.parse(c.createdAt);
      if (t > frozen.at - 28 * DAY && t <= frozen.at) work.recent++;
    }
    for (const k of ['tooYoung', 'alreadyConverted', 'noCreateDate'] as const) {
      work.dropped[k] += part.dropped[k];
    }
    work.afterId = page[page.length - 1]!.id;
    const segs = frozen.segments?.list ?? [];
    const byId = segs.length ? new Map(page.map((c) => [c.id, c])) : null;
    const framePage: FramePage = {
      ids: part.ids,
      rows: part.rows,
      labels: part.labels,
      times: part.times,
      // Membership as of each row's asOf, like its features (segments/define.ts).
      ...(byId
        ? { segments: part.ids.map((id, i) => segmentOf(byId.get(id)!, part.times[i]!, segs)) }
        : {}),
    };
    const next: TrainState = {
      ...state,
      phase: 'frame',
      contactsRead: (state.contactsRead ?? 0) + page.length,
      frame: [...(state.frame ?? []), encodeCheckpointPacked(framePage)],
      work: encodeCheckpoint(work),
    };
    await ctx.commit(next);
    return { state: next, done: false, progress: progressOf(next) };
  }

  // The frame is complete: near-duplicate fields, then the fields the model may read.
  const next0: TrainState = { ...state, phase: 'fit' };
  const set = decodeFrame(next0, work);
  const recordFindings = [
    ...postConversionFindings(work.counts, propertyNames),
    ...findNearDuplicates(set.rows, frozen.spec.fields),
  ];
  const excluded = new Set(recordFindings.map((f) => f.field));
  work.recordFindings = recordFindings;
  work.fields = frozen.spec.fields.filter((f) => !excluded.has(f.name));
  // Reps' feedback: the latest word per record corrects its label, within the cap.
  const settings = await ctx.deps.store.getSettings();
  if (settings.governance.feedbackLabels) {
    work.feedback = await feedbackFor(ctx.deps.store, set, settings);
    work.compare = work.feedback.use.relabelled.length > 0 && settings.governance.feedbackCompare;
    if (work.feedback.use.warning)
      ctx.deps.log.warn('feedback over its cap', { overCap: work.feedback.use.overCap });
  }
  // Checks the data (both outcomes, enough history) before any unit: refusals come now.
  const session = new TrainingSession(trainInput(set, work, ctx.deps.seed, labelsOf(set, work)));
  const without = work.compare
    ? new TrainingSession(trainInput(set, work, ctx.deps.seed, set.labels))
    : null;
  let segmentUnits = 0;
  if (frozen.segments && frozen.segments.list.length > 0) {
    const labels = labelsOf(set, work);
    const planned = planSegmentRuns(frozen.segments, segmentKeysOf(next0), labels, (idx) =>
      trainInput(subset(set, idx), work, ctx.deps.seed, pick(labels, idx)),
    );
    work.segmentRuns = planned.runs;
    for (const s of planned.sessions.values()) segmentUnits += s.progress().total;
  }
  const next: TrainState = {
    ...next0,
    unitsDone: 0,
    unitsTotal: session.progress().total + (without?.progress().total ?? 0) + segmentUnits,
    work: encodeCheckpoint(work),
  };
  await ctx.commit(next);
  return { state: next, done: false, progress: progressOf(next) };
}

/** The segment key of every frame row, in frame order (null: in no segment). */
function segmentKeysOf(state: TrainState): (string | null)[] {
  const keys: (string | null)[] = [];
  for (const text of state.frame ?? []) {
    const page = decodeCheckpoint<FramePage>(text);
    for (let i = 0; i < page.ids.length; i++) keys.push(page.segments?.[i] ?? null);
  }
  return keys;
}

const pick = <T>(xs: readonly T[], idx: readonly number[]): T[] => idx.map((i) => xs[i]!);

/** The run's rows restricted to `idx` (a segment's). */
function subset(set: TrainingSet, idx: readonly number[]): TrainingSet {
  const times = pick(set.times, idx);
  return {
    ids: pick(set.ids, idx),
    rows: pick(set.rows, idx),
    labels: pick(set.labels, idx),
    times,
    asOf: times,
    dropped: set.dropped,
  };
}

function decodeFrame(state: TrainState, work: Work): TrainingSet {
  const set: TrainingSet = {
    ids: [],
    rows: [],
    labels: [],
    times: [],
    asOf: [],
    dropped: work.dropped,
  };
  for (const text of state.frame ?? []) {
    const page = decodeCheckpoint<FramePage>(text);
    for (let i = 0; i < page.ids.length; i++) {
      set.ids.push(page.ids[i]!);
      set.rows.push(page.rows[i]!);
      set.labels.push(page.labels[i]!);
      set.times.push(page.times[i]!);
    }
  }
  set.asOf = set.times;
  return set;
}

/** Calibration, report and the new model version, saved in one commit. */
async function publish(
  state: TrainState,
  work: Work,
  set: TrainingSet,
  session: TrainingSession,
  without: TrainingSession | null,
  ctx: StepContext<TrainState>,
  opts: TrainJobOptions,
  segmentResults: ReadonlyMap<string, TrainResult> = new Map(),
): Promise<StepOutcome<TrainState>> {
  const { store, log } = ctx.deps;
  const { frozen, recent } = work;
  const fields = work.fields!;
  const recordFindings = work.recordFindings!;
  const settings = { ...(await store.getSettings()), conversion: frozen.conversion };
  const spec = frozen.spec;
  const at = frozen.at;
  const result = session.finish();
  const labels = labelsOf(set, work);
  const fb = work.feedback;
  const labelled = labels.filter((l) => l !== null) as number[];
  const { outOfFold, report: r } = result;
  // Every held-out score comes from a backtest model that never saw the row or its future.
  const heldOut: StoredReport['heldOut'] = {
    ids: outOfFold.index.map((i) => set.ids[i]!),
    // One decimal: tier statistics compare these with thresholds.
    scores: Array.from(outOfFold.probability, (p) => Math.round(p * 1000) / 10),
    labels: outOfFold.index.map((i) => labels[i] as number),
    asOf: outOfFold.index.map((i) => set.times[i]!),
  };
  const segmentOutcomes =
    frozen.segments && work.segmentRuns
      ? decideSegments(
          frozen.segments,
          work.segmentRuns,
          segmentKeysOf(state),
          labels,
          result,
          (key) => segmentResults.get(key) ?? null,
          fields,
        )
      : [];
  const packedSegments: PackedSegment[] = segmentOutcomes.flatMap((o) => {
    if (!o.own) return [];
    const seg = frozen.segments!.list.find((s) => s.key === o.report.key)!;
    return [
      {
        key: seg.key,
        label: seg.label,
        property: seg.property,
        values: [...seg.values],
        artifact: o.own.result.artifact,
        features: o.own.planned,
      },
    ];
  });
  for (const o of segmentOutcomes) log.info('segment model', { line: describeSegment(o.report) });
  // The envelope carries the plan of exactly the fields the model reads.
  const used = new Set(result.model.encoder.fields.map((f) => f.name));
  const planned: FeatureField[] = fields.filter((f) => used.has(f.name));
  const report: StoredReport = {
    modelType: r.chosen,
    metrics: { ...(r.metrics ?? { auc: null }) },
    candidates: r.candidates.map((c) => ({ ...c })),
    splits: { ...r.splits },
    backtest: {
      ...r.backtest,
      candidates: r.backtest.candidates.map((c) => ({ ...c })),
      folds: r.backtest.folds.map((f) => ({ ...f })),
    },
    chosen: { settings: r.settings, weighting: r.weighting, calibration: r.calibration },
    verdict: { ...r.verdict, published: r.verdict.ok || !!opts.publishAnyway },
    excluded: [
      ...recordFindings.map((f) => ({ ...f })),
      ...result.report.excluded.map((f) => ({ ...f })),
    ],
    // For the report page; scoring reads the plan from the model's own envelope.
    featureFields: fields.map((f) => ({ ...f })),
    trainingRows: labelled.length,
    conversionRate: labelled.length ? labelled.reduce((a, b) => a + b, 0) / labelled.length : 0,
    censored: labels.length - labelled.length,
    heldOut,
    weeklyInflow: recent / 4,
    trainingWindow: window(set.times.filter((_, i) => labels[i] !== null)),
    conversion: settings.conversion,
    dropped: set.dropped,
    specSkipped: spec.skipped,
    // Bins and proportions of the training rows and scores: what monitoring compares with.
    baseline: trainingBaseline(result.model, planned, set),
    // Mean |SHAP| per field over the labelled training rows: the report's importance plot.
    importance: globalImportance(
      result.model,
      set.rows.filter((_, i) => labels[i] !== null),
    ),
    ...(fb
      ? { feedback: feedbackReport(fb.use, r.metrics?.auc ?? null, without?.finish() ?? null) }
      : {}),
    ...(segmentOutcomes.length ? { segments: segmentOutcomes.map((o) => o.report) } : {}),
  };
  const trainedAt = new Date(at).toISOString();
  const previous = await store.getPublishedModel();
  // No signal: the version is kept for the report but the previous model keeps scoring.
  const status =
    !r.verdict.ok && !opts.publishAnyway
      ? 'not published'
      : settings.shadowMode && previous
        ? 'shadow'
        : 'published';
  let version = 0;
  const warning = r.verdict.ok
    ? null
    : `${r.verdict.message} ${
        status === 'not published'
          ? previous
            ? `Model v${previous.version} stays published.`
            : 'No model is published.'
          : 'Published anyway, as asked.'
      }`;
  // The frame and the fit's work are not needed once the version is saved.
  const next: TrainState = {
    ...state,
    phase: undefined,
    frame: [],
    work: null,
    version: null,
    status,
    modelType: r.chosen,
    auc: r.metrics?.auc ?? null,
    verdict: r.verdict.code,
    warning,
    // Without each segment's held-out rows (kept in the stored report for monitoring only).
    ...(segmentOutcomes.length
      ? { segments: segmentOutcomes.map(({ report: { heldOut: _rows, ...rest } }) => rest) }
      : {}),
  };
  await ctx.commit(next, async (tx) => {
    version = await tx.saveModel({
      status: status === 'shadow' ? 'shadow' : 'retired',
      modelType: r.chosen,
      artifact: packScoringModel(result.artifact, planned, packedSegments),
      report: JSON.stringify(report),
      trainedAt,
      publishedAt: null,
    });
    if (status === 'published') await tx.publishModel(version, trainedAt);
    await logDecision(tx, {
      modelVersion: version,
      action: status === 'shadow' ? 'shadow' : 'published',
      actor: 'pipeline',
      reason:
        status === 'shadow'
          ? 'Trained in shadow mode: scored beside the published model until promoted.'
          : 'Trained and published (shadow mode is off, or there was no published model).',
      details: {
        modelType: result.report.chosen,
        auc: result.report.metrics?.auc ?? null,
        feedbackRelabelled: fb?.use.relabelled.length ?? 0,
      },
      at: trainedAt,
    });
    // `commit` saves `next` after this runs, so the version lands in the same transaction.
    next.version = version;
  });
  log.info('model trained', { version, modelType: next.modelType, auc: next.auc, status });
  if (warning) log.warn('model without signal', { version, verdict: r.verdict.code, status });
  return {
    state: next,
    done: true,
    progress: [
      `model v${version} (${next.modelType}, AUC ${next.auc?.toFixed(3)}) ${status}${warning ? ` — ${warning}` : ''}`,
      ...segmentOutcomes.map((o) => describeSegment(o.report)),
    ].join('\n'),
  };
}

/** The asOf span of the rows that had an outcome (censored rows trained nothing). */
function window(times: number[]): { from: string; to: string } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of times) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return Number.isFinite(lo)
    ? { from: new Date(lo).toISOString(), to: new Date(hi).toISOString() }
    : { from: '', to: '' };
}

/** All feedback, latest per record, a lead record's counted for its contact; labels corrected. */
async function feedbackFor(
  store: StoreOps,
  set: { ids: string[]; labels: Label[] },
  settings: Settings,
): Promise<{ labels: Label[]; use: FeedbackUse }> {
  const rows = await store.listFeedback({ limit: 1_000_000 });
  const mapped: FeedbackRow[] = [];
  for (const f of rows) {
    if (f.objectType === 'contact') mapped.push(f);
    else {
      const contact = (await store.getRecord(f.objectType, f.recordId))?.associations.contact?.[0];
      mapped.push(contact ? { ...f, objectType: 'contact', recordId: contact } : f);
    }
  }
  return applyFeedbackLabels(set.ids, set.labels, latestPerRecord(mapped), {
    maxShare: settings.governance.feedbackMaxShare,
    rows: rows.length,
  });
}

function feedbackReport(
  use: FeedbackUse,
  aucWith: number | null,
  without: TrainResult | null,
): FeedbackReport {
  return {
    rows: use.rows,
    records: use.records,
    relabelled: use.relabelled.length,
    toConverted: use.relabelled.filter((c) => c.to === 1).length,
    toNotConverting: use.relabelled.filter((c) => c.to === 0).length,
    agreed: use.agreed,
    notInTraining: use.notInTraining,
    overCap: use.overCap,
    cap: use.cap,
    reviewItems: use.reviewItems.length,
    aucWith: use.relabelled.length > 0 ? aucWith : null,
    aucWithout: without ? (without.report.metrics?.auc ?? null) : null,
    warning: use.warning,
    corrections: use.relabelled.slice(0, 500).map((c) => ({ ...c })),
  };
}
