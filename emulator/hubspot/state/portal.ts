/** Everything one emulated HubSpot account holds. */
import { createHash } from 'node:crypto';
import { AssociationStore } from './associations';
import { Interner } from './history';
import { ObjectStore } from './records';
import { Schema } from './schema';
import { OBJECT_TYPES, type ObjectTypeName } from './types';

/**
 * A change a webhook subscription or a workflow enrolment trigger can see. Only changes made
 * after the portal was generated produce events (API writes and edits "in the UI" through the
 * control plane); the generated history is the past.
 */
export interface ChangeEvent {
  objectType: ObjectTypeName;
  objectId: number;
  kind: 'creation' | 'propertyChange' | 'deletion';
  propertyName?: string;
  propertyValue?: string;
  /** The history source of the change: INTEGRATION (an app's API write), CRM_UI, CALCULATED… */
  changeSource: string;
  sourceId?: string;
  occurredAt: number;
}

export class PortalState {
  readonly strings = new Interner();
  readonly stores: Record<ObjectTypeName, ObjectStore>;
  readonly associations = new AssociationStore();
  /** Property-value sets written through the API, per type and record id, in order. */
  readonly writes = new Map<ObjectTypeName, Map<string, Array<Record<string, string>>>>();

  /** Receives every change event (set by the hub that owns this portal). */
  onChange: ((events: ChangeEvent[]) => void) | null = null;

  /** `epoch` dates the HubSpot-defined properties and pipelines (portal creation). */
  constructor(readonly epoch: number) {
    const make = (t: ObjectTypeName) =>
      new ObjectStore(OBJECT_TYPES[t], new Schema(t, epoch), this.strings);
    this.stores = {
      contacts: make('contacts'),
      companies: make('companies'),
      deals: make('deals'),
      leads: make('leads'),
      tasks: make('tasks'),
    };
  }

  emit(events: ChangeEvent[]): void {
    if (events.length && this.onChange) this.onChange(events);
  }

  recordWrite(type: ObjectTypeName, id: number, props: Record<string, string>): void {
    let byId = this.writes.get(type);
    if (!byId) this.writes.set(type, (byId = new Map()));
    const key = String(id);
    const list = byId.get(key);
    if (list) list.push({ ...props });
    else byId.set(key, [{ ...props }]);
  }

  /** sha256 over a canonical dump of records, history and associations. */
  fingerprint(): string {
    const h = createHash('sha256');
    for (const t of Object.keys(OBJECT_TYPES) as ObjectTypeName[]) {
      const store = this.stores[t];
      const names = [...store.schema.props.keys()].sort();
      for (const id of store.ids) {
        const rec = store.byId.get(id)!;
        h.update(`${t}:${id}:${rec.createdAt}:${rec.updatedAt}:${rec.archived}\n`);
        for (const n of names) {
          const vs = store.versions(rec, n);
          if (vs.length) h.update(`${n}=${JSON.stringify(vs)}\n`);
        }
      }
    }
    for (const line of this.associations.entries()) h.update(line + '\n');
    return h.digest('hex');
  }
}
