import { findLeakage } from './leakage';
import { inferSchema } from '../encoding/schema';
import { splitByTime } from './split';
import { makeRng } from '../rng';
import type { RawRow } from '../types';
import type { Label } from './split';

describe('decisive values with rare positives', () => {
  it('does not call a value decisive when its 0 % is what chance gives at a 3 % prior', () => {
    const rng = makeRng(11);
    const n = 3000;
    const rows: RawRow[] = [];
    const labels: Label[] = [];
    for (let i = 0; i < n; i++) {
      // 100 values of ~30 rows: each expects ~1 positive, so many show 0 by chance alone.
      rows.push({ bucket: `b${rng.int(100)}`, other: ['x', 'y', 'z'][rng.int(3)]! });
      labels.push(rng.next() < 0.03 ? 1 : 0);
    }
    const split = splitByTime(
      labels,
      rows.map((_, i) => i),
    );
    const { schema } = inferSchema(rows);
    const found = findLeakage(rows, schema, labels, split);
    expect(found.filter((f) => f.reason === 'decisive-values')).toEqual([]);
  });
});
