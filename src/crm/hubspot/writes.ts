/**
 * Batch write-back. HubSpot answers a batch update with 200, with 207 and per-record errors
 * (e.g. a deleted record), or with one 400 for the whole batch when any single value is
 * invalid. A 400 is bisected so one bad record costs ~2·log2(100) extra calls instead of
 * losing the other 99 writes. Before bisecting, the first and the last record are tried
 * alone: if both fail with the batch's own message the cause is common to the batch (a
 * property missing, a wrong type), which is thrown rather than multiplied into 100 failures.
 */
import type { HubSpotSdk as Client } from './sdk';
import { isLeadLensError, LeadLensError } from '../../contracts/errors';
import { crmPropertyName } from '../../contracts/properties';
import type { AccountObjectType, BatchWriteResult, LeadObjectType, RecordUpdate } from '../port';

type WritableType = LeadObjectType | AccountObjectType;
const PATH: Record<WritableType, string> = {
  contact: 'contacts',
  lead: '0-136',
  deal: 'deals',
  company: 'companies',
};
const KIND: Record<WritableType, CallKind> = {
  contact: 'contacts.batchUpdate',
  lead: 'leads.batchUpdate',
  deal: 'deals.batchUpdate',
  company: 'companies.batchUpdate',
};
import type { Caller } from './caller';
import type { CallKind } from './retry';
import { LIMITS } from './limits';

/** 207 error categories worth sending again unchanged. */
const RETRYABLE_CATEGORIES = new Set([
  'RATE_LIMITS',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'LOCKED',
  'CONFLICT',
]);

interface BatchError {
  category?: string;
  message?: string;
  context?: { ids?: string[] };
}

export async function updateRecords(
  client: Client,
  caller: Caller,
  objectType: WritableType,
  updates: readonly RecordUpdate[],
): Promise<BatchWriteResult> {
  const result: BatchWriteResult = { written: [], failed: [], updatedAt: {} };
  for (let i = 0; i < updates.length; i += LIMITS.batch) {
    const part = await writeBatch(client, caller, objectType, updates.slice(i, i + LIMITS.batch));
    result.written.push(...part.written);
    result.failed.push(...part.failed);
    Object.assign(result.updatedAt!, part.updatedAt ?? {});
  }
  return result;
}

async function send(
  client: Client,
  caller: Caller,
  objectType: WritableType,
  batch: readonly RecordUpdate[],
): Promise<BatchWriteResult> {
  const { data } = await caller.call(KIND[objectType], () =>
    client.crm.objects.batchApi.updateWithHttpInfo(PATH[objectType], {
      inputs: batch.map((u) => ({
        id: u.id,
        // Deals and companies carry our properties under their own prefix.
        properties: Object.fromEntries(
          Object.entries(u.properties).map(([k, v]) => [crmPropertyName(objectType, k), v]),
        ),
      })),
    }),
  );
  const failed: BatchWriteResult['failed'] = [];
  const failedIds = new Set<string>();
  for (const err of (data as { errors?: BatchError[] } | null)?.errors ?? []) {
    const category = err.category ?? 'ERROR';
    for (const id of err.context?.ids ?? []) {
      failedIds.add(String(id));
      failed.push({
        id: String(id),
        code: category,
        message: err.message ?? 'HubSpot did not write this record.',
        retryable: RETRYABLE_CATEGORIES.has(category),
      });
    }
  }
  const updatedAt: Record<string, string> = {};
  for (const r of (data as { results?: Array<{ id?: unknown; updatedAt?: unknown }> } | null)
    ?.results ?? []) {
    const at = r.updatedAt instanceof Date ? r.updatedAt.toISOString() : r.updatedAt;
    if (r.id !== undefined && typeof at === 'string') updatedAt[String(r.id)] = at;
  }
  return {
    written: batch.map((u) => u.id).filter((id) => !failedIds.has(id)),
    failed,
    updatedAt,
  };
}

/** Sends a batch; on 400 splits it until the invalid records are isolated. */
async function bisect(
  client: Client,
  caller: Caller,
  objectType: WritableType,
  batch: readonly RecordUpdate[],
): Promise<BatchWriteResult & { invalid?: LeadLensError }> {
  try {
    return await send(client, caller, objectType, batch);
  } catch (e) {
    if (!isLeadLensError(e, 'CRM_VALIDATION')) throw e;
    if (batch.length === 1) {
      const failed = [
        { id: batch[0].id, code: 'CRM_VALIDATION', message: e.message, retryable: false },
      ];
      return { written: [], failed, invalid: e };
    }
    const mid = Math.ceil(batch.length / 2);
    const left = await bisect(client, caller, objectType, batch.slice(0, mid));
    const right = await bisect(client, caller, objectType, batch.slice(mid));
    return {
      written: [...left.written, ...right.written],
      failed: [...left.failed, ...right.failed],
      updatedAt: { ...left.updatedAt, ...right.updatedAt },
    };
  }
}

async function writeBatch(
  client: Client,
  caller: Caller,
  objectType: WritableType,
  batch: readonly RecordUpdate[],
): Promise<BatchWriteResult> {
  try {
    return await send(client, caller, objectType, batch);
  } catch (e) {
    if (!isLeadLensError(e, 'CRM_VALIDATION') || batch.length < 4) {
      if (isLeadLensError(e, 'CRM_VALIDATION')) return bisect(client, caller, objectType, batch);
      throw e;
    }
    const first = await bisect(client, caller, objectType, batch.slice(0, 1));
    const last = await bisect(client, caller, objectType, batch.slice(-1));
    const common = (err?: LeadLensError) => err?.details?.hubspotMessage ?? err?.message;
    if (first.invalid && last.invalid && common(first.invalid) === common(last.invalid)) {
      throw new LeadLensError(
        'CRM_VALIDATION',
        `HubSpot refused the whole write batch: ${e.message}`,
        {
          hint:
            e.hint ??
            'Run `leadlens provision` so the LeadLens properties exist with the right types.',
          cause: e,
          details: e.details,
        },
      );
    }
    const middle = await bisect(client, caller, objectType, batch.slice(1, -1));
    return {
      written: [...first.written, ...middle.written, ...last.written],
      failed: [...first.failed, ...middle.failed, ...last.failed],
      updatedAt: { ...first.updatedAt, ...middle.updatedAt, ...last.updatedAt },
    };
  }
}
