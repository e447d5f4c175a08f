/**
 * The card as a self-contained HTML page (demo, self-hosted use, Salesforce): the same view
 * model as the HubSpot card (cards/card-view.ts), so both show the same numbers and words.
 */
import type { CardData } from '../../contracts/functions';
import { metaLine, tierTone, toCardView, type ScoredView } from '../../../cards/card-view';
import type { FactorLine } from '../../../cards/factors-view';
import { esc, page } from '../html';

export interface CardPageOptions {
  title: string;
  /** Shown instead of the card when there is no score. */
  message?: string;
  now?: Date;
}

const TAG_COLORS: Record<string, string> = {
  success: '#00bda5',
  info: '#0091ae',
  warning: '#f5c26b',
  error: '#f2545b',
  default: '#cbd6e2',
};
const BAR_COLORS = { success: '#00bda5', warning: '#f5c26b', danger: '#f2545b' };

export const CARD_CSS = `
.ll-card{background:#fff;border:1px solid #dfe3eb;border-radius:8px;padding:20px;max-width:420px}
.ll-score{display:flex;align-items:center;gap:14px}.ll-score b{font-size:44px;line-height:1}
.ll-tag{border-radius:3px;padding:2px 8px;font-size:13px;font-weight:600;color:#213343}
.ll-track{background:#eaf0f6;border-radius:4px;height:12px;margin:12px 0 4px}
.ll-fill{height:12px;border-radius:4px}
.ll-factors{list-style:none;padding:0;margin:8px 0}.ll-factors li{display:flex;gap:10px;padding:6px 0;border-bottom:1px solid #eaf0f6}
.ll-pts{font-weight:700;min-width:42px;text-align:right}.ll-pos{color:#00a38d}.ll-neg{color:#d93f4c}
.ll-label{font-weight:600}.ll-reason{color:#516f90;font-size:13px}
.ll-change{font-size:14px;font-weight:600}`;

function factorItems(factors: FactorLine[], cls: string): string {
  return factors
    .map(
      (f) => `<li class="ll-factor"><span class="ll-pts ${cls}">${esc(f.pointsText)}</span>
<span><span class="ll-label">${esc(f.label)}</span>${f.value !== null ? ` <span class="muted">(${esc(f.value)})</span>` : ''}<br><span class="ll-reason">${esc(f.reason)}</span></span></li>`,
    )
    .join('');
}

/** A tier as a coloured tag: the admin's label, the colour of its rank (card-view's tierTone). */
export function tierTag(tier: { value: string; label: string }): string {
  const variant = tierTone(tier.value).tag;
  return `<span class="ll-tag" data-tier="${esc(tier.value)}" style="background:${TAG_COLORS[variant]}">${esc(tier.label)}</span>`;
}

export function renderCardBody(view: ScoredView): string {
  const tag = view.tier ? tierTag(view.tier) : '';
  const change = view.change
    ? `<span class="ll-change ${view.change.direction === 'increase' ? 'll-pos' : 'll-neg'}">${esc(view.change.text)}</span>`
    : '';
  const section = (title: string, f: FactorLine[], cls: string) =>
    f.length
      ? `<h3 class="muted">${esc(title)}</h3><ul class="ll-factors">${factorItems(f, cls)}</ul>`
      : '';
  return `<section class="ll-card" data-testid="lead-score-card">
<div class="muted">LeadLens score</div>
<div class="ll-score"><b data-testid="score">${view.score}</b>${tag}${change}</div>
<div class="ll-track" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${view.score}">
<div class="ll-fill" style="width:${view.score}%;background:${BAR_COLORS[view.barVariant]}"></div></div>
<div class="muted">${view.score} / 100</div>
${section('Raising the score', view.positives, 'll-pos')}
${section('Lowering the score', view.negatives, 'll-neg')}
<p class="muted" data-testid="meta">${esc(metaLine(view))}</p>
</section>`;
}

export function renderCardPage(card: CardData | null, opts: CardPageOptions): string {
  let body = `<section class="ll-card" data-testid="lead-score-card"><h2>Not scored yet</h2><p class="muted">${esc(
    opts.message ?? 'This record has no LeadLens score yet.',
  )}</p></section>`;
  if (card) {
    const view = toCardView(card, opts.now ?? new Date());
    if (view.kind === 'scored') {
      const borrowed =
        card.source.objectId !== card.objectId || card.source.objectType !== card.objectType;
      body =
        renderCardBody(view) +
        (borrowed
          ? `<p class="muted">From the associated ${esc(card.source.objectType)} #${esc(card.source.objectId)}</p>`
          : '');
    }
  }
  return page(opts.title, `<style>${CARD_CSS}</style><h1>${esc(opts.title)}</h1>${body}`);
}
