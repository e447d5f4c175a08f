/** Tier names and thresholds, validated as the admin types. */
import { Alert, Button, Flex, Input, NumberInput, Text } from '@hubspot/ui-extensions';
import type { Tier } from '../../src/contracts/settings';
import { MAX_TIERS, MIN_TIERS, addTier, removeLastTier, type FieldError } from './settings-form';

interface Props {
  tiers: Tier[];
  errors: FieldError[];
  onChange(tiers: Tier[]): void;
}

export function TierEditor({ tiers, errors, onChange }: Props) {
  const tierErrors = errors.filter(
    (e) => e.field === 'label' || e.field === 'minScore' || e.field === 'tiers',
  );
  const messageFor = (i: number, field: 'label' | 'minScore') =>
    errors.find((e) => e.tier === i && e.field === field)?.message;
  const update = (i: number, patch: Partial<Tier>) =>
    onChange(tiers.map((t, j) => (j === i ? { ...t, ...patch } : t)));

  return (
    <Flex direction="column" gap="sm">
      <Text variant="microcopy">
        A record is in the first tier whose threshold its score reaches. Tier values (tier_1 …) stay
        stable for workflows; only names and thresholds change.
      </Text>
      {tiers.map((t, i) => {
        const last = i === tiers.length - 1;
        const labelError = messageFor(i, 'label');
        const minError = messageFor(i, 'minScore');
        return (
          <Flex key={t.value} direction="row" gap="sm" align="start">
            <Input
              label={`Tier ${i + 1} name`}
              name={`tier-${i}-label`}
              value={t.label}
              onInput={(v) => update(i, { label: v })}
              error={labelError !== undefined}
              validationMessage={labelError}
            />
            <NumberInput
              label={last ? 'From score (always 0)' : 'From score'}
              name={`tier-${i}-min`}
              min={0}
              max={100}
              readOnly={last}
              value={t.minScore}
              onChange={(v) => update(i, { minScore: v })}
              error={minError !== undefined}
              validationMessage={minError}
            />
          </Flex>
        );
      })}
      <Flex direction="row" gap="sm">
        <Button disabled={tiers.length >= MAX_TIERS} onClick={() => onChange(addTier(tiers))}>
          Add tier
        </Button>
        <Button
          disabled={tiers.length <= MIN_TIERS}
          onClick={() => onChange(removeLastTier(tiers))}
        >
          Remove last tier
        </Button>
      </Flex>
      {tierErrors.length > 0 ? (
        <Alert title="Fix the tiers before saving" variant="warning" testId="tier-errors">
          {tierErrors.map((e) => e.message).join(' ')}
        </Alert>
      ) : null}
    </Flex>
  );
}
