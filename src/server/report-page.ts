/**
 * The admin's model report: how the published model does on the time-held-out slice (AUC,
 * lift by decile, calibration), what was left out and why, tiers, drift, versions, feedback.
 */
import type { FeedbackRow, ScoreRow, StoredModel, WriteFailureRow } from '../store/port';
import type { Tier } from '../contracts/settings';
import { writeFailureHint } from '../pipeline/writeback-failures';
import type { StoredReport } from '../pipeline/report';
import type { EconomicsView, ObjectStageStatus, TierStat } from '../contracts/functions';
import type { ModelCharts } from '../contracts/charts';
import { chartsSection } from './charts';
import { accountModelSection, stageSkipNote } from './account-report-section';
import { dealModelSection } from './deal-report-section';
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

interface TierCutRow {
  tier: string;
  min: number;
  precision: number | null;
  recall: number | null;
  predictedPositive: number;
}

const day = (t: number | null): string =>
  t === null ? '—' : t > 1e11 ? new Date(t).toISOString().slice(0, 10) : String(t);

/** What the backtests found: one row per fold, the candidates, the rule, the verdict. */
function backtestSection(r: StoredReport): string {
  const bt = r.backtest;
  if (!bt) {
    return `<p class="muted">Split by time: train ${r.splits.train}, validation ${r.splits.valid ?? '—'}, test ${r.splits.test}.
Candidates: ${r.candidates.map((c) => `${esc(c.kind)} (validation AUC ${fmt.num((c as { validAuc?: number }).validAuc ?? null)})`).join(', ')}.</p>`;
  }
  const w = (c: { weighting: { classWeight: string | null; recency: boolean } }) =>
    [c.weighting.classWeight ? 'balanced classes' : '', c.weighting.recency ? 'recency' : '']
      .filter(Boolean)
      .join(' + ') || '—';
  const set = (c: { settings: Record<string, number> }) =>
    Object.entries(c.settings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return `<h2>Backtests (${bt.folds.length} folds, expanding window)</h2>
<p class="muted">Each fold's model is fitted only on contacts before its test block${bt.folds.some((f) => f.embargoed) ? `, less an embargo of the ${r.conversion.horizonDays}-day horizon (outcomes still open at the block's start)` : ''}, then scores the block. The shipped model is the chosen setting fitted on all ${r.splits.train} labelled contacts; these folds are its honest estimate.</p>
<table><tr><th>Fold</th><th>Train</th><th>Embargo</th><th>Test block</th><th>Test contacts</th><th>Converted</th><th>AUC</th></tr>
${bt.folds.map((f) => `<tr><td>${f.fold}</td><td>${f.train}${typeof f.trainWindow === 'number' && f.trainWindow !== f.train ? ` of ${f.trainWindow}` : ''} (${esc(day(f.trainFrom))} → ${esc(day(f.origin))})</td><td>${f.embargoed}</td><td>${esc(day(f.origin))} → ${esc(day(f.testTo))}</td><td>${f.test}${typeof f.testBlock === 'number' && f.testBlock !== f.test ? ` of ${f.testBlock}` : ''}</td><td>${f.testPositives}</td><td>${fmt.num(f.auc)}</td></tr>`).join('')}
</table>
<table><tr><th></th><th>Candidate</th><th>Settings</th><th>Row weights</th><th>AUC per fold</th><th>Mean ± SE</th></tr>
${bt.candidates.map((c) => `<tr><td>${c.chosen ? '✔' : c.tied ? '≈' : ''}</td><td>${esc(c.kind)}</td><td>${esc(set(c))}</td><td>${esc(w(c))}</td><td>${c.foldAuc.map((a) => fmt.num(a)).join(' · ')}</td><td>${fmt.num(c.meanAuc)} ± ${fmt.num(c.seAuc)}</td></tr>`).join('')}
</table>
<p class="muted">✔ chosen · ≈ tied with the best. Rule: ${esc(bt.rule)}</p>${scheduleNote(bt.schedule)}`;
}

/** What the search schedule did on large data (absent in reports stored before it). */
function scheduleNote(s: unknown): string {
  const sch = s as
    | {
        budgeted?: boolean;
        threshold?: number;
        trainCap?: number | null;
        testCap?: number | null;
        ladder?: Array<{ rows: number; nRounds: number }>;
        rate?: {
          chosen: number;
          fold?: number;
          base: { learningRate: number; auc: number };
          fast: { learningRate: number; auc: number };
        } | null;
      }
    | undefined;
  if (!sch?.budgeted) return '';
  const ladder = sch.ladder?.length
    ? ` GBDT rounds checked on the newest fold at growing size: ${sch.ladder.map((x) => `${x.rows} contacts → ${x.nRounds}`).join(', ')}.`
    : '';
  const r = sch.rate;
  // Which rate shipped changes the model's size and smoothness: say it, with the evidence.
  const rate = r
    ? ` GBDT learning rate compared on fold ${(r.fold ?? 0) + 1}: ${r.base.learningRate} (AUC ${r.base.auc.toFixed(4)}) vs ${r.fast.learningRate} (AUC ${r.fast.auc.toFixed(4)}); ${r.chosen} used for every later fit.`
    : '';
  return `<p class="muted">Large data (over ${esc(String(sch.threshold))} labelled contacts): each fold was fitted on a time-stratified sample of at most ${esc(String(sch.trainCap))} contacts of its window and scored on at most ${esc(String(sch.testCap))} of its block; the shipped model uses all of them.${esc(ladder)}${esc(rate)}</p>`;
}

function verdictBanner(r: StoredReport): string {
  const v = r.verdict;
  if (!v || v.ok) return '';
  return `<div class="alert" role="alert"><b>This model has no usable signal.</b> ${esc(v.message)} ${
    v.published
      ? 'It was published anyway, as the admin asked.'
      : 'It was not published: the previous model keeps scoring.'
  }</div>`;
}

export interface ReportPageData {
  published: StoredModel | null;
  report: StoredReport | null;
  models: StoredModel[];
  stats: TierStat[];
  feedback: FeedbackRow[];
  /** Population stability index between held-out and current open scores. */
  drift: number | null;
  /** The newest version and its report, when it is not the published one (e.g. no signal). */
  latest?: StoredModel | null;
  latestReport?: StoredReport | null;
  /** The published version's charts (src/pipeline/charts.ts). */
  charts?: ModelCharts | null;
  /** Records the CRM refused to write: how many, and the newest (store.listWriteFailures). */
  writeFailures?: { total: number; rows: WriteFailureRow[] };
  /** Deal model versions, oldest first (store.listObjectModels('deal')). */
  dealModels?: StoredModel[];
  /** Account model versions, oldest first, with the stored company scores and the tiers. */
  accounts?: { models: StoredModel[]; scores: ScoreRow[]; tiers: Tier[] };
  /** The deal and account stages of the newest run (why they scored nothing, if so). */
  objectStages?: ObjectStageStatus[];
  /** Each tier priced by the synced won deals, when the admin set capacity and cost per lead. */
  economics?: EconomicsView | null;
}

/** Per admin segment: its own model or the global one, and why (the training's decision). */
function segmentsSection(r: StoredReport): string {
  const segs = r.segments ?? [];
  if (segs.length === 0) return '';
  return `<h2>Segments</h2>
<table><tr><th>Segment</th><th>Defined by</th><th>Training rows</th><th>Converted</th><th>AUC, own model</th><th>AUC, global model</th><th>Model used</th><th>Why</th></tr>
${segs.map((s) => `<tr><td>${esc(s.label)} <span class="muted">${esc(s.key)}</span></td><td>${esc(s.property)} ∈ ${esc(s.values.join(', '))}</td><td>${s.rows}</td><td>${s.positives}</td><td>${fmt.num(s.segmentAuc)}</td><td>${fmt.num(s.globalAuc)}</td><td>${s.decision === 'own' ? `own (${esc(s.modelType ?? '')})` : 'global'}</td><td>${esc(s.why)}</td></tr>`).join('')}
</table>
<p class="muted">Both AUCs are on the segment's own held-out rows, over the same backtest folds.</p>`;
}

/** Expected value per tier from the portal's own won deals (src/pipeline/economics.ts). */
function economicsSection(v: EconomicsView | null | undefined): string {
  if (!v) return '';
  const money = (x: number | null) => (x === null ? '—' : Math.round(x).toLocaleString('en-US'));
  return `<h2>Expected value per tier</h2>
<p class="muted">${v.heldOutLeads} held-out leads priced by ${v.dealsUsed} won deals closed after their scoring moment (within ${v.horizonDays} days)${v.wonWithoutAmount ? `; ${v.wonWithoutAmount} won deals had no amount (counted as 0)` : ''}; cost of working a lead ${money(v.costPerLead)}, capacity ${v.leadsPerWeek} a week. Working a lead pays from score ${v.breakEvenScore}; capacity alone would start the top tier at ${v.capacityScore}.</p>
<table><tr><th>Tier</th><th>From score</th><th>Held-out leads</th><th>Win rate</th><th>Revenue per lead</th><th>Expected value per lead</th><th>Leads a week</th><th>Expected value a week</th></tr>
${v.tiers.map((t) => `<tr><td>${esc(t.label)}</td><td>${t.minScore}</td><td>${t.leads}</td><td>${fmt.pct(t.winRate)}</td><td>${money(t.revenuePerLead)}</td><td>${money(t.evPerLead)}</td><td>${t.weeklyLeads === null ? '—' : t.weeklyLeads.toFixed(1)}</td><td>${money(t.weeklyEv)}</td></tr>`).join('')}
</table>`;
}

/** Write failures: each record, the CRM's reason, since when, and what to do about it. */
function failuresSection(f: ReportPageData['writeFailures']): string {
  if (!f || f.total === 0) return '';
  const rows = f.rows
    .map(
      (r) =>
        `<tr><td>${esc(r.objectType)} ${esc(r.id)}</td><td><b>${esc(r.code)}</b> ${esc(r.message)}</td><td>${esc(r.failedAt)}${r.retryable ? ` <span class="muted">(${r.attempts} ${r.attempts === 1 ? 'try' : 'tries'})</span>` : ''}</td><td>${esc(writeFailureHint(r.code, r.retryable))}</td></tr>`,
    )
    .join('');
  return `<h2 id="write-failures">Records the CRM refused (${f.total})</h2>
<div class="alert" role="alert">The CRM refused to write ${f.total} record${f.total === 1 ? '' : 's'}: they keep their old LeadLens values there.${f.rows.length < f.total ? ` The newest ${f.rows.length} are listed; <code>leadlens status</code> lists them too.` : ''}</div>
<table><tr><th>Record</th><th>Reason</th><th>Refused since</th><th>What to do</th></tr>${rows}</table>`;
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

/** The deal and account sections, each with the newest run's skip reason when it had one. */
function objectSections(d: ReportPageData): string {
  const stages = d.objectStages ?? [];
  const deals = d.dealModels
    ? dealModelSection(d.dealModels).replace(
        '<h2 id="deal-model">Deal model</h2>',
        `<h2 id="deal-model">Deal model</h2>\n${stageSkipNote(stages, 'deals')}`,
      )
    : '';
  return (
    deals +
    (d.accounts ? accountModelSection({ ...d.accounts, stages }) : '') +
    stageSkipNote(stages, 'members')
  );
}

export function renderReportPage(d: ReportPageData): string {
  if (!d.published || !d.report) {
    const banner = d.latestReport ? verdictBanner(d.latestReport) : '';
    return page(
      'LeadLens — model report',
      (banner
        ? `${banner.replace('This model', `Model v${d.latest?.version ?? ''}`)}<h1>Model report</h1><p>No model is published.</p>`
        : '<h1>Model report</h1><p>No model has been trained yet. Run <code>leadlens run</code>.</p>') +
        failuresSection(d.writeFailures) +
        objectSections(d),
    );
  }
  const r = d.report;
  const m = r.metrics as Record<string, unknown>;
  const deciles = (m.liftByDecile as DecileRow[] | undefined) ?? [];
  const calib = (m.calibrationTable as CalibrationRow[] | undefined) ?? [];
  const tierCuts = (m.atTiers as TierCutRow[] | undefined) ?? [];
  const maxLift = Math.max(1, ...deciles.map((x) => x.lift));
  const kpi = (label: string, value: string) =>
    `<div class="kpi"><span class="muted">${esc(label)}</span><b>${esc(value)}</b></div>`;
  const body = `
${d.latest && d.latest.version !== d.published.version && d.latestReport ? verdictBanner(d.latestReport).replace('This model', `Model v${d.latest.version}`) : ''}
${verdictBanner(r)}
<h1>Model v${d.published.version} · ${esc(r.modelType)}</h1>
<p class="muted">Trained ${esc(d.published.trainedAt)} on ${r.trainingRows} contacts
(${esc(r.trainingWindow.from.slice(0, 10))} → ${esc(r.trainingWindow.to.slice(0, 10))}),
conversion = ${esc(r.conversion.kind)} within ${r.conversion.horizonDays} days;
${r.censored} contacts too young to have an outcome were left out (censored, not counted as losses).</p>
<div class="kpis">
${r.backtest ? kpi(`AUC (backtests, ${r.backtest.folds.length} folds)`, `${fmt.num(r.backtest.meanAuc)} ± ${fmt.num(r.backtest.seAuc)}`) : ''}
${kpi(r.backtest ? 'AUC (out of fold, pooled)' : 'AUC (time-held-out)', fmt.num(r.metrics.auc))}
${kpi('PR AUC', fmt.num(r.metrics.prAuc ?? null))}
${kpi('Lift, top decile', fmt.num(r.metrics.liftTopDecile ?? null, 2) + '×')}
${kpi('Brier', fmt.num(r.metrics.brier ?? null))}
${kpi('ECE', fmt.num(r.metrics.ece ?? null))}
${kpi('Conversion rate', fmt.pct(r.conversionRate))}
${kpi('Drift (PSI)', d.drift === null ? '—' : d.drift.toFixed(3))}
</div>
${failuresSection(d.writeFailures)}
${d.charts ? chartsSection(d.charts) : ''}
<p class="muted">Every version's charts and model card: <a href="/report/governance">Governance</a>.</p>
${backtestSection(r)}
<h2>Precision and recall at each tier cut-off (out of fold)</h2>
${tierCuts.length === 0 ? '<p class="muted">Not recorded for this version.</p>' : `<table><tr><th>Tier</th><th>Score ≥</th><th>Contacts called</th><th>Precision</th><th>Recall</th></tr>${tierCuts.map((t) => `<tr><td>${esc(t.tier)}</td><td>${t.min}</td><td>${t.predictedPositive}</td><td>${fmt.pct(t.precision)}</td><td>${fmt.pct(t.recall)}</td></tr>`).join('')}</table>`}
<h2>Lift by decile (${r.backtest ? 'out of fold' : 'test slice'})</h2>
<table><tr><th>Decile</th><th>Contacts</th><th>Conversion</th><th>Lift</th></tr>
${deciles.map((x) => `<tr><td>${x.decile}</td><td>${x.count}</td><td>${fmt.pct(x.conversionRate)}</td><td><span class="bar" style="width:${Math.round((x.lift / maxLift) * 200)}px"></span> ${x.lift.toFixed(2)}×</td></tr>`).join('')}
</table>
<h2>Calibration (${r.backtest ? 'out of fold' : 'test slice'})</h2>
<table><tr><th>Predicted</th><th>Contacts</th><th>Mean predicted</th><th>Observed</th></tr>
${calib.map((c) => `<tr><td>${fmt.pct(c.lo, 0)}–${fmt.pct(c.hi, 0)}</td><td>${c.count}</td><td>${fmt.pct(c.count ? c.meanPredicted : null)}</td><td>${fmt.pct(c.count ? c.observedRate : null)}</td></tr>`).join('')}
</table>
<h2>Tiers</h2>
<table><tr><th>Tier</th><th>From score</th><th>Open contacts</th><th>Share</th><th>Held-out conversion</th></tr>
${d.stats.map((s) => `<tr><td>${esc(s.label)} <span class="muted">${esc(s.value)}</span></td><td>${s.minScore}</td><td>${s.count}</td><td>${fmt.pct(s.share)}</td><td>${fmt.pct(s.historicalConversionRate)}</td></tr>`).join('')}
</table>
${economicsSection(d.economics)}
${segmentsSection(r)}
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
${objectSections(d)}
<h2>Feedback from reps (${d.feedback.length})</h2>
${d.feedback.length === 0 ? '<p>No feedback yet.</p>' : `<table><tr><th>When</th><th>Record</th><th>Score</th><th>Says</th><th>Comment</th></tr>${d.feedback.map((f) => `<tr><td>${esc(f.createdAt)}</td><td>${esc(f.objectType)} ${esc(f.recordId)}</td><td>${esc(f.score ?? '—')}</td><td>${esc(f.kind)}</td><td>${esc(f.comment)}</td></tr>`).join('')}</table>`}
`;
  return page('LeadLens — model report', body);
}
