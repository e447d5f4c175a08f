/**
 * The deals that price held-out leads (economics.ts), from both reads the store keeps:
 *
 * - the contact sync's deal outcomes (`listDeals`): on HubSpot every deal with the contacts
 *   associated with it; on Salesforce only the Opportunity each Lead was converted into
 *   (`ConvertedOpportunityId`, read from the Lead), dated by its CloseDate;
 * - the deal stage's mirror of the deals themselves (`objectType: 'deal'`, read by the deal-score
 *   job and `leadlens accounts`): on Salesforce every Opportunity with the Leads converted into
 *   it and the Leads whose converted Contact has an OpportunityContactRole on it, its close
 *   dated by the stage history (the moment its stage moved into the closed stage it is in).
 *
 * Without the mirror, a Salesforce Lead whose Contact was put on an account Opportunity (a
 * buying committee's deal) would price at nothing. So a deal counts for every lead either read
 * gives it; where the mirror has it closed, its close moment, outcome and amount come from the
 * mirror (Salesforce's CloseDate is the date a deal is *expected* to close, the stage history
 * the moment it did); where the mirror still has it open (read before it closed), the fresher
 * sync's outcome stands.
 */
import type { CrmRecord, DealOutcome } from '../contracts/records';
import { dealOutcome } from './objects/snapshot';

/** A mirrored deal record as an outcome (an amount that is not a number reads as none). */
function outcomeOfRecord(r: CrmRecord): DealOutcome {
  const closed = dealOutcome(r);
  const raw = r.properties.amount;
  const amount = raw === null || raw === undefined || raw === '' ? null : Number(raw);
  return {
    id: r.id,
    createdAt: r.createdAt,
    closedAt: closed ? new Date(closed.closedAt).toISOString() : null,
    isClosed: closed !== null,
    isWon: closed?.won ?? false,
    amount: amount !== null && Number.isFinite(amount) ? amount : null,
    contactIds: [...(r.associations.contact ?? [])],
  };
}

export function economicsDeals(
  synced: readonly DealOutcome[],
  mirrored: readonly CrmRecord[],
): DealOutcome[] {
  const out = new Map<string, DealOutcome>();
  for (const d of synced) {
    const seen = out.get(d.id);
    // Salesforce reads deals per Lead: one Opportunity may come once per Lead converted into it.
    out.set(d.id, seen ? { ...seen, contactIds: union(seen.contactIds, d.contactIds) } : { ...d });
  }
  for (const r of mirrored) {
    const m = outcomeOfRecord(r);
    const seen = out.get(m.id);
    if (!seen) {
      out.set(m.id, m);
      continue;
    }
    const contactIds = union(seen.contactIds, m.contactIds);
    out.set(m.id, m.isClosed ? { ...m, contactIds } : { ...seen, contactIds });
  }
  return [...out.values()];
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
