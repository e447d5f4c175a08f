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
});
