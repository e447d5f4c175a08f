/**
 * LeadLens deal card (crm.record.sidebar on deals): the likelihood that this open deal closes
 * won, its tier and the factors behind it, read from the deal's `leadlens_deal_*` properties
 * with no backend call, through the same card view as the lead card. **Refresh score** re-scores
 * the deal now with the published deal model (`score-record`, objectType deal); a closed deal
 * has no refresh (LeadLens scores open deals only) and keeps its last score, said so.
 */
import { EmptyState, Flex, Text, hubspot, useExtensionContext } from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { cardFromProps, cardPropsOf, objectCardProperties, toCardView } from './card-view';
import { DISTRIBUTION } from './distribution';
import type { Serverless } from './FeedbackForm';
import { useObjectRefresh } from './object-refresh';
import { CardLoadError, CardLoading, ScoreDetails } from './score-parts';
import { functionCaller } from './transport';

/** HubSpot's own flag, true once the deal is in a closed-won or closed-lost stage. */
const CLOSED = 'hs_is_closed';
const PROPS = [...objectCardProperties('deal'), CLOSED];
const TIER = 'leadlens_deal_tier';

hubspot.extend<'crm.record.sidebar'>(() => (
  <DealScoreCard serverless={functionCaller(DISTRIBUTION, hubspot)} />
));

export function DealScoreCard({
  serverless,
  now = () => new Date(),
}: {
  serverless: Serverless;
  now?: () => Date;
}) {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const record = { objectType: 'deal' as const, objectId: String(context.crm.objectId) };
  const own = useCrmProperties(PROPS);
  const formatted = useCrmProperties([TIER], { propertiesToFormat: [TIER] });
  const refresh = useObjectRefresh(record, serverless);
  if (own.isLoading) return <CardLoading label="Loading the deal score…" />;
  if (own.error) {
    return (
      <CardLoadError
        title="Could not load the LeadLens deal score."
        error={own.error}
        fallback="HubSpot did not return the deal properties."
        retry={() => void own.refetch()}
      />
    );
  }
  const closed = own.properties[CLOSED] === 'true' || refresh.closed;
  const card =
    refresh.refreshed ??
    cardFromProps(
      record,
      record,
      cardPropsOf('deal', own.properties),
      formatted.properties[TIER] ?? null,
    );
  const view = toCardView(card, now());
  // A closed deal is not scored again: no button, and the reason in its place.
  const action = closed ? null : refresh.button;
  if (view.kind === 'not_scored') {
    return (
      <Flex direction="column" gap="sm">
        {closed ? (
          <EmptyState title="Not scored" layout="vertical" imageName="deals">
            <Text>This deal is closed. LeadLens scores open deals only.</Text>
          </EmptyState>
        ) : refresh.noModel ? (
          <EmptyState title="No deal model yet" layout="vertical" imageName="deals">
            <Text>
              LeadLens trains a deal model once the portal has enough closed deals, won and lost, to
              learn from. Until then open deals have no score.
            </Text>
          </EmptyState>
        ) : (
          <EmptyState title="Not scored yet" layout="vertical" imageName="deals">
            <Text>
              LeadLens scores open deals once the portal has enough closed deals to learn from.
              Scores appear after the next scoring run, or refresh this one now.
            </Text>
          </EmptyState>
        )}
        {action}
        {refresh.notice}
      </Flex>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      <ScoreDetails view={view} sourceNote={null} label="Likelihood to close won" />
      {closed ? (
        <Text variant="microcopy" testId="closed-note">
          This deal is closed. The score is from its last scoring while it was open; LeadLens does
          not score closed deals.
        </Text>
      ) : null}
      {action}
      {refresh.notice}
    </Flex>
  );
}
