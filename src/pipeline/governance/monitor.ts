/**
 * The monitor stage, after every scoring run: the run's totals (shadow.ts) become drift (PSI
 * per feature and of the score), the live model's realised performance on outcomes that
 * arrived since it scored them, conversion by tier, and the challenger–champion comparison on
 * the same records. Thresholds from the settings raise alerts (stored; a task for the admin in
 * the CRM); the admin's promotion rule may promote the challenger. Each pass is stored as a
 * monitoring run, so every number has a history.
 */
import type { Settings } from '../../contracts/settings';
import type { AlertRow, AlertSeverity, StoredModel, StoreOps } from '../../store/port';
import type { JobDefinition } from '../jobs';
import { readReport, type StoredReport } from '../report';
import { metricsOf, proportions, psi, type RealisedMetrics } from './bins';
import { changePublished } from './decisions';
import {
  measureSegments,
  segmentFindings,
  segmentsWorseText,
  type SegmentMonitor,
  type SegmentReference,
} from './segment-monitor';
import { baselineOf, type GovernanceRunState } from './shadow';

export interface DriftRow {
  subject: string;
  /** Against the training rows (bins and proportions stored with the model). */
  psiTraining: number | null;
  /** Against this model's first monitored scoring run. */
  psiReference: number | null;
}

export interface MonitorData {
  scoreRunId: string;
  championVersion: number;
  scored: number;
  /** Counts in the champion's training bins: the next runs' reference when this is the first. */
  fieldCounts: Record<string, number[]>;
  scoreCounts: number[];
  drift: { reference: 'first_run' | 'training'; referenceRunAt: string | null; rows: DriftRow[] };
  /** The metric the model's own held-out test gave, and what arrived outcomes give now. */
  expected: { auc: number | null; precisionTopTier: number | null };
  realised: RealisedMetrics;
  challenger: {
    version: number;
    scored: number;
    tierFlips: number;
    metrics: RealisedMetrics;
    /** The champion on exactly the records the challenger is judged on. */
    championOnSame: RealisedMetrics;
    /** Mean (challenger − champion) score and mean absolute movement (absent in older runs). */
    meanScoreChange?: number | null;
    meanAbsScoreChange?: number | null;
  } | null;
  /**
   * Per admin segment (each record's segment as its score payload recorded it): drift against
   * the segment in the model's first run, realised metrics, the challenger on the segment's
   * records. Absent in runs stored before segments were monitored.
   */
  segments?: SegmentMonitor[];
  /** The promotion rule's verdict on the challenger (also under manual promotion: advice). */
  recommendation?: { promote: boolean; reason: string; segmentsWorse: string[] } | null;
  promoted: number | null;
}

export interface Finding {
  kind: 'feature_drift' | 'score_drift' | 'decay';
  subject: string;
  severity: AlertSeverity;
  value: number;
  threshold: number;
  message: string;
}

const fmt = (x: number, d = 3) => x.toFixed(d);
const metricName = (m: Settings['governance']['metric']) =>
  m === 'auc' ? 'AUC' : 'precision in the top tier';
const metricOf = (m: RealisedMetrics, which: Settings['governance']['metric']) =>
  which === 'auc' ? m.auc : m.precisionTopTier;

/** Precision in the top tier on the model's held-out slice (its expected value). */
function heldOutTopTierPrecision(report: StoredReport | null, settings: Settings): number | null {
  if (!report) return null;
  const min = settings.tiers[0]!.minScore;
  let n = 0;
  let pos = 0;
  report.heldOut.scores.forEach((s, i) => {
    if (s >= min) {
      n += 1;
      pos += report.heldOut.labels[i] ?? 0;
    }
  });
  return n > 0 ? pos / n : null;
}

