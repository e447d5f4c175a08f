/**
 * The seam between `features` and `model` for dates: a snapshot gives a date property's age at
 * asOf in days, and the model must read that as a number (not as an instant in epoch ms).
 */
import type { CrmRecord } from '../contracts/records';
import { DAY_MS, snapshot, snapshotSchema, type FeatureField } from '../features';
import { fitEncoder, trainModel, type Label } from '../model';

const T0 = Date.parse('2024-06-01T00:00:00.000Z');
const FIELDS: FeatureField[] = [
  { name: 'last_demo', label: 'Last demo', type: 'date', source: 'property' },
];

/** A contact whose `last_demo` was `ageDays` before `asOf`, as of `asOf`. */
function record(id: number, asOf: number, ageDays: number): CrmRecord {
  const at = new Date(asOf - ageDays * DAY_MS).toISOString();
  return {
    id: String(id),
    objectType: 'contact',
    createdAt: new Date(T0 - 400 * DAY_MS).toISOString(),
    updatedAt: at,
    properties: { last_demo: at },
    history: { last_demo: [{ value: at, timestamp: at }] },
    associations: {},
  };
}

describe('dates between features and model', () => {
  it('a snapshot gives days before asOf, declared to the model as a number', () => {
    const spec = { fields: FIELDS, skipped: [] };
    const asOf = [T0, T0 + 50 * DAY_MS, T0 + 90 * DAY_MS];
    const rows = [10, 40, 100].map((age, i) => snapshot(record(i, asOf[i]!, age), asOf[i]!, spec));
    expect(rows.map((r) => r.last_demo)).toEqual([10, 40, 100]);
    const schema = snapshotSchema(FIELDS);
    expect(schema).toEqual([{ name: 'last_demo', label: 'Last demo', type: 'number' }]);
    const enc = fitEncoder(rows, schema, { clip: [0, 1] });
    const state = enc.toJSON().fields[0]!;
    expect(state.type).toBe('number');
    // Days stay days: the training mean is the mean age.
    expect(state.type === 'number' && state.mean).toBeCloseTo(50, 10);
    const X = enc.transform(rows);
    // Older (more days before asOf) encodes larger — the sign is kept.
    expect(X.data[0]!).toBeLessThan(X.data[1]!);
    expect(X.data[1]!).toBeLessThan(X.data[2]!);
  });

  it('a model trained through the seam learns the direction the data has', () => {
    // Leads whose last demo is recent convert more: the coefficient on age must be negative.
    const spec = { fields: FIELDS, skipped: [] };
    const rows = [];
    const labels: Label[] = [];
    let s = 7;
    const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 600; i++) {
      const asOf = T0 + i * DAY_MS;
      const age = Math.floor(rnd() * 120);
      rows.push(snapshot(record(i, asOf, age), asOf, spec));
      labels.push(rnd() < 1 / (1 + Math.exp(-(1.5 - age / 30))) ? 1 : 0);
    }
    const { model } = trainModel({
      rows,
      labels,
      schema: snapshotSchema(FIELDS),
      options: { model: 'logistic' },
    });
    const core = model.core;
    expect(core.kind).toBe('logistic');
    const j = model.encoder.columns.findIndex((c) => c.name === 'last_demo');
    expect(core.kind === 'logistic' && core.coef[j]!).toBeLessThan(0);
  });
});
