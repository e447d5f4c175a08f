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
      source: i % 9 === 0 ? 'Select' : i % 11 === 0 ? '' : ['Web', 'Ads', 'Event'][i % 3]!,
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
        'source=Select',
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

  it('reads placeholders (NA, null, unknown, empty) as missing in numbers, yes/no and dates', () => {
    const X = enc.transform([
      { visits: 'NA', source: '', opt_in: 'unknown', created: '', pages: '' },
      { visits: ' null ', source: ' ', opt_in: 'yes', created: '2024-01-02', pages: 'blog' },
    ]);
    expect(col(X, 'visits (missing)')).toEqual([1, 1]);
    expect(col(X, 'source (missing)')).toEqual([1, 1]);
    expect(col(X, 'source=(other)')).toEqual([0, 0]);
    expect(X.quality).toEqual([]);
  });

  it('keeps a placeholder in a category field as a level of its own, apart from empty', () => {
    expect(enc.toJSON().placeholderLevels).toBe(true);
    const X = enc.transform([
      { visits: '1', source: 'Select', opt_in: 'no', created: '2024-01-02', pages: 'blog' },
      { visits: '1', source: '', opt_in: 'no', created: '2024-01-02', pages: 'blog' },
      { visits: '1', source: 'Unknown', opt_in: 'no', created: '2024-01-02', pages: 'blog' },
    ]);
    expect(col(X, 'source=Select')).toEqual([1, 0, 0]);
    // Empty is the only missing; a placeholder training never saw is an unseen value (counted).
    expect(col(X, 'source (missing)')).toEqual([0, 1, 1]);
    expect(X.quality).toEqual([{ field: 'source', expected: 'category', wrongType: 0, unseen: 1 }]);
  });

  it('merges placeholders into missing when asked, and for encoders stored before levels', () => {
    const merged = fitEncoder(train, schema, { minFrequency: 5, placeholderLevels: false });
    // The stored form of an encoder from before placeholder levels: no flag.
    expect(merged.toJSON()).not.toHaveProperty('placeholderLevels');
    for (const e of [merged, new FittedEncoder(merged.toJSON())]) {
      expect(e.columns.map((c) => c.name)).not.toContain('source=Select');
      const X = e.transform([
        { visits: '1', source: 'select', opt_in: 'no', created: '2024-01-02', pages: 'blog' },
        { visits: '1', source: 'Unknown', opt_in: 'no', created: '2024-01-02', pages: 'blog' },
      ]);
      expect(col(X, 'source (missing)')).toEqual([1, 1]);
      expect(X.quality).toEqual([]);
    }
  });

  it('reads values training never saw as missing and counts them; rare ones go to "other"', () => {
    const withRare = [...train, { ...train[1]!, source: 'Podcast', pages: 'careers' }];
    const e2 = fitEncoder(withRare, schema, { minFrequency: 5 });
    const X = e2.transform([
      { visits: '3', source: 'Podcast', opt_in: 'TRUE', created: '2024-01-05', pages: 'careers' },
      { visits: '3', source: 'Radio', opt_in: 'no', created: '2024-01-05', pages: 'jobs;pricing' },
    ]);
    // Seen once in training (below the minimum frequency): "(other)", as at training time.
    expect(col(X, 'source=(other)')).toEqual([1, 0]);
    // Never seen: no column of its own and not "(other)": missing, and counted.
    expect(col(X, 'source (missing)')).toEqual([0, 1]);
    expect(
      e2.columns
        .filter((c) => c.field === 'source' && c.kind === 'onehot')
        .map((c) => col(X, c.name)[1]),
    ).toEqual([0, 0, 0, 0]);
    expect(col(X, 'pages=(other)')).toEqual([1, 0]);
    expect(col(X, 'pages=pricing')).toEqual([0, 1]);
    expect(col(X, 'opt_in')).toEqual([1, 0]);
    expect(X.quality).toEqual([
      { field: 'source', expected: 'category', wrongType: 0, unseen: 1 },
      { field: 'pages', expected: 'multi', wrongType: 0, unseen: 1 },
    ]);
  });

  it('clips at the same quantiles a sorted copy gives (ties, sorted and reversed input)', () => {
    let seed = 11;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const base = Array.from({ length: 2001 }, () => Math.round(rand() * 300) / 10);
    for (const values of [base, [...base].sort((a, b) => a - b), [...base].sort((a, b) => b - a)]) {
      const fitted = fitEncoder(
        values.map((v) => ({ x: v })),
        [{ name: 'x', label: 'x', type: 'number' }],
        { clip: [0.0131, 0.9003] },
      );
      const state = fitted.toJSON().fields[0] as { lo: number; hi: number };
      const sorted = [...values].sort((a, b) => a - b);
      const q = (p: number): number => {
        const pos = p * (sorted.length - 1);
        const lo = Math.floor(pos);
        const hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
      };
      expect(state.lo).toBe(q(0.0131));
      expect(state.hi).toBe(q(0.9003));
    }
  });

  it('sends unseen values to "other" with an encoder stored before rare values were kept', () => {
    const state = enc.toJSON();
    const old = new FittedEncoder({
      ...state,
      fields: state.fields.map((f) => {
        if (f.type !== 'category' && f.type !== 'multi') return f;
        const { rare: _r, ...rest } = f;
        return rest;
      }),
    });
    const X = old.transform([
      { visits: '3', source: 'Podcast', opt_in: 'no', created: '2024-01-05', pages: '' },
    ]);
    expect(col(X, 'source=(other)')).toEqual([1]);
    expect(X.quality).toEqual([]);
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

  it('throws SCHEMA_MISMATCH naming a field absent from the input', () => {
    const missing = () =>
      enc.transform([{ visits: '1', opt_in: 'no', created: '2024-01-05', pages: '' }]);
    expect(missing).toThrow(/Field "source" is missing from the input/);
    try {
      missing();
    } catch (e) {
      expect(isModelError(e, 'SCHEMA_MISMATCH')).toBe(true);
    }
  });

  it('reads a value of the wrong type as missing and counts it, never throws', () => {
    const X = enc.transform([
      { visits: 'lots', source: 'Web', opt_in: 'maybe', created: 'soon', pages: '' },
      { visits: '2', source: 'Web', opt_in: 'no', created: '2024-01-05', pages: '' },
      { visits: 'many', source: 'Web', opt_in: 'yes', created: '2024-01-05', pages: '' },
    ]);
    expect(col(X, 'visits (missing)')).toEqual([1, 0, 1]);
    expect(col(X, 'visits')[0]).toBe(0);
    expect(X.quality).toEqual([
      { field: 'visits', expected: 'number', wrongType: 2, unseen: 0 },
      { field: 'opt_in', expected: 'bool', wrongType: 1, unseen: 0 },
      { field: 'created', expected: 'date', wrongType: 1, unseen: 0 },
    ]);
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

describe('inferSchema: evidence and overrides', () => {
  const rs: RawRow[] = Array.from({ length: 400 }, (_, i) => ({
    region: String(1 + (i % 9)),
    browser_id: String(1 + ((i * 7) % 13)),
    visits: String(i % 4 === 0 ? 0 : (i * 3) % 11),
    page_views: String((i * 5) % 17),
    zip: ['02134', '10001', '94105'][i % 3]!,
    lead_id: String(100000 + i),
    rating: String(1 + (i % 5)),
  }));

  it('reads integer codes as categories and amounts as numbers, and skips numeric ids', () => {
    const { schema, skipped } = inferSchema(rs);
    const types = Object.fromEntries(schema.map((f) => [f.name, f.type]));
    expect(types).toEqual({
      region: 'category',
      browser_id: 'category',
      visits: 'number',
      page_views: 'number',
      zip: 'category',
      // 1..5 with no name evidence either way stays a number (an ordinal is an amount).
      rating: 'number',
    });
    expect(skipped.map((s) => s.name)).toEqual(['lead_id']);
  });

  it('keeps the types the user gives', () => {
    const { schema } = inferSchema(rs, { types: { region: 'number', rating: 'category' } });
    const types = Object.fromEntries(schema.map((f) => [f.name, f.type]));
    expect(types.region).toBe('number');
    expect(types.rating).toBe('category');
  });

  it('looks at a bounded sample spread over the rows', () => {
    const many: RawRow[] = Array.from({ length: 5000 }, (_, i) => ({
      amount: i === 4999 ? 'n/a' : String(i * 0.5),
    }));
    const { schema } = inferSchema(many, { sampleSize: 100 });
    expect(schema).toEqual([{ name: 'amount', label: 'amount', type: 'number' }]);
  });
});

describe('transform layout', () => {
  const train = rows(100);

  it('holds numbers as their values and 0/1 columns as ascending row lists (the same matrix)', () => {
    // Unseen, rare, repeated multi values and wrongly typed cells, in both missing modes.
    const test: RawRow[] = [
      ...rows(40),
      { visits: 'many', source: 'Radio', opt_in: 'maybe', created: '', pages: 'blog;blog;new' },
      { visits: '3', source: 'Web', opt_in: 'yes', created: '2024-02-01', pages: 'new' },
    ];
    for (const missing of ['impute', 'nan'] as const) {
      const e = fitEncoder(train, schema, { minFrequency: 5, missing });
      const X = e.transform(test);
      const { layout } = X;
      expect(layout).toBeDefined();
      let first: Float64Array | null = null;
      X.columns.forEach((c, j) => {
        const rows01 = layout!.ones[j];
        const zeroOne = ['onehot', 'other', 'multi', 'missing'].includes(c.kind);
        expect(rows01 !== null).toBe(zeroOne);
        expect(layout!.dense[j] !== null).toBe(!zeroOne);
        if (rows01) {
          for (let t = 1; t < rows01.length; t++)
            expect(rows01[t]!).toBeGreaterThan(rows01[t - 1]!);
          const set = new Set(rows01);
          expect(col(X, c.name)).toEqual(
            Array.from({ length: X.n }, (_, i) => (set.has(i) ? 1 : 0)),
          );
        } else {
          first ??= layout!.dense[j]!;
          expect(col(X, c.name)).toEqual(Array.from(layout!.dense[j]!));
        }
      });
      expect(first).not.toBeNull();
    }
  });
});
