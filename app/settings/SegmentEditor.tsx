/**
 * Segments by any contact property (source, persona, product line, region): each gets a model
 * of its own at the next training when its backtests beat the global model on its leads (the
 * model report says per segment), and may have its own tier thresholds (a re-tier, no retrain).
 */
import { Button, Flex, Input, NumberInput, Text, Tile } from '@hubspot/ui-extensions';
import type { Segment, Segments, Settings } from '../../src/contracts/settings';
import { parseThresholds, parseValueList, type FieldError } from './settings-form';

interface Props {
  settings: Settings;
  errors: FieldError[];
  onChange(segments: Segments): void;
}

const EMPTY: Segments = { list: [], minPositives: 40, minGain: 0.01 };

export function SegmentEditor({ settings, errors, onChange }: Props) {
  const segments = settings.segments ?? EMPTY;
  const update = (i: number, patch: Partial<Segment>) =>
    onChange({
      ...segments,
      list: segments.list.map((g, j) => (j === i ? { ...g, ...patch } : g)),
    });
  const add = () => {
    const n = segments.list.length + 1;
    onChange({
      ...segments,
      list: [
        ...segments.list,
        { key: `segment_${n}`, label: `Segment ${n}`, property: 'hs_analytics_source', values: [] },
      ],
    });
  };
  const remove = (i: number) =>
    onChange({ ...segments, list: segments.list.filter((_, j) => j !== i) });
  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy">
        A lead belongs to the first segment whose property has one of its values. Thresholds: one
        per tier, best first, the last 0; empty uses the global tiers.
      </Text>
      {segments.list.map((g, i) => {
        const message = errors.find((e) => e.field === 'segment' && e.tier === i)?.message;
        return (
          <Tile key={i}>
            <Flex direction="row" gap="sm" wrap>
              <Input
                label="Key"
                name={`segment-${i}-key`}
                value={g.key}
                onChange={(v) => update(i, { key: v.trim() })}
                error={message !== undefined}
                validationMessage={message}
              />
              <Input
                label="Name"
                name={`segment-${i}-label`}
                value={g.label}
                onChange={(v) => update(i, { label: v })}
              />
              <Input
                label="Contact property"
                name={`segment-${i}-property`}
                value={g.property}
                onChange={(v) => update(i, { property: v.trim().toLowerCase() })}
              />
              <Input
                label="Values (comma-separated)"
                name={`segment-${i}-values`}
                value={g.values.join(', ')}
                onChange={(v) => update(i, { values: parseValueList(v) })}
              />
              <Input
                label="Tier thresholds (optional)"
                name={`segment-${i}-thresholds`}
                value={g.minScores?.join(', ') ?? ''}
                onChange={(v) => update(i, { minScores: parseThresholds(v) })}
              />
              <Button variant="destructive" onClick={() => remove(i)}>
                Remove
              </Button>
            </Flex>
          </Tile>
        );
      })}
      <Flex direction="row" gap="sm">
        <Button onClick={add}>Add segment</Button>
        <NumberInput
          label="Converted leads a segment needs for its own model"
          name="segments-min-positives"
          min={10}
          value={segments.minPositives}
          onChange={(v) => onChange({ ...segments, minPositives: v })}
        />
        <NumberInput
          label="AUC gain its own model must show"
          name="segments-min-gain"
          min={0}
          max={0.5}
          value={segments.minGain}
          onChange={(v) => onChange({ ...segments, minGain: v })}
        />
      </Flex>
    </Flex>
  );
}
