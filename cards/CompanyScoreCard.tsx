/**
 * LeadLens account card (crm.record.sidebar on companies): how likely this company is to buy,
 * its tier and the factors behind it, read from the company's `leadlens_account_*` properties
 * with no backend call, and the buying committee — the company's contacts with their role,
 * seniority and own LeadLens score — read through HubSpot's associations. **Refresh score**
 * re-scores the company now with the published account model (`score-record`, objectType
 * company) and shows the card it answers.
 */
import {
  Button,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  LoadingSpinner,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Tag,
  Text,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import { useAssociations, useCrmProperties } from '@hubspot/ui-extensions/crm';
import {
  cardFromProps,
  cardPropsOf,
  metaLine,
  objectCardProperties,
  toCardView,
} from './card-view';
import { COMMITTEE_PROPERTIES, toCommitteeView, type CommitteeView } from './committee-view';
import { DISTRIBUTION } from './distribution';
import type { Serverless } from './FeedbackForm';
import { useObjectRefresh } from './object-refresh';
import { FactorList, ScoreSummary } from './score-parts';
import { functionCaller } from './transport';

const PROPS = objectCardProperties('company');
const TIER = 'leadlens_account_tier';
/** HubSpot's contact object type id. */
const CONTACTS = '0-1';
/** Members listed; a bigger committee pages. */
const PAGE = 10;

hubspot.extend<'crm.record.sidebar'>(() => (
  <CompanyScoreCard serverless={functionCaller(DISTRIBUTION, hubspot)} />
));

export function CompanyScoreCard({
  serverless,
  now = () => new Date(),
}: {
  serverless: Serverless;
  now?: () => Date;
}) {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const record = { objectType: 'company' as const, objectId: String(context.crm.objectId) };
  const own = useCrmProperties(PROPS);
  const refresh = useObjectRefresh(record, serverless);
  const formatted = useCrmProperties([TIER], { propertiesToFormat: [TIER] });
  const committee = useAssociations({
    toObjectType: CONTACTS,
    properties: COMMITTEE_PROPERTIES,
    pageLength: PAGE,
  });
  const labels = useAssociations(
    { toObjectType: CONTACTS, properties: ['leadlens_tier', 'hs_buying_role'], pageLength: PAGE },
    { propertiesToFormat: ['leadlens_tier', 'hs_buying_role'] },
  );
  if (own.isLoading) return <LoadingSpinner label="Loading the account score…" layout="centered" />;
  if (own.error) {
    return (
      <ErrorState title="Could not load the LeadLens account score.">
        <Text>{own.error.message || 'HubSpot did not return the company properties.'}</Text>
        <Button onClick={() => void own.refetch()}>Try again</Button>
      </ErrorState>
    );
  }
  const card =
    refresh.refreshed ??
    cardFromProps(
      record,
      record,
      cardPropsOf('company', own.properties),
      formatted.properties[TIER] ?? null,
    );
  const view = toCardView(card, now());
  const members = (
    <Committee
      loading={committee.isLoading}
      error={committee.error}
      retry={() => void committee.refetch()}
      view={toCommitteeView(committee.results, labels.error ? [] : labels.results)}
      more={committee.pagination.hasNextPage}
      next={() => {
        committee.pagination.nextPage();
        labels.pagination.nextPage();
      }}
    />
  );
  if (view.kind === 'not_scored') {
    return (
      <Flex direction="column" gap="sm">
        {refresh.noModel ? (
          <EmptyState title="No account model yet" layout="vertical" imageName="companies">
            <Text>
              LeadLens trains an account model once the portal has enough companies with won and
              lost deals to learn from. Until then companies have no account score.
            </Text>
          </EmptyState>
        ) : (
          <EmptyState title="Not scored" layout="vertical" imageName="companies">
            <Text>
              LeadLens scores companies with at least one contact once the portal has enough won and
              lost deals to learn from. Scores appear after the next scoring run, or refresh this
              one now.
            </Text>
          </EmptyState>
        )}
        {refresh.button}
        {refresh.notice}
        {members}
      </Flex>
    );
  }
  return (
    <Flex direction="column" gap="sm">
      <ScoreSummary view={view} sourceNote={null} label="Likelihood to buy" />
      <FactorList title="Raising the score" factors={view.positives} />
      <FactorList title="Lowering the score" factors={view.negatives} />
      <Text variant="microcopy" testId="score-meta">
        {metaLine(view)}
      </Text>
      {refresh.button}
      {refresh.notice}
      {members}
    </Flex>
  );
}

function Committee({
  loading,
  error,
  retry,
  view,
  more,
  next,
}: {
  loading: boolean;
  error: Error | null;
  retry: () => void;
  view: CommitteeView;
  more: boolean;
  next: () => void;
}) {
  if (loading) return <LoadingSpinner label="Loading the buying committee…" />;
  if (error) {
    return (
      <ErrorState title="Could not load the buying committee.">
        <Text>{error.message || 'HubSpot did not return the associated contacts.'}</Text>
        <Button onClick={retry}>Try again</Button>
      </ErrorState>
    );
  }
  if (view.members.length === 0) {
    return <Text testId="committee-empty">No contacts are associated with this company yet.</Text>;
  }
  return (
    <Flex direction="column" gap="xs">
      <Heading>Buying committee</Heading>
      <Text variant="microcopy" testId="committee-summary">
        {`${view.members.length}${more ? '+' : ''} contacts, ${view.senior} director level or above, ${view.scored} scored`}
      </Text>
      <Table bordered={false}>
        <TableHead>
          <TableRow>
            <TableHeader>Contact</TableHeader>
            <TableHeader>Role</TableHeader>
            <TableHeader>Score</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {view.members.map((m) => (
            <TableRow key={m.id}>
              <TableCell>
                <Text format={{ fontWeight: 'demibold' }}>{m.name}</Text>
                <Text variant="microcopy">{m.title ?? 'No job title'}</Text>
              </TableCell>
              <TableCell>
                <Text>{m.seniority}</Text>
                {m.role ? <Text variant="microcopy">{m.role}</Text> : null}
              </TableCell>
              <TableCell>
                {m.score === null ? (
                  <Text variant="microcopy">Not scored</Text>
                ) : (
                  <Flex direction="row" gap="xs" align="center">
                    <Text>{String(m.score)}</Text>
                    {m.tier ? <Tag variant={m.tier.variant}>{m.tier.label}</Tag> : null}
                  </Flex>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {more ? (
        <Button variant="transparent" onClick={next}>
          Next contacts
        </Button>
      ) : null}
    </Flex>
  );
}
