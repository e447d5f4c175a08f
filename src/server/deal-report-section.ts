/**
 * The model report's deal-model section: the deal model versions (each object type numbers its
 * own), and for the published one its backtest folds with the model's AUC beside the stage
 * baseline's on the same rows — by how much the deal model beats "the stage alone".
 */
import type { DealModelReport } from '../pipeline/objects/deal-report';
import type { StoredModel } from '../store/port';
import { esc, fmt } from './html';

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

function parse(m: StoredModel): DealModelReport | null {
  try {
    const r = JSON.parse(m.report) as DealModelReport;
    return r.kind === 'deal' ? r : null;
  } catch {
    return null;
  }
}

export function dealModelSection(models: readonly StoredModel[]): string {
  if (models.length === 0) {
    return `<h2 id="deal-model">Deal model</h2>
<p class="muted">No deal model yet: <code>leadlens run</code> (or <code>leadlens deals</code>) trains one once the portal has enough closed deals.</p>`;
  }
  const published = [...models].reverse().find((m) => m.status === 'published') ?? null;
  const r = published ? parse(published) : null;
  const head = r
    ? `<p>Deal model v${published!.version} · ${esc(r.chosen)}, trained ${esc(published!.trainedAt)} on ${r.closedDeals} closed deals (${r.won} won, ${r.lost} lost) seen at ${r.trainingRows} moments while still open. Backtest AUC <b>${fmt.num(r.backtest.meanAuc)}</b> ± ${fmt.num(r.backtest.seAuc)} against <b>${fmt.num(r.stageBaseline.meanAuc)}</b> for the stage alone (${esc(r.stageBaseline.method)}).</p>
<table><tr><th>Fold</th><th>Trained on</th><th>Test block from</th><th>Test rows</th><th>Won</th><th>Deal model AUC</th><th>Stage alone AUC</th></tr>
${r.backtest.folds.map((f) => `<tr><td>${f.fold}</td><td>${f.train}</td><td>${esc(day(f.origin))}</td><td>${f.test}</td><td>${f.testPositives}</td><td>${fmt.num(f.auc)}</td><td>${fmt.num(f.stageAuc)}</td></tr>`).join('')}
</table>`
    : '<p class="muted">No deal model is published (the newest had no signal).</p>';
  return `<h2 id="deal-model">Deal model</h2>
${head}
<table><tr><th>Version</th><th>Type</th><th>Status</th><th>Trained</th><th>Closed deals</th><th>AUC</th><th>Stage alone</th><th>Verdict</th></tr>
${models
  .map((m) => {
    const x = parse(m);
    return `<tr><td>v${m.version}</td><td>${esc(m.modelType)}</td><td>${esc(m.status)}</td><td>${esc(m.trainedAt)}</td><td>${x?.closedDeals ?? '—'}</td><td>${fmt.num(x?.backtest.meanAuc)}</td><td>${fmt.num(x?.stageBaseline.meanAuc)}</td><td>${esc(x?.verdict.code ?? '—')}</td></tr>`;
  })
  .join('')}
</table>`;
}
