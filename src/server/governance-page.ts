/**
 * Governance pages of the self-hosted report: `/report/governance` (open alerts, the champion
 * and its challenger, monitoring runs over time with conversion by tier, the decision log) and
 * `/report/models/:version` (any version's model card). Everything interpolated goes through
 * `esc`.
 */
import type { feedbackReview, ModelCard } from '../pipeline/governance/card';
import type { MonitorData } from '../pipeline/governance/monitor';
import type { AlertRow, DecisionRow, MonitorRunRow, StoredModel } from '../store/port';
import type { GovernanceCharts, ModelCharts } from '../contracts/charts';
import { chartsSection } from './charts';
import { governanceChartsSection } from './governance-charts';
import { esc, fmt, page } from './html';

export interface GovernancePageData {
  models: StoredModel[];
  alerts: AlertRow[];
  runs: MonitorRunRow[];
  decisions: DecisionRow[];
  /** Reps' feedback without a stated outcome (the latest per record): for review, not labels. */
  feedback?: Awaited<ReturnType<typeof feedbackReview>>;
  /** Alerts over time, PSI by field over the runs, live against expected AUC, live calibration. */
  charts?: GovernanceCharts;
}

function parseRun(r: MonitorRunRow): MonitorData | null {
  try {
    return JSON.parse(r.data) as MonitorData;
  } catch {
    return null;
  }
}

