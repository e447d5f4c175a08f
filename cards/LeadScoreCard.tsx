/**
 * LeadLens score card (crm.record.sidebar on contacts and leads). It shows the score from the
 * record's `leadlens_*` properties without any backend call; functions are called only to
 * refresh one record (`score-record`) or to send feedback (`feedback`).
 */
import {
  Button,
  EmptyState,
  Flex,
  Text,
  hubspot,
  useExtensionContext,
} from '@hubspot/ui-extensions';
import { useAssociations, useCrmProperties } from '@hubspot/ui-extensions/crm';
import { useState } from 'react';
import type { CardData } from '../src/contracts/functions';
import {
  CARD_PROPERTIES,
  cardFromProps,
  hasOwnScore,
  isNoModelError,
  toCardView,
} from './card-view';
import { DISTRIBUTION } from './distribution';
import { FeedbackForm, type Serverless } from './FeedbackForm';
import { useScoreRefresh } from './object-refresh';
import { CardLoadError, CardLoading, ScoreDetails } from './score-parts';
import { functionCaller } from './transport';

export type { Serverless } from './FeedbackForm';

export interface RecordRef {
  objectType: 'contact' | 'lead';
  objectId: string;
}

interface LeadScoreCardProps {
  serverless: Serverless;
  now?: () => Date;
}

const LEAD_TYPE_ID = '0-136';
const PROPS = [...CARD_PROPERTIES];
const TIER_LABEL_OPTIONS = { propertiesToFormat: ['leadlens_tier'] };

hubspot.extend<'crm.record.sidebar'>(() => (
  <LeadScoreCard serverless={functionCaller(DISTRIBUTION, hubspot)} />
));

export function LeadScoreCard({ serverless, now = () => new Date() }: LeadScoreCardProps) {
  const context = useExtensionContext<'crm.record.sidebar'>();
  const record: RecordRef = {
    objectType: context.crm.objectTypeId === LEAD_TYPE_ID ? 'lead' : 'contact',
    objectId: String(context.crm.objectId),
  };
  return record.objectType === 'lead' ? (
    <LeadSource record={record} serverless={serverless} now={now} />
  ) : (
    <ContactSource record={record} serverless={serverless} now={now} />
  );
}

interface SourceProps {
  record: RecordRef;
  serverless: Serverless;
  now: () => Date;
}

function Loading() {
  return <CardLoading label="Loading the LeadLens score…" />;
}

function LoadError({ error, retry }: { error: Error; retry: () => void }) {
  return (
    <CardLoadError
      title="Could not load the LeadLens score."
      error={error}
      fallback="HubSpot did not return the record properties."
      retry={retry}
    />
  );
}

function ContactSource({ record, serverless, now }: SourceProps) {
  const own = useCrmProperties(PROPS);
  const formatted = useCrmProperties(['leadlens_tier'], TIER_LABEL_OPTIONS);
  if (own.isLoading) return <Loading />;
  if (own.error) return <LoadError error={own.error} retry={() => void own.refetch()} />;
  const tierLabel = formatted.properties.leadlens_tier ?? null;
  return (
    <ScoreBody
      record={record}
      serverless={serverless}
      now={now}
      card={cardFromProps(record, record, own.properties, tierLabel)}
    />
  );
}

/**
 * A lead (0-136) shows its own score, else the score of an associated contact. Either way the
 * tier's label is the property's formatted value: the option label the admin's settings wrote.
 */
function LeadSource({ record, serverless, now }: SourceProps) {
  const own = useCrmProperties(PROPS);
  const ownLabel = useCrmProperties(['leadlens_tier'], TIER_LABEL_OPTIONS);
  const contacts = useAssociations({ toObjectType: '0-1', properties: PROPS, pageLength: 10 });
  const contactLabels = useAssociations(
    { toObjectType: '0-1', properties: ['leadlens_tier'], pageLength: 10 },
    TIER_LABEL_OPTIONS,
  );
  if (own.isLoading) return <Loading />;
  if (own.error) return <LoadError error={own.error} retry={() => void own.refetch()} />;
  if (hasOwnScore(own.properties)) {
    const tierLabel = ownLabel.properties.leadlens_tier ?? null;
    const card = cardFromProps(record, record, own.properties, tierLabel);
    return <ScoreBody record={record} serverless={serverless} now={now} card={card} />;
  }
  if (contacts.isLoading) return <Loading />;
  if (contacts.error) {
    return <LoadError error={contacts.error} retry={() => void contacts.refetch()} />;
  }
  const scored = contacts.results.find((r) => hasOwnScore(r.properties));
  const source = scored
    ? { objectType: 'contact' as const, objectId: String(scored.toObjectId) }
    : record;
  const tierLabel = scored
    ? (contactLabels.results.find((r) => r.toObjectId === scored.toObjectId)?.properties
        .leadlens_tier ?? null)
    : null;
  const card = cardFromProps(record, source, scored?.properties ?? {}, tierLabel);
  return <ScoreBody record={record} serverless={serverless} now={now} card={card} />;
}

interface BodyProps extends SourceProps {
  card: CardData;
}

function ScoreBody({ record, serverless, now, card }: BodyProps) {
  // A "no model" error keeps the not-enough-data state until the page reloads.
  const {
    refreshed,
    noModel,
    setNotice,
    button: refreshButton,
    notice: noticeAlert,
  } = useScoreRefresh(record, serverless, (e, before) => before || isNoModelError(e));
  const [feedbackOpen, setFeedbackOpen] = useState(false);

  const shown = refreshed ?? card;
  const view = toCardView(shown, now());
  const sourceNote =
    shown.source.objectId !== shown.objectId || shown.source.objectType !== shown.objectType
      ? `From the associated ${shown.source.objectType} #${shown.source.objectId}`
      : null;

  if (view.kind === 'not_scored') {
    return (
      <Flex direction="column" gap="sm">
        {noModel ? (
          <EmptyState title="Not enough data to train yet" layout="vertical" imageName="leads">
            <Text>
              LeadLens needs more contacts with a known outcome before it can train a model. An
              admin can run training again once more history has been synced.
            </Text>
          </EmptyState>
        ) : (
          <EmptyState title="Not scored yet" layout="vertical" imageName="leads">
            <Text>
              This record has no LeadLens score. Scores appear after the next scoring run, or
              refresh it now.
            </Text>
          </EmptyState>
        )}
        {refreshButton}
        {noticeAlert}
      </Flex>
    );
  }

  return (
    <Flex direction="column" gap="sm">
      <ScoreDetails view={view} sourceNote={sourceNote} />
      <Flex direction="row" gap="sm" wrap>
        {refreshButton}
        <Button variant="secondary" onClick={() => setFeedbackOpen(!feedbackOpen)}>
          This score looks wrong
        </Button>
      </Flex>
      {feedbackOpen ? (
        <FeedbackForm
          record={record}
          serverless={serverless}
          onDone={(ok, text) => {
            if (ok) setFeedbackOpen(false);
            setNotice(
              ok
                ? { variant: 'success', title: 'Feedback sent', text }
                : { variant: 'danger', title: 'Could not send feedback', text },
            );
          }}
        />
      ) : null}
      {noticeAlert}
    </Flex>
  );
}
