/**
 * Append-only, columnar property history for one object type.
 *
 * A 100,000-contact portal holds millions of property versions; one JS object per version
 * would cost hundreds of MB. Each version is instead a row in typed-array columns, values are
 * interned, and versions of the same (record, property) form a backwards linked list through
 * `prev`, so the newest-first order HubSpot returns is a walk from the head pointer.
 */

export const SOURCE_TYPES = [
  'API',
  'INTEGRATION',
  'CRM_UI',
  'ANALYTICS',
  'EMAIL',
  'FORM',
  'CALCULATED',
  'IMPORT',
  'SALES',
  'AUTOMATION',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
const SOURCE_INDEX = new Map<string, number>(SOURCE_TYPES.map((s, i) => [s, i]));

export interface Version {
  value: string;
  timestamp: number;
  sourceType: SourceType;
  sourceId?: string;
}

export class Interner {
  private readonly index = new Map<string, number>();
  private readonly values: string[] = [];
  id(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
  get(i: number): string {
    return this.values[i];
  }
}

export class HistoryLog {
  private size = 0;
  private val: Int32Array;
  private src: Uint8Array;
  private srcId: Int32Array;
  private prev: Int32Array;
  private ts: Float64Array;

  constructor(
    private readonly strings: Interner,
    capacity = 1024,
  ) {
    this.val = new Int32Array(capacity);
    this.src = new Uint8Array(capacity);
    this.srcId = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Appends a version after `prevIndex` (-1 for the first) and returns its row index. */
  append(prevIndex: number, v: Version): number {
    if (this.size === this.val.length) this.grow();
    const i = this.size++;
    this.val[i] = this.strings.id(v.value);
    const s = SOURCE_INDEX.get(v.sourceType);
    if (s === undefined) throw new Error(`unknown history sourceType ${v.sourceType}`);
    this.src[i] = s;
    this.srcId[i] = v.sourceId === undefined ? -1 : this.strings.id(v.sourceId);
    this.prev[i] = prevIndex;
    this.ts[i] = v.timestamp;
    return i;
  }

  value(i: number): string {
    return this.strings.get(this.val[i]);
  }

  timestamp(i: number): number {
    return this.ts[i];
  }

  /** Versions newest first, as HubSpot's propertiesWithHistory returns them. */
  versions(head: number): Version[] {
    const out: Version[] = [];
    for (let i = head; i >= 0; i = this.prev[i]) {
      const v: Version = {
        value: this.strings.get(this.val[i]),
        timestamp: this.ts[i],
        sourceType: SOURCE_TYPES[this.src[i]],
      };
      if (this.srcId[i] >= 0) v.sourceId = this.strings.get(this.srcId[i]);
      out.push(v);
    }
    return out;
  }

  /** Approximate bytes held by the columns (for the bench). */
  bytes(): number {
    return this.val.length * (4 + 1 + 4 + 4 + 8);
  }

  private grow(): void {
    const n = this.val.length * 2;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.val = grow(this.val, (k) => new Int32Array(k));
    this.src = grow(this.src, (k) => new Uint8Array(k));
    this.srcId = grow(this.srcId, (k) => new Int32Array(k));
    this.prev = grow(this.prev, (k) => new Int32Array(k));
    this.ts = grow(this.ts, (k) => new Float64Array(k));
  }
}
