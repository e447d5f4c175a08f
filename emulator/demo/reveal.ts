/**
 * A generated portal revealed over time. The world is a portal generated up to a later clock;
 * `until(t)` writes into a live portal state everything of it that had happened by `t` —
 * companies and contacts created, every property version with its own timestamp and source,
 * as HubSpot's tracking, forms and automation would have written them — so a test can run
 * the weeks in between against the live portal with a clock it controls. Deals and leads are
 * not revealed (the contacts' lifecycle carries the conversions). Values HubSpot derives on
 * write (the lifecycle-stage dates) are derived again by the live store, not copied.
 */
import { type PortalState } from '../hubspot/state/portal';
import { type ObjectStore, type Rec } from '../hubspot/state/records';
import { type SourceType } from '../hubspot/state/history';
import { type DemoPortal } from './generate';

interface Write {
  t: number;
  source: SourceType;
  props: Record<string, string>;
}
/** Synthesised on read by the store, never written. */
const SKIP = new Set(['hs_object_id', 'lastmodifieddate', 'hs_lastmodifieddate']);
const KINDS = ['companies', 'contacts'] as const;

/** The writes of one world record, oldest first, grouped by moment and source. */
function writesOf(store: ObjectStore, rec: Rec): Write[] {
  const versions: Array<{ t: number; source: SourceType; name: string; value: string }> = [];
  for (const name of store.schema.props.keys()) {
    if (SKIP.has(name)) continue;
    for (const v of store.versions(rec, name)) {
      if (v.sourceType === 'CALCULATED') continue;
      versions.push({ t: v.timestamp, source: v.sourceType, name, value: v.value });
    }
  }
  // versions() is newest first per property; a stable sort keeps each property's order.
  versions.sort((a, b) => a.t - b.t);
  const out: Write[] = [];
  for (const v of versions) {
    const last = out[out.length - 1];
    if (last && last.t === v.t && last.source === v.source && !(v.name in last.props))
      last.props[v.name] = v.value;
    else out.push({ t: v.t, source: v.source, props: { [v.name]: v.value } });
  }
  return out;
}

export class Reveal {
  private readonly created: Record<(typeof KINDS)[number], number> = { companies: 0, contacts: 0 };
  /** Per revealed record: its remaining writes (oldest first) and the live record. */
  private readonly pending: Array<{ kind: (typeof KINDS)[number]; live: Rec; writes: Write[] }> =
    [];
  /** Everything up to here has been revealed. */
  at = -Infinity;

  constructor(
    readonly world: DemoPortal,
    private readonly live: PortalState,
  ) {
    for (const kind of KINDS)
      if (live.stores[kind].ids.length > 0)
        throw new Error(`Reveal: the live portal must start without ${kind}`);
  }

  /** Writes everything that happened in the world up to `t` (inclusive) into the live portal. */
  until(t: number): { created: number; writes: number } {
    if (t < this.at) throw new Error('Reveal: time only moves forward');
    let created = 0;
    let writes = 0;
    for (const kind of KINDS) {
      const world = this.world.state.stores[kind];
      const live = this.live.stores[kind];
      // In id order, so the live ids are the world's (contacts are created in time order).
      for (; this.created[kind] < world.ids.length; this.created[kind]++) {
        const rec = world.byId.get(world.ids[this.created[kind]]!)!;
        if (rec.createdAt > t) break;
        const [first, ...rest] = writesOf(world, rec);
        const made = live.create(first!.props, { timestamp: first!.t, sourceType: first!.source });
        if (made.id !== rec.id) throw new Error(`Reveal: ${kind} ${rec.id} got id ${made.id}`);
        if (kind === 'contacts')
          for (const [companyId] of this.world.state.associations.list(
            'contacts',
            rec.id,
            'companies',
          ))
            this.live.associations.add('contacts', rec.id, 'companies', companyId, 279);
        this.pending.push({ kind, live: made, writes: rest });
        created += 1;
      }
    }
    for (const p of this.pending) {
      const store = this.live.stores[p.kind];
      while (p.writes.length > 0 && p.writes[0]!.t <= t) {
        const w = p.writes.shift()!;
        store.write(p.live, w.props, { timestamp: w.t, sourceType: w.source });
        writes += 1;
      }
    }
    this.at = t;
    return { created, writes };
  }
}
