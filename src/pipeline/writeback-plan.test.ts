import { planRecordWrite } from './writeback-plan';
import type { ScoreRow } from '../store/port';

const row = (over: Partial<ScoreRow> = {}): ScoreRow => ({
  objectType: 'contact',
  id: '1',
  modelVersion: 2,
  probability: 0.4,
  score: 40,
  tier: 'tier_2',
  factors: '{"v":1}',
  reasons: '+10 Lead Source is Referral',
  scoredAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

describe('planRecordWrite', () => {
  it('writes every property the first time, with a zero change', () => {
    const plan = planRecordWrite(row(), undefined, 15);
    expect(plan).toMatchObject({
      leadlens_score: '40',
      leadlens_tier: 'tier_2',
      leadlens_model_version: '2',
      leadlens_scored_at: '2026-11-01T00:00:00.000Z',
      leadlens_score_change: '0',
      leadlens_score_jump: 'false',
    });
  });

  it('writes nothing when nothing changed', () => {
    const first = planRecordWrite(row(), undefined, 15)!;
    expect(planRecordWrite(row({ scoredAt: '2026-11-02T00:00:00.000Z' }), first, 15)).toBeNull();
  });

  it('a re-tier writes only the tier', () => {
    const first = planRecordWrite(row(), undefined, 15)!;
    expect(planRecordWrite(row({ tier: 'tier_1' }), first, 15)).toEqual({
      leadlens_tier: 'tier_1',
    });
  });

  it('a new score writes the change and flags a jump', () => {
    const first = planRecordWrite(row(), undefined, 15)!;
    const plan = planRecordWrite(row({ score: 61, tier: 'tier_1' }), first, 15)!;
    expect(plan.leadlens_score).toBe('61');
    expect(plan.leadlens_score_change).toBe('21');
    expect(plan.leadlens_score_jump).toBe('true');
  });
});