/** The thresholds applied to one monitoring pass. */
export function findingsOf(data: MonitorData, settings: Settings): Finding[] {
  const g = settings.governance;
  const out: Finding[] = [];
  for (const row of data.drift.rows) {
    const v = data.drift.reference === 'training' ? row.psiTraining : row.psiReference;
    if (v === null || v < g.psiWarn) continue;
    const severity: AlertSeverity = v >= g.psiAlert ? 'alert' : 'warn';
    const what = row.subject === 'score' ? 'The score distribution' : `Field "${row.subject}"`;
    out.push({
      kind: row.subject === 'score' ? 'score_drift' : 'feature_drift',
      subject: row.subject,
      severity,
      value: v,
      threshold: severity === 'alert' ? g.psiAlert : g.psiWarn,
      message: `${what} has shifted: PSI ${fmt(v)} against ${
        data.drift.reference === 'training' ? 'the training data' : "the model's first scoring run"
      } (${severity === 'alert' ? 'alert' : 'warning'} at ${fmt(severity === 'alert' ? g.psiAlert : g.psiWarn, 2)}).`,
    });
  }
  const r = data.realised;
  const expected = g.metric === 'auc' ? data.expected.auc : data.expected.precisionTopTier;
  const realised = metricOf(r, g.metric);
  const enough =
    g.metric === 'auc'
      ? r.positives >= g.minOutcomes && r.negatives >= g.minOutcomes
      : (r.byTier.find((t) => t.tier === settings.tiers[0]!.value)?.count ?? 0) >= g.minOutcomes;
  if (enough && expected !== null && expected > 0 && realised !== null) {
    const drop = (expected - realised) / expected;
    if (drop >= g.decayDrop) {
      out.push({
        kind: 'decay',
        subject: g.metric,
        severity: 'alert',
        value: drop,
        threshold: g.decayDrop,
        message: `Model v${data.championVersion} has decayed: ${metricName(g.metric)} ${fmt(realised)} on ${
          r.positives + r.negatives
        } outcomes that arrived since it scored them, against ${fmt(expected)} on its held-out test (${fmt(
          drop * 100,
          1,
        )} % lower; alert at ${fmt(g.decayDrop * 100, 1)} %).`,
      });
    }
  }
  out.push(...segmentFindings(data.segments, settings, data.championVersion));
  return out;
}

/** Should the rule promote the challenger? Null when not, with the numbers either way. */
export function promotionVerdict(
  data: MonitorData,
  settings: Settings,
): { promote: boolean; reason: string; details: Record<string, unknown> } | null {
  const g = settings.governance;
  const c = data.challenger;
  if (!c) return null;
  const mine = metricOf(c.metrics, g.metric);
  const theirs = metricOf(c.championOnSame, g.metric);
  const enough =
    c.metrics.positives >= g.promoteMinOutcomes && c.metrics.negatives >= g.promoteMinOutcomes;
  const details = {
    metric: g.metric,
    challenger: mine,
    champion: theirs,
    outcomes: c.metrics.positives + c.metrics.negatives,
    positives: c.metrics.positives,
    minGain: g.promoteMinGain,
    minOutcomes: g.promoteMinOutcomes,
    tierFlips: c.tierFlips,
    challengerEce: c.metrics.ece,
    championEce: c.championOnSame.ece,
  };
  const worse = segmentsWorseText(data.segments, metricName(g.metric));
  const segmentDetails = {
    segmentGuard: g.segmentGuard,
    segmentsWorse: (data.segments ?? [])
      .filter((s) => s.challenger?.worse)
      .map((s) => ({
        segment: s.key,
        challenger: metricOf(s.challenger!.metrics, g.metric),
        champion: metricOf(s.challenger!.championOnSame, g.metric),
        difference: s.challenger!.difference,
        se: s.challenger!.se,
        outcomes: s.challenger!.metrics.positives + s.challenger!.metrics.negatives,
      })),
  };
  const tail = worse.length
    ? `; but ${worse.join('; ')}${
        g.segmentGuard === 'hold' ? ' — held for the admin (segment guard)' : ''
      }`
    : '';
  if (!enough || mine === null || theirs === null) {
    return {
      promote: false,
      reason: `not enough outcomes yet${tail}`,
      details: { ...details, ...segmentDetails },
    };
  }
  const wins = mine - theirs >= g.promoteMinGain;
  return {
    promote: wins && !(worse.length > 0 && g.segmentGuard === 'hold'),
    reason: `${metricName(g.metric)} ${fmt(mine)} for v${c.version} against ${fmt(theirs)} for v${
      data.championVersion
    } on the same ${details.outcomes} records with outcomes (rule: at least +${fmt(g.promoteMinGain)})${tail}`,
    details: { ...details, ...segmentDetails },
  };
}

