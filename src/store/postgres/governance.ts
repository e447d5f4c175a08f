/** Governance rows (model scores kept for judging, alerts, decisions, monitoring runs) on PostgreSQL. */
import * as gov from '../governance-rows';
import type { GovernanceOps } from '../port';
import { sortKey } from '../sort-key';
import type { PgConn } from './conn';

type Op = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** Rows per INSERT: keeps each statement's parameter arrays moderate. */
const CHUNK = 5000;

export function governanceOps(conn: PgConn, portal: string, op: Op): GovernanceOps {
  return {
    putModelScores: (rows) =>
      op('keep model scores', async () => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          const part = rows.slice(i, i + CHUNK);
          await conn.execute(
            `INSERT INTO model_scores (portal_id, model_version, id, sort_key, scored_at,
               probability, score, tier, paired_version, paired_probability, paired_tier, segment)
             SELECT $1, * FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[],
               $6::float8[], $7::float8[], $8::text[], $9::integer[], $10::float8[], $11::text[],
               $12::text[])
             ON CONFLICT DO NOTHING`,
            [
              portal,
              part.map((r) => r.modelVersion),
              part.map((r) => r.id),
              part.map((r) => sortKey(r.id)),
              part.map((r) => r.scoredAt),
              part.map((r) => r.probability),
              part.map((r) => r.score),
              part.map((r) => r.tier),
              part.map((r) => r.pairedVersion),
              part.map((r) => r.pairedProbability),
              part.map((r) => r.pairedTier),
              part.map((r) => r.segment ?? null),
            ],
          );
        }
      }),
    listModelScores: (version, { afterId, limit }) =>
      op('list model scores', async () =>
        (
          await conn.query<gov.ModelScoreDbRow>(
            `SELECT * FROM model_scores WHERE portal_id = $1 AND model_version = $2
               AND sort_key > $3 ORDER BY sort_key LIMIT $4`,
            [portal, version, afterId == null ? '' : sortKey(afterId), limit],
          )
        ).map(gov.toModelScore),
      ),
    addAlert: (a) =>
      op('save an alert', async () => {
        const rows = await conn.query<{ id: string }>(
          `INSERT INTO alerts (portal_id, kind, severity, model_version, subject, value,
             threshold, message, created_at, resolved_at, crm_task_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
          [portal, ...gov.alertValues(a)],
        );
        return Number(rows[0].id);
      }),
    listAlerts: ({ open, limit }) =>
      op('list alerts', async () =>
        (
          await conn.query<gov.AlertDbRow>(
            `SELECT * FROM alerts WHERE portal_id = $1 AND (NOT $2::boolean OR resolved_at IS NULL)
              ORDER BY id DESC LIMIT $3`,
            [portal, !!open, limit],
          )
        ).map(gov.toAlert),
      ),
    updateAlert: (id, patch) =>
      op('update an alert', async () => {
        if (patch.resolvedAt !== undefined) {
          await conn.execute(
            'UPDATE alerts SET resolved_at = $3 WHERE portal_id = $1 AND id = $2',
            [portal, id, patch.resolvedAt],
          );
        }
        if (patch.crmTaskId !== undefined) {
          await conn.execute(
            'UPDATE alerts SET crm_task_id = $3 WHERE portal_id = $1 AND id = $2',
            [portal, id, patch.crmTaskId],
          );
        }
      }),
    addDecision: (d) =>
      op('log a decision', async () => {
        const rows = await conn.query<{ id: string }>(
          `INSERT INTO decisions (portal_id, model_version, action, actor, reason, details, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [portal, d.modelVersion, d.action, d.actor, d.reason, d.details, d.at],
        );
        return Number(rows[0].id);
      }),
    listDecisions: ({ modelVersion, limit }) =>
      op('list decisions', async () =>
        (
          await conn.query<gov.DecisionDbRow>(
            `SELECT * FROM decisions WHERE portal_id = $1
               AND ($2::integer IS NULL OR model_version = $2) ORDER BY id LIMIT $3`,
            [portal, modelVersion ?? null, limit],
          )
        ).map(gov.toDecision),
      ),
    addMonitorRun: (r) =>
      op('save a monitoring run', async () => {
        const rows = await conn.query<{ id: string }>(
          'INSERT INTO monitor_runs (portal_id, model_version, at, data) VALUES ($1, $2, $3, $4) RETURNING id',
          [portal, r.modelVersion, r.at, r.data],
        );
        return Number(rows[0].id);
      }),
    listMonitorRuns: ({ modelVersion, limit }) =>
      op('list monitoring runs', async () =>
        (
          await conn.query<gov.MonitorDbRow>(
            `SELECT * FROM monitor_runs WHERE portal_id = $1
               AND ($2::integer IS NULL OR model_version = $2) ORDER BY id DESC LIMIT $3`,
            [portal, modelVersion ?? null, limit],
          )
        ).map(gov.toMonitorRun),
      ),
    addSpike: (x) =>
      op('keep a score spike', async () => {
        const rows = await conn.query<{ id: string }>(
          `INSERT INTO score_spikes (portal_id, object_type, record_id, scored_at, from_score,
             to_score, from_tier, to_tier, reason, model_version, created_at, crm_task_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT DO NOTHING RETURNING id`,
          [portal, ...gov.spikeValues(x)],
        );
        return rows.length === 1;
      }),
    listSpikes: ({ withoutTask, limit }) =>
      op('list score spikes', async () =>
        (
          await conn.query<gov.SpikeDbRow>(
            `SELECT * FROM score_spikes WHERE portal_id = $1
               AND (NOT $2::boolean OR crm_task_id IS NULL OR crm_task_id LIKE 'pending:%')
               ORDER BY id LIMIT $3`,
            [portal, !!withoutTask, limit],
          )
        ).map(gov.toSpike),
      ),
    updateSpike: (id, patch) =>
      op('update a score spike', async () => {
        await conn.execute(
          'UPDATE score_spikes SET crm_task_id = $3 WHERE portal_id = $1 AND id = $2',
          [portal, id, patch.crmTaskId],
        );
      }),
  };
}
