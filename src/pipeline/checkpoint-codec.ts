/**
 * Checkpoint text for state JSON cannot carry as it is: typed arrays (as base64 of their bytes)
 * and the numbers JSON loses (NaN, ±Infinity, -0). A state decoded from this text is bit for bit
 * the state encoded, so work resumed in another process computes exactly what one process would.
 *
 * Bulky parts of a state that are written once and read back many times (the training frame)
 * can be stored packed: the same text, deflated, as base64 behind a `z:` mark. A job's whole
 * state is rewritten at each unit's commit and read at each call, and its size is what a 128 MB
 * function call pays for several times over (the row as text, the database driver's buffers);
 * see docs/deploy.md. `decodeCheckpoint` reads both forms.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

function isTypedName(name: string): name is TypedName {
  return Object.hasOwn(TYPED, name);
}

export function encodeCheckpoint(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
    if (typeof v === 'number') {
      if (Number.isNaN(v) || !Number.isFinite(v) || Object.is(v, -0)) {
        return { $num: Object.is(v, -0) ? '-0' : String(v) };
      }
      return v;
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name;
      if (!isTypedName(name)) throw new Error(`cannot checkpoint a ${name}`);
      return {
        $ta: name,
        b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'),
      };
    }
    return v;
  });
}

const PACKED = 'z:';

/** `encodeCheckpoint`, deflated (JSON text never starts with `z`, so the mark is unambiguous). */
export function encodeCheckpointPacked(value: unknown): string {
  return PACKED + deflateRawSync(encodeCheckpoint(value)).toString('base64');
}

export function decodeCheckpoint<T>(text: string): T {
  const json = text.startsWith(PACKED)
    ? inflateRawSync(Buffer.from(text.slice(PACKED.length), 'base64')).toString('utf8')
    : text;
  return JSON.parse(json, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$num === 'string' && Object.keys(o).length === 1) return Number(o.$num);
      if (typeof o.$ta === 'string' && typeof o.b64 === 'string' && isTypedName(o.$ta)) {
        const bytes = Buffer.from(o.b64, 'base64');
        // A copy: its own, aligned ArrayBuffer.
        const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        return new TYPED[o.$ta](buf);
      }
    }
    return v;
  }) as T;
}
