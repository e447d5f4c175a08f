/** Object types the emulator serves, addressable by name or by HubSpot's type id. */
export type ObjectTypeName = 'contacts' | 'companies' | 'deals' | 'leads' | 'tasks';

export interface ObjectTypeInfo {
  name: ObjectTypeName;
  typeId: string;
  singular: string;
  /** Upper-case label HubSpot uses in messages ("Could not get some CONTACT objects"). */
  upper: string;
  /** Property that carries the last-modified time (contacts differ from the rest). */
  lastModified: string;
  createdProperty: string;
  /** Default properties returned when the caller asks for none. */
  defaults: string[];
  /** Properties the free-text `query` of search looks at. */
  queryable: string[];
  /** First id handed out; types use disjoint ranges so a mixed-up id is caught, not served. */
  idBase: number;
  /**
   * The object whose scopes authorise this type when it is not its own: HubSpot's tasks API
   * asks for crm.objects.contacts.read / .write (developers.hubspot.com/docs/api/crm/tasks).
   */
  scopeObject?: string;
}

export const OBJECT_TYPES: Record<ObjectTypeName, ObjectTypeInfo> = {
  contacts: {
    name: 'contacts',
    typeId: '0-1',
    singular: 'contact',
    upper: 'CONTACT',
    lastModified: 'lastmodifieddate',
    createdProperty: 'createdate',
    defaults: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    queryable: ['firstname', 'lastname', 'email', 'phone', 'company'],
    idBase: 100001,
  },
  companies: {
    name: 'companies',
    typeId: '0-2',
    singular: 'company',
    upper: 'COMPANY',
    lastModified: 'hs_lastmodifieddate',
    createdProperty: 'createdate',
    defaults: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    queryable: ['name', 'domain', 'website'],
    idBase: 20000001,
  },
  deals: {
    name: 'deals',
    typeId: '0-3',
    singular: 'deal',
    upper: 'DEAL',
    lastModified: 'hs_lastmodifieddate',
    createdProperty: 'createdate',
    defaults: [
      'amount',
      'closedate',
      'createdate',
      'dealname',
      'dealstage',
      'hs_lastmodifieddate',
      'hs_object_id',
      'pipeline',
    ],
    queryable: ['dealname'],
    idBase: 30000001,
  },
  leads: {
    name: 'leads',
    typeId: '0-136',
    singular: 'lead',
    upper: 'LEAD',
    lastModified: 'hs_lastmodifieddate',
    createdProperty: 'hs_createdate',
    defaults: ['hs_createdate', 'hs_lastmodifieddate', 'hs_lead_name', 'hs_object_id'],
    queryable: ['hs_lead_name'],
    idBase: 40000001,
  },
  tasks: {
    name: 'tasks',
    typeId: '0-27',
    singular: 'task',
    upper: 'TASK',
    lastModified: 'hs_lastmodifieddate',
    createdProperty: 'hs_createdate',
    defaults: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    queryable: ['hs_task_subject'],
    idBase: 50000001,
    scopeObject: 'contacts',
  },
};

const ALIASES = new Map<string, ObjectTypeName>();
for (const t of Object.values(OBJECT_TYPES)) {
  ALIASES.set(t.name, t.name);
  ALIASES.set(t.typeId, t.name);
  ALIASES.set(t.singular, t.name);
}
ALIASES.set('lead', 'leads');

export function resolveObjectType(nameOrId: string): ObjectTypeInfo | undefined {
  const n = ALIASES.get(nameOrId.toLowerCase());
  return n ? OBJECT_TYPES[n] : undefined;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
