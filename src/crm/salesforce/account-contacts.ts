/**
 * Contacts created directly on an Account (Contact.AccountId, not converted from a Lead): members
 * of the Account's buying committee that no Lead stands for. Leads are the pipeline's contacts on
 * Salesforce, so these are read as contact-shaped records (`account_contact`) under the Lead's
 * field names, for account scores to count and score as members — never trained on as contacts,
 * never written.
 *
 * Fields: every Contact field with the name of a Lead field (Title, Email, LeadSource, Phone, …,
 * as describe shows them to the integration user), the Lead's address components from the
 * Contact's mailing address (Country ← MailingCountry, …), and for the Lead's firmographics the
 * Account's: Company ← Account.Name, and Industry, NumberOfEmployees, AnnualRevenue, … where
 * Account has a field of that name (a Contact's company is its Account). No ContactHistory is
 * read: a value is taken as it is now from the Contact's creation on, as for a Lead field
 * without history. Activity: Tasks and Events whose WhoId is the Contact (polymorphic: Contact
 * or Lead); campaign responses are not read (unknown, not zero).
 *
 * Calls a page of Accounts: one Contact query over the page's Id range (+1 per 2,000 Contacts
 * it returns, converted ones included), and 2 × ⌈direct Contacts / 150⌉ activity queries; the
 * three describes (Lead, Contact, Account) once per adapter.
 */
import { type Connection } from 'jsforce';
import type { CrmRecord } from '../../contracts/records';
import type { Caller } from './caller';
import { withObjectAccess } from './errors';
import {
  ACTIVITY_NAMES,
  emptyActivity,
  isOurs,
  toLeadRecord,
  type Activity,
  type SfRecord,
} from './mapping';
import { childFilters, readAll, readWhoActivity } from './reads';

/**
 * A Lead's address components (the Address compound field's parts) and their names on Contact's
 * mailing address: "City … known as MailingCity on Contact", and so for every component
 * (Address Compound Fields, API developer guide `compound_fields_address.htm`). A Contact's
 * country is its MailingCountry, not its Account's billing country.
 */
const MAILING: Readonly<Record<string, string>> = {
  street: 'mailingstreet',
  city: 'mailingcity',
  state: 'mailingstate',
  statecode: 'mailingstatecode',
  postalcode: 'mailingpostalcode',
  country: 'mailingcountry',
  countrycode: 'mailingcountrycode',
  latitude: 'mailinglatitude',
  longitude: 'mailinglongitude',
  geocodeaccuracy: 'mailinggeocodeaccuracy',
};

/** Fields every record has; read apart (dates) or meaningless across objects (ids). */
const SYSTEM = new Set([
  'id',
  'isdeleted',
  'createddate',
  'createdbyid',
  'lastmodifieddate',
  'lastmodifiedbyid',
  'systemmodstamp',
  'masterrecordid',
]);

export interface ContactPlan {
  /** Lead field name (lower-case) → the Contact's field, or `Account.<field>`. */
  fields: Map<string, string>;
}

interface Described {
  fields: Array<{ name: string }>;
}

const plans = new WeakMap<Connection, Promise<ContactPlan>>();

async function describeNames(conn: Connection, caller: Caller, sobject: string) {
  const d = (await caller.call(`${sobject.toLowerCase()}.describe`, () =>
    conn.sobject(sobject).describe(),
  )) as unknown as Described;
  return new Map(d.fields.map((f) => [f.name.toLowerCase(), f.name]));
}

/** How a Contact reads as a Lead, from the three describes (once per connection). */
export function contactPlan(conn: Connection, caller: Caller): Promise<ContactPlan> {
  let p = plans.get(conn);
  if (!p) {
    p = (async () => {
      const lead = await describeNames(conn, caller, 'Lead');
      const contact = await withObjectAccess('Contact', 'Account scores', () =>
        describeNames(conn, caller, 'Contact'),
      );
      const account = await describeNames(conn, caller, 'Account');
      const fields = new Map<string, string>([
        ['createdate', 'CreatedDate'],
        ['lastmodifieddate', 'SystemModstamp'],
      ]);
      for (const name of lead.keys()) {
        if (SYSTEM.has(name) || isOurs(name) || name.endsWith('id')) continue;
        const own = contact.get(name) ?? contact.get(MAILING[name] ?? '');
        if (own) fields.set(name, own);
        else if (account.has(name)) fields.set(name, `Account.${account.get(name)!}`);
      }
      if (lead.has('company') && account.has('name')) fields.set('company', 'Account.Name');
      return { fields };
    })();
    // A failed describe is not remembered: the next page asks again.
    p.catch(() => plans.delete(conn));
    plans.set(conn, p);
  }
  return p;
}

/**
 * The Contacts of a page of Accounts (a contiguous run of an ORDER BY Id read) that no Lead was
 * converted into, as `account_contact` records, by Account id.
 */
export async function directContacts(
  conn: Connection,
  caller: Caller,
  accountIds: readonly string[],
  fromLeads: ReadonlySet<string>,
): Promise<{ byAccount: Map<string, string[]>; records: CrmRecord[] }> {
  const byAccount = new Map<string, string[]>();
  if (accountIds.length === 0) return { byAccount, records: [] };
  const plan = await contactPlan(conn, caller);
  const select = [
    ...new Set(['Id', 'AccountId', 'CreatedDate', 'SystemModstamp', ...plan.fields.values()]),
  ];
  const wanted = new Set(accountIds);
  const rows: SfRecord[] = [];
  for (const f of childFilters('AccountId', accountIds, true))
    for (const r of await withObjectAccess('Contact', 'Account scores', () =>
      readAll(
        conn,
        caller,
        'accountContacts.query',
        `SELECT ${select.join(', ')} FROM Contact WHERE ${f}`,
      ),
    ))
      if (wanted.has(String(r.AccountId)) && !fromLeads.has(String(r.Id))) rows.push(r);
  if (rows.length === 0) return { byAccount, records: [] };

  const ids = rows.map((r) => String(r.Id));
  const activity = new Map<string, Activity>();
  const act = (id: string) => {
    let a = activity.get(id);
    if (!a) activity.set(id, (a = emptyActivity()));
    return a;
  };
  await readWhoActivity(conn, caller, ids, false, act, {
    tasks: 'accountContactTasks.query',
    events: 'accountContactEvents.query',
  });

  // Campaign responses are not read for Contacts: left unknown rather than counted as none.
  const asked = [
    ...plan.fields.keys(),
    ...[...ACTIVITY_NAMES].filter((n) => n !== 'campaign_responses'),
  ];
  const records = rows.map((r) => {
    // Parent fields arrive nested (`Account: {Name, …}`): flattened under their SOQL path.
    const flat: SfRecord = { ...r };
    const parent = (r.Account ?? null) as SfRecord | null;
    for (const sf of plan.fields.values())
      if (sf.startsWith('Account.')) flat[sf] = parent ? (parent[sf.slice(8)] ?? null) : null;
    const rec = toLeadRecord(
      flat,
      plan.fields,
      [],
      activity.get(String(r.Id)) ?? emptyActivity(),
      asked,
    );
    const account = String(r.AccountId);
    byAccount.set(account, [...(byAccount.get(account) ?? []), rec.id]);
    return { ...rec, objectType: 'account_contact' as const, associations: { company: [account] } };
  });
  return { byAccount, records };
}
