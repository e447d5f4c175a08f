import type { CrmRecord, PropertyVersion } from '../contracts/records';
import {
  buildTrainingSet,
  checkLeakage,
  DAY_MS,
  findNearDuplicates,
  findPostConversionProperties,
  singleFieldAuc,
  specFromProperties,
} from './index';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const iso = (d: number) => new Date(T0 + d * DAY_MS).toISOString();
const h = (...pairs: Array<[number, string | null]>): PropertyVersion[] =>
  pairs.map(([d, value]) => ({ value, timestamp: iso(d) }));
const CUSTOMER = { kind: 'lifecycle_customer', horizonDays: 120 } as const;

/** A small portal: 1 in 3 converts; the trap is filled in on conversion day. */
function portal(n: number): CrmRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const converts = i % 3 === 0;
    const views = 5 + ((i * 7) % 40) + (converts ? 20 : 0);
    const convDay = 60 + (i % 30);
    return {
      id: String(i + 1),
      objectType: 'contact',
      createdAt: iso(0),
      updatedAt: iso(300),
      properties: {},
      history: {
        lifecyclestage: converts ? h([0, 'lead'], [convDay, 'customer']) : h([0, 'lead']),
        hs_analytics_num_page_views: h([2, String(views)]),
        // A near-duplicate signal: page views × 10 plus a rounding wobble.
        views_x10: h([2, String(views * 10 + (i % 2))]),
        honest_score: h([2, String((i * 13) % 17)]),
        contract_signed_by: converts ? h([convDay, 'legal@x']) : [],
      },
      associations: {},
    };
  });
}

describe('leakage checks', () => {
  const records = portal(120);
  const meta = [
    { name: 'hs_analytics_num_page_views', label: 'Views', type: 'number', fieldType: 'number' },
    { name: 'views_x10', label: 'Views ×10', type: 'number', fieldType: 'number' },
    { name: 'honest_score', label: 'Score', type: 'number', fieldType: 'number' },
    { name: 'contract_signed_by', label: 'Signed by', type: 'enumeration', fieldType: 'select' },
  ];
  const spec = specFromProperties(meta, ['views_x10', 'honest_score', 'contract_signed_by']);

  it('flags a property only ever set after conversion, not honest ones', () => {
    const f = findPostConversionProperties(records, [], CUSTOMER, [
      'contract_signed_by',
      'honest_score',
      'hs_analytics_num_page_views',
    ]);
    expect(f.map((x) => x.field)).toEqual(['contract_signed_by']);
    expect(f[0].numbers).toMatchObject({
      convertersWithValue: 40,
      setAtOrAfterConversionShare: 1,
      nonConvertersWithValueShare: 0,
    });
  });

  it('flags the later of two near-duplicate numeric fields', () => {
    const set = buildTrainingSet(records, [], {
      conversion: CUSTOMER,
      now: T0 + 400 * DAY_MS,
      spec,
    });
    const f = findNearDuplicates(set.rows, spec.fields);
    const dup = f.find((x) => x.field === 'views_x10');
    expect(dup?.reason).toMatch(/near-duplicate of hs_analytics_num_page_views/);
    expect(
      f.some((x) => x.field === 'honest_score' || x.field === 'hs_analytics_num_page_views'),
    ).toBe(false);
  });

  it('reports each flagged field once through checkLeakage', () => {
    const set = buildTrainingSet(records, [], {
      conversion: CUSTOMER,
      now: T0 + 400 * DAY_MS,
      spec,
    });
    const f = checkLeakage({
      records,
      deals: [],
      conversion: CUSTOMER,
      spec,
      rows: set.rows,
      labels: set.labels,
    });
    const fields = f.map((x) => x.field);
    expect(fields).toContain('contract_signed_by');
    expect(fields).toContain('views_x10');
    expect(new Set(fields).size).toBe(fields.length);
  });

  it('computes a rank AUC with ties', () => {
    const v = Float64Array.from([1, 2, 2, 3]);
    expect(singleFieldAuc(v, [0, 0, 1, 1]).auc).toBeCloseTo(0.875);
    expect(singleFieldAuc(v, [1, 1, 0, 0]).auc).toBeCloseTo(0.125);
  });
});
