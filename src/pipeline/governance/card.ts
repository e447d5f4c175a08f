/**
 * Model cards (Mitchell et al. 2019, "Model Cards for Model Reporting", cut to what an admin of
 * a lead-scoring app needs): for any stored version — intended use, label, data window,
 * features used and left out with why, test metrics, limitations drawn from its own numbers,
 * every decision about it (who published, promoted or rolled it back, when and why) and what
 * monitoring has seen since. Built from the store only; nothing is computed anew.
 */
import { LeadLensError } from '../../contracts/errors';
import type { Conversion } from '../../contracts/settings';
import type { AlertRow, StoreOps } from '../../store/port';
import { readReport, type FeedbackReport } from '../report';
import { latestPerRecord } from './feedback-labels';
import { loadedModel } from '../scoring-model';
import type { MonitorData } from './monitor';
import { baselineOf } from './shadow';

export interface ModelCard {
  version: number;
  status: string;
  modelType: string;
  trainedAt: string;
  publishedAt: string | null;
  intendedUse: string;
  label: { kind: string; horizonDays: number | null; description: string };
  dataWindow: {
    from: string | null;
    to: string | null;
    trainingRows: number | null;
    conversionRate: number | null;
    censored: number | null;
  };
  features: {
    used: Array<{ name: string; label: string; source: string; type: string }>;
    leftOut: Array<{ field: string; reason: string }>;
  };
  metrics: Record<string, number | null>;
  limitations: string[];
  decisions: Array<{ action: string; actor: string; reason: string; at: string; details: unknown }>;
  /** What reps' feedback changed in this version's labels; null for versions trained before it. */
  feedback: (FeedbackReport & { summary: string }) | null;
  monitoring: {
    runs: number;
    lastAt: string | null;
    realised: MonitorData['realised'] | null;
    topDrift: MonitorData['drift']['rows'];
    openAlerts: AlertRow[];
  };
}

