import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec';

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
});
