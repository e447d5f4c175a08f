import {
  Alert,
  Button,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  StatisticsItem,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { CardData, ScoreRecordResult } from '../src/contracts/functions';
import { DealScoreCard } from './DealScoreCard';
import type { Serverless } from './FeedbackForm';
import { SAMPLE_FACTORS } from './testing/sample-factors';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const SCORED: Record<string, string | null> = {
  leadlens_deal_score: '78',
  leadlens_deal_tier: 'tier_1',
  leadlens_deal_factors: JSON.stringify(SAMPLE_FACTORS),
  leadlens_deal_reasons: 'Lead source is Referral: +34',
  leadlens_deal_model_version: '1',
  leadlens_deal_scored_at: '2026-03-10T09:00:00.000Z',
  leadlens_deal_score_change: '0',
  hs_is_closed: 'false',
  // The contact card's names on a deal are not the deal's score.
  leadlens_score: '3',
};

type R = ReturnType<typeof createRenderer<'crm.record.sidebar'>>;

function setProperties(
  r: R,
  raw: Record<string, string | null>,
  over: Partial<{ isLoading: boolean; error: Error | null }> = {},
) {
  r.mocks.useCrmProperties.willCall((names, options) => ({
    properties: options?.propertiesToFormat
      ? { leadlens_deal_tier: raw.leadlens_deal_tier ? 'Hot' : null }
      : Object.fromEntries(names.map((n) => [n, raw[n] ?? null])),
    error: null,
    isLoading: false,
    isRefetching: false,
    refetch: async () => {},
    ...over,
  }));
}

function render(
  raw: Record<string, string | null>,
  over = {},
  serverless: Serverless = async () => ({}),
) {
  const r = createRenderer('crm.record.sidebar');
  setProperties(r, raw, over);
  r.render(<DealScoreCard serverless={serverless} now={() => NOW} />);
  return r;
}

/** The card a deal refresh answers (the store's card: the admin's tier label, the new score). */
function dealCard(objectId: string, score: number, change: number): CardData {
  return {
    objectType: 'deal',
    objectId,
    source: { objectType: 'deal', objectId },
    score,
    tier: { value: 'tier_2', label: 'Warm' },
    factors: { ...SAMPLE_FACTORS, score },
    reasons: null,
    modelVersion: '2',
    scoredAt: NOW.toISOString(),
    scoreChange: change,
  };
}

const refreshButton = (r: R) => r.maybeFind(Button, (b) => b.text === 'Refresh score');

describe('DealScoreCard', () => {
  it('shows the deal score from leadlens_deal_* with its tier label and the factors that add up', () => {
    const r = render(SCORED);
    expect(r.find(StatisticsItem).props).toMatchObject({
      number: 78,
      label: 'Likelihood to close won',
    });
    expect(r.find(Tag).text).toBe('Hot');
    const labels = r.findAll(DescriptionListItem).map((i) => i.props.label);
    expect(labels).toEqual(['+34  Lead source', '+18  Pricing visits', '\u22127  E-mail domain']);
    const shown = SAMPLE_FACTORS.top.reduce((s, f) => s + f.points, 0);
    expect(SAMPLE_FACTORS.base + shown + SAMPLE_FACTORS.otherPoints).toBe(78);
    const meta = r.findByTestId(Text, 'score-meta').text;
    expect(meta).toContain(`Baseline ${SAMPLE_FACTORS.base}`);
    expect(meta).toContain('scored 3 h ago');
    expect(refreshButton(r)).not.toBeNull();
  });

  it('an unscored open deal shows an empty state with a refresh, never the contact names', () => {
    const r = render({ leadlens_score: '55', hs_is_closed: 'false' });
    expect(r.find(EmptyState).props.title).toBe('Not scored yet');
    expect(refreshButton(r)).not.toBeNull();
  });

  it('a failed read shows an error with a retry', () => {
    const r = render(SCORED, { error: new Error('boom') });
    expect(r.find(ErrorState).props.title).toMatch(/Could not load/);
  });

  it('refreshes the deal through score-record (objectType deal) and shows the new score', async () => {
    const calls: unknown[] = [];
    const r = render(SCORED, {}, async (name, options) => {
      calls.push({ name, options });
      const id = String((options?.parameters as { objectId?: string } | undefined)?.objectId ?? '');
      const result: ScoreRecordResult = { card: dealCard(id, 64, -14), written: true };
      return result;
    });
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Score refreshed'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'score-record',
      options: { parameters: { objectType: 'deal', objectId: expect.stringMatching(/^\d+$/) } },
    });
    expect(r.find(Alert).text).toBe('The new score was saved to the record.');
    expect(r.find(StatisticsItem).props.number).toBe(64);
    expect(r.find(Tag).text).toBe('Warm');
    expect(r.findByTestId(Text, 'score-meta').text).toContain('\u221214 since the last score');
  });

  it('says so when the score is unchanged, and shows a refused write with its reason', async () => {
    let written = false;
    let refused = false;
    const r = render(SCORED, {}, async () => {
      const result: ScoreRecordResult = {
        card: dealCard('1', 78, 0),
        written,
        ...(refused
          ? {
              notWritten: {
                code: 'CRM_VALIDATION',
                message: 'The CRM refused the new score of deal 1: Property does not exist',
                hint: 'Run `leadlens provision`.',
              },
            }
          : {}),
      };
      return result;
    });
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).text).toBe('The score is unchanged.'));
    refused = true;
    written = false;
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() =>
      expect(r.find(Alert).props.title).toBe('Score refreshed, not saved to the record'),
    );
    expect(r.find(Alert).props.variant).toBe('warning');
    expect(r.find(Alert).text).toContain('Property does not exist');
    expect(r.find(Alert).text).toContain('leadlens provision');
    expect(r.find(StatisticsItem).props.number).toBe(78);
  });

  it('a refresh without a published deal model says so, with the hint', async () => {
    const r = render({ hs_is_closed: 'false' }, {}, async () => ({
      error: {
        code: 'NO_MODEL',
        message: 'There is no published deal model yet.',
        hint: 'LeadLens trains a deal model once the portal has 40 closed deals.',
      },
    }));
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() => expect(r.find(EmptyState).props.title).toBe('No deal model yet'));
    expect(r.find(Alert).props.variant).toBe('danger');
    expect(r.find(Alert).text).toContain('no published deal model');
    expect(r.find(Alert).text).toContain('40 closed deals');
  });

  it('a failed call keeps the score and shows the error', async () => {
    const r = render(SCORED, {}, async () => {
      throw new Error('The function timed out.');
    });
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('Could not refresh the score'));
    expect(r.find(Alert).text).toContain('The function timed out.');
    expect(r.find(StatisticsItem).props.number).toBe(78);
  });

  it('a closed deal has no refresh: its last score with a note, or "closed" when never scored', () => {
    const scored = render({ ...SCORED, hs_is_closed: 'true' });
    expect(scored.find(StatisticsItem).props.number).toBe(78);
    expect(scored.findByTestId(Text, 'closed-note').text).toMatch(/closed/);
    expect(refreshButton(scored)).toBeNull();
    const never = render({ hs_is_closed: 'true' });
    expect(never.find(EmptyState).props.title).toBe('Not scored');
    expect(never.find(Text).text).toContain('This deal is closed');
    expect(refreshButton(never)).toBeNull();
  });

  it('a deal closed since the page loaded: the refresh says so and the button goes', async () => {
    const r = render(SCORED, {}, async () => {
      const result: ScoreRecordResult = {
        card: dealCard('1', 78, 0),
        written: false,
        closed: true,
      };
      return result;
    });
    refreshButton(r)!.trigger('onClick');
    await r.waitFor(() => expect(r.find(Alert).props.title).toBe('This deal is closed'));
    expect(refreshButton(r)).toBeNull();
    expect(r.findByTestId(Text, 'closed-note')).toBeTruthy();
  });
});