const LABELS: Record<Conversion['kind'], string> = {
  lifecycle_customer: 'the contact becomes a customer (lifecycle stage)',
  lifecycle_sql: 'the contact becomes a sales-qualified lead or opportunity (lifecycle stage)',
  deal_won: 'a deal associated with the contact is won',
  lead_converted: 'the Salesforce lead is converted',
};

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export async function modelCard(store: StoreOps, version: number): Promise<ModelCard> {
  const stored = await store.getModel(version);
  if (!stored) {
    throw new LeadLensError('NO_MODEL', `There is no model version ${version}.`, {
      hint: 'List the stored versions with `leadlens models list`.',
    });
  }
  const report = readReport(stored);
  let used: ModelCard['features']['used'] = [];
  try {
    used = loadedModel(stored).features.map((f) => ({
      name: f.name,
      label: f.label,
      source: f.source,
      type: f.type,
    }));
  } catch {
    // An unreadable artifact still gets a card; its limitations say so.
  }
  const conv = report?.conversion;
  const kind = (conv?.kind ?? 'unknown') as Conversion['kind'];
  const horizon = conv?.horizonDays ?? null;
  const metrics: Record<string, number | null> = {};
  for (const k of ['auc', 'prAuc', 'logLoss', 'brier', 'ece', 'liftTopDecile', 'precisionTop10']) {
    metrics[k] = num((report?.metrics as Record<string, unknown> | undefined)?.[k]);
  }
  const runs = await store.listMonitorRuns({ modelVersion: version, limit: 1000 });
  let last: MonitorData | null = null;
  try {
    last = runs[0] ? (JSON.parse(runs[0].data) as MonitorData) : null;
  } catch {
    last = null;
  }
  const decisions = (await store.listDecisions({ modelVersion: version, limit: 1000 })).map((d) => {
    let details: unknown = {};
    try {
      details = JSON.parse(d.details);
    } catch {
      details = d.details;
    }
    return { action: d.action, actor: d.actor, reason: d.reason, at: d.at, details };
  });
  const openAlerts = (await store.listAlerts({ open: true, limit: 1000 })).filter(
    (a) => a.modelVersion === version,
  );

  const limitations: string[] = [];
  const positives =
    report && report.trainingRows ? Math.round(report.trainingRows * report.conversionRate) : null;
  if (!report)
    limitations.push('Its training report is unreadable: metrics and data window are unknown.');
  if (positives !== null && positives < 100) {
    limitations.push(
      `Trained on ${positives} conversions: its scores and test metrics carry wide uncertainty.`,
    );
  }
  if (metrics.auc !== null && metrics.auc < 0.6) {
    limitations.push(`Weak signal: AUC ${metrics.auc.toFixed(3)} on its held-out test.`);
  }
  if (report?.trainingWindow.from) {
    limitations.push(
      `Learned from contacts seen between ${report.trainingWindow.from.slice(0, 10)} and ${report.trainingWindow.to.slice(0, 10)}; sources, markets or forms that appeared later are extrapolated.`,
    );
  }
  if ((report?.excluded.length ?? 0) > 0) {
    limitations.push(
      `${report!.excluded.length} field(s) were left out (leakage or duplicates, listed below); if one of them was wrongly flagged, the model is weaker than it could be.`,
    );
  }
  if (report?.censored) {
    limitations.push(
      `${report.censored} recent contacts had no outcome yet and were not used (censored, not counted as losses).`,
    );
  }
  if (!baselineOf(stored)) {
    limitations.push(
      'Stored before training baselines: drift is measured against its first scoring run only.',
    );
  }
  if (report?.feedback?.overCap) {
    limitations.push(
      `${report.feedback.overCap} label correction(s) from reps' feedback were over the cap and not used.`,
    );
  }
  limitations.push(
    'Scores rank and estimate likelihood for prioritising sales work; they say nothing about why a person did not convert and must not be used for decisions outside sales prioritisation.',
  );

  return {
    version,
    status: stored.status,
    modelType: stored.modelType,
    trainedAt: stored.trainedAt,
    publishedAt: stored.publishedAt,
    intendedUse: `Rank open contacts by the probability that ${LABELS[kind] ?? kind}${
      horizon ? ` within ${horizon} days` : ''
    }, so reps work the most likely first; the score (0–100), tier and top factors are written to the CRM for cards, lists and workflows.`,
    label: { kind, horizonDays: horizon, description: LABELS[kind] ?? kind },
    dataWindow: {
      from: report?.trainingWindow.from || null,
      to: report?.trainingWindow.to || null,
      trainingRows: report?.trainingRows ?? null,
      conversionRate: report?.conversionRate ?? null,
      censored: report?.censored ?? null,
    },
    features: {
      used,
      leftOut: (report?.excluded ?? []).map((f) => ({ field: f.field, reason: f.reason })),
    },
    metrics,
    limitations,
    decisions,
    feedback: report?.feedback
      ? { ...report.feedback, summary: feedbackSummary(report.feedback) }
      : null,
    monitoring: {
      runs: runs.length,
      lastAt: runs[0]?.at ?? null,
      realised: last?.realised ?? null,
      topDrift: (last?.drift.rows ?? []).slice(0, 5),
      openAlerts,
    },
  };
}

/** One sentence: how much feedback a version used and what it changed. */
export function feedbackSummary(f: FeedbackReport): string {
  const auc = (x: number | null) => (x === null ? '—' : x.toFixed(3));
  const parts = [
    `${f.rows} feedback row(s) on ${f.records} record(s) (the latest per record counts)`,
    `${f.relabelled} label(s) corrected (${f.toConverted} to converted, ${f.toNotConverting} to not converting; cap ${f.cap})`,
  ];
  if (f.agreed) parts.push(`${f.agreed} agreed with the CRM`);
  if (f.notInTraining) parts.push(`${f.notInTraining} about records not in training yet`);
  if (f.overCap) parts.push(`${f.overCap} over the cap, not used`);
  parts.push(`${f.reviewItems} without an outcome, for review only`);
  const tail =
    f.relabelled > 0
      ? ` Backtest AUC ${auc(f.aucWith)} with the corrections, ${auc(f.aucWithout)} without.`
      : '';
  return `${parts.join('; ')}.${tail}`;
}