export function renderGovernancePage(d: GovernancePageData): string {
  const runs = d.runs.map((r) => ({ at: r.at, data: parseRun(r) })).filter((r) => r.data);
  const tiers = [
    ...new Set(runs.flatMap((r) => r.data!.realised.byTier.map((t) => t.tier))),
  ].sort();
  const latest = runs[0]?.data ?? null;
  const body = `
<h1>Governance</h1>
<h2>Open alerts (${d.alerts.length})</h2>
${
  d.alerts.length === 0
    ? '<p>None: no drift or decay over the thresholds in the settings.</p>'
    : `<table><tr><th>Since</th><th>Severity</th><th>Model</th><th>What</th><th>HubSpot task</th></tr>${d.alerts
        .map(
          (a) =>
            `<tr><td>${esc(a.createdAt)}</td><td>${esc(a.severity)}</td><td>v${esc(a.modelVersion ?? '—')}</td><td>${esc(a.message)}</td><td>${esc(a.crmTaskId ?? '—')}</td></tr>`,
        )
        .join('')}</table>`
}
${d.charts ? governanceChartsSection(d.charts) : ''}
<h2>Champion and challenger</h2>
${
  latest?.challenger
    ? `<table><tr><th></th><th>Model</th><th>AUC</th><th>Precision, top tier</th><th>ECE</th><th>Outcomes</th></tr>
<tr><td>Challenger</td><td><a href="/report/models/${latest.challenger.version}">v${latest.challenger.version}</a></td><td>${fmt.num(latest.challenger.metrics.auc)}</td><td>${fmt.pct(latest.challenger.metrics.precisionTopTier)}</td><td>${fmt.num(latest.challenger.metrics.ece)}</td><td>${latest.challenger.metrics.positives + latest.challenger.metrics.negatives}</td></tr>
<tr><td>Champion, same records</td><td><a href="/report/models/${latest.championVersion}">v${latest.championVersion}</a></td><td>${fmt.num(latest.challenger.championOnSame.auc)}</td><td>${fmt.pct(latest.challenger.championOnSame.precisionTopTier)}</td><td>${fmt.num(latest.challenger.championOnSame.ece)}</td><td>${latest.challenger.championOnSame.positives + latest.challenger.championOnSame.negatives}</td></tr></table>
<p class="muted">${latest.challenger.scored} records scored in shadow in the last run; ${latest.challenger.tierFlips} would change tier${
        latest.challenger.meanScoreChange !== undefined &&
        latest.challenger.meanScoreChange !== null
          ? `; scores move ${signed(latest.challenger.meanScoreChange)} points on average (${fmt.num(latest.challenger.meanAbsScoreChange ?? null)} either way)`
          : ''
      }. Promote with <code>leadlens models promote ${latest.challenger.version}</code>.</p>
${latest.recommendation ? `<p><b>${latest.recommendation.promote ? 'Recommended' : 'Not recommended'}</b>: ${esc(latest.recommendation.reason)}.</p>` : ''}`
    : '<p>No challenger. Turn on shadow mode in the settings to train the next model as one.</p>'
}
${segmentsSection(latest)}
<h2>Monitoring runs</h2>
${
  runs.length === 0
    ? '<p>No scoring run has been monitored yet.</p>'
    : `<table><tr><th>When</th><th>Model</th><th>Scored</th><th>Outcomes</th><th>Realised vs backtest</th><th>Expected AUC</th><th>Largest PSI</th>${tiers
        .map((t) => `<th>Conversion ${esc(t)}</th>`)
        .join('')}</tr>${runs
        .map(({ at, data }) => {
          const m = data!;
          const top = m.drift.rows[0];
          const byTier = new Map(m.realised.byTier.map((t) => [t.tier, t]));
          return `<tr><td>${esc(at)}</td><td>v${m.championVersion}</td><td>${m.scored}</td><td>${m.realised.positives + m.realised.negatives}</td><td>${fmt.num(m.realised.auc)}</td><td>${fmt.num(m.expected.auc)}</td><td>${
            top
              ? `${esc(top.subject)} ${fmt.num(m.drift.reference === 'training' ? top.psiTraining : top.psiReference)}`
              : '—'
          }</td>${tiers
            .map((t) => {
              const row = byTier.get(t);
              return `<td>${row && row.count ? `${fmt.pct(row.conversions / row.count)} <span class="muted">of ${row.count}</span>` : '—'}</td>`;
            })
            .join('')}</tr>`;
        })
        .join('')}</table>
<p class="muted">Outcomes are contacts whose conversion arrived, or whose horizon passed, since the model first scored them. PSI is against ${
        latest?.drift.reference === 'training'
          ? 'the training rows'
          : "each model's first monitored run"
      }.</p>`
}
<h2>Reps' feedback to review (${d.feedback?.reviewCount ?? 0})</h2>
<p class="muted">${d.feedback ? `${d.feedback.records} record(s) have feedback; ${d.feedback.corrections} state an outcome and correct training labels at the next training (see each model card). The rest are listed here and never used as labels.` : ''}</p>
${
  d.feedback && d.feedback.review.length
    ? `<table><tr><th>When</th><th>Record</th><th>Score</th><th>Says</th><th>Comment</th></tr>${d.feedback.review
        .map(
          (f) =>
            `<tr><td>${esc(f.at)}</td><td>${esc(f.objectType)} ${esc(f.recordId)}</td><td>${esc(f.score ?? '—')}</td><td>${esc(f.kind)}</td><td>${esc(f.comment)}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
<h2>Decision log</h2>
${
  d.decisions.length === 0
    ? '<p>No decisions yet.</p>'
    : `<table><tr><th>When</th><th>Model</th><th>Action</th><th>By</th><th>Why</th></tr>${d.decisions
        .map(
          (x) =>
            `<tr><td>${esc(x.at)}</td><td><a href="/report/models/${x.modelVersion}">v${x.modelVersion}</a></td><td>${esc(x.action)}</td><td>${esc(x.actor)}</td><td>${esc(x.reason)}</td></tr>`,
        )
        .join('')}</table>`
}
<h2>Model cards</h2>
<p>${d.models.map((m) => `<a href="/report/models/${m.version}">v${m.version}</a> <span class="muted">${esc(m.status)}</span>`).join(' · ') || 'No model yet.'}</p>`;
  return page('LeadLens — governance', body);
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

/**
 * The newest run per admin segment: drift against the segment's own reference run (net of the
 * PSI chance alone reaches at its size), realised metrics, and the challenger on the segment's
 * records — a segment can drift or lose while the totals over every record look fine.
 */
function segmentsSection(latest: MonitorData | null): string {
  const segs = latest?.segments ?? [];
  if (segs.length === 0) return '';
  const rows = segs
    .map((s) => {
      const top = s.drift.rows[0];
      const c = s.challenger;
      const drift = !top
        ? '<span class="muted">reference run</span>'
        : `segment ${esc(s.key)}: ${esc(top.subject)} PSI ${fmt.num(top.psi)} <span class="muted">(chance ${fmt.num(top.noise)}; ${
            s.drift.judged
              ? 'judged'
              : `not judged: ${s.scored} / ${s.drift.referenceRows ?? 0} rows`
          })</span>`;
      const challenger = !c
        ? '—'
        : `${fmt.num(c.metrics.auc)} vs ${fmt.num(c.championOnSame.auc)} <span class="muted">on ${
            c.metrics.positives + c.metrics.negatives
          }</span>${
            c.difference === null
              ? ` <span class="muted">(not judged: ${esc(c.notJudged ?? '')})</span>`
              : ` (${signed(c.difference * 100)} pts ± ${fmt.num(c.se === null ? null : c.se * 200)})${
                  c.worse ? ' <b>worse beyond its noise</b>' : ''
                }`
          }`;
      const d = s.decay;
      const decay = !d
        ? `${fmt.num(s.realised.auc)} <span class="muted">on ${s.realised.positives + s.realised.negatives}</span>`
        : `${d.metric === 'auc' ? '' : 'top-tier precision '}${fmt.num(d.realised)} vs ${fmt.num(d.expected)} <span class="muted">(${d.source === 'own' ? 'its own' : 'the global'} model's backtest) on ${
            s.realised.positives + s.realised.negatives
          }</span>${
            d.judged
              ? ` (${signed(-d.drop! * 100)} %, noise ${fmt.num(d.allowance === null ? null : d.allowance * 100)} %)${
                  d.decayed ? ' <b>decayed beyond its noise</b>' : ''
                }`
              : ` <span class="muted">(not judged: ${esc(d.notJudged ?? '')})</span>`
          }`;
      const moves = !c
        ? '—'
        : `${c.meanScoreChange === null ? '—' : signed(c.meanScoreChange)} / ${c.tierFlips}`;
      return `<tr><td>${esc(s.label)} <span class="muted">${esc(s.key)}</span></td><td>${
        s.ownModel > 0 ? 'own' : 'global'
      }</td><td>${s.scored}</td><td>${drift}</td><td>${decay}</td><td>${challenger}</td><td>${moves}</td></tr>`;
    })
    .join('');
  return `<h2>Per segment</h2>
<table><tr><th>Segment</th><th>Model</th><th>Scored</th><th>Largest drift</th><th>Realised AUC</th><th>Challenger AUC vs champion, same records</th><th>Score move / tier flips</th></tr>${rows}</table>
<p class="muted">Each record counts in the segment its score's payload recorded. A segment's drift is against its own records in the model's first monitored run and is judged (alerts, named by segment) from the settings' minimum rows on both sides, net of the PSI chance alone reaches at those sizes. "Decayed beyond its noise": the live model's realised metric on the segment's arrived outcomes is under its backtest estimate on the segment's held-out rows by the settings' decay drop or more after two standard errors of the difference (the segment's noise at its size) are allowed for; judged from the settings' minimum outcomes of each class on both sides. "Worse beyond its noise": the challenger's AUC is more than two standard errors (Hanley–McNeil) under the champion's on the segment's records.</p>`;
}

/**
 * How a version's metrics were measured: versions trained with the rolling-origin backtests
 * report the pooled out-of-fold scores; older ones a time-held-out newest slice (as the CLI's
 * `models card`).
 */
export type MetricsBasis = 'out_of_fold' | 'held_out';

export function renderModelCardPage(
  c: ModelCard,
  charts?: ModelCharts | null,
  basis: MetricsBasis = 'out_of_fold',
): string {
  const body = `
<h1>Model card · v${c.version} · ${esc(c.modelType)} <span class="muted">${esc(c.status)}</span></h1>
<p class="muted">Trained ${esc(c.trainedAt)}${c.publishedAt ? `, published ${esc(c.publishedAt)}` : ''}. <a href="/report/governance">Governance</a></p>
<h2>Intended use</h2><p>${esc(c.intendedUse)}</p>
<h2>Label</h2><p>${esc(c.label.description)}${c.label.horizonDays ? ` within ${c.label.horizonDays} days` : ''}.</p>
<h2>Data</h2><p>${esc(c.dataWindow.from?.slice(0, 10) ?? '—')} → ${esc(c.dataWindow.to?.slice(0, 10) ?? '—')}: ${esc(
    c.dataWindow.trainingRows ?? '—',
  )} labelled contacts, ${fmt.pct(c.dataWindow.conversionRate)} converted, ${esc(c.dataWindow.censored ?? '—')} censored.</p>
<h2>Metrics (${basis === 'out_of_fold' ? 'out of fold: each backtest block scored by its fold’s model' : 'held-out, newest slice'})</h2>
<table><tr>${Object.keys(c.metrics)
    .map((k) => `<th>${esc(k)}</th>`)
    .join('')}</tr><tr>${Object.values(c.metrics)
    .map((v) => `<td>${fmt.num(v)}</td>`)
    .join('')}</tr></table>
<h2>Features used (${c.features.used.length})</h2>
<p class="muted">${c.features.used.map((f) => `${esc(f.label || f.name)} (${esc(f.source)}, ${esc(f.type)})`).join(' · ')}</p>
<h2>Left out, and why</h2>
${c.features.leftOut.length === 0 ? '<p>Nothing.</p>' : `<table><tr><th>Field</th><th>Why</th></tr>${c.features.leftOut.map((f) => `<tr><td>${esc(f.field)}</td><td>${esc(f.reason)}</td></tr>`).join('')}</table>`}
<h2>Limitations</h2><ul>${c.limitations.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
<h2>Decisions</h2>
${c.decisions.length === 0 ? '<p>None logged.</p>' : `<table><tr><th>When</th><th>Action</th><th>By</th><th>Why</th></tr>${c.decisions.map((d) => `<tr><td>${esc(d.at)}</td><td>${esc(d.action)}</td><td>${esc(d.actor)}</td><td>${esc(d.reason)}</td></tr>`).join('')}</table>`}
<h2>Reps' feedback</h2>
<p>${c.feedback ? esc(c.feedback.summary) : 'Not recorded: trained before the feedback loop.'}</p>
${c.feedback?.warning ? `<p><b>warning</b> ${esc(c.feedback.warning)}</p>` : ''}
${
  c.feedback && c.feedback.corrections.length
    ? `<table><tr><th>Record</th><th>Label in the CRM</th><th>Corrected to</th><th>By</th><th>When</th></tr>${c.feedback.corrections
        .slice(0, 50)
        .map(
          (x) =>
            `<tr><td>${esc(x.recordId)}</td><td>${esc(x.from ?? 'no outcome yet')}</td><td>${esc(x.to)}</td><td>${esc(x.userId ?? '—')}</td><td>${esc(x.at)}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
<h2>Monitoring</h2>
<p>${c.monitoring.runs} monitored run(s)${c.monitoring.lastAt ? `, last ${esc(c.monitoring.lastAt)}` : ''}.${
    c.monitoring.realised
      ? ` Realised on ${c.monitoring.realised.positives + c.monitoring.realised.negatives} arrived outcomes: AUC ${fmt.num(c.monitoring.realised.auc)}, precision in the top tier ${fmt.pct(c.monitoring.realised.precisionTopTier)}, ECE ${fmt.num(c.monitoring.realised.ece)}.`
      : ''
  }</p>
${c.monitoring.topDrift.length ? `<table><tr><th>Field</th><th>PSI vs first run</th><th>PSI vs training</th></tr>${c.monitoring.topDrift.map((r) => `<tr><td>${esc(r.subject)}</td><td>${fmt.num(r.psiReference)}</td><td>${fmt.num(r.psiTraining)}</td></tr>`).join('')}</table>` : ''}
${c.monitoring.openAlerts.map((a) => `<p><b>${esc(a.severity)}</b> ${esc(a.message)}</p>`).join('')}
${charts ? `<h2>Charts</h2>${chartsSection(charts)}` : ''}`;
  return page(`LeadLens — model card v${c.version}`, body);
}
