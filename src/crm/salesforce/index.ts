/**
 * The Salesforce CrmPort over jsforce 3.10.16. Leads are the scored prospects (stored as the
 * pipeline's 'contact' records); converted Opportunities are the deals; there is no separate
 * lead object to mirror. All requests go through one caller (budget, usage, error translation).
 */
import { LeadLensError } from '../../errors';
import { LEADLENS_PROPERTIES, SALESFORCE_FIELDS } from '../../contracts/properties';
import type { CrmRecord } from '../../contracts/records';
import type { CrmPort, CrmPropertyMeta, Page } from '../port';
import {
  BULK_JOB_RECORDS,
  BULK_THRESHOLD,
  DEFAULT_BULK,
  settleOpenJobs,
  updateLeadsBulk,
  type BulkOptions,
} from './bulk';
import { createCaller } from './caller';
import { subscribeLeadChanges } from './changes';
import { connect, type SalesforceAuth } from './connection';
import {
  ACTIVITY_NAMES,
  ACTIVITY_PROPERTIES,
  addResponse,
  emptyActivity,
  isOurs,
  toDealOutcome,
  toLeadRecord,
  stageHistoryOf,
  toPropertyMeta,
  toStringValue,
  type Activity,
  type HistoryRow,
  type SfField,
  type SfRecord,
} from './mapping';
import { errorCodeOf, withObjectAccess } from './errors';
import { listSalesforceObjects } from './objects';
import { provision } from './provision';
import { childFilters, quote, readAll, readBatch, readWhoActivity, soqlDateTime } from './reads';
import { updateLeads, WRITE_BATCH } from './writes';

export interface SalesforceCrmOptions extends SalesforceAuth {
  /** Share (0…1] of the org's rolling 24-hour API allowance LeadLens may use. Default 0.5. */
  dailyBudgetShare?: number;
  now?: () => number;
  /**
   * Write-back calls of more than this many leads go through Bulk API 2.0 (default 2,000, per
   * Salesforce's guidance); null keeps every write on sObject Collections.
   */
  bulkThreshold?: number | null;
  bulk?: Partial<BulkOptions>;
}

/** What needs Contact when the integration user cannot access it (the stage's skip says so). */
const MEMBER_SCORES = 'Scores on Contacts created on Accounts';

/** Fields every lead read includes, whatever the feature plan asks. */
const ALWAYS = ['Id', 'CreatedDate', 'SystemModstamp', 'IsConverted', 'ConvertedDate'];
const ALIASES: Record<string, string> = {
  createdate: 'CreatedDate',
  lastmodifieddate: 'SystemModstamp',
};

