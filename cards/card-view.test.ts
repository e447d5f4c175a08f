import type { CardData } from '../src/contracts/functions';
import {
  cardFromProps,
  formatAge,
  parseFactorsPayload,
  signedPoints,
  tierTone,
  toCardView,
  type CardProps,
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

const REF = { objectType: 'contact' as const, objectId: '1' };
const fromProps = (props: CardProps, tierLabel: string | null = null) =>
  toCardView(cardFromProps(REF, REF, props, tierLabel), NOW);

describe('toCardView', () => {
  it('is not_scored without a numeric score', () => {
    expect(fromProps({})).toEqual({ kind: 'not_scored' });
    expect(fromProps({ leadlens_score: '' })).toEqual({ kind: 'not_scored' });
    expect(fromProps({ leadlens_score: 'abc' })).toEqual({ kind: 'not_scored' });
  });

  it('maps a scored record: tier, factors sorted by strength with signed points, meta', () => {
    const view = fromProps(
      {
        leadlens_score: '78',
        leadlens_tier: 'tier_1',
        leadlens_factors: JSON.stringify(factors),
        leadlens_model_version: 'v3',
        leadlens_scored_at: '2026-03-10T09:00:00.000Z',
        leadlens_score_change: '-4',
      },
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
    // 78 = 31 + 22 + 18 + 12 − 7 + 2: the remainder is computed from what is shown.
    expect(view.otherPointsText).toBe('+2');
    expect(view.freshness).toBe('3 h ago');
    expect(view.change).toEqual({ text: '\u22124', direction: 'decrease' });
    expect(view.changeText).toBe('\u22124 since the last score');
  });

  it('survives garbage factors and humanises an unlabeled tier', () => {
    const view = fromProps({
      leadlens_score: '12.6',
      leadlens_tier: 'tier_4',
      leadlens_factors: '{"v":2',
    });
    if (view.kind !== 'scored') throw new Error('expected scored');
    expect(view.score).toBe(13);
    expect(view.tier?.label).toBe('Tier 4');
    expect(view.barVariant).toBe('danger');
    expect(view.positives).toEqual([]);
    expect(view.changeText).toBe('First score');
  });

  it('shows a CardData from score-record as it is, its tier colour from the tier', () => {
    const card: CardData = {
      ...REF,
      source: REF,
      score: 55,
      tier: { value: 'tier_2', label: 'Warm' },
      factors: { ...factors, score: 55, base: 20 },
      reasons: null,
      modelVersion: 'v3',
      scoredAt: NOW.toISOString(),
      scoreChange: 0,
    };
    const view = toCardView(card, NOW);
    expect(view).toMatchObject({
      kind: 'scored',
      score: 55,
      tier: { label: 'Warm', variant: 'info' },
      barVariant: 'warning',
      freshness: 'just now',
    });
    if (view.kind !== 'scored') throw new Error('expected scored');
    // 55 = 20 + 22 + 18 + 12 − 7 − 10: the dropped points are in "other factors".
    expect(view.otherPointsText).toBe('\u221210');
  });

  it('shows no factors that explain another score than the one shown', () => {
    const view = fromProps({ leadlens_score: '60', leadlens_factors: JSON.stringify(factors) });
    expect(view).toMatchObject({ kind: 'scored', score: 60, factors: null, positives: [] });
  });

  it('colours follow the tier (the admin thresholds), not fixed score cut-offs', () => {
    // A score of 35 in the admin's best tier is green; 90 in the third is red.
    expect(fromProps({ leadlens_score: '35', leadlens_tier: 'tier_1' })).toMatchObject({
      barVariant: 'success',
    });
    expect(fromProps({ leadlens_score: '90', leadlens_tier: 'tier_3' })).toMatchObject({
      barVariant: 'danger',
    });
    expect(tierTone('tier_2')).toEqual({ tag: 'info', bar: 'warning' });
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
