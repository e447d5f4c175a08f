/**
 * LeadLens deal card (crm.record.sidebar on deals): the likelihood that this open deal closes
 * won, its tier and the factors behind it, read from the deal's `leadlens_deal_*` properties
 * with no backend call, through the same card view as the lead card.
 */
import { EmptyState, Flex, Text, hubspot, useExtensionContext } from '@hubspot/ui-extensions';
import { useCrmProperties } from '@hubspot/ui-extensions/crm';
import { cardFromProps, cardPropsOf, objectCardProperties, toCardView } from './card-view';
import { CardLoadError, CardLoading, ScoreDetails } from './score-parts';

const PROPS = objectCardProperties('deal');
const TIER = 'leadlens_deal_tier';

hubspot.extend<'crm.record.sidebar'>(() => <DealScoreCard />);

export function DealScoreCard({ now = () => new Date() }: { now?: () => Date }) {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const record = { objectType: 'deal' as const, objectId: String(context.crm.objectId) };
  const own = useCrmProperties(PROPS);
  const formatted = useCrmProperties([TIER], { propertiesToFormat: [TIER] });
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
  const card = cardFromProps(
    record,
    record,
    cardPropsOf('deal', own.properties),
    formatted.properties[TIER] ?? null,
  );
  const view = toCardView(card, now());
  if (view.kind === 'not_scored') {
    return (
      <EmptyState title="Not scored" layout="vertical" imageName="deals">
        <Text>
          LeadLens scores open deals once the portal has enough closed deals to learn from. Closed
          deals are not scored.
        </Text>
      </EmptyState>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      <ScoreDetails view={view} sourceNote={null} label="Likelihood to close won" />
    </Flex>
  );
}
