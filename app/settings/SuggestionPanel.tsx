/** One threshold suggestion (capacity, expected value or precision) the admin can apply. */
import {
  Alert,
  Button,
  Flex,
  Heading,
  NumberInput,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  Text,
  Tile,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import type {
  EconomicsView,
  SettingsResult,
  SuggestRequest,
  Suggestion,
  TierStat,
} from '../../src/contracts/functions';
import type { Tier } from '../../src/contracts/settings';
import { describeError, unwrapResult } from '../../src/errors';
import { percent } from './settings-form';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Serverless = (
  name: string,
  options?: { parameters?: { [key: string]: Json }; propertiesToSend?: string[] },
) => Promise<unknown>;

type Method = SuggestRequest['method'];

interface Props {
  method: Method;
  tierCount: number;
  serverless: Serverless;
  onApply(tiers: Tier[]): void;
}

const TITLES: Record<Method, { title: string; help: string }> = {
  capacity: {
    title: 'By capacity',
    help: 'The top tier holds about as many leads as the team can work in a week.',
  },
  economics: {
    title: 'By deal economics',
    help: 'From your synced won deals: the top tier starts where the revenue a lead brings beats the cost of working it, within what the team can work.',
  },
  expected_value: {
    title: 'By expected value',
    help: 'Work a lead when its probability × deal value is more than the cost of working it.',
  },
  precision: {
    title: 'By precision target',
    help: 'The top tier converts at least this often on held-out history.',
  },
};

/** Input values per method; null means "not entered yet". */
interface Inputs {
  leadsPerWeek: number | null;
  dealValue: number | null;
  costPerLead: number | null;
  targetPercent: number | null;
}

/** Each input's label and bounds (the settings page's deal economics use them too). */
export const INPUT_FIELDS: Record<keyof Inputs, { label: string; min: number; max?: number }> = {
  leadsPerWeek: { label: 'Leads the team can work per week', min: 1 },
  dealValue: { label: 'Average deal value', min: 0 },
  costPerLead: { label: 'Cost of working one lead', min: 0 },
  targetPercent: { label: 'Target conversion rate of the top tier (%)', min: 0, max: 100 },
};

/** The inputs each method asks for, in order; `row`: side by side. */
const METHOD_INPUTS: Record<Method, { names: Array<keyof Inputs>; row: boolean }> = {
  capacity: { names: ['leadsPerWeek'], row: false },
  economics: { names: ['leadsPerWeek', 'costPerLead'], row: false },
  expected_value: { names: ['dealValue', 'costPerLead'], row: true },
  precision: { names: ['targetPercent'], row: false },
};

function InputField(props: {
  name: keyof Inputs;
  value: number | null;
  onChange(value: number): void;
}) {
  const { label, ...bounds } = INPUT_FIELDS[props.name];
  return (
    <NumberInput
      label={label}
      name={props.name}
      {...bounds}
      value={props.value ?? undefined}
      onChange={props.onChange}
    />
  );
}

function toRequest(method: Method, v: Inputs, tierCount: number): SuggestRequest | string {
  if (method === 'capacity') {
    if (!v.leadsPerWeek || v.leadsPerWeek < 1 || !Number.isInteger(v.leadsPerWeek)) {
      return 'Enter how many leads the team can work per week (a whole number, at least 1).';
    }
    return { method, leadsPerWeek: v.leadsPerWeek, tierCount };
  }
  if (method === 'expected_value') {
    if (!v.dealValue || v.dealValue <= 0 || !v.costPerLead || v.costPerLead <= 0) {
      return 'Enter a positive average deal value and cost of working one lead.';
    }
    return { method, dealValue: v.dealValue, costPerLead: v.costPerLead, tierCount };
  }
  if (method === 'economics') {
    if (!v.leadsPerWeek || v.leadsPerWeek < 1 || !Number.isInteger(v.leadsPerWeek)) {
      return 'Enter how many leads the team can work per week (a whole number, at least 1).';
    }
    if (!v.costPerLead || v.costPerLead <= 0) return 'Enter the cost of working one lead.';
    return { method, leadsPerWeek: v.leadsPerWeek, costPerLead: v.costPerLead, tierCount };
  }
  if (!v.targetPercent || v.targetPercent <= 0 || v.targetPercent >= 100) {
    return 'Enter a target conversion rate between 0 and 100%.';
  }
  return { method, targetPrecision: v.targetPercent / 100, tierCount };
}

export function TierStatsTable({ stats }: { stats: TierStat[] }) {
  return (
    <Table bordered>
      <TableHead>
        <TableRow>
          <TableHeader>Tier</TableHeader>
          <TableHeader>From score</TableHeader>
          <TableHeader>Records</TableHeader>
          <TableHeader>Share</TableHeader>
          <TableHeader>Historical conversion</TableHeader>
        </TableRow>
      </TableHead>
      <TableBody>
        {stats.map((s) => (
          <TableRow key={s.value}>
            <TableCell>{s.label}</TableCell>
            <TableCell>{s.minScore}</TableCell>
            <TableCell>{s.count}</TableCell>
            <TableCell>{percent(s.share)}</TableCell>
            <TableCell>{percent(s.historicalConversionRate)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

const money = (x: number | null) => (x === null ? '–' : Math.round(x).toLocaleString('en-US'));

/** Expected value per tier (and the score bands behind it) from the portal's won deals. */
export function EconomicsTable({ view }: { view: EconomicsView }) {
  return (
    <Flex direction="column" gap="xs">
      <Text variant="microcopy">
        {`${view.heldOutLeads} held-out leads priced by ${view.dealsUsed} won deals closed after their scoring moment (within ${view.horizonDays} days)${view.wonWithoutAmount ? `; ${view.wonWithoutAmount} won deals had no amount and count as 0` : ''}. Working a lead pays from score ${view.breakEvenScore}; capacity alone would start the top tier at ${view.capacityScore}.`}
      </Text>
      <Table bordered>
        <TableHead>
          <TableRow>
            <TableHeader>Tier</TableHeader>
            <TableHeader>From score</TableHeader>
            <TableHeader>Win rate</TableHeader>
            <TableHeader>Revenue per lead</TableHeader>
            <TableHeader>Expected value per lead</TableHeader>
            <TableHeader>Leads per week</TableHeader>
            <TableHeader>Expected value per week</TableHeader>
          </TableRow>
        </TableHead>
        <TableBody>
          {view.tiers.map((t) => (
            <TableRow key={t.value}>
              <TableCell>{t.label}</TableCell>
              <TableCell>{t.minScore}</TableCell>
              <TableCell>{percent(t.winRate)}</TableCell>
              <TableCell>{money(t.revenuePerLead)}</TableCell>
              <TableCell>{money(t.evPerLead)}</TableCell>
              <TableCell>{t.weeklyLeads === null ? '–' : t.weeklyLeads.toFixed(1)}</TableCell>
              <TableCell>{money(t.weeklyEv)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Flex>
  );
}

export function SuggestionPanel({ method, tierCount, serverless, onApply }: Props) {
  const [inputs, setInputs] = useState<Inputs>({
    leadsPerWeek: null,
    dealValue: null,
    costPerLead: null,
    targetPercent: null,
  });
  const [suggestion, setSuggestion] = useState<Suggestion | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const suggest = async () => {
    const request = toRequest(method, inputs, tierCount);
    if (typeof request === 'string') {
      setError(request);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = unwrapResult<SettingsResult>(
        await serverless('settings', { parameters: { action: 'suggest', request } }),
      );
      if (!result.suggestion) throw new Error('The server returned no suggestion.');
      setSuggestion(result.suggestion);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const { title, help } = TITLES[method];
  const { names, row } = METHOD_INPUTS[method];
  const fields = names.map((name) => (
    <InputField
      key={name}
      name={name}
      value={inputs[name]}
      onChange={(v) => setInputs({ ...inputs, [name]: v })}
    />
  ));
  return (
    <Tile>
      <Flex direction="column" gap="sm">
        <Heading>{title}</Heading>
        <Text variant="microcopy">{help}</Text>
        {row ? (
          <Flex direction="row" gap="sm">
            {fields}
          </Flex>
        ) : (
          fields
        )}
        <Button disabled={busy} onClick={() => void suggest()}>
          {busy ? 'Calculating…' : 'Suggest thresholds'}
        </Button>
        {error ? (
          <Alert title="No suggestion" variant="warning">
            {error}
          </Alert>
        ) : null}
        {suggestion ? (
          <Flex direction="column" gap="xs">
            <Text>{suggestion.rationale}</Text>
            <TierStatsTable stats={suggestion.stats} />
            {suggestion.economics ? <EconomicsTable view={suggestion.economics} /> : null}
            <Button variant="primary" onClick={() => onApply(suggestion.tiers)}>
              Apply these tiers
            </Button>
          </Flex>
        ) : null}
      </Flex>
    </Tile>
  );
}
