/**
 * Scoring a few records right now: the card's "refresh score" (one record) and webhook
 * rescoring (a burst of contacts). Reads the records fresh from the CRM with history, scores
 * them with the published model, writes only what changed, and keeps the mirror current.
 */
import type { CardData, RecordRef, ScoreRecordResult } from '../contracts/functions';
import { LEADLENS_PROPERTY_NAMES } from '../contracts/properties';
import { LeadLensError } from '../contracts/errors';
import type { CrmRecord } from '../contracts/records';
import { dealIndex, readPlan } from '../features';
import type { ScoreRow, StoredObjectType } from '../store/port';
import { cardFromProperties, cardFromStore } from './card';
import type { PipelineDeps } from './deps';
import { isOpenContact } from './score';
import { publishedModel, scoreRecords } from './scoring';
import { planRecordWrite } from './writeback-plan';

/** Fetch, score and write back up to 100 contacts; returns their new rows (open ones only). */
export async function rescoreContacts(
  deps: PipelineDeps,
  contactIds: readonly string[],
): Promise<{ scored: number; written: number; rows: ScoreRow[] }> {
  const { crm, store } = deps;
  const lm = await publishedModel(store);
  const settings = await store.getSettings();
  const { read, history } = readPlan(lm.spec);
  const properties = [...new Set([...read, ...LEADLENS_PROPERTY_NAMES])];
  let scored = 0;
  let written = 0;
  const allRows: ScoreRow[] = [];
  for (let i = 0; i < contactIds.length; i += 100) {
    const ids = contactIds.slice(i, i + 100);
    const records: CrmRecord[] = await crm.readContactHistory(ids, [
      ...new Set([...properties, ...history]),
    ]);
    await store.upsertRecords(records);
    const dealsOf = dealIndex(await store.listDeals());
    const at = deps.now();
    const open = records.filter((r) => isOpenContact(r, dealsOf, settings.conversion, at));
    const rows = scoreRecords(lm, open, {
      objectType: 'contact',
      asOf: at,
      tiers: settings.tiers,
      scoredAt: new Date(at).toISOString(),
    });
    await store.putScores(rows);
    written += await writeRows(deps, 'contact', rows);
    scored += rows.length;
    allRows.push(...rows);
  }
  return { scored, written, rows: allRows };
}

/** Writes the changed LeadLens properties of `rows` (≤ 100) and records what was confirmed. */
async function writeRows(deps: PipelineDeps, objectType: StoredObjectType, rows: ScoreRow[]) {
  if (rows.length === 0) return 0;
  const { store, crm } = deps;
  const jump = (await store.getSettings()).scoreJumpPoints;
  const ledger = await store.getWritten(
    objectType,
    rows.map((r) => r.id),
  );
  const updates = rows
    .map((r) => ({ id: r.id, properties: planRecordWrite(r, ledger.get(r.id), jump) }))
    .filter((u): u is { id: string; properties: Record<string, string> } => u.properties !== null);
  if (updates.length === 0) return 0;
  const res = await crm.updateRecords(objectType, updates);
  const ok = new Set(res.written);
  await store.markWritten(
    objectType,
    updates.filter((u) => ok.has(u.id)),
    new Date(deps.now()).toISOString(),
  );
  if (res.failed.length > 0) {
    const f = res.failed[0];
    throw new LeadLensError(
      'CRM_VALIDATION',
      `The CRM refused the new score of ${objectType} ${f.id}: ${f.message}`,
      {
        hint: 'Check that the LeadLens properties exist (run `leadlens run` once to provision them).',
      },
    );
  }
  return ok.size;
}

/** The card's refresh: score one contact (or a lead's contact) now and return the card. */
export async function scoreRecord(deps: PipelineDeps, ref: RecordRef): Promise<ScoreRecordResult> {
  const { crm, store } = deps;
  const tiers = (await store.getSettings()).tiers;
  let contactId = ref.objectId;
  if (ref.objectType === 'lead') {
    const lead = await crm.getRecord('lead', ref.objectId, LEADLENS_PROPERTY_NAMES);
    if (!lead) throw notFound(ref);
    const cid = lead.associations.contact?.[0];
    if (!cid) {
      throw new LeadLensError(
        'NOT_ENOUGH_DATA',
        `Lead ${ref.objectId} has no associated contact to score.`,
        {
          hint: 'Associate the lead with its contact in HubSpot, then refresh.',
        },
      );
    }
    contactId = cid;
  }
  const before = (await store.getWritten('contact', [contactId])).get(contactId);
  const { rows, written } = await rescoreContacts(deps, [contactId]);
  const row = rows[0];
  if (!row) {
    // Not open (a customer) or unknown: show what the CRM has, never a rescored prospect.
    const record = await crm.getRecord('contact', contactId, LEADLENS_PROPERTY_NAMES);
    if (!record) throw notFound({ objectType: 'contact', objectId: contactId });
    const src = { objectType: 'contact' as const, objectId: contactId };
    return { card: cardFromProperties(ref, src, record.properties, tiers), written: false };
  }
  let leadWritten = 0;
  if (ref.objectType === 'lead') {
    const leadRow: ScoreRow = { ...row, objectType: 'lead', id: ref.objectId };
    await store.putScores([leadRow]);
    leadWritten = await writeRows(deps, 'lead', [leadRow]);
  }
  const card: CardData = {
    ...cardFromStore(
      row,
      (await store.getWritten('contact', [contactId])).get(contactId) ?? before,
      tiers,
    ),
    objectType: ref.objectType,
    objectId: ref.objectId,
  };
  return { card, written: written + leadWritten > 0 };
}

function notFound(ref: RecordRef) {
  return new LeadLensError(
    'CRM_NOT_FOUND',
    `${ref.objectType} ${ref.objectId} does not exist in the CRM.`,
    {
      hint: 'It may have been deleted or merged; reload the record page.',
    },
  );
}
