/** Governance rows (model scores kept for judging, alerts, decisions, monitoring runs) on SQLite. */
import type Database from 'better-sqlite3';
import * as gov from '../governance-rows';
import type { GovernanceOps, ModelScoreRow } from '../port';
import { sortKey } from '../sort-key';

/** The synchronous statements; the engine wraps each call for its connection. */
export function createGovernanceStatements(db: Database.Database) {
  const putScore = db.prepare(
    `INSERT OR IGNORE INTO model_scores (portal_id, model_version, id, sort_key, scored_at,
       probability, score, tier, paired_version, paired_probability, paired_tier, segment)
     VALUES (@portal, @modelVersion, @id, @sortKey, @scoredAt, @probability, @score, @tier,
       @pairedVersion, @pairedProbability, @pairedTier, @segment)`,
  );
  const listScores = db.prepare<[string, number, string, number], gov.ModelScoreDbRow>(
    `SELECT * FROM model_scores WHERE portal_id = ? AND model_version = ? AND sort_key > ?
      ORDER BY sort_key LIMIT ?`,
  );
  const addAlert = db.prepare(
    `INSERT INTO alerts (portal_id, kind, severity, model_version, subject, value, threshold,
       message, created_at, resolved_at, crm_task_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const listAlerts = db.prepare<[string, number, number], gov.AlertDbRow>(
    `SELECT * FROM alerts WHERE portal_id = ? AND (? = 0 OR resolved_at IS NULL)
      ORDER BY id DESC LIMIT ?`,
  );
  const resolveAlert = db.prepare(
    'UPDATE alerts SET resolved_at = ? WHERE portal_id = ? AND id = ?',
  );
  const taskAlert = db.prepare('UPDATE alerts SET crm_task_id = ? WHERE portal_id = ? AND id = ?');
  const addDecision = db.prepare(
    `INSERT INTO decisions (portal_id, model_version, action, actor, reason, details, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const listDecisions = db.prepare<[string, number, number, number], gov.DecisionDbRow>(
    `SELECT * FROM decisions WHERE portal_id = ? AND (? = 0 OR model_version = ?)
      ORDER BY id LIMIT ?`,
  );
  const addRun = db.prepare(
    'INSERT INTO monitor_runs (portal_id, model_version, at, data) VALUES (?, ?, ?, ?)',
  );
  const listRuns = db.prepare<[string, number, number, number], gov.MonitorDbRow>(
    `SELECT * FROM monitor_runs WHERE portal_id = ? AND (? = 0 OR model_version = ?)
      ORDER BY id DESC LIMIT ?`,
  );

  const addSpike = db.prepare(
    `INSERT OR IGNORE INTO score_spikes (portal_id, object_type, record_id, scored_at, from_score,
       to_score, from_tier, to_tier, reason, model_version, created_at, crm_task_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const listSpikes = db.prepare<[string, number, number], gov.SpikeDbRow>(
    `SELECT * FROM score_spikes WHERE portal_id = ?
       AND (? = 0 OR crm_task_id IS NULL OR crm_task_id LIKE 'pending:%') ORDER BY id LIMIT ?`,
  );
  const taskSpike = db.prepare(
    'UPDATE score_spikes SET crm_task_id = ? WHERE portal_id = ? AND id = ?',
  );

  const putScores = db.transaction((portal: string, rows: readonly ModelScoreRow[]) => {
    for (const r of rows)
      putScore.run({ portal, ...r, segment: r.segment ?? null, sortKey: sortKey(r.id) });
  });

  /** Portal-bound calls, synchronous; `wrap` turns each into the engine's async op. */
  return (portal: string, wrap: <T>(what: string, fn: () => T) => Promise<T>): GovernanceOps => ({
    putModelScores: (rows) => wrap('keep model scores', () => putScores(portal, rows)),
    listModelScores: (version, { afterId, limit }) =>
      wrap('list model scores', () =>
        listScores
          .all(portal, version, afterId == null ? '' : sortKey(afterId), limit)
          .map(gov.toModelScore),
      ),
    addAlert: (a) =>
      wrap('save an alert', () =>
        Number(addAlert.run(portal, ...gov.alertValues(a)).lastInsertRowid),
      ),
    listAlerts: ({ open, limit }) =>
      wrap('list alerts', () => listAlerts.all(portal, open ? 1 : 0, limit).map(gov.toAlert)),
    updateAlert: (id, patch) =>
      wrap('update an alert', () => {
        if (patch.resolvedAt !== undefined) resolveAlert.run(patch.resolvedAt, portal, id);
        if (patch.crmTaskId !== undefined) taskAlert.run(patch.crmTaskId, portal, id);
      }),
    addDecision: (d) =>
      wrap('log a decision', () =>
        Number(
          addDecision.run(portal, d.modelVersion, d.action, d.actor, d.reason, d.details, d.at)
            .lastInsertRowid,
        ),
      ),
    listDecisions: ({ modelVersion, limit }) =>
      wrap('list decisions', () =>
        listDecisions.all(portal, modelVersion ?? 0, modelVersion ?? 0, limit).map(gov.toDecision),
      ),
    addMonitorRun: (r) =>
      wrap('save a monitoring run', () =>
        Number(addRun.run(portal, r.modelVersion, r.at, r.data).lastInsertRowid),
      ),
    listMonitorRuns: ({ modelVersion, limit }) =>
      wrap('list monitoring runs', () =>
        listRuns.all(portal, modelVersion ?? 0, modelVersion ?? 0, limit).map(gov.toMonitorRun),
      ),
    addSpike: (x) =>
      wrap('keep a score spike', () => addSpike.run(portal, ...gov.spikeValues(x)).changes === 1),
    listSpikes: ({ withoutTask, limit }) =>
      wrap('list score spikes', () =>
        listSpikes.all(portal, withoutTask ? 1 : 0, limit).map(gov.toSpike),
      ),
    updateSpike: (id, patch) =>
      wrap('update a score spike', () => {
        taskSpike.run(patch.crmTaskId, portal, id);
      }),
  });
}