/**
 * The first monitored run of a model version: what its later runs' drift is measured against.
 * Each segment's reference is its own first run with `segmentMinRows` records (else its first
 * run at all): a segment defined later, or too small at first, is not left without one.
 */
async function referenceOf(
  store: StoreOps,
  version: number,
  segmentKeys: readonly string[],
  minRows: number,
): Promise<{ at: string; data: MonitorData; segments: SegmentReference[] } | null> {
  // Runs come newest first; the reference is the oldest.
  const runs = (await store.listMonitorRuns({ modelVersion: version, limit: 10_000 })).reverse();
  if (runs.length === 0) return null;
  const parse = (data: string): MonitorData | null => {
    try {
      return JSON.parse(data) as MonitorData;
    } catch {
      return null;
    }
  };
  const first = parse(runs[0]!.data);
  if (!first) return null;
  // Walk forward only as far as the segments still missing a reference need (usually none).
  const found = new Map<string, SegmentReference>();
  const settled = () => segmentKeys.every((k) => (found.get(k)?.scored ?? -1) >= minRows);
  for (let i = 0; i < runs.length && !settled(); i++) {
    const data = i === 0 ? first : parse(runs[i]!.data);
    for (const seg of data?.segments ?? []) {
      const had = found.get(seg.key);
      if (!had || (had.scored < minRows && seg.scored >= minRows)) found.set(seg.key, seg);
    }
  }
  return { at: runs[0]!.at, data: first, segments: [...found.values()] };
}

export async function measure(
  store: StoreOps,
  settings: Settings,
  gov: GovernanceRunState,
  champion: StoredModel,
  scoreRunId: string,
): Promise<MonitorData> {
  const baseline = baselineOf(champion);
  const report = readReport(champion);
  const ref = await referenceOf(
    store,
    champion.version,
    Object.keys(gov.segments ?? {}),
    settings.governance.segmentMinRows,
  );
  const rows: DriftRow[] = [];
  if (baseline) {
    for (const f of baseline.fields) {
      const counts = gov.fieldCounts[f.bins.name];
      if (!counts) continue;
      const refCounts = ref?.data.fieldCounts[f.bins.name];
      rows.push({
        subject: f.bins.name,
        psiTraining: psi(f.expected, counts),
        psiReference: refCounts ? psi(proportions(refCounts), counts) : null,
      });
    }
    rows.push({
      subject: 'score',
      psiTraining: psi(baseline.score.expected, gov.scoreCounts),
      psiReference:
        ref && ref.data.scoreCounts.length
          ? psi(proportions(ref.data.scoreCounts), gov.scoreCounts)
          : null,
    });
  }
  rows.sort(
    (a, b) => (b.psiReference ?? b.psiTraining ?? 0) - (a.psiReference ?? a.psiTraining ?? 0),
  );
  const top = settings.tiers[0]!.value;
  const segments = measureSegments(
    gov.segments,
    ref?.segments,
    settings,
    gov.challengerVersion,
    report?.segments ?? [],
    champion.version,
  );
  return {
    scoreRunId,
    championVersion: champion.version,
    scored: gov.scored,
    fieldCounts: gov.fieldCounts,
    scoreCounts: gov.scoreCounts,
    drift: {
      reference: settings.governance.driftReference,
      referenceRunAt: ref?.at ?? null,
      rows,
    },
    expected: {
      auc: report?.metrics.auc ?? null,
      precisionTopTier: heldOutTopTierPrecision(report, settings),
    },
    realised: metricsOf(gov.champion, top),
    challenger:
      gov.challengerVersion === null
        ? null
        : {
            version: gov.challengerVersion,
            scored: gov.challengerScored,
            tierFlips: gov.tierFlips,
            metrics: metricsOf(gov.challenger, top),
            championOnSame: metricsOf(gov.pairedChampion, top),
            meanScoreChange: gov.challengerScored
              ? (gov.scoreMove ?? 0) / gov.challengerScored
              : null,
            meanAbsScoreChange: gov.challengerScored
              ? (gov.scoreMoveAbs ?? 0) / gov.challengerScored
              : null,
          },
    segments,
    recommendation: null,
    promoted: null,
  };
}

