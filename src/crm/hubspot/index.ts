/**
 * The HubSpot CrmPort over the real @hubspot/api-client. All requests go through one caller
 * (one rate limiter, one retry policy, one error translation); the SDK's own retries are off.
 */
import {
  AssociationSpecAssociationCategoryEnum,
  FilterOperatorEnum,
} from '@hubspot/api-client/lib/codegen/crm/objects/tasks';
import { LeadLensError } from '../../contracts/errors';
import { crmPropertyName, pipelinePropertyName } from '../../contracts/properties';
import type { CrmRecord } from '../../contracts/records';
import type { CrmPort, CrmPropertyMeta, LeadObjectType } from '../port';
import { createCaller, type Log } from './caller';
import { DEAL_PROPERTIES, toCrmRecord, toDealOutcome, type HubSpotObject } from './mapping';
import { provision, provisionObjects } from './provision';
import { type RateBudgetStore } from './budget-store';
import { deadlineAgent } from './deadline';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter';
import {
  COMPANIES,
  COMPANY_RECORD,
  CONTACTS,
  DEALS,
  DEAL_RECORDS,
  LEADS,
  readHistory,
  readPage,
} from './reads';
import { createRetryPolicy, type RetryOptions } from './retry';
import { createHubSpotSdk } from './sdk';
import { staticTokenSource, type AccessTokenSource } from './token';
import { updateRecords } from './writes';

