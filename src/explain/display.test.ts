import { displayValue } from './index';

describe('displayValue', () => {
  it('shows numbers as a rep reads them', () => {
    expect(displayValue(307.08)).toBe('307');
    expect(displayValue(3.46)).toBe('3.5');
    expect(displayValue(0.1234)).toBe('0.12');
    expect(displayValue(42)).toBe('42');
    expect(displayValue(Number.NaN)).toBeNull();
  });

  it('shows booleans, lists and blanks', () => {
    expect(displayValue(true)).toBe('Yes');
    expect(displayValue(['a', 'b'])).toBe('a, b');
    expect(displayValue('  ')).toBeNull();
    expect(displayValue(null)).toBeNull();
  });

  it('shows day counts in whole days elapsed, so runs minutes apart show the same text', () => {
    // 3.94 and 3.96 days (about half an hour apart) used to read "3.9" and "4".
    expect(displayValue(3.94, 'days_since_last_visit')).toBe('3');
    expect(displayValue(3.96, 'days_since_last_visit')).toBe('3');
    expect(displayValue(307.49, 'contact_age_days')).toBe('307');
    expect(displayValue(307.51, 'contact_age_days')).toBe('307');
    expect(displayValue(3.94, 'pricing_page_views')).toBe('3.9');
    expect(displayValue(4, 'days_since_last_engagement')).toBe('4');
  });
});
