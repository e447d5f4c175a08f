/**
 * Scoring a few records right now: the card's "refresh score" (one record), webhook rescoring
 * (a burst of contacts) and the workflow action's first score of a contact. Reads the records
 * fresh from the CRM with history, scores them with the one scorer, writes only what changed
 * through the one write-back path, and keeps the mirror current.
 */
import type {
  CardData,
  RecordRef,
  ScoreRecordRequest,
  ScoreRecordResult,
} from '../contracts/functions';
import { LEADLENS_PROPERTY_NAMES } from '../contracts/properties';
import type { CrmRecord } from '../contracts/records';
import { isLeadLensError, LeadLensError } from '../errors';
import { dealIndex, readPlan } from '../features';
import type { ScoreRow } from '../store/port';
import { cardFromProperties, storedCard } from './card';
import type { PipelineDeps } from './deps';
import { scoreObjectRecord } from './objects/object-refresh';
import { isOpenContact, scoringAsOf } from './score';
import { scoreRecords } from './score-records';
import { publishedModel } from './scoring-model';
import { writeNow, type WriteFailure } from './writeback';

/** Fetch, score and write back contacts (100 per call); returns their new rows (open ones only). */
export async function rescoreContacts(
  deps: PipelineDeps,
  contactIds: readonly string[],
): Promise<{ scored: number; written: number; rows: ScoreRow[]; failed: WriteFailure[] }> {
  const { crm, store } = deps;
  const lm = await publishedModel(store);
  const settings = await store.getSettings();
  const { read, history } = readPlan({ fields: lm.features, skipped: [] });
  const properties = [...new Set([...read, ...history, ...LEADLENS_PROPERTY_NAMES])];
  let written = 0;
  const rows: ScoreRow[] = [];
  const failed: WriteFailure[] = [];
  for (let i = 0; i < contactIds.length; i += 100) {
    const records: CrmRecord[] = await crm.readContactHistory(
      contactIds.slice(i, i + 100),
      properties,
    );
    await store.upsertRecords(records);
    const dealsOf = dealIndex(await store.listDeals());
    const at = deps.now();
    // As of the same moment as the day's scheduled runs: a rescore of an unchanged record
    // computes the values they did (score.ts, scoringAsOf).
    const asOf = scoringAsOf(at);
    const open = records.filter((r) => isOpenContact(r, dealsOf, settings.conversion, asOf));
    const scored = scoreRecords(lm, open, {
      objectType: 'contact',
      asOf,
      tiers: settings.tiers,
      segments: settings.segments,
      scoredAt: new Date(at).toISOString(),
    });
    await store.putScores(scored);
    const res = await writeNow(deps, 'contact', scored);
    written += res.written;
    failed.push(...res.failed);
    rows.push(...scored);
  }
  return { scored: rows.length, written, rows, failed };
}

/**
 * The card's refresh: score one record now and return the card — a contact (or a lead's
 * contact) with the contact model, an open deal with the deal model, a company with the account
 * model (objects/object-refresh.ts).
 */
export async function scoreRecord(
  deps: PipelineDeps,
  ref: ScoreRecordRequest,
): Promise<ScoreRecordResult> {
  if (ref.objectType === 'deal' || ref.objectType === 'company') {
    return scoreObjectRecord(deps, { objectType: ref.objectType, objectId: ref.objectId });
  }
  return scoreLeadRecord(deps, { objectType: ref.objectType, objectId: ref.objectId });
}

async function scoreLeadRecord(deps: PipelineDeps, ref: RecordRef): Promise<ScoreRecordResult> {
  const { crm, store } = deps;
  let contactId = ref.objectId;
  if (ref.objectType === 'lead') {
    const lead = await crm.getRecord('lead', ref.objectId, LEADLENS_PROPERTY_NAMES);
    if (!lead) throw notFound(ref);
    const cid = lead.associations.contact?.[0];
    if (!cid) {
      throw new LeadLensError(
        'NOT_ENOUGH_DATA',
        `Lead ${ref.objectId} has no associated contact to score.`,
        { hint: 'Associate the lead with its contact in HubSpot, then refresh.' },
      );
    }
    contactId = cid;
  }
  const { rows, written, failed } = await rescoreContacts(deps, [contactId]);
  const row = rows[0];
  if (!row) {
    // Not open (a customer) or unknown: show what the CRM has, never a rescored prospect.
    const record = await crm.getRecord('contact', contactId, LEADLENS_PROPERTY_NAMES);
    if (!record) throw notFound({ objectType: 'contact', objectId: contactId });
    const src = { objectType: 'contact' as const, objectId: contactId };
    const card = cardFromProperties(ref, src, record.properties, (await store.getSettings()).tiers);
    return { card, written: false };
  }
  let leadWritten = 0;
  if (ref.objectType === 'lead') {
    // A lead carries its contact's score (the batch job copies it the same way).
    const leadRow: ScoreRow = { ...row, objectType: 'lead', id: ref.objectId };
    await store.putScores([leadRow]);
    const res = await writeNow(deps, 'lead', [leadRow]);
    leadWritten = res.written;
    failed.push(...res.failed);
  }
  const card = await storedCard(store, ref);
  if (!card)
    throw new LeadLensError(
      'STORE_ERROR',
      `The new score of ${ref.objectType} ${ref.objectId} was not stored.`,
    );
  const refused = failed[0];
  return {
    card,
    written: written + leadWritten > 0,
    ...(refused
      ? {
          notWritten: {
            code: refused.code,
            message: `The CRM refused the new score of ${refused.objectType} ${refused.id}: ${refused.message}`,
            hint: 'The score is kept and the next write-back sends it again; check that the LeadLens properties exist (`leadlens provision`).',
          },
        }
      : {}),
  };
}

function notFound(ref: RecordRef) {
  return new LeadLensError(
    'CRM_NOT_FOUND',
    `${ref.objectType} ${ref.objectId} does not exist in the CRM.`,
    { hint: 'It may have been deleted or merged; reload the record page.' },
  );
}

/**
 * The workflow action's card: the stored score, or — for a record never scored (a workflow
 * enrolling it on creation can run before its webhook rescore or the next run) — its first
 * score, now, through the card's refresh. Null when LeadLens cannot score it: no model yet, no
 * such record, a company without contacts; a closed deal answers its card without a new score.
 */
export async function workflowCard(
  deps: PipelineDeps,
  objectId: string,
  objectType: 'contact' | 'deal' | 'company' = 'contact',
): Promise<CardData | null> {
  const ref = { objectType, objectId };
  const stored = await storedCard(deps.store, ref);
  if (stored) return stored;
  try {
    return (await scoreRecord(deps, ref)).card;
  } catch (e) {
    if (
      isLeadLensError(e, 'NO_MODEL') ||
      isLeadLensError(e, 'CRM_NOT_FOUND') ||
      isLeadLensError(e, 'NOT_ENOUGH_DATA')
    )
      return null;
    throw e;
  }
}
