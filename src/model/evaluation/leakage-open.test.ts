import { findLeakage } from './leakage';
import { inferSchema } from '../encoding/schema';
import { splitByTime } from './split';
import { makeRng } from '../rng';
import type { RawRow } from '../types';
import type { Label } from './split';

/**
 * An export with open leads: the newest rows have no outcome yet, and a field a rep fills in
 * at closing ("grade") is empty on them. It is weakly tied to the outcome — no other rule of the
 * guard sees it — but the leads a model scores will never have it.
 */
function exportWithOpenLeads(openGrade: number) {
  const rng = makeRng(5);
  const rows: RawRow[] = [];
  const labels: Label[] = [];
  for (let i = 0; i < 2000; i++) {
    const open = i >= 1800;
    const y = rng.next() < 0.3 ? 1 : 0;
    const grade = rng.next() < (y ? 0.5 : 0.35) ? 'A' : rng.next() < 0.5 ? 'B' : 'C';
    rows.push({
      visits: String(rng.int(20)),
      source: ['web', 'ads'][rng.int(2)]!,
      grade: !open || rng.next() < openGrade ? grade : '',
    });
    labels.push(open ? null : y);
  }
  const split = splitByTime(
    labels,
    rows.map((_, i) => i),
  );
  const { schema } = inferSchema(rows);
  return findLeakage(rows, schema, labels, split);
}

describe('fields empty on open leads', () => {
  it('flags a field filled in for closed leads and empty on the open ones', () => {
    const found = exportWithOpenLeads(0);
    expect(found.map((f) => [f.field, f.reason])).toEqual([['grade', 'empty-when-open']]);
    expect(found[0]!.presentWhenOpen).toBe(0);
    expect(found[0]!.presentWhenLabelled).toBe(1);
    expect(found[0]!.detail).toMatch(
      /100\.0 % of leads with a known outcome but only 0\.0 % of the 200 open ones/,
    );
  });

  it('leaves it alone when open leads have it too', () => {
    expect(exportWithOpenLeads(0.8)).toEqual([]);
  });
});
