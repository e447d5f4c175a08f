import { countCategories, readCategories } from './read';
import { DEFAULT_PLACEHOLDERS, placeholderSet } from './schema';
import { makeRng } from '../rng';
import type { FrameColumn } from '../frame';

const ph = placeholderSet(DEFAULT_PLACEHOLDERS);

/** The plain reading: each value's text ("3", not "3.0"), coded in order of first appearance. */
function reference(values: Float64Array): { codes: number[]; values: string[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const codes = Array.from(values, (v) => {
    if (Number.isNaN(v)) return -1;
    const s = String(v);
    if (!index.has(s)) {
      index.set(s, names.length);
      names.push(s);
    }
    return index.get(s)!;
  });
  return { codes, values: names };
}

describe('readCategories on a number column', () => {
  it('codes small integers through its table exactly as the plain reading does', () => {
    const rng = makeRng(9);
    const pick = (): number => {
      const r = rng.next();
      if (r < 0.6) return 1 + rng.int(13); // codes
      if (r < 0.7) return NaN;
      if (r < 0.75) return -rng.int(5); // negatives and -0
      if (r < 0.8) return rng.int(4) + 0.5; // fractions
      if (r < 0.85) return 65_530 + rng.int(12); // across the table's limit
      if (r < 0.9) return 1e9 + rng.int(3);
      return 3;
    };
    const values = Float64Array.from({ length: 20_000 }, pick);
    const col: FrameColumn = { kind: 'number', values };
    const got = readCategories(col, ph);
    const want = reference(values);
    expect(got.values).toEqual(want.values);
    expect(Array.from(got.codes)).toEqual(want.codes);
  });
});

describe('countCategories', () => {
  it('counts what readCategories codes, for text, number and mixed columns', () => {
    const cols: FrameColumn[] = [
      {
        kind: 'text',
        codes: Int32Array.from([0, 1, 2, 3, -1, 4, 0, 2, 5, 5, 1]),
        // " Web" and "Web" are one value; "N/A" and "" are placeholders; "Unused" never occurs.
        dict: ['Web', ' Web', 'Email', 'N/A', '', 'Phone', 'Unused'],
      },
      { kind: 'number', values: Float64Array.from([1, 2, NaN, 2, 7.5, 1, 1]) },
      { kind: 'cells', values: ['a', 2, null, ' a', ['x'], 'unknown', true] },
    ];
    for (const col of cols) {
      const { codes, values } = readCategories(col, ph);
      const counts = new Array<number>(values.length).fill(0);
      let missing = 0;
      for (const c of codes) {
        if (c < 0) missing++;
        else counts[c]!++;
      }
      const got = countCategories(col, ph);
      expect(got.values).toEqual(values);
      expect(Array.from(got.counts)).toEqual(counts);
      expect(got.missing).toBe(missing);
    }
  });
});
