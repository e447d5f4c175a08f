import { sameCrmValue } from './writeback';

describe('sameCrmValue (reading back a batch in flight)', () => {
  it('treats the CRM’s formatting of numbers and datetimes as the value sent', () => {
    expect(sameCrmValue('71', '71')).toBe(true);
    expect(sameCrmValue('71.0', '71')).toBe(true);
    expect(sameCrmValue('2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000Z')).toBe(true);
    expect(sameCrmValue('', '')).toBe(true);
    expect(sameCrmValue(null, '')).toBe(true);
  });
  it('sees a different or missing value as not written', () => {
    expect(sameCrmValue('70', '71')).toBe(false);
    expect(sameCrmValue(null, '71')).toBe(false);
    expect(sameCrmValue(undefined, 'tier_1')).toBe(false);
    expect(sameCrmValue('tier_2', 'tier_1')).toBe(false);
    expect(sameCrmValue('', '0')).toBe(false);
    // A date-only text is not a datetime the CRM reformatted.
    expect(sameCrmValue('2026-01-02', '2026-01-02T00:00:00.000Z')).toBe(false);
    expect(sameCrmValue('2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z')).toBe(false);
  });
});
