import { DEFAULT_SETTINGS, SettingsSchema, TiersSchema, tierFor } from './settings';

describe('settings contract', () => {
  it('accepts the defaults', () => {
    expect(SettingsSchema.parse(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects thresholds that do not strictly decrease, and says which tier', () => {
    const r = TiersSchema.safeParse([
      { value: 'tier_1', label: 'Hot', minScore: 50 },
      { value: 'tier_2', label: 'Warm', minScore: 60 },
      { value: 'tier_3', label: 'Cold', minScore: 0 },
    ]);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/tier 2 \(60\) must be below tier 1 \(50\)/);
  });

  it('requires the last tier to start at 0 and 2–5 tiers', () => {
    expect(
      TiersSchema.safeParse([
        { value: 'tier_1', label: 'Hot', minScore: 50 },
        { value: 'tier_2', label: 'Cold', minScore: 10 },
      ]).success,
    ).toBe(false);
    expect(TiersSchema.safeParse([{ value: 'tier_1', label: 'All', minScore: 0 }]).success).toBe(
      false,
    );
  });

  it('puts a score in the first tier whose threshold it reaches', () => {
    const tiers = DEFAULT_SETTINGS.tiers;
    expect(tierFor(70, tiers).value).toBe('tier_1');
    expect(tierFor(69.9, tiers).value).toBe('tier_2');
    expect(tierFor(0, tiers).value).toBe('tier_4');
  });
});
