/**
 * Opportunities and Accounts as the pipeline's deals and companies (deal scores, issue 16).
 *
 * A page of Opportunities (one SOQL batch, `ORDER BY Id`) comes with its field history
 * (OpportunityFieldHistory: StageName, Amount, CloseDate — the fields the org tracks) and the
 * Leads converted into each (the deal's contacts; Leads are the pipeline's contacts on
 * Salesforce), read by id range: three queries a page, whatever its size, and the contact
 * roles (below). Properties carry the pipeline's (HubSpot) names, so one snapshot code serves both CRMs: `dealstage`, `amount`,
 * `closedate`, `hs_is_closed`, `hs_is_closed_won`. Salesforce keeps no history of IsClosed: the
 * deal closed when its stage last changed (into the closed stage it is in), else on its
 * CloseDate.
 *
 * Accounts carry `industry` and `numberofemployees` (no AccountHistory is read: their one
 * version is dated at the Account's creation) and their buying committee: the Leads converted
 * into them and the open Leads whose Company is the Account's Name (lead-to-account matching;
 * SOQL compares strings case-insensitively), by ⌈names / 150⌉ `IN` queries a page, and the
 * Contacts created on them directly (account-contacts.ts; on the page as `members`). An
 * Opportunity's contacts are the Leads converted into it and, through OpportunityContactRole,
 * the Leads converted into its role Contacts (one range query a page, and ⌈contacts / 150⌉
 * Lead lookups only when a page has roles).
 */
import { type Connection } from 'jsforce';
import type { CrmRecord, PropertyVersion } from '../../contracts/records';
import type { AccountObjectType, Page } from '../port';
import { directContacts } from './account-contacts';
import type { Caller } from './caller';
import { withObjectAccess } from './errors';
import { endOfDay, isoOf, stageHistoryOf, toStringValue, type SfRecord } from './mapping';
import { childFilters, quote, readAll, readBatch } from './reads';

const TRACKED = ['StageName', 'Amount', 'CloseDate'] as const;

