import { findLeakage } from './leakage';
import { inferSchema } from '../encoding/schema';
import { splitByTime } from './split';
import { syntheticLeads } from '../testing/synthetic';
import type { RawRow } from '../types';

describe('findLeakage', () => {
  it('flags a field present almost only for converted leads, and nothing on clean data', () => {
    const { rows, labels, times } = syntheticLeads(3000, 4, { leak: true });
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(rows, { exclude: ['id'] });
    const found = findLeakage(rows, schema, labels, split);
    expect(found.map((f) => f.field)).toEqual(['closed_reason']);
    expect(found[0]!.presentWhenNotConverted).toBe(0);
    expect(found[0]!.presentWhenConverted).toBeGreaterThan(0.8);
    // With the AUC rule switched off, the presence rule alone still catches it.
    const byPresence = findLeakage(rows, schema, labels, split, {
      aucThreshold: 1,
      decisiveShareMin: 1.1,
    });
    expect(byPresence.map((f) => [f.field, f.reason])).toEqual([['closed_reason', 'presence']]);
    expect(byPresence[0]!.detail).toMatch(
      /filled in for 9\d\.\d % of converted leads but only 0\.0 %/,
    );

    const clean = syntheticLeads(3000, 4);
    const cleanSchema = inferSchema(clean.rows, { exclude: ['id'] }).schema;
    expect(
      findLeakage(clean.rows, cleanSchema, clean.labels, splitByTime(clean.labels, clean.times)),
    ).toEqual([]);
  });

  it('flags a field that alone predicts the label on validation (either direction)', () => {
    const { rows, labels, times } = syntheticLeads(2000, 5);
    const withEcho: RawRow[] = rows.map((r, i) => ({
      ...r,
      score_after_call: String(labels[i] === 1 ? 10 + (i % 7) : i % 7),
    }));
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(withEcho, { exclude: ['id'] });
    const found = findLeakage(withEcho, schema, labels, split);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ field: 'score_after_call', reason: 'single-field-auc' });
    expect(found[0]!.auc!).toBeGreaterThan(0.95);
    // The threshold is configurable.
    expect(
      findLeakage(withEcho, schema, labels, split, { aucThreshold: 1, decisiveShareMin: 1.1 }),
    ).toEqual([]);
  });

  it('flags a field whose values settle the outcome for many leads', () => {
    const { rows, labels, times } = syntheticLeads(3000, 6);
    const tagged: RawRow[] = rows.map((r, i) => ({
      ...r,
      tag:
        i % 4 === 0
          ? labels[i] === 1
            ? 'Closed'
            : 'Wrong number'
          : ['Ringing', 'Follow up'][i % 2]!,
    }));
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(tagged, { exclude: ['id'] });
    const found = findLeakage(tagged, schema, labels, split);
    expect(found.map((f) => [f.field, f.reason])).toEqual([['tag', 'decisive-values']]);
    expect(found[0]!.decisiveShare!).toBeGreaterThan(0.2);
    expect(found[0]!.decisiveValues!.map((v) => v.value).sort()).toEqual([
      'closed',
      'wrong number',
    ]);
  });
});
