import { decodeCheckpoint, encodeCheckpoint, encodeCheckpointPacked } from './checkpoint-codec';

describe('checkpoint codec', () => {
  it('gives back typed arrays and the numbers JSON loses, bit for bit', () => {
    const f = Float64Array.from([0.1 + 0.2, -0, NaN, Infinity, 1e-300, -5]);
    const value = {
      f,
      i: Int32Array.from([-1, 7]),
      nested: [{ x: -0, y: NaN, z: -Infinity, s: 'text', n: null }],
      sub: f.subarray(1, 3),
    };
    const back = decodeCheckpoint<typeof value>(encodeCheckpoint(value));
    expect(back.f).toBeInstanceOf(Float64Array);
    expect(Buffer.from(back.f.buffer).equals(Buffer.from(f.buffer))).toBe(true);
    expect(back.i).toEqual(value.i);
    expect(Object.is(back.nested[0]!.x, -0)).toBe(true);
    expect(back.nested[0]).toEqual({ x: -0, y: NaN, z: -Infinity, s: 'text', n: null });
    expect(Array.from(back.sub)).toEqual([-0, NaN]);
    expect(back.sub.length).toBe(2);
  });

  it('packs a bulky value losslessly, smaller, and still reads the plain form', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({
      lifecyclestage: i % 3 ? 'lead' : 'subscriber',
      num_notes: i % 7,
      score: i % 5 ? i / 7 : NaN,
      days: -0,
    }));
    const value = { rows, t: Float64Array.from(rows, (_, i) => i * 1.5) };
    const plain = encodeCheckpoint(value);
    const packed = encodeCheckpointPacked(value);
    expect(packed.startsWith('z:')).toBe(true);
    expect(packed.length).toBeLessThan(plain.length / 4);
    const back = decodeCheckpoint<typeof value>(packed);
    expect(encodeCheckpoint(back)).toBe(plain);
    expect(Object.is(back.rows[0]!.days, -0)).toBe(true);
    expect(Number.isNaN(back.rows[0]!.score)).toBe(true);
    expect(encodeCheckpoint(decodeCheckpoint(plain))).toBe(plain);
  });
});
