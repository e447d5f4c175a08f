/** Associations between records, both directions kept so either side pages in id order. */
import { type ObjectTypeName } from './types';

export interface AssocType {
  typeId: number;
  name: string;
  inverse: number;
  from: ObjectTypeName;
  to: ObjectTypeName;
}

// HubSpot-defined unlabeled types. 578/580 (lead → primary contact/company) are what HubSpot
// requires on lead create; their inverses 579/581 follow HubSpot's odd/even pairing.
const DEFS: Array<[ObjectTypeName, ObjectTypeName, number, string, number, string]> = [
  [
    'contacts',
    'companies',
    279,
    'contact_to_company_unlabeled',
    280,
    'company_to_contact_unlabeled',
  ],
  ['deals', 'contacts', 3, 'deal_to_contact', 4, 'contact_to_deal'],
  ['deals', 'companies', 341, 'deal_to_company', 342, 'company_to_deal'],
  ['leads', 'contacts', 578, 'lead_to_primary_contact', 579, 'contact_to_lead'],
  ['leads', 'companies', 580, 'lead_to_primary_company', 581, 'company_to_lead'],
  // Tasks API guide: a task is associated with a contact by HUBSPOT_DEFINED type 204.
  ['tasks', 'contacts', 204, 'task_to_contact', 203, 'contact_to_task'],
];

export const ASSOC_TYPES = new Map<number, AssocType>();
const DEFAULT = new Map<string, number>();
for (const [from, to, id, name, inv, invName] of DEFS) {
  ASSOC_TYPES.set(id, { typeId: id, name, inverse: inv, from, to });
  ASSOC_TYPES.set(inv, { typeId: inv, name: invName, inverse: id, from: to, to: from });
  DEFAULT.set(`${from}|${to}`, id);
  DEFAULT.set(`${to}|${from}`, inv);
}

export function defaultTypeId(from: ObjectTypeName, to: ObjectTypeName): number | undefined {
  return DEFAULT.get(`${from}|${to}`);
}

export class AssociationStore {
  private readonly edges = new Map<string, Map<number, Map<number, Set<number>>>>();

  add(
    from: ObjectTypeName,
    fromId: number,
    to: ObjectTypeName,
    toId: number,
    typeId: number,
  ): void {
    const t = ASSOC_TYPES.get(typeId);
    if (!t || t.from !== from || t.to !== to)
      throw new Error(`association type ${typeId} does not link ${from} to ${to}`);
    this.side(from, to, fromId, true)!.set(toId, this.typesOf(from, to, fromId, toId).add(typeId));
    this.side(to, from, toId, true)!.set(
      fromId,
      this.typesOf(to, from, toId, fromId).add(t.inverse),
    );
  }

  remove(from: ObjectTypeName, fromId: number, to: ObjectTypeName, toId: number): void {
    this.side(from, to, fromId)?.delete(toId);
    this.side(to, from, toId)?.delete(fromId);
  }

  /** Associated ids in ascending order with their type ids. */
  list(from: ObjectTypeName, fromId: number, to: ObjectTypeName): Array<[number, number[]]> {
    const m = this.side(from, to, fromId);
    if (!m) return [];
    return [...m.entries()]
      .filter(([, types]) => types.size > 0)
      .sort((a, b) => a[0] - b[0])
      .map(([id, types]) => [id, [...types].sort((a, b) => a - b)]);
  }

  /** Drops every edge touching a record (archive). */
  dropRecord(type: ObjectTypeName, id: number): void {
    for (const key of this.edges.keys()) {
      const [from, to] = key.split('|') as [ObjectTypeName, ObjectTypeName];
      if (from !== type) continue;
      for (const other of [...(this.side(from, to, id)?.keys() ?? [])])
        this.remove(from, id, to, other);
    }
  }

  /** Canonical dump for fingerprints. */
  *entries(): Generator<string> {
    for (const key of [...this.edges.keys()].sort()) {
      const byFrom = this.edges.get(key)!;
      for (const fromId of [...byFrom.keys()].sort((a, b) => a - b))
        for (const [toId, types] of this.list(
          key.split('|')[0] as ObjectTypeName,
          fromId,
          key.split('|')[1] as ObjectTypeName,
        ))
          yield `${key}:${fromId}>${toId}:${types.join(',')}`;
    }
  }

  private typesOf(from: ObjectTypeName, to: ObjectTypeName, a: number, b: number): Set<number> {
    return this.side(from, to, a)?.get(b) ?? new Set<number>();
  }

  private side(
    from: ObjectTypeName,
    to: ObjectTypeName,
    id: number,
    create = false,
  ): Map<number, Set<number>> | undefined {
    const key = `${from}|${to}`;
    let byFrom = this.edges.get(key);
    if (!byFrom) {
      if (!create) return undefined;
      this.edges.set(key, (byFrom = new Map()));
    }
    let m = byFrom.get(id);
    if (!m && create) byFrom.set(id, (m = new Map()));
    return m;
  }
}
