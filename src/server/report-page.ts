/**
 * The admin's model report: how the published model does on the time-held-out slice (AUC,
 * lift by decile, calibration), what was left out and why, tiers, drift, versions, feedback.
 */
import type { FeedbackRow, StoredModel } from '../store/port';
import type { StoredReport } from '../pipeline/report';
import type { TierStat } from '../contracts/functions';
import { esc, fmt, page } from './html';

/** The shapes of src/model's metrics (the report stores them as JSON). */
interface DecileRow {
  decile: number;
  count: number;
  conversionRate: number;
  lift: number;
}
interface CalibrationRow {
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface ReportPageData {
  published: StoredModel | null;
  report: StoredReport | null;
  models: StoredModel[];
  stats: TierStat[];
  feedback: FeedbackRow[];
  /** Population stability index between held-out and current open scores. */
  drift: number | null;
}

/** PSI over ten equal-width score bands; > 0.25 is usually read as a shifted population. */
export function psi(expected: readonly number[], actual: readonly number[]): number | null {
  if (expected.length < 50 || actual.length < 50) return null;
  const band = (s: number) => Math.min(9, Math.max(0, Math.floor(s / 10)));
  const e = new Array(10).fill(0);
  const a = new Array(10).fill(0);
  for (const s of expected) e[band(s)]++;
  for (const s of actual) a[band(s)]++;
  let total = 0;
  for (let i = 0; i < 10; i++) {
    const pe = Math.max(e[i] / expected.length, 1e-4);
    const pa = Math.max(a[i] / actual.length, 1e-4);
    total += (pa - pe) * Math.log(pa / pe);
  }
  return total;
}

export function renderReportPage(d: ReportPageData): string {
  if (!d.published || !d.report) {
    return page(
      'LeadLens — model report',
      '<h1>Model report</h1><p>No model has been trained yet. Run <code>leadlens run</code>.</p>',
    );
  }
  const r = d.report;
  const m = r.metrics as Record<string, unknown>;
  const deciles = (m.liftByDecile as DecileRow[] | undefined) ?? [];
  const calib = (m.calibrationTable as CalibrationRow[] | undefined) ?? [];
  const maxLift = Math.max(1, ...deciles.map((x) => x.lift));
  const kpi = (label: string, value: string) =>
    `<div class="kpi"><span class="muted">${esc(label)}</span><b>${esc(value)}</b></div>`;
  const body = `
<h1>Model v${d.published.version} · ${esc(r.modelType)}</h1>
<p class="muted">Trained ${esc(d.published.trainedAt)} on ${r.trainingRows} contacts
(${esc(r.trainingWindow.from.slice(0, 10))} → ${esc(r.trainingWindow.to.slice(0, 10))}),
conversion = ${esc(r.conversion.kind)} within ${r.conversion.horizonDays} days;
${r.censored} contacts too young to have an outcome were left out (censored, not counted as losses).</p>
<div class="kpis">
${kpi('AUC (time-held-out)', fmt.num(r.metrics.auc))}
${kpi('PR AUC', fmt.num(r.metrics.prAuc ?? null))}
${kpi('Lift, top decile', fmt.num(r.metrics.liftTopDecile ?? null, 2) + '×')}
${kpi('Brier', fmt.num(r.metrics.brier ?? null))}
${kpi('ECE', fmt.num(r.metrics.ece ?? null))}
${kpi('Conversion rate', fmt.pct(r.conversionRate))}
${kpi('Drift (PSI)', d.drift === null ? '—' : d.drift.toFixed(3))}
</div>
<p class="muted">Split by time: train ${r.splits.train}, validation ${r.splits.valid}, test ${r.splits.test}.
Candidates: ${r.candidates.map((c) => `${esc(c.kind)} (validation AUC ${fmt.num(c.validAuc as number)})`).join(', ')}.</p>
<h2>Lift by decile (test slice)</h2>
<table><tr><th>Decile</th><th>Contacts</th><th>Conversion</th><th>Lift</th></tr>
${deciles.map((x) => `<tr><td>${x.decile}</td><td>${x.count}</td><td>${fmt.pct(x.conversionRate)}</td><td><span class="bar" style="width:${Math.round((x.lift / maxLift) * 200)}px"></span> ${x.lift.toFixed(2)}×</td></tr>`).join('')}
</table>
<h2>Calibration (test slice)</h2>
<table><tr><th>Predicted</th><th>Contacts</th><th>Mean predicted</th><th>Observed</th></tr>
${calib.map((c) => `<tr><td>${fmt.pct(c.lo, 0)}–${fmt.pct(c.hi, 0)}</td><td>${c.count}</td><td>${fmt.pct(c.count ? c.meanPredicted : null)}</td><td>${fmt.pct(c.count ? c.observedRate : null)}</td></tr>`).join('')}
</table>
<h2>Tiers</h2>
<table><tr><th>Tier</th><th>From score</th><th>Open contacts</th><th>Share</th><th>Held-out conversion</th></tr>
${d.stats.map((s) => `<tr><td>${esc(s.label)} <span class="muted">${esc(s.value)}</span></td><td>${s.minScore}</td><td>${s.count}</td><td>${fmt.pct(s.share)}</td><td>${fmt.pct(s.historicalConversionRate)}</td></tr>`).join('')}
</table>
<h2>Left out of the model</h2>
${r.excluded.length === 0 ? '<p>Nothing was excluded.</p>' : `<table><tr><th>Field</th><th>Why</th></tr>${r.excluded.map((f) => `<tr><td>${esc(f.field)}</td><td>${esc(f.reason)}</td></tr>`).join('')}</table>`}
<h2>Features used (${r.featureFields.length})</h2>
<p class="muted">${r.featureFields.map((f) => esc(f.label)).join(' · ')}</p>
<h2>Model versions</h2>
<table><tr><th>Version</th><th>Type</th><th>Status</th><th>Trained</th><th>AUC</th></tr>
${d.models
  .map((mv) => {
    let auc = '—';
    try {
      auc = fmt.num((JSON.parse(mv.report) as StoredReport).metrics.auc);
    } catch {
      /* an unreadable report shows as — */
    }
    return `<tr><td>v${mv.version}</td><td>${esc(mv.modelType)}</td><td>${esc(mv.status)}</td><td>${esc(mv.trainedAt)}</td><td>${auc}</td></tr>`;
  })
  .join('')}
</table>
<p class="muted">Roll back with <code>leadlens models publish VERSION</code>.</p>
<h2>Feedback from reps (${d.feedback.length})</h2>
${d.feedback.length === 0 ? '<p>No feedback yet.</p>' : `<table><tr><th>When</th><th>Record</th><th>Score</th><th>Says</th><th>Comment</th></tr>${d.feedback.map((f) => `<tr><td>${esc(f.createdAt)}</td><td>${esc(f.objectType)} ${esc(f.recordId)}</td><td>${esc(f.score ?? '—')}</td><td>${esc(f.kind)}</td><td>${esc(f.comment)}</td></tr>`).join('')}</table>`}
`;
  return page('LeadLens — model report', body);
}
