import {
  formatAge,
  parseFactorsPayload,
  signedPoints,
  toCardView,
  cardDataToProps,
} from './card-view';
import { SAMPLE_FACTORS } from './testing/sample-factors';

const NOW = new Date('2026-03-10T12:00:00.000Z');
// The shared sample with Lead source at +12 and a fourth factor, so the view has to sort them.
const factors = {
  ...SAMPLE_FACTORS,
  top: [
    ...SAMPLE_FACTORS.top.map((f) =>
      f.field === 'src'
        ? { ...f, points: 12, logOdds: 0.6, reason: 'Lead source is Referral: +12' }
        : f,
    ),
    {
      field: 'size',
      label: 'Company size',
      value: '1',
      points: 22,
      logOdds: 1.1,
      reason: 'Company size 1: +22',
    },
  ],
};

describe('toCardView', () => {
  it('is not_scored without a numeric score', () => {
    expect(toCardView({}, NOW)).toEqual({ kind: 'not_scored' });
    expect(toCardView({ leadlens_score: '' }, NOW)).toEqual({ kind: 'not_scored' });
    expect(toCardView({ leadlens_score: 'abc' }, NOW)).toEqual({ kind: 'not_scored' });
  });

  it('maps a scored record: tier, factors sorted by strength with signed points, meta', () => {
    const view = toCardView(
      {
        leadlens_score: '78',
        leadlens_tier: 'tier_1',
        leadlens_factors: JSON.stringify(factors),
        leadlens_model_version: 'v3',
        leadlens_scored_at: '2026-03-10T09:00:00.000Z',
        leadlens_score_change: '-4',
      },
      NOW,
      'Hot',
    );
    if (view.kind !== 'scored') throw new Error('expected scored');
    expect(view.score).toBe(78);
    expect(view.tier).toEqual({ value: 'tier_1', label: 'Hot', variant: 'success' });
    expect(view.barVariant).toBe('success');
    expect(view.positives.map((f) => f.pointsText)).toEqual(['+22', '+18', '+12']);
    expect(view.negatives).toEqual([
      expect.objectContaining({ pointsText: '\u22127', reason: 'Student e-mail domain: −7' }),
    ]);
    expect(view.base).toBe(31);
    expect(view.otherPointsText).toBe('+2');
    expect(view.freshness).toBe('3 h ago');
    expect(view.change).toEqual({ text: '\u22124', direction: 'decrease' });
    expect(view.changeText).toBe('\u22124 since the last score');
  });

  it('survives garbage factors and humanises an unlabeled tier', () => {
    const view = toCardView(
      { leadlens_score: '12.6', leadlens_tier: 'tier_4', leadlens_factors: '{"v":2' },
      NOW,
    );
    if (view.kind !== 'scored') throw new Error('expected scored');
    expect(view.score).toBe(13);
    expect(view.tier?.label).toBe('Tier 4');
    expect(view.barVariant).toBe('danger');
    expect(view.positives).toEqual([]);
    expect(view.changeText).toBe('First score');
  });

  it('round-trips a CardData from score-record', () => {
    const { props, tierLabel } = cardDataToProps({
      objectType: 'contact',
      objectId: '1',
      source: { objectType: 'contact', objectId: '1' },
      score: 55,
      tier: { value: 'tier_2', label: 'Warm' },
      factors: factors as never,
      reasons: null,
      modelVersion: 'v3',
      scoredAt: NOW.toISOString(),
      scoreChange: 0,
    });
    const view = toCardView(props, NOW, tierLabel);
    expect(view).toMatchObject({
      kind: 'scored',
      score: 55,
      tier: { label: 'Warm' },
      freshness: 'just now',
    });
  });
});

describe('helpers', () => {
  it('formats ages and signed points', () => {
    expect(formatAge('2026-03-10T11:48:00.000Z', NOW)).toBe('12 min ago');
    expect(formatAge(String(NOW.getTime() - 5 * 86400000), NOW)).toBe('5 d ago');
    expect(formatAge('not a date', NOW)).toBeNull();
    expect(signedPoints(0)).toBe('0');
  });
  it('rejects payloads that are not v1 factors', () => {
    expect(parseFactorsPayload(JSON.stringify({ ...factors, top: [{ field: 'x' }] }))).toBeNull();
    expect(parseFactorsPayload(JSON.stringify(factors))?.top).toHaveLength(4);
  });
});