export interface HubSpotCrmOptions {
  /** A private app's token, or a source of short-lived OAuth access tokens (token.ts). */
  accessToken: string | AccessTokenSource;
  /** e.g. http://127.0.0.1:4010 for the emulator; HubSpot's API when omitted. */
  basePath?: string;
  rateLimit?: RateLimiterOptions;
  retry?: RetryOptions;
  /** Structured events (throttles, retries). Never receives tokens or record contents. */
  log?: Log;
  sleep?: (ms: number) => Promise<void>;
  /** The clock of the retry patience (default Date.now); tests pass a controlled one. */
  now?: () => number;
  /** Deadline of one HTTP request (default 30 s); a hung connection is aborted after it. */
  timeoutMs?: number;
  /**
   * The portal (hub id) this token belongs to. Every CrmPort with the same key shares one rate
   * budget — all tokens of this app in this portal, in this process, or across processes when
   * `budgetStore` is shared storage. Without it this port paces alone (and still yields to
   * what X-HubSpot-RateLimit-Remaining shows others spend).
   */
  portalKey?: string;
  budgetStore?: RateBudgetStore;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createHubSpotCrm(opts: HubSpotCrmOptions): CrmPort {
  if (!opts.accessToken) {
    throw new LeadLensError('CONFIG_INVALID', 'No HubSpot access token was given.', {
      hint: 'Pass --token, set PRIVATE_APP_ACCESS_TOKEN, or configure the portal in hubspot.config.yml.',
    });
  }
  const sleep = opts.sleep ?? realSleep;
  const basePath = (opts.basePath ?? 'https://api.hubapi.com').replace(/\/+$/, '');
  const tokens =
    typeof opts.accessToken === 'string' ? staticTokenSource(opts.accessToken) : opts.accessToken;
  let applied = typeof opts.accessToken === 'string' ? opts.accessToken : '';
  // The SDK's own API classes for the calls we make (sdk.ts); its retries stay off — one retry
  // policy, ours: the SDK's would retry non-idempotent calls and sleep 10 s × n.
  const client = createHubSpotSdk({
    ...(applied ? { accessToken: applied } : {}),
    basePath,
    // Lets every call be aborted at its deadline (deadline.ts).
    httpAgent: deadlineAgent(basePath),
  });
  const limiter = new RateLimiter({
    sleep,
    ...(opts.portalKey ? { portalKey: opts.portalKey } : {}),
    ...(opts.budgetStore ? { store: opts.budgetStore } : {}),
    ...opts.rateLimit,
  });
  const caller = createCaller({
    limiter,
    retry: createRetryPolicy(opts.retry),
    sleep,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    auth: {
      async prepare() {
        const token = await tokens.current();
        // setAccessToken rebuilds the SDK's API objects; calls already under way keep theirs.
        if (token !== applied) {
          client.setAccessToken(token);
          applied = token;
        }
        return token;
      },
      renewAfter401: async (rejected) => (await tokens.renew(rejected)) !== null,
    },
  });

  const toLeadRecord = (o: HubSpotObject) => toCrmRecord(o, 'lead');

  return {
    kind: 'hubspot',

    provision: (tiers) => provision(client, caller, tiers),
    provisionObjects: (tiers, objectTypes) => provisionObjects(client, caller, tiers, objectTypes),

    async describeContactProperties(): Promise<CrmPropertyMeta[]> {
      const { data } = await caller.call('properties.list', () =>
        client.crm.properties.coreApi.getAllWithHttpInfo('contacts', false),
      );
      return (data?.results ?? []).map((p) => ({
        name: p.name,
        label: p.label,
        type: p.type,
        fieldType: p.fieldType,
        ...(p.options?.length
          ? { options: p.options.map((o) => ({ value: o.value, label: o.label })) }
          : {}),
        crmDefined: p.hubspotDefined === true,
        readOnly: p.modificationMetadata?.readOnlyValue === true,
      }));
    },

    async listContacts({ properties, historyProperties, after, modifiedSince }) {
      const page = await readPage(client, caller, basePath, CONTACTS, {
        properties,
        ...(historyProperties ? { historyProperties } : {}),
        after: after ?? null,
        ...(modifiedSince ? { modifiedSince } : {}),
      });
      return {
        items: page.items.map((o) => toCrmRecord(o, 'contact')),
        next: page.next,
        ...(page.historyIncluded ? { historyIncluded: true } : {}),
      };
    },

    async readContactHistory(ids, properties): Promise<CrmRecord[]> {
      const objs = await readHistory(client, caller, CONTACTS, ids, properties);
      return objs.map((o) => toCrmRecord(o, 'contact'));
    },

    async listDeals({ after, modifiedSince }) {
      const page = await readPage(client, caller, basePath, DEALS, {
        properties: DEAL_PROPERTIES,
        after: after ?? null,
        ...(modifiedSince ? { modifiedSince } : {}),
      });
      return {
        items: page.items.map((o) =>
          toDealOutcome(o, toCrmRecord(o, 'deal').associations.contact ?? []),
        ),
        next: page.next,
      };
    },

    async listObjects(objectType, { properties, historyProperties, after }) {
      const spec = objectType === 'deal' ? DEAL_RECORDS : COMPANIES;
      const page = await readPage(client, caller, basePath, spec, {
        properties,
        ...(historyProperties ? { historyProperties } : {}),
        after: after ?? null,
      });
      if (historyProperties?.length && !page.historyIncluded) {
        // The URL was too long for history on the list page: read it 50 records a call.
        const ids = page.items.map((o) => String(o.id));
        const withHistory = await readHistory(client, caller, spec, ids, historyProperties);
        const byId = new Map(withHistory.map((o) => [String(o.id), o]));
        for (const o of page.items)
          o.propertiesWithHistory = byId.get(String(o.id))?.propertiesWithHistory;
      }
      return {
        items: page.items.map((o) => toCrmRecord(o, objectType)),
        next: page.next,
        historyIncluded: true,
      };
    },

    async readObject(objectType, id, { properties, historyProperties }) {
      // A company read for a refresh carries its deals too: the refresh counts them fresh.
      const spec = objectType === 'deal' ? DEAL_RECORDS : COMPANY_RECORD;
      const { status, data } = await caller.call(
        objectType === 'deal' ? 'deals.get' : 'companies.get',
        () =>
          client.crm.objects.basicApi.getByIdWithHttpInfo(
            spec.type,
            id,
            [...properties],
            [...historyProperties],
            spec.associations,
            false,
          ),
        { tolerate: [404] },
      );
      if (status === 404 || !data) return null;
      return toCrmRecord(data as unknown as HubSpotObject, objectType);
    },

    async readObjectHistory(objectType, ids, properties): Promise<CrmRecord[]> {
      const spec = objectType === 'deal' ? DEAL_RECORDS : COMPANIES;
      const objs = await readHistory(client, caller, spec, ids, properties);
      return objs.map((o) => toCrmRecord(o, objectType));
    },

    async listLeads({ properties, after, modifiedSince }) {
      const page = await readPage(client, caller, basePath, LEADS, {
        properties,
        after: after ?? null,
        ...(modifiedSince ? { modifiedSince } : {}),
      });
      return { items: page.items.map(toLeadRecord), next: page.next };
    },

    async getRecord(objectType: LeadObjectType, id, properties) {
      const spec = objectType === 'contact' ? CONTACTS : LEADS;
      const { status, data } = await caller.call(
        objectType === 'contact' ? 'contacts.get' : 'leads.get',
        () =>
          client.crm.objects.basicApi.getByIdWithHttpInfo(
            spec.type,
            id,
            [...properties],
            undefined,
            spec.associations,
            false,
          ),
        { tolerate: [404] },
      );
      if (status === 404 || !data) return null;
      return toCrmRecord(data as unknown as HubSpotObject, objectType);
    },

    async readRecords(objectType, ids, properties): Promise<CrmRecord[]> {
      const spec = { contact: CONTACTS, lead: LEADS, deal: DEAL_RECORDS, company: COMPANIES }[
        objectType
      ];
      // Deals and companies carry our properties under their own prefix: read and answer the
      // pipeline's names.
      const names = properties.map((p) => crmPropertyName(objectType, p));
      const objs = await readHistory(client, caller, spec, ids, names, false);
      return objs.map((o) => {
        const r = toCrmRecord(o, objectType);
        r.properties = Object.fromEntries(
          Object.entries(r.properties).map(([k, v]) => [pipelinePropertyName(objectType, k), v]),
        );
        return r;
      });
    },

    updateRecords: (objectType, updates) => updateRecords(client, caller, objectType, updates),

    async createTask(task) {
      // developers.hubspot.com/docs/api/crm/tasks: hs_timestamp (the due date) is required.
      const properties: Record<string, string> = {
        hs_timestamp: new Date(task.dueAt).toISOString(),
        hs_task_subject: task.subject,
        hs_task_body: task.body,
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: task.priority,
        hs_task_type: 'TODO',
      };
      if (task.ownerId) properties.hubspot_owner_id = task.ownerId;
      const { data } = await caller.call('tasks.create', () =>
        client.crm.objects.tasks.basicApi.createWithHttpInfo({
          properties,
          // Task → contact is HubSpot-defined type 204 (tasks API guide, "Associations").
          associations: task.about
            ? [
                {
                  to: { id: task.about.id },
                  types: [
                    {
                      associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
                      associationTypeId: 204,
                    },
                  ],
                },
              ]
            : [],
        }),
      );
      if (!data?.id) {
        throw new LeadLensError('CRM_ERROR', 'HubSpot created a task but answered no id.', {
          hint: 'Check the task list in HubSpot; this is a HubSpot-side anomaly.',
        });
      }
      return { id: data.id };
    },

    async findTasks(subject) {
      const { data } = await caller.call('tasks.search', () =>
        client.crm.objects.tasks.searchApi.doSearchWithHttpInfo({
          filterGroups: [
            {
              filters: [
                {
                  propertyName: 'hs_task_subject',
                  operator: FilterOperatorEnum.Eq,
                  value: subject,
                },
              ],
            },
          ],
          properties: ['hs_task_subject'],
          limit: 10,
          after: undefined as unknown as string,
          sorts: [],
        }),
      );
      return (data?.results ?? [])
        .filter((r) => r.properties.hs_task_subject === subject)
        .map((r) => r.id);
    },

    usage: () => caller.usage(),
  };
}

export { RateLimiter, nextMidnight } from './rate-limiter';
export { MemoryBudgetStore, processBudgets, type RateBudgetStore } from './budget-store';
export { LIMITS, minimumCalls, type SyncWork } from './limits';
export {
  createRetryPolicy,
  retryOptionsFromEnv,
  SAFE_TO_REPEAT,
  DEFAULT_PATIENCE_MS,
} from './retry';
export { translateError } from './errors';
export { staticTokenSource, type AccessTokenSource } from './token';
