/**
 * Reconciliation: read the CRM back and compare every scored record's LeadLens properties with
 * what the store says it should hold — the stored score (score, tier, factors, reasons, model
 * version) and, for the properties derived at write time (scored at, change, jump), the ledger.
 * One batch read per 100 records, the fewest calls HubSpot allows. Records whose write failed
 * for a recorded reason are reported apart: they are known, listed failures, not drift.
 */
import { LEADLENS_PROPERTY_NAMES } from '../contracts/properties';
import type { StoredObjectType } from '../store/port';
import type { PipelineDeps } from './deps';
import { crmRecordsOf, sameCrmValue } from './writeback';
import { desiredCoreValues } from './writeback-plan';

export interface VerifyMismatch {
  objectType: StoredObjectType;
  id: string;
  property: string;
  /** What the store says the CRM should hold. */
  expected: string;
  /** What the CRM holds (null: empty, or the record was not found). */
  actual: string | null;
}

export interface KnownFailure {
  objectType: StoredObjectType;
  id: string;
  code: string;
  message: string;
}

export interface VerifyReport {
  checked: number;
  matching: number;
  /** Records the CRM does not have any more (deleted, merged) and no failure explains. */
  missing: number;
  mismatchCount: number;
  /** The first `limit` mismatches, one per record and property. */
  mismatches: VerifyMismatch[];
  /** Records that differ because their write failed for a recorded reason. */
  knownFailures: KnownFailure[];
  calls: number;
}

const READ_BATCH = 100;
const SCAN = 500;

export async function verifyWriteback(
  deps: PipelineDeps,
  opts: { limit?: number } = {},
): Promise<VerifyReport> {
  const { store, crm } = deps;
  const limit = opts.limit ?? 100;
  const calls0 = crm.usage().calls;
  const report: VerifyReport = {
    checked: 0,
    matching: 0,
    missing: 0,
    mismatchCount: 0,
    mismatches: [],
    knownFailures: [],
    calls: 0,
  };
  // Salesforce Contacts created on Accounts carry their own scores too (`crm.members`).
  const types: StoredObjectType[] = crm.members
    ? ['contact', 'lead', 'account_contact']
    : ['contact', 'lead'];
  for (const objectType of types) {
    let after: string | null = null;
    for (;;) {
      const rows = await store.listScores(objectType, { afterId: after, limit: SCAN });
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      for (let i = 0; i < rows.length; i += READ_BATCH) {
        const chunk = rows.slice(i, i + READ_BATCH);
        const ids = chunk.map((r) => r.id);
        const [held, ledger, failures] = await Promise.all([
          crmRecordsOf(crm, objectType).read(ids, LEADLENS_PROPERTY_NAMES),
          store.getWritten(objectType, ids),
          store.getWriteFailures(objectType, ids),
        ]);
        const byId = new Map(held.map((r) => [r.id, r.properties]));
        for (const row of chunk) {
          report.checked++;
          const expected = { ...(ledger.get(row.id) ?? {}), ...desiredCoreValues(row) };
          const actual = byId.get(row.id);
          const diffs = Object.entries(expected)
            .filter(([k, v]) => !sameCrmValue(actual?.[k] ?? null, v))
            .map(([property, v]) => ({
              objectType,
              id: row.id,
              property,
              expected: v,
              actual: actual?.[property] ?? null,
            }));
          if (diffs.length === 0) {
            report.matching++;
            continue;
          }
          const failure = failures.get(row.id);
          if (failure) {
            report.knownFailures.push({
              objectType,
              id: row.id,
              code: failure.code,
              message: failure.message,
            });
            continue;
          }
          if (!actual) report.missing++;
          report.mismatchCount += diffs.length;
          for (const d of diffs) if (report.mismatches.length < limit) report.mismatches.push(d);
        }
      }
      if (rows.length < SCAN) break;
    }
  }
  report.calls = crm.usage().calls - calls0;
  return report;
}
