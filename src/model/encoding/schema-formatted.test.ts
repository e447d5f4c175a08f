import { fitEncoder } from './encoder';
import { DEFAULT_PLACEHOLDERS, inferSchema, parseNumber } from './schema';

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

describe('numbers with stray text (inf, #N/A, n.a.) on a few rows', () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({
    seconds: i % 40 === 7 ? ['inf', '#N/A', 'n.a.', 'Infinity'][i % 4]! : String((i * 37) % 1000),
    // Mostly text with a few numbers: stays a category.
    plan: i % 40 === 3 ? String(i) : ['basic', 'pro', 'team'][i % 3]!,
    // Numbers with a text value on 1 row in 10: too many to be stray, a category.
    rating: i % 10 === 0 ? 'not rated' : String(i % 50),
  }));

  it('types the column as a number and reads the stray values as missing', () => {
    const { schema } = inferSchema(rows);
    const type = (n: string) => schema.find((f) => f.name === n)?.type;
    expect(type('seconds')).toBe('number');
    expect(type('plan')).toBe('category');
    expect(type('rating')).toBe('category');
    const enc = fitEncoder(rows, schema, { missing: 'nan' });
    const X = enc.transform(rows.slice(0, 10));
    const k = enc.columns.findIndex((c) => c.name === 'seconds');
    const col = Array.from({ length: 10 }, (_, i) => X.data[k * X.n + i]!);
    expect(col[7]).toBeNaN();
    expect(col[6]).not.toBeNaN();
    expect(X.quality).toEqual([
      expect.objectContaining({ field: 'seconds', expected: 'number', wrongType: 1 }),
    ]);
  });

  it('reads spreadsheet errors as missing, not as a category level', () => {
    expect(DEFAULT_PLACEHOLDERS).toEqual(expect.arrayContaining(['#n/a', '#div/0!', 'n.a.']));
  });
});
