import {
  Alert,
  Button,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  LoadingSpinner,
  ProgressBar,
  Select,
  StatisticsItem,
  Tag,
  Text,
  TextArea,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { CardData, ScoreRecordResult } from '../src/contracts/functions';
import { LeadScoreCard, type Serverless } from './LeadScoreCard';
import { SAMPLE_FACTORS } from './testing/sample-factors';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const FACTORS = SAMPLE_FACTORS;
const SCORED: Record<string, string | null> = {
  leadlens_score: '78',
  leadlens_tier: 'tier_1',
  leadlens_factors: JSON.stringify(FACTORS),
  leadlens_reasons: 'Lead source is Referral: +34',
  leadlens_model_version: 'v3',
  leadlens_scored_at: '2026-03-10T09:00:00.000Z',
  leadlens_score_change: '4',
};
const EMPTY: Record<string, string | null> = Object.fromEntries(
  Object.keys(SCORED).map((k) => [k, null]),
);

type R = ReturnType<typeof createRenderer<'crm.record.sidebar'>>;

function propsState(
  properties: Record<string, string | null>,
  over: Partial<{ isLoading: boolean; error: Error | null }> = {},
) {
  return {
    properties,
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => {},
    ...over,
  };
}

function setProperties(
  r: R,
  raw: Record<string, string | null>,
  label: string | null = 'Hot',
  over = {},
) {
  r.mocks.useCrmProperties.willCall((names, options) =>
    options?.propertiesToFormat
      ? propsState({ leadlens_tier: raw.leadlens_tier ? label : null })
      : propsState(Object.fromEntries(names.map((n) => [n, raw[n] ?? null])), over),
  );
}

function setup(serverless: Serverless = async () => ({})) {
  const r = createRenderer('crm.record.sidebar');
  const render = () => r.render(<LeadScoreCard serverless={serverless} now={() => NOW} />);
  return { r, render };
}

function card(score: number, change: number): CardData {
  return {
    objectType: 'contact',
    objectId: '123',
    source: { objectType: 'contact', objectId: '123' },
    score,
    tier: { value: 'tier_2', label: 'Warm' },
    factors: { ...FACTORS, score },
    reasons: null,
    modelVersion: 'v4',
    scoredAt: NOW.toISOString(),
    scoreChange: change,
  };
}

describe('LeadScoreCard', () => {
  it('shows a spinner while the properties load', () => {
    const { r, render } = setup();
    setProperties(r, SCORED, 'Hot', { isLoading: true });
    render();
    expect(r.find(LoadingSpinner).props.label).toMatch(/Loading/);
  });

  it('shows the score, tier, bar, signed factors with reasons, baseline, version, freshness and change', () => {
    const { r, render } = setup();
    setProperties(r, SCORED);
    render();
    expect(r.find(StatisticsItem).props.number).toBe(78);
    expect(r.find(Tag).text).toBe('Hot');
    expect(r.find(Tag).props.variant).toBe('success');
    expect(r.find(ProgressBar).props).toMatchObject({
      value: 78,
      maxValue: 100,
      variant: 'success',
    });
    const items = r.findAll(DescriptionListItem);
    expect(items.map((i) => i.props.label)).toEqual([
      '+34  Lead source',
      '+18  Pricing visits',
      '\u22127  E-mail domain',
    ]);
    expect(items[2].find(Text).text).toBe('Student e-mail domain: −7');
    const meta = r.findByTestId(Text, 'score-meta').text;
    expect(meta).toContain('Baseline 31');
    expect(meta).toContain('model v3');
    expect(meta).toContain('scored 3 h ago');
    expect(meta).toContain('+4 since the last score');
  });

  it('shows an empty state (never blank) when the record is not scored', () => {
    const { r, render } = setup();
    setProperties(r, EMPTY);
    render();
    expect(r.find(EmptyState).props.title).toBe('Not scored yet');
    expect(r.find(Button, { variant: 'primary' }).text).toBe('Refresh score');
  });

  it('shows an error state with a retry when the properties cannot be read', () => {
    const { r, render } = setup();
    let retried = 0;
    r.mocks.useCrmProperties.willCall(() => ({
      ...propsState({}),
      error: new Error('Property fetch failed (503)'),
      refetch: async () => {
        retried += 1;
      },
    }));
    render();
    expect(r.find(ErrorState).props.title).toMatch(/Could not load/);
    expect(r.find(ErrorState).find(Text).text).toBe('Property fetch failed (503)');
    r.find(Button, (b) => b.text === 'Try again').trigger('onClick');
    expect(retried).toBe(1);
  });

  it('refreshes the score through score-record and shows the new card', async () => {
    const calls: unknown[] = [];
    const serverless: Serverless = async (name, options) => {
      calls.push({ name, options });
      const result: ScoreRecordResult = { card: card(64, -14), written: true };
      return result;
    };
    const { r, render } = setup(serverless);
    setProperties(r, SCORED);
    render();
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Score refreshed'));
    expect(calls).toEqual([
      { name: 'score-record', options: { parameters: { objectType: 'contact', objectId: '123' } } },
    ]);
    expect(r.find(StatisticsItem).props.number).toBe(64);
    expect(r.find(Tag).text).toBe('Warm');
    expect(r.findByTestId(Text, 'score-meta').text).toContain('\u221214 since the last score');
  });

  it('turns a refresh without a model into the "not enough data" empty state, with the hint', async () => {
    // What runFunction answers for a failed call: the error as the function's result.
    const { r, render } = setup(async () => ({
      error: {
        code: 'NO_MODEL',
        message: 'There is no published model yet: only 12 converted contacts.',
        hint: 'Run `leadlens train` (or `leadlens run`) first.',
      },
    }));
    setProperties(r, EMPTY);
    render();
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() =>
      expect(r.find(EmptyState).props.title).toBe('Not enough data to train yet'),
    );
    expect(r.find(Alert).props.variant).toBe('danger');
    expect(r.find(Alert).text).toContain('only 12 converted contacts');
    expect(r.find(Alert).text).toContain('Run `leadlens train`');
  });

  it('shows a failed call that HubSpot rejected (no error result) with its message', async () => {
    const { r, render } = setup(async () => {
      throw new Error('The function timed out.');
    });
    setProperties(r, SCORED);
    render();
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Could not refresh the score'));
    expect(r.find(Alert).text).toContain('The function timed out.');
    expect(r.find(StatisticsItem).props.number).toBe(78);
  });

  it('sends feedback with kind and comment, then shows a success alert', async () => {
    const calls: unknown[] = [];
    const { r, render } = setup(async (name, options) => {
      calls.push({ name, options });
      return { id: 7, message: 'Thanks! Feedback #7 will be shown in the model report.' };
    });
    setProperties(r, SCORED);
    render();
    r.find(Button, (b) => b.text === 'This score looks wrong').trigger('onClick');
    r.find(Select, (s) => s.props.name === 'feedback-kind').trigger('onChange', 'too_low' as never);
    r.find(TextArea).trigger('onInput', '  Signed a contract last week  ' as never);
    r.find(Button, (b) => b.text === 'Send feedback').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Feedback sent'));
    expect(r.find(Alert).props.variant).toBe('success');
    expect(r.find(Alert).text).toContain('Feedback #7');
    expect(r.maybeFind(TextArea)).toBeNull();
    expect(calls).toEqual([
      {
        name: 'feedback',
        options: {
          parameters: {
            objectType: 'contact',
            objectId: '123',
            kind: 'too_low',
            comment: 'Signed a contract last week',
          },
        },
      },
    ]);
  });

  it('sends a stated outcome with the feedback (a label correction for the next model)', async () => {
    const calls: unknown[] = [];
    const { r, render } = setup(async (name, options) => {
      calls.push({ name, options });
      return { id: 8, message: 'Thanks — the next model learns from this outcome.' };
    });
    setProperties(r, SCORED);
    render();
    r.find(Button, (b) => b.text === 'This score looks wrong').trigger('onClick');
    r.find(Select, (s) => s.props.name === 'feedback-kind').trigger(
      'onChange',
      'wrong_outcome' as never,
    );
    // The outcome is required for "the outcome is wrong".
    expect(r.find(Button, (b) => b.text === 'Send feedback').props.disabled).toBe(true);
    r.find(Select, (s) => s.props.name === 'feedback-outcome').trigger(
      'onChange',
      'converted' as never,
    );
    r.find(Button, (b) => b.text === 'Send feedback').trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Feedback sent'));
    expect(calls).toEqual([
      {
        name: 'feedback',
        options: {
          parameters: {
            objectType: 'contact',
            objectId: '123',
            kind: 'wrong_outcome',
            outcome: 'converted',
            comment: '',
          },
        },
      },
    ]);
  });

  function associations(
    results: Array<{ toObjectId: number; properties: Record<string, string | null> }>,
  ) {
    return {
      results: results.map((r) => ({ ...r, associationTypes: [] })),
      error: null,
      isLoading: false,
      isRefetching: false,
      refetch: async () => {},
      pagination: {
        hasNextPage: false,
        hasPreviousPage: false,
        currentPage: 1,
        pageSize: 10,
        nextPage: () => {},
        previousPage: () => {},
        reset: () => {},
      },
    };
  }

  it('on a lead without its own score, shows the associated contact score with the admin tier label', () => {
    const { r, render } = setup();
    r.mocks.context.crm.objectTypeId = '0-136';
    r.mocks.context.crm.objectId = 9001;
    setProperties(r, EMPTY);
    // HubSpot answers formatted values (option labels) only where asked to.
    r.mocks.useAssociations.willCall((_config, options) =>
      options?.propertiesToFormat
        ? associations([
            { toObjectId: 41, properties: { leadlens_tier: null } },
            { toObjectId: 42, properties: { leadlens_tier: 'Hot' } },
          ])
        : associations([
            { toObjectId: 41, properties: EMPTY },
            { toObjectId: 42, properties: SCORED },
          ]),
    );
    render();
    expect(r.find(StatisticsItem).props.number).toBe(78);
    expect(r.find(Tag).text).toBe('Hot');
    expect(r.findAll(Text).map((t) => t.text)).toContain('From the associated contact #42');
    expect(r.findAll(DescriptionListItem)).toHaveLength(3);
    expect(r.mocks.useAssociations.calls[0][0]).toMatchObject({ toObjectType: '0-1' });
  });

  it('on a lead with its own score, shows the admin tier label, not "Tier 1"', () => {
    const { r, render } = setup();
    r.mocks.context.crm.objectTypeId = '0-136';
    r.mocks.context.crm.objectId = 9002;
    setProperties(r, SCORED, 'Hot');
    r.mocks.useAssociations.willCall(() => associations([]));
    render();
    expect(r.find(Tag).text).toBe('Hot');
    expect(r.find(Tag).props.variant).toBe('success');
    expect(r.findAll(Text).some((t) => (t.text ?? '').startsWith('From the associated'))).toBe(
      false,
    );
  });

  it('says so when the CRM refused to save a refreshed score', async () => {
    const { r, render } = setup(async () => ({
      card: card(64, -14),
      written: false,
      notWritten: {
        code: 'CRM_VALIDATION',
        message:
          'The CRM refused the new score of contact 123: Property "leadlens_tier" has no option tier_2.',
        hint: 'The score is kept and the next write-back sends it again.',
      },
    }));
    setProperties(r, SCORED);
    render();
    r.find(Button, (b) => b.text === 'Refresh score').trigger('onClick');
    await r.waitFor(() =>
      expect(r.find(Alert).props.title).toBe('Score refreshed, not saved to the record'),
    );
    expect(r.find(Alert).props.variant).toBe('warning');
    expect(r.find(Alert).text).toContain('next write-back sends it again');
    expect(r.find(StatisticsItem).props.number).toBe(64);
  });
});
