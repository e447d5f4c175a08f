import { inferSchema, parseNumber } from './schema';

describe('formatted numbers (thousands separators, currency, percent)', () => {
  it('parses them as the number they show', () => {
    expect(parseNumber('1,532')).toBe(1532);
    expect(parseNumber('$2.50')).toBe(2.5);
    expect(parseNumber('-$1,200.75')).toBe(-1200.75);
    expect(parseNumber('€ 1,000,000')).toBe(1_000_000);
    expect(parseNumber('12%')).toBe(12);
    expect(parseNumber(' 7 ')).toBe(7);
  });

  it('leaves what is not one a text', () => {
    for (const s of ['1,5', '12,34', '$', '1,2345', '$-$3', 'abc', '1.2.3', '--5'])
      expect(parseNumber(s)).toBeNaN();
  });

  it('infers a column of them as a number, not a category', () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({
      spent: (i * 37 + 900).toLocaleString('en-US'),
      price: `$${(i % 50).toFixed(2)}`,
      share: `${i % 100}%`,
      eu: `${i % 9},${i % 7}`,
    }));
    const { schema } = inferSchema(rows);
    const type = (n: string) => schema.find((f) => f.name === n)?.type;
    expect(type('spent')).toBe('number');
    expect(type('price')).toBe('number');
    expect(type('share')).toBe('number');
    expect(type('eu')).toBe('category');
  });
});
