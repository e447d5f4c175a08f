/**
 * What deal and account scores read: every deal and company from the CRM (stage and firmographic
 * history on the list pages, associations on the same call) and the contact mirror sync keeps
 * in the store with its feature plan. The extra API calls are the deal and company pages only:
 * ⌈deals / 50⌉ + ⌈companies / 50⌉ (50 a page with history, HubSpot's limit).
 */
import { LeadLensError } from '../../contracts/errors';
import type { CrmRecord } from '../../contracts/records';
import type { AccountObjectType, CrmPort } from '../../crm/port';
import type { StoreOps } from '../../store/port';
import { featurePlanOf } from '../feature-plan';
import { allRecords } from '../records';
import { COMPANY_HISTORY_PROPERTIES, DEAL_HISTORY_PROPERTIES, type ObjectWorld } from './snapshot';

async function allObjects(
  crm: CrmPort,
  objectType: AccountObjectType,
  properties: readonly string[],
  members: CrmRecord[] = [],
): Promise<CrmRecord[]> {
  if (!crm.listObjects) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `Deal and account scores are not available for ${crm.kind} yet.`,
      { hint: 'Score contacts and leads; deal and account scores need HubSpot for now.' },
    );
  }
  const out: CrmRecord[] = [];
  let after: string | null = null;
  do {
    const page = await crm.listObjects(objectType, {
      properties,
      historyProperties: properties,
      after,
    });
    out.push(...page.items);
    members.push(...(page.members ?? []));
    after = page.next;
  } while (after);
  return out;
}

export async function loadWorld(crm: CrmPort, store: StoreOps): Promise<ObjectWorld> {
  const deals = await allObjects(crm, 'deal', DEAL_HISTORY_PROPERTIES);
  const members: CrmRecord[] = [];
  const companies = await allObjects(crm, 'company', COMPANY_HISTORY_PROPERTIES, members);
  const contacts = await allRecords(store, 'contact');
  const { spec } = await featurePlanOf(store);
  return {
    deals,
    companies: new Map(companies.map((c) => [c.id, c])),
    contacts: new Map(contacts.map((c) => [c.id, c])),
    contactSpec: spec,
    members: new Map(members.map((c) => [c.id, c])),
  };
}
