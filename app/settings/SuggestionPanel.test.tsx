import { Alert, Button, Flex, NumberInput } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { SuggestRequest } from '../../src/contracts/functions';
import { SuggestionPanel, type Json } from './SuggestionPanel';

type Method = SuggestRequest['method'];

function panel(method: Method) {
  const calls: Json[] = [];
  const serverless = async (_name: string, o?: { parameters?: { [key: string]: Json } }) => {
    calls.push(o?.parameters ?? null);
    return { ok: false, error: { code: 'INPUT_INVALID', message: 'stop here' } };
  };
  const r = createRenderer('settings');
  r.render(
    <SuggestionPanel method={method} tierCount={3} serverless={serverless} onApply={() => {}} />,
  );
  const inputs = () =>
    r
      .findAll(NumberInput)
      .map((n) => [n.props.name, n.props.label, n.props.min, n.props.max ?? null]);
  const sideBySide = () =>
    r
      .findAll(Flex, { direction: 'row' })
      .map((f) => f.findAllChildren(NumberInput).map((n) => n.props.name));
  return { r, calls, inputs, sideBySide };
}

describe('SuggestionPanel', () => {
  it('asks each method for its own inputs', () => {
    const leads = ['leadsPerWeek', 'Leads the team can work per week', 1, null];
    const cost = ['costPerLead', 'Cost of working one lead', 0, null];
    const capacity = panel('capacity');
    expect(capacity.inputs()).toEqual([leads]);
    const economics = panel('economics');
    expect(economics.inputs()).toEqual([leads, cost]);
    expect(economics.sideBySide()).toEqual([]);
    const ev = panel('expected_value');
    expect(ev.inputs()).toEqual([['dealValue', 'Average deal value', 0, null], cost]);
    expect(ev.sideBySide()).toEqual([['dealValue', 'costPerLead']]);
    expect(panel('precision').inputs()).toEqual([
      ['targetPercent', 'Target conversion rate of the top tier (%)', 0, 100],
    ]);
  });

  it.each<[Method, Record<string, number>, Record<string, number>]>([
    ['capacity', { leadsPerWeek: 40 }, { leadsPerWeek: 40 }],
    ['economics', { leadsPerWeek: 40, costPerLead: 25 }, { leadsPerWeek: 40, costPerLead: 25 }],
    ['expected_value', { dealValue: 900, costPerLead: 25 }, { dealValue: 900, costPerLead: 25 }],
    ['precision', { targetPercent: 30 }, { targetPrecision: 0.3 }],
  ])('sends what was entered for %s', async (method, entered, sent) => {
    const { r, calls } = panel(method);
    for (const [name, v] of Object.entries(entered)) {
      r.find(NumberInput, { name }).trigger('onChange', v as never);
    }
    r.find(Button).trigger('onClick');
    await r.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toEqual({
      action: 'suggest',
      request: { method, ...sent, tierCount: 3 },
    });
  });

  it('names the missing input instead of calling the server', async () => {
    const { r, calls } = panel('economics');
    r.find(NumberInput, { name: 'leadsPerWeek' }).trigger('onChange', 40 as never);
    r.find(Button).trigger('onClick');
    await r.waitFor(() =>
      expect(r.find(Alert, { title: 'No suggestion' }).text).toBe(
        'Enter the cost of working one lead.',
      ),
    );
    expect(calls).toEqual([]);
  });
});
