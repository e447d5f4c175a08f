/**
 * What every LeadLens card shows — its loading and load-error states, and of a scored record the
 * score with its tier and bar, the factors raising and lowering it and the model line — over the
 * one card view (card-view.ts, factors-view.ts). Each card (lead, deal, …) adds only its own
 * reading of the record and its empty state.
 */
import {
  Button,
  DescriptionList,
  DescriptionListItem,
  ErrorState,
  Flex,
  LoadingSpinner,
  ProgressBar,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { metaLine, type ScoredView } from './card-view';
import type { FactorLine } from './factors-view';

export function ScoreSummary({
  view,
  sourceNote,
  label = 'LeadLens score',
}: {
  view: ScoredView;
  sourceNote: string | null;
  label?: string;
}) {
  return (
    <Flex direction="column" gap="xs">
      <Flex direction="row" justify="between" align="center">
        <Statistics>
          <StatisticsItem label={label} number={view.score}>
            {view.change ? (
              <StatisticsTrend direction={view.change.direction} value={view.change.text} />
            ) : null}
          </StatisticsItem>
        </Statistics>
        {view.tier ? <Tag variant={view.tier.variant}>{view.tier.label}</Tag> : null}
      </Flex>
      <ProgressBar
        title="Score out of 100"
        value={view.score}
        maxValue={100}
        valueDescription={`${view.score} / 100`}
        variant={view.barVariant}
      />
      {sourceNote ? <Text variant="microcopy">{sourceNote}</Text> : null}
    </Flex>
  );
}

export function FactorList({ title, factors }: { title: string; factors: FactorLine[] }) {
  if (factors.length === 0) return null;
  return (
    <DescriptionList direction="column">
      {factors.map((f) => (
        <DescriptionListItem key={`${title}-${f.label}`} label={`${f.pointsText}  ${f.label}`}>
          <Text>{f.reason}</Text>
        </DescriptionListItem>
      ))}
    </DescriptionList>
  );
}

/** While HubSpot loads the record's properties. */
export function CardLoading({ label }: { label: string }) {
  return <LoadingSpinner label={label} layout="centered" />;
}

/** HubSpot did not return the record's properties: what it said, and a retry. */
export function CardLoadError({
  title,
  error,
  fallback,
  retry,
}: {
  title: string;
  error: Error;
  /** Shown when the error has no message. */
  fallback: string;
  retry: () => void;
}) {
  return (
    <ErrorState title={title}>
      <Text>{error.message || fallback}</Text>
      <Button onClick={() => retry()}>Try again</Button>
    </ErrorState>
  );
}

/** A scored record: the score, the factors each way, and the line saying which model and when. */
export function ScoreDetails({
  view,
  sourceNote,
  label,
}: {
  view: ScoredView;
  sourceNote: string | null;
  label?: string;
}) {
  return (
    <>
      <ScoreSummary view={view} sourceNote={sourceNote} label={label} />
      <FactorList title="Raising the score" factors={view.positives} />
      <FactorList title="Lowering the score" factors={view.negatives} />
      <Text variant="microcopy" testId="score-meta">
        {metaLine(view)}
      </Text>
    </>
  );
}