const RANK: Record<AlertSeverity, number> = { warn: 1, alert: 2 };

/**
 * Alerts from findings: a finding already open (same kind, subject and model) at the same or a
 * higher severity is not raised again; an escalation replaces the warning; an open alert with
 * no finding any more (or of a model no longer published) is resolved.
 */
export async function reconcileAlerts(
  tx: StoreOps,
  findings: readonly Finding[],
  championVersion: number,
  at: string,
): Promise<{ raised: number; resolved: number }> {
  const open = await tx.listAlerts({ open: true, limit: 10_000 });
  const key = (kind: string, subject: string, v: number | null) => `${kind}|${subject}|${v}`;
  const openByKey = new Map(open.map((a) => [key(a.kind, a.subject, a.modelVersion), a]));
  const found = new Set<string>();
  let raised = 0;
  let resolved = 0;
  for (const f of findings) {
    const k = key(f.kind, f.subject, championVersion);
    found.add(k);
    const existing = openByKey.get(k);
    if (existing && RANK[existing.severity] >= RANK[f.severity]) continue;
    if (existing) {
      await tx.updateAlert(existing.id!, { resolvedAt: at });
      resolved += 1;
    }
    const row: AlertRow = {
      kind: f.kind,
      severity: f.severity,
      modelVersion: championVersion,
      subject: f.subject,
      value: f.value,
      threshold: f.threshold,
      message: f.message,
      createdAt: at,
      resolvedAt: null,
      crmTaskId: null,
    };
    await tx.addAlert(row);
    raised += 1;
  }
  for (const a of open) {
    if (!found.has(key(a.kind, a.subject, a.modelVersion))) {
      await tx.updateAlert(a.id!, { resolvedAt: at });
      resolved += 1;
    }
  }
  return { raised, resolved };
}

/**
 * Retrain-on-alert (settings.governance.retrainOnAlert): an open alert raised after the newest
 * model version was trained asks the next run to train. Compared with the newest version of
 * any status, so a challenger trained for the alert does not trigger another one.
 */
export async function alertAsksForRetrain(deps: { store: StoreOps }): Promise<boolean> {
  const settings = await deps.store.getSettings();
  if (!settings.governance.retrainOnAlert) return false;
  const models = await deps.store.listModels();
  const newest = models.reduce<string>((t, m) => (m.trainedAt > t ? m.trainedAt : t), '');
  const open = await deps.store.listAlerts({ open: true, limit: 1000 });
  return open.some((a) => a.severity === 'alert' && a.createdAt > newest);
}

export interface MonitorState extends Record<string, unknown> {
  phase: 'measure' | 'tasks' | 'done';
  summary: Record<string, unknown>;
}

const DAY = 86_400_000;
/** `crmTaskId` of an alert whose task creation failed without a clear answer (retried later). */
const PENDING = 'pending:';

/** One subject per alert, so a task can be found again by it. */
const taskSubject = (a: AlertRow) =>
  `LeadLens alert #${a.id}: ${a.kind === 'decay' ? 'model decay' : 'data drift'} (${a.subject})`;

