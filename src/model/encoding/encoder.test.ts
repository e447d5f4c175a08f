import { FittedEncoder, fitEncoder } from './encoder';
import { isModelError } from '../errors';
import { inferSchema } from './schema';
import type { FieldInfo, RawRow } from '../types';

const schema: FieldInfo[] = [
  { name: 'visits', label: 'Visits', type: 'number' },
  { name: 'source', label: 'Lead Source', type: 'category' },
  { name: 'opt_in', label: 'Opted in', type: 'bool' },
  { name: 'created', label: 'Created', type: 'date' },
  { name: 'pages', label: 'Pages', type: 'multi' },
];

function rows(n: number): RawRow[] {
  const out: RawRow[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      visits: i % 10 === 0 ? '' : String(i % 7),
      source: i % 9 === 0 ? 'Select' : ['Web', 'Ads', 'Event'][i % 3]!,
      opt_in: i % 2 ? 'Yes' : 'no',
      created: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
      pages: i % 4 === 0 ? 'pricing;docs' : 'blog',
    });
  }
  return out;
}

const col = (
  X: { n: number; data: Float64Array; columns: readonly { name: string }[] },
  name: string,
) => {
  const j = X.columns.findIndex((c) => c.name === name);
  if (j < 0) throw new Error(`no column ${name}`);
  return Array.from(X.data.subarray(j * X.n, (j + 1) * X.n));
};

describe('fitEncoder / transform', () => {
  const train = rows(100);
  const enc = fitEncoder(train, schema, { minFrequency: 5 });

  it('groups every encoded column under its source field', () => {
    expect(new Set(enc.columns.map((c) => c.field))).toEqual(new Set(schema.map((f) => f.name)));
    expect(enc.columns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'visits',
        'visits (missing)',
        'source=Web',
        'source=(other)',
        'source (missing)',
        'opt_in',
        'created',
        'pages=pricing',
        'pages=blog',
      ]),
    );
  });

  it('standardises numbers (training mean 0) and imputes missing with an indicator', () => {
    const X = enc.transform(train);
    const v = col(X, 'visits');
    const present = v.filter((_, i) => i % 10 !== 0);
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    expect(mean).toBeCloseTo(0, 10);
    expect(v[0]).toBe(0);
    expect(col(X, 'visits (missing)')[0]).toBe(1);
    expect(col(X, 'visits (missing)')[1]).toBe(0);
  });

  it('treats placeholders (Select, empty, NA, unknown…) as missing', () => {
    const X = enc.transform([
      { visits: 'NA', source: 'select', opt_in: 'unknown', created: '', pages: '' },
      { visits: ' null ', source: 'Unknown', opt_in: 'yes', created: '2024-01-02', pages: 'blog' },
    ]);
    expect(col(X, 'visits (missing)')).toEqual([1, 1]);
    expect(col(X, 'source (missing)')).toEqual([1, 1]);
    expect(col(X, 'source=(other)')).toEqual([0, 0]);
  });

  it('sends unseen categories and multi values to "other"', () => {
    const X = enc.transform([
      {
        visits: '3',
        source: 'Podcast',
        opt_in: 'TRUE',
        created: '2024-01-05',
        pages: 'careers;pricing',
      },
    ]);
    expect(col(X, 'source=(other)')).toEqual([1]);
    expect(
      enc.columns
        .filter((c) => c.field === 'source' && c.kind === 'onehot')
        .map((c) => col(X, c.name)[0]),
    ).toEqual([0, 0, 0]);
    expect(col(X, 'pages=pricing')).toEqual([1]);
    expect(col(X, 'pages=(other)')).toEqual([1]);
    expect(col(X, 'opt_in')).toEqual([1]);
  });

  it('clips outliers to the training quantiles', () => {
    const X = enc.transform([
      { visits: '1000000', source: 'Web', opt_in: 'no', created: '2024-01-05', pages: 'blog' },
    ]);
    const maxTrain = Math.max(...col(enc.transform(train), 'visits'));
    expect(col(X, 'visits')[0]).toBeCloseTo(maxTrain, 10);
  });

  it('measures dates as age in days from the reference time, overridable at scoring', () => {
    const X1 = enc.transform([
      { visits: '1', source: 'Web', opt_in: 'no', created: '2024-01-28', pages: 'blog' },
    ]);
    const X2 = enc.transform(
      [{ visits: '1', source: 'Web', opt_in: 'no', created: '2024-01-28', pages: 'blog' }],
      {
        referenceTime: Date.UTC(2024, 1, 27),
      },
    );
    const state = enc.toJSON().fields.find((f) => f.name === 'created')!;
    if (state.type !== 'date') throw new Error('expected date');
    expect(state.reference).toBe(Date.UTC(2024, 0, 28));
    // 30 more days of age, in standard deviations (clipped at the training maximum age).
    expect(col(X2, 'created')[0]!).toBeGreaterThan(col(X1, 'created')[0]!);
  });

  it('keeps NaN for missing numbers in tree mode', () => {
    const tree = fitEncoder(train, schema, { missing: 'nan', minFrequency: 5 });
    const X = tree.transform([{ visits: '', source: 'Web', opt_in: '', created: '', pages: '' }]);
    expect(col(X, 'visits')[0]).toBeNaN();
    expect(col(X, 'opt_in')[0]).toBeNaN();
  });

  it('throws SCHEMA_MISMATCH naming the field for a missing field or a wrong type', () => {
    const missing = () =>
      enc.transform([{ visits: '1', opt_in: 'no', created: '2024-01-05', pages: '' }]);
    expect(missing).toThrow(/Field "source" is missing from row 1/);
    const wrong = () =>
      enc.transform([
        { visits: 'lots', source: 'Web', opt_in: 'no', created: '2024-01-05', pages: '' },
      ]);
    expect(wrong).toThrow(/Field "visits" on row 1 is not a number/);
    try {
      wrong();
    } catch (e) {
      expect(isModelError(e, 'SCHEMA_MISMATCH')).toBe(true);
    }
    expect(() =>
      enc.transform([
        { visits: '1', source: 'Web', opt_in: 'maybe', created: '2024-01-05', pages: '' },
      ]),
    ).toThrow(/"opt_in".*yes\/no/);
  });

  it('round-trips through JSON to identical encodings', () => {
    const copy = new FittedEncoder(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(copy.transform(train).data).toEqual(enc.transform(train).data);
  });
});

describe('inferSchema', () => {
  it('infers types and skips constant and identifier fields', () => {
    const rs: RawRow[] = Array.from({ length: 60 }, (_, i) => ({
      id: `id-${i}`,
      amount: String(i * 1.5),
      flag: i % 2 ? 'Yes' : 'No',
      zero_one: i % 3 ? 1 : 0,
      when: `2024-02-${String(1 + (i % 28)).padStart(2, '0')}`,
      tags: i % 5 ? 'a;b' : 'c',
      city: ['Oslo', 'Lima', 'Select'][i % 3]!,
      constant: 'x',
    }));
    const { schema: s, skipped } = inferSchema(rs);
    const types = Object.fromEntries(s.map((f) => [f.name, f.type]));
    expect(types).toEqual({
      amount: 'number',
      flag: 'bool',
      zero_one: 'bool',
      when: 'date',
      tags: 'multi',
      city: 'category',
    });
    expect(skipped.map((x) => x.name).sort()).toEqual(['constant', 'id']);
  });
});
