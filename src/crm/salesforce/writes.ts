/**
 * Write-back: one sObject Collections PATCH per ≤ 200 leads (`allOrNone: false`), every record's
 * SaveResult read. PATCH is never retried automatically (not idempotent in general); per-record
 * UNABLE_TO_LOCK_ROW is marked retryable for the pipeline's own second pass, everything else
 * (CANNOT_UPDATE_CONVERTED_LEAD, validation rules, bad values) is final and reported.
 */
import { type Connection } from 'jsforce';
import { LEADLENS_PROPERTIES, SALESFORCE_FIELDS } from '../../contracts/properties';
import { LeadLensError } from '../../contracts/errors';
import type { BatchWriteResult, RecordUpdate } from '../port';
import type { Caller } from './caller';

export const WRITE_BATCH = 200;

const FIELD_OF = new Map<string, string>(
  (Object.keys(LEADLENS_PROPERTIES) as Array<keyof typeof LEADLENS_PROPERTIES>).map((k) => [
    LEADLENS_PROPERTIES[k],
    SALESFORCE_FIELDS[k],
  ]),
);
const NUMBERS = new Set([LEADLENS_PROPERTIES.score, LEADLENS_PROPERTIES.scoreChange]);
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW']);

/** A LeadLens value as Salesforce's JSON wants it (numbers as numbers, checkboxes as booleans). */
export function toSalesforceValue(
  property: string,
  value: string,
): string | number | boolean | null {
  if (NUMBERS.has(property as never)) {
    if (value.trim() === '') return null;
    const n = Number(value);
    return Number.isFinite(n) ? Math.round(n) : null;
  }
  if (property === LEADLENS_PROPERTIES.scoreJump) return value === 'true';
  if (property === LEADLENS_PROPERTIES.scoredAt)
    return value === '' ? null : new Date(value).toISOString();
  return value === '' ? null : value;
}

export function toSalesforceRecord(u: RecordUpdate): Record<string, unknown> {
  // jsforce takes `Id` and sends it as lower-case `id` with attributes.type (connection.ts _updateMany).
  const rec: Record<string, unknown> = { Id: u.id };
  for (const [k, v] of Object.entries(u.properties)) {
    const f = FIELD_OF.get(k);
    if (!f) throw new LeadLensError('INTERNAL', `No Salesforce field for property ${k}.`);
    rec[f] = toSalesforceValue(k, v);
  }
  return rec;
}

interface SaveResult {
  id?: string;
  success: boolean;
  errors?: Array<{ statusCode?: string; errorCode?: string; message?: string }>;
}

export async function updateLeads(
  conn: Connection,
  caller: Caller,
  updates: readonly RecordUpdate[],
  /**
   * Lead, Opportunity for deal scores, Account for account scores or Contact for Contacts
   * created on an Account (the same LeadLens fields).
   */
  sobject: 'Lead' | 'Opportunity' | 'Account' | 'Contact' = 'Lead',
): Promise<BatchWriteResult> {
  const kind = {
    Lead: 'leads.update',
    Opportunity: 'opportunities.update',
    Account: 'accounts.update',
    Contact: 'contacts.update',
  }[sobject];
  const out: BatchWriteResult = { written: [], failed: [] };
  for (let i = 0; i < updates.length; i += WRITE_BATCH) {
    const chunk = updates.slice(i, i + WRITE_BATCH);
    const send = () =>
      caller.call(kind, () =>
        // An array always goes to PATCH /composite/sobjects (one call), even for one record.
        conn.sobject(sobject).update(chunk.map(toSalesforceRecord) as never, { allOrNone: false }),
      ) as unknown as Promise<SaveResult[]>;
    let results: SaveResult[];
    try {
      results = await send();
    } catch (e) {
      // jsforce never retries PATCH. Ours sets absolute values (the same batch twice leaves the
      // same record), so a connection reset — typically a reused idle socket the server had
      // just closed — is sent once more; anything else goes up to the write-back's own recovery.
      if (!(
        e instanceof LeadLensError &&
        e.code === 'CRM_UNAVAILABLE' &&
        /ECONNRESET|socket hang up/.test(e.message)
      ))
        throw e;
      results = await send();
    }
    chunk.forEach((u, j) => {
      const r = results[j];
      if (r?.success) {
        out.written.push(u.id);
        return;
      }
      const err = r?.errors?.[0];
      const code = err?.statusCode ?? err?.errorCode ?? 'UNKNOWN';
      out.failed.push({
        id: u.id,
        code,
        message: err?.message ?? 'Salesforce returned no result for this record',
        retryable: RETRYABLE.has(code),
      });
    });
  }
  return out;
}