/** `YYYY-MM-DD` → the ISO moment that day begins (HubSpot's closedate is a moment too). */
const dateIso = (v: unknown): string | null => {
  const s = toStringValue(v);
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00.000Z` : s;
};

function versionsOf(
  createdAt: string,
  current: string | null,
  rows: readonly SfRecord[],
  norm: (v: unknown) => string | null,
): PropertyVersion[] {
  // The value at creation is the first change's old value (or the current one, never changed).
  const out: PropertyVersion[] = [
    { value: rows.length > 0 ? norm(rows[0].OldValue) : current, timestamp: createdAt },
  ];
  for (const r of rows) out.push({ value: norm(r.NewValue), timestamp: isoOf(r.CreatedDate) });
  return out;
}

/**
 * Leads converted into these records (by `field`), grouped by that record's id; `contacts`, when
 * given, collects the Contacts they became (for Accounts: every other Contact of the Account was
 * created on it directly).
 */
async function convertedLeads(
  conn: Connection,
  caller: Caller,
  field: 'ConvertedOpportunityId' | 'ConvertedAccountId',
  ids: readonly string[],
  contacts?: Set<string>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const wanted = new Set(ids);
  const also = contacts ? ', ConvertedContactId' : '';
  for (const f of childFilters(field, ids, true))
    for (const r of await readAll(
      conn,
      caller,
      'convertedLeads.query',
      `SELECT Id, ${field}${also} FROM Lead WHERE ${f}`,
    )) {
      const key = String(r[field]);
      if (!wanted.has(key)) continue;
      if (contacts && r.ConvertedContactId) contacts.add(String(r.ConvertedContactId));
      const list = out.get(key) ?? [];
      list.push(String(r.Id));
      out.set(key, list);
    }
  return out;
}

export function toDealRecord(
  opp: SfRecord,
  history: readonly SfRecord[],
  contacts: readonly string[],
): CrmRecord {
  const createdAt = isoOf(opp.CreatedDate);
  const of = (field: string) => history.filter((h) => h.Field === field);
  const stageNow = toStringValue(opp.StageName);
  const stages = stageHistoryOf(createdAt, stageNow, of('StageName'));
  const isClosed = opp.IsClosed === true;
  const closeDate = toStringValue(opp.CloseDate);
  const lastMove = stages.length > 1 ? stages[stages.length - 1]! : null;
  const closedAt = !isClosed
    ? null
    : lastMove && lastMove.stage === stageNow
      ? lastMove.at
      : closeDate
        ? endOfDay(closeDate)
        : isoOf(opp.SystemModstamp);
  const amount = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(opp.Id),
    objectType: 'deal',
    createdAt,
    updatedAt: isoOf(opp.SystemModstamp),
    properties: {
      dealstage: stageNow,
      amount: amount(opp.Amount),
      closedate: dateIso(opp.CloseDate),
      hs_is_closed: String(isClosed),
      hs_is_closed_won: String(opp.IsWon === true),
    },
    history: {
      dealstage: stages.map((s) => ({ value: s.stage, timestamp: s.at })),
      amount: versionsOf(createdAt, amount(opp.Amount), of('Amount'), amount),
      closedate: versionsOf(createdAt, dateIso(opp.CloseDate), of('CloseDate'), dateIso),
      hs_is_closed: [
        { value: 'false', timestamp: createdAt },
        ...(closedAt ? [{ value: 'true', timestamp: closedAt }] : []),
      ],
      hs_is_closed_won: [
        { value: 'false', timestamp: createdAt },
        ...(closedAt && opp.IsWon === true ? [{ value: 'true', timestamp: closedAt }] : []),
      ],
    },
    associations: {
      contact: [...contacts],
      company: opp.AccountId ? [String(opp.AccountId)] : [],
    },
  };
}

/** Open (unconverted) Leads whose Company names one of these Accounts, by Account id. */
async function matchedLeads(
  conn: Connection,
  caller: Caller,
  accounts: readonly SfRecord[],
): Promise<Map<string, string[]>> {
  const byName = new Map<string, string[]>();
  for (const a of accounts) {
    const name = toStringValue(a.Name)?.trim().toLowerCase();
    if (!name) continue;
    const list = byName.get(name) ?? [];
    list.push(String(a.Id));
    byName.set(name, list);
  }
  const out = new Map<string, string[]>();
  const names = [...byName.keys()];
  for (let i = 0; i < names.length; i += 150) {
    const list = names
      .slice(i, i + 150)
      .map(quote)
      .join(',');
    for (const r of await readAll(
      conn,
      caller,
      'matchedLeads.query',
      `SELECT Id, Company FROM Lead WHERE IsConverted = false AND Company IN (${list})`,
    ))
      for (const account of byName.get(
        String(r.Company ?? '')
          .trim()
          .toLowerCase(),
      ) ?? []) {
        const ids = out.get(account) ?? [];
        ids.push(String(r.Id));
        out.set(account, ids);
      }
  }
  return out;
}

/** Leads converted into the role Contacts of these Opportunities, by Opportunity id. */
async function roleLeads(
  conn: Connection,
  caller: Caller,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const wanted = new Set(ids);
  const roles: SfRecord[] = [];
  for (const f of childFilters('OpportunityId', ids, true))
    for (const r of await readAll(
      conn,
      caller,
      'contactRoles.query',
      `SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE ${f}`,
    ))
      if (wanted.has(String(r.OpportunityId)) && r.ContactId) roles.push(r);
  const out = new Map<string, string[]>();
  if (roles.length === 0) return out;
  const leadOf = new Map<string, string>();
  const contacts = [...new Set(roles.map((r) => String(r.ContactId)))];
  for (const f of childFilters('ConvertedContactId', contacts, false))
    for (const r of await readAll(
      conn,
      caller,
      'roleLeads.query',
      `SELECT Id, ConvertedContactId FROM Lead WHERE ${f}`,
    ))
      leadOf.set(String(r.ConvertedContactId), String(r.Id));
  for (const r of roles) {
    const lead = leadOf.get(String(r.ContactId));
    if (!lead) continue;
    const key = String(r.OpportunityId);
    out.set(key, [...(out.get(key) ?? []), lead]);
  }
  return out;
}

const union = (...lists: ReadonlyArray<readonly string[] | undefined>) => [
  ...new Set(lists.flatMap((l) => l ?? [])),
];

export function toCompanyRecord(account: SfRecord, contacts: readonly string[]): CrmRecord {
  const createdAt = isoOf(account.CreatedDate);
  const properties = {
    industry: toStringValue(account.Industry),
    numberofemployees: toStringValue(account.NumberOfEmployees),
  };
  return {
    id: String(account.Id),
    objectType: 'company',
    createdAt,
    updatedAt: isoOf(account.SystemModstamp),
    properties,
    history: Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [k, [{ value: v, timestamp: createdAt }]]),
    ),
    associations: { contact: [...contacts] },
  };
}

/** One page of Opportunities (deals) or Accounts (companies); see the file comment. */
export async function listSalesforceObjects(
  conn: Connection,
  caller: Caller,
  objectType: AccountObjectType,
  after: string | null,
): Promise<Page<CrmRecord>> {
  const bound = (afterId: string | null) => (afterId ? ` WHERE Id > ${quote(afterId)}` : '');
  if (objectType === 'company') {
    const batch = await withObjectAccess('Account', 'Account scores', () =>
      readBatch(
        conn,
        caller,
        'accounts.query',
        (afterId) =>
          `SELECT Id, Name, CreatedDate, SystemModstamp, Industry, NumberOfEmployees FROM Account${bound(afterId)} ORDER BY Id`,
        after,
      ),
    );
    const ids = batch.records.map((r) => String(r.Id));
    const fromLeads = new Set<string>();
    const leads = await convertedLeads(conn, caller, 'ConvertedAccountId', ids, fromLeads);
    const matched = await matchedLeads(conn, caller, batch.records);
    const direct = await directContacts(conn, caller, ids, fromLeads);
    return {
      items: batch.records.map((r) =>
        toCompanyRecord(
          r,
          union(
            leads.get(String(r.Id)),
            matched.get(String(r.Id)),
            direct.byAccount.get(String(r.Id)),
          ),
        ),
      ),
      next: batch.next,
      historyIncluded: true,
      members: direct.records,
    };
  }
  const batch = await withObjectAccess('Opportunity', 'Deal scores', () =>
    readBatch(
      conn,
      caller,
      'opportunities.query',
      (afterId) =>
        `SELECT Id, CreatedDate, SystemModstamp, AccountId, StageName, Amount, CloseDate, IsClosed, IsWon FROM Opportunity${bound(afterId)} ORDER BY Id`,
      after,
    ),
  );
  const ids = batch.records.map((r) => String(r.Id));
  const history = new Map<string, SfRecord[]>();
  const wanted = new Set(ids);
  // The page is a contiguous run of an ORDER BY Id read: one id range selects its children.
  for (const f of childFilters('OpportunityId', ids, true))
    for (const r of await readAll(
      conn,
      caller,
      'opportunityHistory.query',
      `SELECT OpportunityId, Field, OldValue, NewValue, CreatedDate FROM OpportunityFieldHistory WHERE ${f} AND Field IN (${TRACKED.map(quote).join(', ')}) ORDER BY CreatedDate, Id`,
    )) {
      const id = String(r.OpportunityId);
      if (!wanted.has(id)) continue;
      const list = history.get(id) ?? [];
      list.push(r);
      history.set(id, list);
    }
  const leads = await convertedLeads(conn, caller, 'ConvertedOpportunityId', ids);
  const roles = await roleLeads(conn, caller, ids);
  return {
    items: batch.records.map((r) =>
      toDealRecord(
        r,
        history.get(String(r.Id)) ?? [],
        union(leads.get(String(r.Id)), roles.get(String(r.Id))),
      ),
    ),
    next: batch.next,
    historyIncluded: true,
  };
}