/** Feedback that states no outcome (the latest per record): for the admin to review. */
export async function feedbackReview(store: StoreOps, limit = 20) {
  const latest = latestPerRecord(await store.listFeedback({ limit: 1_000_000 }));
  const review = latest
    .filter((f) => !f.outcome)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  return {
    records: latest.length,
    corrections: latest.filter((f) => !!f.outcome).length,
    reviewCount: review.length,
    review: review.slice(0, limit).map((f) => ({
      id: f.id ?? null,
      objectType: f.objectType,
      recordId: f.recordId,
      kind: f.kind,
      comment: f.comment,
      score: f.score,
      at: f.createdAt,
    })),
  };
}

/** What `leadlens status` and the settings page show of governance. */
export async function governanceStatus(store: StoreOps) {
  const alerts = await store.listAlerts({ open: true, limit: 50 });
  const runs = await store.listMonitorRuns({ limit: 1 });
  let last: MonitorData | null = null;
  try {
    last = runs[0] ? (JSON.parse(runs[0].data) as MonitorData) : null;
  } catch {
    last = null;
  }
  return {
    alerts: alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      subject: a.subject,
      modelVersion: a.modelVersion,
      message: a.message,
      since: a.createdAt,
      crmTaskId: a.crmTaskId,
    })),
    lastMonitoredAt: runs[0]?.at ?? null,
    feedback: await feedbackReview(store),
    spikesWithoutTask: (await store.listSpikes({ withoutTask: true, limit: 1000 })).length,
    realised: last
      ? {
          modelVersion: last.championVersion,
          outcomes: last.realised.positives + last.realised.negatives,
          auc: last.realised.auc,
          expectedAuc: last.expected.auc,
          precisionTopTier: last.realised.precisionTopTier,
          ece: last.realised.ece,
        }
      : null,
    challenger: last?.challenger
      ? {
          version: last.challenger.version,
          scored: last.challenger.scored,
          tierFlips: last.challenger.tierFlips,
          auc: last.challenger.metrics.auc,
          championAucOnSame: last.challenger.championOnSame.auc,
          outcomes: last.challenger.metrics.positives + last.challenger.metrics.negatives,
          meanScoreChange: last.challenger.meanScoreChange ?? null,
          meanAbsScoreChange: last.challenger.meanAbsScoreChange ?? null,
          recommendation: last.recommendation ?? null,
        }
      : null,
    segments: segmentStatus(last),
  };
}

/** Per segment, what the last monitoring run saw (empty before segments were monitored). */
export function segmentStatus(last: MonitorData | null) {
  return (last?.segments ?? []).map((s) => ({
    key: s.key,
    label: s.label,
    scored: s.scored,
    ownModel: s.ownModel,
    drift: {
      judged: s.drift.judged,
      referenceRows: s.drift.referenceRows,
      top: s.drift.rows.slice(0, 3),
    },
    realised: {
      outcomes: s.realised.positives + s.realised.negatives,
      auc: s.realised.auc,
      precisionTopTier: s.realised.precisionTopTier,
    },
    /** The live model's realised metric against its backtest on the segment (null: older run). */
    decay: s.decay
      ? {
          judged: s.decay.judged,
          decayed: s.decay.decayed,
          source: s.decay.source,
          metric: s.decay.metric,
          expected: s.decay.expected,
          realised: s.decay.realised,
          drop: s.decay.drop,
          allowance: s.decay.allowance,
          excess: s.decay.excess,
          notJudged: s.decay.notJudged,
        }
      : null,
    challenger: s.challenger
      ? {
          scored: s.challenger.scored,
          tierFlips: s.challenger.tierFlips,
          meanScoreChange: s.challenger.meanScoreChange,
          meanAbsScoreChange: s.challenger.meanAbsScoreChange,
          auc: s.challenger.metrics.auc,
          championAucOnSame: s.challenger.championOnSame.auc,
          precisionTopTier: s.challenger.metrics.precisionTopTier,
          championPrecisionTopTierOnSame: s.challenger.championOnSame.precisionTopTier,
          outcomes: s.challenger.metrics.positives + s.challenger.metrics.negatives,
          difference: s.challenger.difference,
          se: s.challenger.se,
          worse: s.challenger.worse,
          notJudged: s.challenger.notJudged,
        }
      : null,
  }));
}
