/**
 * The workflow action's definition and what the server answers agree: every output field the
 * server sends is defined, and the tier options are the stable tier values. (The definition is
 * one for every portal that installs the app, so its option labels cannot be one portal's; the
 * admin's label of a contact's tier is the `tier_label` output.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { TIER_VALUES } from '../src/contracts/settings';
import { workflowObjectType, workflowOutput } from '../src/server/workflow-action';
import { SAMPLE_FACTORS } from '../cards/testing/sample-factors';

const definition = JSON.parse(
  fs.readFileSync(
    path.join(__dirname, '..', 'app', 'workflow-actions', 'lead-score-action-hsmeta.json'),
    'utf8',
  ),
) as {
  config: {
    outputFields: Array<{ typeDefinition: { name: string; options?: Array<{ value: string }> } }>;
    labels: { en: { outputFieldLabels: Record<string, string> } };
  };
};

describe('the LeadLens score workflow action', () => {
  const fields = definition.config.outputFields.map((f) => f.typeDefinition);

  it('defines every output field the server answers, with a label', () => {
    const out = workflowOutput({
      objectType: 'contact',
      objectId: '1',
      source: { objectType: 'contact', objectId: '1' },
      score: 78,
      tier: { value: 'tier_1', label: 'Hot' },
      factors: SAMPLE_FACTORS,
      reasons: null,
      modelVersion: 'v3',
      scoredAt: null,
      scoreChange: null,
    });
    const answered = Object.keys(out.outputFields).filter((k) => k !== 'hs_execution_state');
    expect(fields.map((f) => f.name).sort()).toEqual(answered.sort());
    for (const name of answered) {
      expect(definition.config.labels.en.outputFieldLabels[name]).toBeTruthy();
    }
    expect(out.outputFields.tier_label).toBe('Hot');
  });

  it('is offered in contact, deal and company workflows, and the server reads each', () => {
    const types = (definition.config as unknown as { objectTypes: string[] }).objectTypes;
    expect(types).toEqual(['CONTACT', 'DEAL', 'COMPANY']);
    expect(types.map(workflowObjectType)).toEqual(['contact', 'deal', 'company']);
  });

  it('offers the stable tier values workflows branch on', () => {
    const tier = fields.find((f) => f.name === 'tier')!;
    expect(tier.options!.map((o) => o.value)).toEqual([...TIER_VALUES]);
  });
});
