import { frameFromRows, takeRows } from './frame';

describe('takeRows', () => {
  const frame = frameFromRows([
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
    { a: 3, b: null },
  ]);

  it('gathers the rows asked for, in that order', () => {
    const t = takeRows(frame, [2, 0]);
    expect(t.n).toBe(2);
    const a = t.columns.get('a')!;
    expect(a.kind === 'number' && Array.from(a.values)).toEqual([3, 1]);
  });

  it('returns the frame itself for every row in order, a copy otherwise', () => {
    expect(takeRows(frame, [0, 1, 2])).toBe(frame);
    expect(takeRows(frame, Int32Array.from([0, 1, 2]))).toBe(frame);
    expect(takeRows(frame, [0, 2, 1])).not.toBe(frame);
    expect(takeRows(frame, [0, 1])).not.toBe(frame);
  });
});
