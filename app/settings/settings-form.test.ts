import { DEFAULT_SETTINGS, TiersSchema, type Tier } from '../../src/contracts/settings';
import {
  addTier,
  removeLastTier,
  validateTiers,
  validateSettings,
  parsePropertyList,
} from './settings-form';

const T = DEFAULT_SETTINGS.tiers;

describe('settings-form mirrors the contract schema', () => {
  const cases: [string, Tier[]][] = [
    ['default', T],
    ['not decreasing', T.map((t, i) => (i === 1 ? { ...t, minScore: 80 } : t))],
    ['last not 0', T.map((t, i) => (i === 3 ? { ...t, minScore: 5 } : t))],
    ['duplicate names', T.map((t, i) => (i === 2 ? { ...t, label: 'HOT' } : t))],
    ['empty name', T.map((t, i) => (i === 0 ? { ...t, label: '  ' } : t))],
    ['one tier', [{ value: 'tier_1', label: 'All', minScore: 0 }]],
    ['two tiers', [T[0], { ...T[1], minScore: 0 }]],
    ['out of range', T.map((t, i) => (i === 0 ? { ...t, minScore: 120 } : t))],
  ];
  it.each(cases)('%s: valid here exactly when valid for TiersSchema', (_name, tiers) => {
    expect(validateTiers(tiers).length === 0).toBe(TiersSchema.safeParse(tiers).success);
  });

  it('adds and removes tiers keeping them valid', () => {
    let tiers = addTier(T);
    expect(tiers.map((t) => t.value)).toEqual(['tier_1', 'tier_2', 'tier_3', 'tier_4', 'tier_5']);
    expect(TiersSchema.safeParse(tiers).success).toBe(true);
    expect(addTier(tiers)).toHaveLength(5);
    tiers = removeLastTier(removeLastTier(removeLastTier(tiers)));
    expect(tiers).toHaveLength(2);
    expect(TiersSchema.safeParse(tiers).success).toBe(true);
    expect(removeLastTier(tiers)).toHaveLength(2);
  });

  it('validates the other sections with clear messages', () => {
    const errs = validateSettings({
      ...DEFAULT_SETTINGS,
      conversion: { kind: 'deal_won', horizonDays: 3 },
      features: { include: ['Bad-Name'], exclude: [] },
      retrainCadenceDays: 0,
      scoreJumpPoints: 101,
    });
    expect(errs.map((e) => e.field)).toEqual(['conversion', 'features', 'cadence', 'scoreJump']);
    expect(errs[1].message).toContain('Bad-Name');
    expect(parsePropertyList(' a, B;c  d ')).toEqual(['a', 'b', 'c', 'd']);
  });
});
