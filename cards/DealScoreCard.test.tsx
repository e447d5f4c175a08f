import {
  DescriptionListItem,
  EmptyState,
  ErrorState,
  StatisticsItem,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { DealScoreCard } from './DealScoreCard';
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

function render(raw: Record<string, string | null>, over = {}) {
  const r = createRenderer('crm.record.sidebar');
  setProperties(r, raw, over);
  r.render(<DealScoreCard now={() => NOW} />);
  return r;
}

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
  });

  it('an unscored (or closed) deal shows an empty state, never the contact names', () => {
    const r = render({ leadlens_score: '55' });
    expect(r.find(EmptyState).props.title).toBe('Not scored');
  });

  it('a failed read shows an error with a retry', () => {
    const r = render(SCORED, { error: new Error('boom') });
    expect(r.find(ErrorState).props.title).toMatch(/Could not load/);
  });
});
