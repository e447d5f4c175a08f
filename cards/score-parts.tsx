/**
 * What every LeadLens card shows of a scored record — the score with its tier and bar, and the
 * factors raising and lowering it — over the one card view (card-view.ts, factors-view.ts).
 */
import {
  DescriptionList,
  DescriptionListItem,
  Flex,
  ProgressBar,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import type { ScoredView } from './card-view';
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
