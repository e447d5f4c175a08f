/**
 * The model report's account section (issue 16), beside the deal section: the account model
 * versions (company models number their own), the published one's backtest AUC against the
 * naive baselines on the same folds (best contact score alone, committee size alone), the
 * companies per tier, the factors that move account scores most, and why the last run scored no
 * companies when it did not (a missing CRM permission, no signal, too little history).
 */
import type { ObjectStageStatus } from '../contracts/functions';
import type { Tier } from '../contracts/settings';
import type { AccountFoldReport } from '../pipeline/objects/account-report';
import type { ScoreRow, StoreOps, StoredModel } from '../store/port';
import { esc, fmt } from './html';

/** The fields of a stored account model report this section reads (account-job.ts writes it). */
interface AccountReport {
  kind?: 'account';
  chosen?: string;
  verdict?: { code?: string; message?: string };
  backtest?: { meanAuc?: number | null };
  trainingRows?: number;
  positives?: number;
  horizonDays?: number;
  contactModelVersion?: number | null;
  baselines?: {
    folds: AccountFoldReport[];
    bestContactAuc: number | null;
    committeeSizeAuc: number | null;
  };
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

function parse(m: StoredModel): AccountReport {
  try {
    return JSON.parse(m.report) as AccountReport;
  } catch {
    return {};
  }
}

const STAGE_TITLE = {
  deals: 'Deal scores',
  accounts: 'Account scores',
  members: 'Scores on Contacts created on Accounts',
} as const;

/** A stage the newest run skipped, as an alert (used by the deal section and the report too). */
export function stageSkipNote(
  stages: readonly ObjectStageStatus[],
  stage: ObjectStageStatus['stage'],
) {
  const s = stages.find((x) => x.stage === stage);
  if (!s?.skipped) return '';
  return `<div class="alert" role="alert" id="${stage}-skipped"><b>${STAGE_TITLE[stage]} were skipped in the run of ${esc(s.at)}.</b> ${esc(s.skipped)}</div>`;
}

/** Mean points of each factor over the scored companies' shown factors, strongest first. */
function topFactors(rows: readonly ScoreRow[], n = 8) {
  const sum = new Map<string, { points: number; count: number }>();
  for (const row of rows) {
    let top: Array<{ label: string; points: number }> = [];
    try {
      top = (JSON.parse(row.factors) as { top?: typeof top }).top ?? [];
    } catch {
      continue;
    }
    for (const f of top) {
      const s = sum.get(f.label) ?? { points: 0, count: 0 };
      sum.set(f.label, { points: s.points + f.points, count: s.count + 1 });
    }
  }
  return [...sum.entries()]
    .map(([label, s]) => ({ label, count: s.count, mean: s.points / s.count, total: s.points }))
    .sort((a, b) => Math.abs(b.total) - Math.abs(a.total))
    .slice(0, n);
}

export function accountModelSection(d: {
  models: readonly StoredModel[];
  /** The stored company scores (the current run's). */
  scores: readonly ScoreRow[];
  tiers: readonly Tier[];
  stages: readonly ObjectStageStatus[];
}): string {
  const skip = stageSkipNote(d.stages, 'accounts');
  if (d.models.length === 0) {
    return `<h2 id="account-model">Account model</h2>
${skip}<p class="muted">No account model yet: <code>leadlens run</code> (or <code>leadlens accounts</code>) trains one on the companies' committees and outcomes.</p>`;
  }
  const published = [...d.models].reverse().find((m) => m.status === 'published') ?? null;
  const r = published ? parse(published) : null;
  const b = r?.baselines;
  const head =
    published && r
      ? `<p>Account model v${published.version} · ${esc(r.chosen ?? published.modelType)}, trained ${esc(published.trainedAt)} on ${r.trainingRows ?? '—'} company moments (${r.positives ?? '—'} won a deal within ${r.horizonDays ?? '—'} days)${r.contactModelVersion ? `; committee contact scores from contact model v${r.contactModelVersion}` : ''}. Backtest AUC <b>${fmt.num(r.backtest?.meanAuc ?? null)}</b> against <b>${fmt.num(b?.bestContactAuc ?? null)}</b> for the best contact score alone and <b>${fmt.num(b?.committeeSizeAuc ?? null)}</b> for the committee size alone, on the same folds.</p>
${
  b && b.folds.length
    ? `<table><tr><th>Fold</th><th>Test block from</th><th>Test rows</th><th>Won</th><th>Account model AUC</th><th>Best contact alone</th><th>Committee size alone</th></tr>
${b.folds.map((f) => `<tr><td>${f.fold}</td><td>${esc(day(f.origin))}</td><td>${f.test}</td><td>${f.testPositives}</td><td>${fmt.num(f.auc)}</td><td>${fmt.num(f.bestContactAuc)}</td><td>${fmt.num(f.committeeSizeAuc)}</td></tr>`).join('')}
</table>`
    : '<p class="muted">No per-fold baselines recorded for this version.</p>'
}`
      : '<p class="muted">No account model is published (the newest had no signal).</p>';
  const byTier = new Map<string, number>();
  for (const s of d.scores) byTier.set(s.tier, (byTier.get(s.tier) ?? 0) + 1);
  const tiers = d.scores.length
    ? `<h3>Companies per tier</h3>
<table><tr><th>Tier</th><th>From score</th><th>Companies</th><th>Share</th></tr>
${d.tiers.map((t) => `<tr><td>${esc(t.label)} <span class="muted">${esc(t.value)}</span></td><td>${t.minScore}</td><td>${byTier.get(t.value) ?? 0}</td><td>${fmt.pct((byTier.get(t.value) ?? 0) / d.scores.length)}</td></tr>`).join('')}
</table>`
    : '<p class="muted">No company is scored yet.</p>';
  const factors = topFactors(d.scores);
  const factorTable = factors.length
    ? `<h3>Top factors across scored companies</h3>
<table><tr><th>Factor</th><th>Companies where it is shown</th><th>Mean points</th></tr>
${factors.map((f) => `<tr><td>${esc(f.label)}</td><td>${f.count}</td><td>${f.mean >= 0 ? '+' : ''}${f.mean.toFixed(1)}</td></tr>`).join('')}
</table>`
    : '';
  return `<h2 id="account-model">Account model</h2>
${skip}${head}
${tiers}
${factorTable}
<table><tr><th>Version</th><th>Type</th><th>Status</th><th>Trained</th><th>Company moments</th><th>AUC</th><th>Best contact alone</th><th>Verdict</th></tr>
${d.models
  .map((m) => {
    const x = parse(m);
    return `<tr><td>v${m.version}</td><td>${esc(m.modelType)}</td><td>${esc(m.status)}</td><td>${esc(m.trainedAt)}</td><td>${x.trainingRows ?? '—'}</td><td>${fmt.num(x.backtest?.meanAuc ?? null)}</td><td>${fmt.num(x.baselines?.bestContactAuc ?? null)}</td><td>${esc(x.verdict?.code ?? '—')}</td></tr>`;
  })
  .join('')}
</table>`;
}

/** The stored company scores, paged (the section counts tiers and factors over all of them). */
export async function companyScores(
  store: Pick<StoreOps, 'listScores'>,
  max = 20_000,
): Promise<ScoreRow[]> {
  const out: ScoreRow[] = [];
  let afterId: string | null = null;
  while (out.length < max) {
    const page = await store.listScores('company', { afterId, limit: 1000 });
    out.push(...page);
    if (page.length < 1000) break;
    afterId = page[page.length - 1]!.id;
  }
  return out;
}
