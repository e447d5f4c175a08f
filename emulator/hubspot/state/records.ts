/**
 * The records of one object type: id index, current values as head pointers into the
 * history log, and the derived properties HubSpot computes on write.
 */
import { HistoryLog, type Interner, type SourceType, type Version } from './history';
import { DEAL_STAGES, type Schema } from './schema';
import { iso, type ObjectTypeInfo } from './types';

export interface Rec {
  id: number;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** head[p.idx] = newest history row of property p, or -1. */
  head: Int32Array;
}

/** One property value a write stored. */
export interface Written {
  name: string;
  value: string;
  sourceType: SourceType;
  sourceId?: string;
}

export interface WriteSource {
  timestamp: number;
  sourceType: SourceType;
  sourceId?: string;
}

const STAGE_CLOSED = new Map(DEAL_STAGES.map((s) => [s[0], s]));

export class ObjectStore {
  readonly history: HistoryLog;
  /** Ids in ascending order; ids only grow, so append keeps it sorted and cursors are positions. */
  readonly ids: number[] = [];
  readonly byId = new Map<number, Rec>();
  /** Unique-value indexes (contacts: email, companies: domain), lower-cased. */
  private readonly unique = new Map<string, Map<string, number>>();
  private nextId: number;

  constructor(
    readonly info: ObjectTypeInfo,
    readonly schema: Schema,
    strings: Interner,
  ) {
    this.history = new HistoryLog(strings, 4096);
    this.nextId = info.idBase;
  }

  create(
    props: Record<string, string>,
    src: WriteSource,
    onWritten?: (written: Written[]) => void,
  ): Rec {
    const rec: Rec = {
      id: this.nextId++,
      createdAt: src.timestamp,
      updatedAt: src.timestamp,
      archived: false,
      head: new Int32Array(this.schema.width).fill(-1),
    };
    this.ids.push(rec.id);
    this.byId.set(rec.id, rec);
    const created = this.info.createdProperty;
    const initial = { ...props };
    if (initial[created] === undefined || initial[created] === '')
      initial[created] = iso(src.timestamp);
    else rec.createdAt = Date.parse(initial[created]);
    const written = this.write(rec, initial, src);
    onWritten?.(written);
    rec.updatedAt = src.timestamp;
    return rec;
  }

  get(id: number | string, includeArchived = false): Rec | undefined {
    const rec = this.byId.get(typeof id === 'number' ? id : Number(id));
    return rec && (includeArchived || !rec.archived) ? rec : undefined;
  }

  findUnique(property: string, value: string): Rec | undefined {
    const id = this.unique.get(property)?.get(value.toLowerCase());
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Appends one version per property (HubSpot records a version even when the value repeats).
   * Returns what was written, derived values included, in order: change events are built from it.
   */
  write(rec: Rec, props: Record<string, string>, src: WriteSource): Written[] {
    const written: Written[] = [];
    const derived: Record<string, string> = {};
    for (const [name, value] of Object.entries(props)) {
      const def = this.schema.get(name);
      if (!def) continue;
      if (def.hasUniqueValue) this.index(name, rec, value);
      this.append(rec, def.idx, { value, ...src });
      written.push({ name, value, sourceType: src.sourceType, sourceId: src.sourceId });
      if (name === 'dealstage' && this.info.name === 'deals') {
        const stage = STAGE_CLOSED.get(value);
        if (stage) {
          derived.hs_is_closed = stage[2];
          derived.hs_is_closed_won = String(value === 'closedwon');
          derived.hs_deal_stage_probability = stage[3];
        }
      }
      if (name === 'lifecyclestage' && value) {
        const dateProp = `hs_lifecyclestage_${value}_date`;
        if (this.schema.get(dateProp) && this.value(rec, dateProp) === null)
          derived[dateProp] = iso(src.timestamp);
      }
    }
    for (const [name, value] of Object.entries(derived)) {
      const def = this.schema.get(name);
      if (def && this.value(rec, name) !== value) {
        this.append(rec, def.idx, { value, timestamp: src.timestamp, sourceType: 'CALCULATED' });
        written.push({ name, value, sourceType: 'CALCULATED' });
      }
    }
    if (src.timestamp > rec.updatedAt) rec.updatedAt = src.timestamp;
    return written;
  }

  archive(rec: Rec, at: number): void {
    rec.archived = true;
    rec.archivedAt = at;
    rec.updatedAt = at;
    for (const [prop, idx] of this.unique) {
      const v = this.value(rec, prop);
      if (v && idx.get(v.toLowerCase()) === rec.id) idx.delete(v.toLowerCase());
    }
  }

  /** Current value, with the properties HubSpot derives on read. Unset → null. */
  value(rec: Rec, name: string): string | null {
    if (name === 'hs_object_id') return String(rec.id);
    if (name === 'lastmodifieddate' || name === 'hs_lastmodifieddate') {
      if (this.schema.get(name)) return iso(rec.updatedAt);
    }
    const def = this.schema.get(name);
    if (!def) return null;
    const h = def.idx < rec.head.length ? rec.head[def.idx] : -1;
    return h < 0 ? null : this.history.value(h);
  }

  versions(rec: Rec, name: string): Version[] {
    const def = this.schema.get(name);
    if (!def) return [];
    if (name === 'hs_object_id' || name === 'lastmodifieddate' || name === 'hs_lastmodifieddate') {
      const v = this.value(rec, name);
      return v === null ? [] : [{ value: v, timestamp: rec.updatedAt, sourceType: 'CALCULATED' }];
    }
    const h = def.idx < rec.head.length ? rec.head[def.idx] : -1;
    return h < 0 ? [] : this.history.versions(h);
  }

  /** Position of the first id ≥ `id` in `ids` (binary search; cursors encode ids). */
  positionOf(id: number): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private append(rec: Rec, idx: number, v: Version): void {
    if (idx >= rec.head.length) {
      const wider = new Int32Array(this.schema.width).fill(-1);
      wider.set(rec.head);
      rec.head = wider;
    }
    rec.head[idx] = this.history.append(rec.head[idx], v);
  }

  private index(name: string, rec: Rec, value: string): void {
    let idx = this.unique.get(name);
    if (!idx) this.unique.set(name, (idx = new Map()));
    const old = this.value(rec, name);
    if (old) idx.delete(old.toLowerCase());
    if (value) idx.set(value.toLowerCase(), rec.id);
  }
}
