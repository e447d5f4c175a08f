/**
 * Governance rows (model scores kept for judging, alerts, decisions, monitoring runs, score
 * spikes) as either engine returns them, and as the port's rows. PostgreSQL returns bigserial
 * ids as strings, SQLite as numbers: both read through Number().
 */
import type {
  AlertRow,
  AlertSeverity,
  DecisionRow,
  ModelScoreRow,
  MonitorRunRow,
  SpikeRow,
  StoredObjectType,
} from './port';

export interface ModelScoreDbRow {
  model_version: number;
  id: string;
  scored_at: string;
  probability: number;
  score: number;
  tier: string;
  paired_version: number | null;
  paired_probability: number | null;
  paired_tier: string | null;
  /** Absent before migration 41. */
  segment?: string | null;
}

export const toModelScore = (r: ModelScoreDbRow): ModelScoreRow => ({
  modelVersion: r.model_version,
  id: r.id,
  scoredAt: r.scored_at,
  probability: r.probability,
  score: r.score,
  tier: r.tier,
  pairedVersion: r.paired_version,
  pairedProbability: r.paired_probability,
  pairedTier: r.paired_tier,
  segment: r.segment ?? null,
});

export interface AlertDbRow {
  id: number | string;
  kind: string;
  severity: string;
  model_version: number | null;
  subject: string;
  value: number;
  threshold: number;
  message: string;
  created_at: string;
  resolved_at: string | null;
  crm_task_id: string | null;
}

export const toAlert = (r: AlertDbRow): AlertRow => ({
  id: Number(r.id),
  kind: r.kind,
  severity: r.severity as AlertSeverity,
  modelVersion: r.model_version,
  subject: r.subject,
  value: r.value,
  threshold: r.threshold,
  message: r.message,
  createdAt: r.created_at,
  resolvedAt: r.resolved_at,
  crmTaskId: r.crm_task_id,
});

export interface DecisionDbRow {
  id: number | string;
  model_version: number;
  action: string;
  actor: string;
  reason: string;
  details: string;
  at: string;
}

export const toDecision = (r: DecisionDbRow): DecisionRow => ({
  id: Number(r.id),
  modelVersion: r.model_version,
  action: r.action,
  actor: r.actor,
  reason: r.reason,
  details: r.details,
  at: r.at,
});

export interface MonitorDbRow {
  id: number | string;
  model_version: number;
  at: string;
  data: string;
}

export const toMonitorRun = (r: MonitorDbRow): MonitorRunRow => ({
  id: Number(r.id),
  modelVersion: r.model_version,
  at: r.at,
  data: r.data,
});

export interface SpikeDbRow {
  id: number | string;
  object_type: string;
  record_id: string;
  scored_at: string;
  from_score: number | null;
  to_score: number;
  from_tier: string | null;
  to_tier: string;
  reason: string;
  model_version: number | null;
  created_at: string;
  crm_task_id: string | null;
}

export const toSpike = (r: SpikeDbRow): SpikeRow => ({
  id: Number(r.id),
  objectType: r.object_type as StoredObjectType,
  recordId: r.record_id,
  scoredAt: r.scored_at,
  fromScore: r.from_score,
  toScore: r.to_score,
  fromTier: r.from_tier,
  toTier: r.to_tier,
  reason: r.reason,
  modelVersion: r.model_version,
  createdAt: r.created_at,
  crmTaskId: r.crm_task_id,
});

/**
 * An alert's values after `portal_id`, in the column order of both engines' INSERT: one list, so
 * the two statements cannot bind them differently.
 */
export const alertValues = (a: Omit<AlertRow, 'id'>) => [
  a.kind,
  a.severity,
  a.modelVersion,
  a.subject,
  a.value,
  a.threshold,
  a.message,
  a.createdAt,
  a.resolvedAt,
  a.crmTaskId,
];

/** A score spike's values after `portal_id`, in the column order of both engines' INSERT. */
export const spikeValues = (x: Omit<SpikeRow, 'id'>) => [
  x.objectType,
  x.recordId,
  x.scoredAt,
  x.fromScore,
  x.toScore,
  x.fromTier,
  x.toTier,
  x.reason,
  x.modelVersion,
  x.createdAt,
  x.crmTaskId,
];