export function createSalesforceCrm(
  opts: SalesforceCrmOptions,
): CrmPort & { readonly writeBatchSize: number } {
  const now = opts.now ?? Date.now;
  const conn = connect(opts);
  const caller = createCaller(conn, { share: opts.dailyBudgetShare ?? 0.5 }, now);
  let leadFields: Map<string, SfField> | null = null;
  const bulkThreshold = opts.bulkThreshold === undefined ? BULK_THRESHOLD : opts.bulkThreshold;
  const bulkOpts: BulkOptions = { ...DEFAULT_BULK, ...opts.bulk };
  // Bulk jobs a previous process left running must land before we read back or write again.
  let bulkSettled = bulkThreshold === null;
  const settleBulk = async () => {
    if (bulkSettled) return;
    await settleOpenJobs(conn, caller, bulkOpts);
    bulkSettled = true;
  };

  const describeLead = async (): Promise<Map<string, SfField>> => {
    const d = (await caller.call('lead.describe', () =>
      conn.sobject('Lead').describe(),
    )) as unknown as {
      fields: SfField[];
    };
    leadFields = new Map(d.fields.map((f) => [f.name.toLowerCase(), f]));
    return leadFields;
  };
  const fieldsOf = async () => leadFields ?? (await describeLead());

  /** Asked lower-case names → Salesforce names the integration user can read. */
  const resolve = async (asked: readonly string[]) => {
    const fields = await fieldsOf();
    const map = new Map<string, string>();
    for (const n of asked) {
      const name = n.toLowerCase();
      const f = ALIASES[name] ?? fields.get(name)?.name;
      if (f) map.set(name, f);
    }
    return map;
  };

  const children = async (ids: string[], contiguous: boolean) => {
    const history = new Map<string, HistoryRow[]>();
    const activity = new Map<string, Activity>();
    const act = (id: string) => {
      let a = activity.get(id);
      if (!a) activity.set(id, (a = emptyActivity()));
      return a;
    };
    const wanted = new Set(ids);
    for (const f of childFilters('LeadId', ids, contiguous)) {
      for (const r of await readAll(
        conn,
        caller,
        'leadHistory.query',
        `SELECT LeadId, Field, OldValue, NewValue, CreatedDate FROM LeadHistory WHERE ${f} ORDER BY CreatedDate, Id`,
      )) {
        const h = r as unknown as HistoryRow;
        if (!wanted.has(h.LeadId)) continue;
        const list = history.get(h.LeadId);
        if (list) list.push(h);
        else history.set(h.LeadId, [h]);
      }
      for (const r of await readAll(
        conn,
        caller,
        'campaignMembers.query',
        `SELECT LeadId, FirstRespondedDate FROM CampaignMember WHERE ${f} AND HasResponded = true`,
      ))
        if (wanted.has(String(r.LeadId))) addResponse(act(String(r.LeadId)), r);
    }
    await readWhoActivity(conn, caller, ids, contiguous, act, {
      tasks: 'tasks.query',
      events: 'events.query',
    });
    return { history, activity };
  };

  const leadsToRecords = async (
    records: SfRecord[],
    fields: Map<string, string>,
    asked: readonly string[],
    contiguous: boolean,
  ): Promise<CrmRecord[]> => {
    const ids = records.map((r) => String(r.Id));
    const { history, activity } = await children(ids, contiguous);
    return records.map((r) =>
      toLeadRecord(
        r,
        fields,
        history.get(String(r.Id)) ?? [],
        activity.get(String(r.Id)) ?? emptyActivity(),
        asked,
      ),
    );
  };

  /**
   * Our fields of these Opportunities, Accounts or Contacts (made on an Account), under the
   * pipeline's names (interrupted batches).
   */
  const readOpportunities = async (
    ids: readonly string[],
    properties: readonly string[],
    sobject: 'Opportunity' | 'Account' | 'Contact' = 'Opportunity',
  ): Promise<CrmRecord[]> => {
    const kind = {
      Opportunity: 'opportunities.read',
      Account: 'accounts.read',
      Contact: 'contacts.read',
    };
    const type = { Opportunity: 'deal', Account: 'company', Contact: 'account_contact' } as const;
    const F = new Map<string, string>();
    for (const p of properties) {
      const sf = salesforceFieldOf(p.toLowerCase());
      if (sf) F.set(p.toLowerCase(), sf);
    }
    const out: CrmRecord[] = [];
    for (const f of childFilters('Id', [...ids], false))
      for (const r of await readAll(
        conn,
        caller,
        kind[sobject],
        `SELECT ${['Id', 'CreatedDate', 'SystemModstamp', ...F.values()].join(', ')} FROM ${sobject} WHERE ${f}`,
      )) {
        const props: Record<string, string | null> = {};
        for (const [n, sf] of F) props[n] = r[sf] === undefined ? null : toStringValue(r[sf]);
        out.push({
          id: String(r.Id),
          objectType: type[sobject],
          createdAt: toStringValue(r.CreatedDate) ?? '',
          updatedAt: toStringValue(r.SystemModstamp) ?? '',
          properties: props,
          history: {},
          associations: {},
        });
      }
    return out;
  };

  const selectList = (fields: Map<string, string>) =>
    [...new Set([...ALWAYS, ...fields.values()])].join(', ');

  return {
    kind: 'salesforce',
    // With Bulk on, the write-back hands over up to one Bulk job's worth of leads per call; this
    // adapter picks Collections (≤ 200 a request) or Bulk by the size of that call.
    writeBatchSize: bulkThreshold === null ? WRITE_BATCH : BULK_JOB_RECORDS,

    provision: async (tiers) => {
      await provision(conn, caller, tiers);
      leadFields = null;
    },

    // Deal and account scores: the LeadLens fields on Opportunity and Account, Opportunities with
    // their field history.
    provisionObjects: async (tiers, objectTypes = ['deal', 'company']) => {
      if (objectTypes.includes('deal'))
        await withObjectAccess('Opportunity', 'Deal scores', () =>
          provision(conn, caller, tiers, 'Opportunity'),
        );
      if (objectTypes.includes('company'))
        await withObjectAccess('Account', 'Account scores', () =>
          provision(conn, caller, tiers, 'Account'),
        );
    },
    // Contacts created directly on an Account (account-contacts.ts): scored with the lead model,
    // their LeadLens fields provisioned on Contact, read back and written like the others.
    members: {
      provision: (tiers) =>
        withObjectAccess('Contact', MEMBER_SCORES, () => provision(conn, caller, tiers, 'Contact')),
      readRecords: (ids, properties) => readOpportunities(ids, properties, 'Contact'),
      updateRecords: (updates) => updateLeads(conn, caller, updates, 'Contact'),
    },
    listObjects: (objectType, { after }) =>
      listSalesforceObjects(conn, caller, objectType, after ?? null),

    async describeContactProperties(): Promise<CrmPropertyMeta[]> {
      const fields = await describeLead();
      return [
        ...[...fields.values()].filter((f) => !isOurs(f.name.toLowerCase())).map(toPropertyMeta),
        ...ACTIVITY_PROPERTIES,
      ];
    },

    async listContacts({
      properties,
      historyProperties,
      after,
      modifiedSince,
    }): Promise<Page<CrmRecord>> {
      const asked = [
        ...new Set([...properties, ...(historyProperties ?? [])].map((p) => p.toLowerCase())),
      ];
      const fields = await resolve(asked);
      const where = (afterId: string | null) => {
        const parts = [
          ...(modifiedSince ? [`SystemModstamp > ${soqlDateTime(modifiedSince)}`] : []),
          ...(afterId ? [`Id > ${quote(afterId)}`] : []),
        ];
        return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
      };
      const batch = await readBatch(
        conn,
        caller,
        'leads.query',
        (afterId) => `SELECT ${selectList(fields)} FROM Lead${where(afterId)} ORDER BY Id`,
        after ?? null,
      );
      const items = await leadsToRecords(batch.records, fields, asked, !modifiedSince);
      return { items, next: batch.next, historyIncluded: true };
    },

    async readContactHistory(ids, properties): Promise<CrmRecord[]> {
      if (ids.length === 0) return [];
      const asked = properties.map((p) => p.toLowerCase());
      const fields = await resolve(asked);
      const records: SfRecord[] = [];
      for (const f of childFilters('Id', [...ids], false))
        records.push(
          ...(await readAll(
            conn,
            caller,
            'leads.query',
            `SELECT ${selectList(fields)} FROM Lead WHERE ${f}`,
          )),
        );
      return leadsToRecords(records, fields, asked, false);
    },

    async listDeals({ after, modifiedSince }) {
      const where = (afterId: string | null) =>
        [
          'IsConverted = true',
          'ConvertedOpportunityId != null',
          ...(modifiedSince
            ? [
                `(SystemModstamp > ${soqlDateTime(modifiedSince)} OR ConvertedOpportunity.SystemModstamp > ${soqlDateTime(modifiedSince)})`,
              ]
            : []),
          ...(afterId ? [`Id > ${quote(afterId)}`] : []),
        ].join(' AND ');
      let batch: Awaited<ReturnType<typeof readBatch>>;
      try {
        batch = await readBatch(
          conn,
          caller,
          'deals.query',
          (afterId) =>
            `SELECT Id, ConvertedOpportunityId, ConvertedOpportunity.CreatedDate, ConvertedOpportunity.IsClosed, ConvertedOpportunity.IsWon, ConvertedOpportunity.CloseDate, ConvertedOpportunity.Amount, ConvertedOpportunity.StageName FROM Lead WHERE ${where(afterId)} ORDER BY Id`,
          after ?? null,
        );
      } catch (e) {
        // An integration user without Read on Opportunity cannot follow ConvertedOpportunity
        // ("Didn't understand relationship"): the contact sync reads no deals (Lead conversion
        // labels do not need them) and the deal stage skips, naming Opportunity.
        if (opportunityUnreadable(e)) return { items: [], next: null };
        throw e;
      }
      const deals = batch.records.map(toDealOutcome).filter((d) => d !== null);
      // Stage history (OpportunityFieldHistory) for point-in-time deal features: one query
      // per page of deals, IN lists short enough for the URI limit.
      const stages = new Map<string, SfRecord[]>();
      for (const f of childFilters(
        'OpportunityId',
        deals.map((d) => d.id),
        false,
      ))
        for (const r of await readAll(
          conn,
          caller,
          'dealHistory.query',
          `SELECT OpportunityId, OldValue, NewValue, CreatedDate FROM OpportunityFieldHistory WHERE ${f} AND Field = 'StageName' ORDER BY CreatedDate, Id`,
        )) {
          const list = stages.get(String(r.OpportunityId)) ?? [];
          list.push(r);
          stages.set(String(r.OpportunityId), list);
        }
      const current = new Map(
        batch.records.map((r) => [
          String(r.ConvertedOpportunityId),
          toStringValue((r.ConvertedOpportunity as SfRecord | null)?.StageName) ?? null,
        ]),
      );
      return {
        items: deals.map((d) => ({
          ...d,
          stageHistory: stageHistoryOf(
            d.createdAt,
            current.get(d.id) ?? null,
            stages.get(d.id) ?? [],
          ),
        })),
        next: batch.next,
      };
    },

    // Salesforce's Lead is the prospect itself: there is no second lead object to mirror.
    listLeads: async () => ({ items: [], next: null }),

    async getRecord(objectType, id, properties) {
      if (objectType !== 'contact') return null;
      const [r] = await this.readRecords(objectType, [id], properties);
      return r ?? null;
    },

    async readRecords(objectType, ids, properties) {
      if (objectType === 'deal') return readOpportunities(ids, properties);
      if (objectType === 'company') return readOpportunities(ids, properties, 'Account');
      if (objectType !== 'contact' || ids.length === 0) return [];
      await settleBulk();
      const asked = properties.map((p) => p.toLowerCase());
      const all = await fieldsOf();
      const F = new Map<string, string>();
      for (const n of asked) {
        const sf = n.startsWith('leadlens_')
          ? salesforceFieldOf(n)
          : (ALIASES[n] ?? all.get(n)?.name);
        if (sf && (all.has(sf.toLowerCase()) || ALIASES[n])) F.set(n, sf);
      }
      const out: CrmRecord[] = [];
      for (const f of childFilters('Id', [...ids], false)) {
        const recs = await readAll(
          conn,
          caller,
          'leads.read',
          `SELECT ${selectList(F)} FROM Lead WHERE ${f}`,
        );
        for (const r of recs) {
          const properties: Record<string, string | null> = {};
          for (const [n, sf] of F)
            properties[n] = r[sf] === undefined ? null : toStringValue(r[sf]);
          out.push({
            id: String(r.Id),
            objectType: 'contact',
            createdAt: toStringValue(r.CreatedDate) ?? '',
            updatedAt: toStringValue(r.SystemModstamp) ?? '',
            properties,
            history: {},
            associations: {},
          });
        }
      }
      return out;
    },

    async updateRecords(objectType, updates) {
      // Opportunities: a write-back batch (≤ 200) is one sObject Collections call.
      if (objectType === 'deal') return updateLeads(conn, caller, updates, 'Opportunity');
      // Accounts (account scores): the same, on Account.
      if (objectType === 'company') return updateLeads(conn, caller, updates, 'Account');
      if (objectType !== 'contact')
        return {
          written: [],
          failed: updates.map((u) => ({
            id: u.id,
            code: 'NOT_A_LEAD',
            message: 'Salesforce scores live on Lead only',
            retryable: false,
          })),
        };
      await settleBulk();
      if (bulkThreshold === null || updates.length <= bulkThreshold)
        return updateLeads(conn, caller, updates);
      const out: Awaited<ReturnType<typeof updateLeads>> = { written: [], failed: [] };
      for (let i = 0; i < updates.length; i += BULK_JOB_RECORDS) {
        try {
          const r = await updateLeadsBulk(
            conn,
            caller,
            updates.slice(i, i + BULK_JOB_RECORDS),
            bulkOpts,
          );
          out.written.push(...r.written);
          out.failed.push(...r.failed);
        } catch (e) {
          // The job may still be running: settle it before the next read or write.
          bulkSettled = false;
          throw e;
        }
      }
      return out;
    },

    async createTask(task) {
      // Task fields (sforce_api_objects_task.htm): Priority is High / Normal / Low; ActivityDate
      // is a date (no time); an unassigned task falls to the integration user, Salesforce's default.
      const priority = { LOW: 'Low', MEDIUM: 'Normal', HIGH: 'High' }[task.priority];
      const fields: Record<string, unknown> = {
        Subject: task.subject.slice(0, 255),
        Description: task.body,
        ActivityDate: new Date(task.dueAt).toISOString().slice(0, 10),
        Priority: priority,
        Status: 'Not Started',
      };
      if (task.ownerId) fields.OwnerId = task.ownerId;
      // The Lead it is about: shown in the Lead's activity.
      if (task.about) fields.WhoId = task.about.id;
      const saved = (await caller.call('task.create', () =>
        conn.sobject('Task').create(fields),
      )) as { id?: string; success?: boolean };
      if (!saved.id) {
        throw new LeadLensError('CRM_ERROR', 'Salesforce created a task but answered no id.', {
          hint: 'Check the Tasks of the integration user in Salesforce.',
        });
      }
      return { id: saved.id };
    },

    async findTasks(subject) {
      // Subject holds at most 255 characters (createTask cuts it there), so compare the cut form.
      const cut = subject.slice(0, 255);
      const rows = await readAll(
        conn,
        caller,
        'task.query',
        `SELECT Id, Subject FROM Task WHERE Subject = ${quote(cut)}`,
      );
      return rows.filter((r) => r.Subject === cut).map((r) => String(r.Id));
    },

    subscribeLeadChanges: (o) => subscribeLeadChanges(conn, caller, o),

    usage: () => caller.usage(),
  };
}

/** The deals query failed because the user cannot see Opportunity (no object permission). */
function opportunityUnreadable(e: unknown): boolean {
  if (!(e instanceof LeadLensError) || e.code !== 'CRM_VALIDATION') return false;
  const code = errorCodeOf(e.cause);
  return (
    (code === 'INVALID_FIELD' && /relationship 'ConvertedOpportunity'/i.test(e.message)) ||
    (code === 'INVALID_TYPE' && /'Opportunity'/.test(e.message))
  );
}

function salesforceFieldOf(property: string): string | undefined {
  const key = (Object.keys(LEADLENS_PROPERTIES) as Array<keyof typeof LEADLENS_PROPERTIES>).find(
    (k) => LEADLENS_PROPERTIES[k] === property,
  );
  return key ? SALESFORCE_FIELDS[key] : undefined;
}

export { ACTIVITY_NAMES };
export type { SalesforceAuth };
