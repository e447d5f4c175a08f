/**
 * HubSpot objects (as the SDK returns them: dates already `Date`s, history newest first) →
 * the CRM-neutral records of src/contracts. History is normalised to oldest first.
 */
import type {
  CrmObjectType,
  CrmRecord,
  DealOutcome,
  PropertyVersion,
} from '../../contracts/records';

export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: Date | string;
  updatedAt: Date | string;
  propertiesWithHistory?: Record<
    string,
    Array<{ value: string | null; timestamp: Date | string; sourceType?: string }>
  >;
  associations?: Record<string, { results?: Array<{ id: string; type?: string }> }>;
}

const toIso = (d: Date | string): string =>
  d instanceof Date ? d.toISOString() : new Date(d).toISOString();

/** HubSpot association keys ("deals", "contacts", "0-136", "contact_to_deal"…) → our types. */
const ASSOCIATION_TYPES: Array<[RegExp, CrmObjectType]> = [
  [/^(deals?|0-3)$/, 'deal'],
  [/^(contacts?|0-1)$/, 'contact'],
  [/^(compan(y|ies)|0-2)$/, 'company'],
  [/^(leads?|0-136)$/, 'lead'],
];

export function associationType(key: string): string {
  for (const [re, type] of ASSOCIATION_TYPES) if (re.test(key)) return type;
  return key;
}

export function mapAssociations(raw: HubSpotObject['associations']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, coll] of Object.entries(raw ?? {})) {
    const type = associationType(key);
    // One pair can hold several association labels; the id counts once.
    const ids = new Set([...(out[type] ?? []), ...(coll.results ?? []).map((r) => String(r.id))]);
    out[type] = [...ids];
  }
  return out;
}

export function mapHistory(
  raw: HubSpotObject['propertiesWithHistory'],
): Record<string, PropertyVersion[]> {
  const out: Record<string, PropertyVersion[]> = {};
  for (const [name, versions] of Object.entries(raw ?? {})) {
    const mapped = versions.map((v, i) => ({
      i,
      v: {
        value: v.value ?? null,
        timestamp: toIso(v.timestamp),
        ...(v.sourceType ? { sourceType: v.sourceType } : {}),
      },
    }));
    // HubSpot sends newest first; equal timestamps keep HubSpot's order reversed, so the
    // version HubSpot lists as current stays last.
    mapped.sort((a, b) => Date.parse(a.v.timestamp) - Date.parse(b.v.timestamp) || b.i - a.i);
    out[name] = mapped.map((m) => m.v);
  }
  return out;
}

export function toCrmRecord(obj: HubSpotObject, objectType: CrmObjectType): CrmRecord {
  return {
    id: String(obj.id),
    objectType,
    createdAt: toIso(obj.createdAt),
    updatedAt: toIso(obj.updatedAt),
    properties: { ...obj.properties },
    history: mapHistory(obj.propertiesWithHistory),
    associations: mapAssociations(obj.associations),
  };
}

export const DEAL_PROPERTIES = [
  'dealstage',
  'closedate',
  'amount',
  'createdate',
  'hs_is_closed',
  'hs_is_closed_won',
  'hs_lastmodifieddate',
];

function parseTime(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

export function toDealOutcome(obj: HubSpotObject, contactIds: readonly string[]): DealOutcome {
  const p = obj.properties;
  const stage = p.dealstage ?? '';
  // hs_is_closed(_won) are HubSpot's derived truth; the stage id is a fallback for portals
  // (or old API responses) without them.
  const isWon = p.hs_is_closed_won != null ? p.hs_is_closed_won === 'true' : stage === 'closedwon';
  const isClosed =
    p.hs_is_closed != null ? p.hs_is_closed === 'true' : isWon || stage === 'closedlost';
  const amount = p.amount != null && p.amount.trim() !== '' ? Number(p.amount) : null;
  return {
    id: String(obj.id),
    createdAt: parseTime(p.createdate) ?? toIso(obj.createdAt),
    closedAt: isClosed ? parseTime(p.closedate) : null,
    isClosed,
    isWon,
    amount: amount !== null && Number.isFinite(amount) ? amount : null,
    contactIds: [...new Set(contactIds)],
  };
}
