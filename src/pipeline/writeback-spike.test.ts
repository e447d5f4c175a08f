import { spikeOf } from './writeback-plan';
import type { ScoreRow } from '../store/port';

const row = (score: number, tier: string): ScoreRow => ({
  objectType: 'contact',
  id: '1',
  modelVersion: 2,
  probability: score / 100,
  score,
  tier,
  factors: '{"v":1}',
  reasons: '',
  scoredAt: '2026-11-01T00:00:00.000Z',
});
const written = (score: number, tier: string) => ({
  leadlens_score: String(score),
  leadlens_tier: tier,
});

describe('spikeOf', () => {
  it('is a spike when the score enters the top tier or rises by the threshold', () => {
    expect(spikeOf(row(72, 'tier_1'), written(66, 'tier_2'), 15, 'tier_1')).toMatchObject({
      reason: 'top_tier',
      fromScore: 66,
      toScore: 72,
      fromTier: 'tier_2',
    });
    expect(spikeOf(row(50, 'tier_2'), written(30, 'tier_3'), 15, 'tier_1')).toMatchObject({
      reason: 'jump',
    });
    expect(spikeOf(row(90, 'tier_1'), written(40, 'tier_2'), 15, 'tier_1')?.reason).toBe(
      'top_tier+jump',
    );
  });

  it('is none for a first score, a drop, a small move, or staying in the top tier', () => {
    expect(spikeOf(row(90, 'tier_1'), undefined, 15, 'tier_1')).toBeNull();
    expect(spikeOf(row(20, 'tier_3'), written(60, 'tier_2'), 15, 'tier_1')).toBeNull();
    expect(spikeOf(row(44, 'tier_2'), written(40, 'tier_2'), 15, 'tier_1')).toBeNull();
    expect(spikeOf(row(80, 'tier_1'), written(75, 'tier_1'), 15, 'tier_1')).toBeNull();
  });
});
