/** The scored-contacts list: score, tier, top reasons and a link to each card preview. */
import type { ModelSummary } from '../../contracts/functions';
import type { Tier } from '../../contracts/settings';
import type { ScoreRow } from '../../store/port';
import { parseFactorsPayload } from '../../../cards/card-view';
import { factorsView } from '../../../cards/factors-view';
import { esc, page } from '../html';
import { CARD_CSS, tierTag } from './card-page';

export interface ContactsPageOptions {
  /** How many scored contacts exist in all (rows may be the first page only). */
  total?: number;
  tiers?: readonly Tier[];
  cardHref?: (id: string) => string;
}

const TOP_REASONS = 2;

/** The strongest reasons through the one factors view, with what makes them add up. */
function topReasons(row: ScoreRow): string {
  const view = factorsView(parseFactorsPayload(row.factors), row.score, TOP_REASONS);
  if (!view) return esc(row.reasons.split('\n').slice(0, TOP_REASONS).join(' · '));
  const lines = view.shown.map(
    (f) =>
      `<span class="${f.points >= 0 ? 'll-pos' : 'll-neg'}">${esc(f.pointsText)}</span> ${esc(f.reason)}`,
  );
  lines.push(
    `<span class="muted">baseline ${esc(view.base)}${view.otherPointsText ? `, other factors ${esc(view.otherPointsText)}` : ''}</span>`,
  );
  return lines.join('<br>');
}

export function renderContactsPage(
  rows: readonly ScoreRow[],
  model: ModelSummary | null,
  opts: ContactsPageOptions = {},
): string {
  const href = opts.cardHref ?? ((id: string) => `/contacts/${encodeURIComponent(id)}`);
  const tierOf = (value: string) => ({
    value,
    label: opts.tiers?.find((t) => t.value === value)?.label ?? value,
  });
  const summary = model
    ? `Model v${esc(model.version)} (${esc(model.modelType)}), trained ${esc(model.trainedAt)}${
        model.auc !== null ? `, AUC ${esc(model.auc.toFixed(3))}` : ''
      }.`
    : 'No model is published yet.';
  const total = opts.total ?? rows.length;
  const body = rows
    .map(
      (
        r,
      ) => `<tr data-contact="${esc(r.id)}"><td><a href="${esc(href(r.id))}">#${esc(r.id)}</a></td>
<td><b>${esc(r.score)}</b></td><td>${tierTag(tierOf(r.tier))}</td><td>${topReasons(r)}</td>
<td class="muted">v${esc(r.modelVersion)}</td></tr>`,
    )
    .join('');
  return page(
    'LeadLens — scored contacts',
    `<style>${CARD_CSS}.ll-pos,.ll-neg{font-weight:700}</style>
<h1>Scored contacts</h1><p class="muted">${summary} Showing ${rows.length} of ${esc(total)}.</p>
${
  rows.length === 0
    ? '<p>No contact is scored yet. Run sync, train and score first.</p>'
    : `<table><thead><tr><th>Contact</th><th>Score</th><th>Tier</th><th>Top reasons</th><th>Model</th></tr></thead><tbody>${body}</tbody></table>`
}`,
  );
}