export function monitorJob(): JobDefinition<MonitorState> {
  return {
    name: 'monitor',
    init: () => ({ phase: 'measure', summary: {} }),
    async step(state, ctx) {
      const { store, now, crm, log } = ctx.deps;
      const settings = await store.getSettings();
      const at = new Date(now()).toISOString();
      if (state.phase === 'measure') {
        const cp = await store.getJob('score');
        const gov = (cp?.state as { governance?: GovernanceRunState | null } | undefined)
          ?.governance;
        const champion = gov ? await store.getModel(gov.championVersion) : null;
        if (!cp || cp.status !== 'done' || !gov || !champion) {
          const next: MonitorState = {
            phase: 'done',
            summary: { skipped: 'no finished scoring run to monitor' },
          };
          await ctx.commit(next);
          return { state: next, done: true, progress: 'monitor: nothing to measure' };
        }
        const data = await measure(store, settings, gov, champion, cp.runId);
        const findings = findingsOf(data, settings);
        const advice = promotionVerdict(data, settings);
        data.recommendation = advice
          ? {
              promote: advice.promote,
              reason: advice.reason,
              segmentsWorse: segmentsWorseText(
                data.segments,
                metricName(settings.governance.metric),
              ),
            }
          : null;
        const verdict = settings.governance.promotion === 'rule' ? advice : null;
        let alerts = { raised: 0, resolved: 0 };
        const next: MonitorState = { phase: 'tasks', summary: {} };
        await ctx.commit(next, async (tx) => {
          if (verdict?.promote && data.challenger) {
            await changePublished(tx, data.challenger.version, {
              actor: 'rule',
              reason: `Promoted by the admin's rule: ${verdict.reason}.`,
              details: verdict.details,
              at,
            });
            data.promoted = data.challenger.version;
          }
          await tx.addMonitorRun({
            modelVersion: champion.version,
            at,
            data: JSON.stringify(data),
          });
          alerts = await reconcileAlerts(tx, findings, champion.version, at);
          next.summary = {
            championVersion: champion.version,
            alertsRaised: alerts.raised,
            alertsResolved: alerts.resolved,
            realisedAuc: data.realised.auc,
            outcomes: data.realised.positives + data.realised.negatives,
            challengerVersion: data.challenger?.version ?? null,
            promoted: data.promoted,
            promotion: verdict ? { promote: verdict.promote, reason: verdict.reason } : null,
            recommendation: data.recommendation,
            segmentAlerts: findings.filter((f) => f.subject.startsWith('segment ')).length,
          };
        });
        if (data.promoted) log.info('challenger promoted by rule', { version: data.promoted });
        return {
          state: next,
          done: false,
          progress: `${alerts.raised} alert(s) raised, ${alerts.resolved} resolved`,
        };
      }
      if (state.phase === 'tasks') {
        // After the alerts are committed: a crash here leaves them without a task and the
        // resumed step creates it (a crash between HubSpot's answer and our update may repeat
        // one; a failed call is looked up by its subject before it is sent again).
        let tasks = 0;
        let pending = 0;
        if (settings.governance.alertTasks) {
          // Open alerts without a task, and any whose earlier attempt is unresolved (even if
          // the alert has been resolved since: that task may exist and must be accounted for).
          for (const a of await store.listAlerts({ limit: 200 })) {
            if (a.severity !== 'alert') continue;
            const isPending = a.crmTaskId?.startsWith(PENDING) ?? false;
            if (a.crmTaskId !== null && !isPending) continue;
            if (a.resolvedAt !== null && !isPending) continue;
            const subject = taskSubject(a);
            try {
              // An earlier create that failed without an answer may have landed: look first
              // (in a later run, so HubSpot's search index has caught up).
              const found = a.crmTaskId ? await crm.findTasks(subject) : [];
              const id =
                found[0] ??
                (
                  await crm.createTask({
                    subject,
                    body: `${a.message}\n\nSee \`leadlens status\`, the model report (/report/governance), or the LeadLens settings page.`,
                    dueAt: now() + DAY,
                    ownerId: settings.governance.alertOwnerId,
                    priority: 'HIGH',
                  })
                ).id;
              await store.updateAlert(a.id!, { crmTaskId: id });
              tasks += 1;
            } catch (e) {
              // The alert is stored and shown everywhere else; its task waits for the next run
              // rather than failing scoring and write-back over a CRM hiccup.
              await store.updateAlert(a.id!, { crmTaskId: `${PENDING}${at}` });
              pending += 1;
              log.warn('alert task not created; the next run tries again', {
                alert: a.id,
                error: e instanceof Error ? e.message : String(e),
              });
            }
          }
        }
        const next: MonitorState = {
          phase: 'done',
          summary: { ...state.summary, tasksCreated: tasks, tasksPending: pending },
        };
        await ctx.commit(next);
        return { state: next, done: true, progress: `${tasks} task(s) created` };
      }
      return { state, done: true, progress: 'done' };
    },
    summary: (s) => ({ ...s.summary }),
  };
}
