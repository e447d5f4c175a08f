/**
 * The scored half of every LeadLens card (Lead, Contact, Opportunity, Account): score, tier,
 * bar, change, the factors that add up to the score, a note when the factors are missing or
 * say little, and the small print. It renders a `salesforceCard()` result of
 * `c/leadLensCardView` (the HubSpot card's view code) as it is, so the three record cards show
 * factors one way and compute nothing of their own.
 */
import { LightningElement, api } from 'lwc';
import { SLDS_BAR_CLASS, SLDS_TAG_CLASS } from 'c/leadLensCardView';

const withKeys = (lines, side) => lines.map((f, i) => ({ ...f, key: `${side}-${i}-${f.field}` }));

/** The factor lists shown, raising first: one template renders both, an empty one not at all. */
const factorLists = (view) =>
  [
    { id: 'positives', label: 'Raising the score', factors: withKeys(view.positives, 'up') },
    { id: 'negatives', label: 'Lowering the score', factors: withKeys(view.negatives, 'down') },
  ].filter((list) => list.factors.length > 0);

export default class LeadLensScoreDetails extends LightningElement {
  /** A `salesforceCard()` result whose view is scored. */
  @api card;
  /** What the number is: "LeadLens score", "Likelihood to close won", … */
  @api label = 'LeadLens score';

  get scored() {
    const card = this.card;
    const view = card ? card.view : null;
    if (!view || view.kind !== 'scored') return null;
    return {
      score: view.score,
      tierLabel: view.tier ? view.tier.label : null,
      tierClass: SLDS_TAG_CLASS[view.tier ? view.tier.variant : 'default'],
      barClass: SLDS_BAR_CLASS[view.barVariant],
      barStyle: `width: ${view.score}%`,
      barDescription: `${view.score} / 100`,
      change: view.change,
      changeClass: view.change ? `trend trend-${view.change.direction}` : 'trend',
      changeArrow: view.change && view.change.direction === 'increase' ? '▲' : '▼',
      factorLists: factorLists(view),
      note: card.note ? card.note.text : null,
      noteKind: card.note ? card.note.kind : null,
      meta: card.meta,
    };
  }
}
