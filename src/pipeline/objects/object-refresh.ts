/**
 * The deal and company cards' "Refresh score": one open deal (deal model) or one company
 * (account model) scored as of now with the published model version, through the same row
 * builders and the one scorer the batch jobs use (`scoreDeals`, `scoreAccounts`), written back
 * through the one write-back path (only what changed, the same `leadlens_deal_*` /
 * `leadlens_account_*` properties), and returned as the card.
 *
 * What is read fresh from the CRM, so the card shows what HubSpot shows now rather than the last
 * sync: the record with its history and associations (one call); for a deal, its company (one
 * more) — a company read carries its contact and deal associations; the buying committee (the
 * company's contacts and the deal's own) with the contact plan's values and history, and the
 * company's other deals with their stage history, by batch reads of 50. Each list is capped
 * (`REFRESH_MEMBER_CAP`, `REFRESH_DEAL_CAP`, first by association order); beyond a cap the
 * mirror's copies are used. Calls: `refreshCalls` (≤ 10 for a deal, ≤ 9 for a company).
 * Everything read is upserted into the mirror, so the next batch run starts from it.
 */
import type { CardData, ScoreRecordResult } from '../../contracts/functions';
import type { CrmRecord } from '../../contracts/records';
import type { AccountObjectType } from '../../crm/port';
import { LeadLensError } from '../../errors';
import { storedCard } from '../card';
import type { PipelineDeps } from '../deps';
import { featurePlanOf } from '../feature-plan';
import { loadedModel } from '../scoring-model';
import { writeNow, type WriteFailure } from '../writeback';
import { contactScorerOf, scoreAccounts } from './accounts';
import { scoreDeals } from './deals';
import {
  COMPANY_HISTORY_PROPERTIES,
  DEAL_HISTORY_PROPERTIES,
  dealOutcome,
  type ObjectWorld,
} from './snapshot';

const NAME: Record<AccountObjectType, string> = { deal: 'deal', company: 'account' };

/** How each object's model comes to exist: the message of a refresh without one. */
const NO_MODEL_HINT: Record<AccountObjectType, string> = {
  deal: 'LeadLens trains a deal model once the portal has 40 closed deals (at least 10 won and 10 lost) and the model finds signal; run `leadlens deals` (or the next scheduled run) after that.',
  company:
    'LeadLens trains an account model from the companies, their contacts and their won and lost deals once the history supports one; the next run (`leadlens accounts`) trains it when it can.',
};

export async function scoreObjectRecord(
  deps: PipelineDeps,
  ref: { objectType: AccountObjectType; objectId: string },
): Promise<ScoreRecordResult> {
  const { crm, store } = deps;
  const { objectType, objectId } = ref;
  const stored = await store.getPublishedObjectModel(objectType);
  if (!stored) {
    throw new LeadLensError('NO_MODEL', `There is no published ${NAME[objectType]} model yet.`, {
      hint: NO_MODEL_HINT[objectType],
    });
  }
  if (!crm.readObject) {
    throw new LeadLensError(
      'CONFIG_INVALID',
      `The ${crm.kind} adapter cannot read one ${objectType} on demand.`,
      { hint: `Scores of ${objectType}s are refreshed by the next run on this CRM.` },
    );
  }
  const record = await crm.readObject(objectType, objectId, {
    properties: HISTORY[objectType],
    historyProperties: HISTORY[objectType],
  });
  if (!record) throw notFound(ref);
  const fresh: CrmRecord[] = [{ ...record, objectType }];
  let company: CrmRecord | undefined;
  if (objectType === 'company') company = fresh[0];
  else {
    const companyId = record.associations.company?.[0];
    const read = companyId
      ? await crm.readObject('company', companyId, {
          properties: COMPANY_HISTORY_PROPERTIES,
          historyProperties: COMPANY_HISTORY_PROPERTIES,
        })
      : null;
    if (read) {
      company = { ...read, objectType: 'company' };
      fresh.push(company);
    }
  }
  // The mirror follows what was read, so the next batch run and this one agree.
  await store.upsertRecords(fresh);

  const at = deps.now();
  const settings = await store.getSettings();
  const card = (): Promise<CardData> => cardOrEmpty(deps, ref);
  if (objectType === 'deal') {
    const outcome = dealOutcome(fresh[0]!);
    // The batch scores a deal while open only (scoreDeals): a closed one keeps its last score.
    if (outcome && outcome.closedAt <= at)
      return { card: await card(), written: false, closed: true };
  }
  const world = await freshWorld(deps, fresh[0]!, company);
  const lm = loadedModel(stored);
  const opts = { asOf: at, tiers: settings.tiers, scoredAt: new Date(at).toISOString() };
  let rows;
  if (objectType === 'deal') rows = scoreDeals(lm, world, [fresh[0]!], opts);
  else {
    const published = await store.getPublishedModel();
    const scorer = published ? contactScorerOf(loadedModel(published)) : null;
    rows = scoreAccounts(lm, world, { ...opts, scorer });
  }
  if (rows.length === 0) {
    // A company without a contact by now: the account run does not score it either.
    throw new LeadLensError(
      'NOT_ENOUGH_DATA',
      `Company ${objectId} has no contacts, and LeadLens scores a company from its contacts.`,
      { hint: 'Associate the company’s contacts with it in HubSpot, then refresh.' },
    );
  }
  await store.putScores(rows);
  const { written, failed } = await writeNow(deps, objectType, rows);
  const shown = await storedCard(store, { objectType, objectId });
  if (!shown) {
    throw new LeadLensError(
      'STORE_ERROR',
      `The new score of ${objectType} ${objectId} was not stored.`,
    );
  }
  return { card: shown, written: written > 0, ...refusal(failed) };
}

const HISTORY: Record<AccountObjectType, readonly string[]> = {
  deal: DEAL_HISTORY_PROPERTIES,
  company: COMPANY_HISTORY_PROPERTIES,
};

/**
 * Committee members read fresh by one refresh, the first by association order; members beyond
 * are taken from the mirror (their last-synced values), so the committee keeps its full size.
 * 200 is 4 batch reads with history (50 a call): a committee larger than that is rare, and
 * 4 calls keep a deal refresh at ≤ 10 calls, far inside HubSpot's burst limit (100 per 10 s)
 * and its 10 s function limit.
 */
export const REFRESH_MEMBER_CAP = 200;
/** A company's other deals read fresh by one refresh (the rest from the mirror), as members. */
export const REFRESH_DEAL_CAP = 200;
/** HubSpot's batch read with history: 50 records a call (fidelity row 6). */
const HISTORY_BATCH = 50;

/** What one refresh reads: its size decides the calls (`refreshCalls`). */
export interface RefreshReads {
  /** The deal's company was read (a deal refresh with an associated company). */
  company: boolean;
  /** Distinct committee members named by the fresh record(s). */
  members: number;
  /** The company's deals other than the refreshed one. */
  otherDeals: number;
}

/**
 * Read calls of one refresh: the record (1), for a deal its company (1), the committee's
 * members (⌈min(members, cap)/50⌉) and the company's other deals (⌈min(deals, cap)/50⌉).
 * Bounded: a deal refresh makes at most 2 + 4 + 4 = 10 calls, a company refresh 9.
 */
export function refreshCalls(r: RefreshReads): number {
  const batches = (n: number, cap: number) => Math.ceil(Math.min(n, cap) / HISTORY_BATCH);
  return (
    1 +
    (r.company ? 1 : 0) +
    batches(r.members, REFRESH_MEMBER_CAP) +
    batches(r.otherDeals, REFRESH_DEAL_CAP)
  );
}

/** Associations merged: what the mirror knew and what this refresh learned, ids once. */
function mergeAssociations(
  a: Record<string, string[]> | undefined,
  b: Record<string, string[]>,
): Record<string, string[]> {
  const out: Record<string, string[]> = { ...(a ?? {}) };
  for (const [k, ids] of Object.entries(b)) out[k] = [...new Set([...(out[k] ?? []), ...ids])];
  return out;
}

/**
 * What scoring one record reads, fresh from the CRM: the committee (the company's contacts and,
 * for a deal, its own) with the contact plan's values and history, and the company's other
 * deals with their stage history — so a contact added or engaged, or a deal closed, since the
 * last sync counts now. Batch reads, capped (`REFRESH_MEMBER_CAP`, `REFRESH_DEAL_CAP`); what
 * lies beyond a cap comes from the mirror. Everything read is upserted into the mirror.
 */
async function freshWorld(
  deps: PipelineDeps,
  record: CrmRecord,
  company: CrmRecord | undefined,
): Promise<ObjectWorld> {
  const { crm, store } = deps;
  const plan = await featurePlanOf(store);
  const isDeal = record.objectType === 'deal';
  const dealContacts = isDeal ? (record.associations.contact ?? []) : [];
  const memberIds = [...new Set([...(company?.associations.contact ?? []), ...dealContacts])];
  // The company's deals as HubSpot lists them now; a deal the mirror still files under the
  // company but HubSpot no longer does has moved (or gone) and is not counted.
  const dealIds = (company?.associations.deal ?? []).filter((id) => !(isDeal && id === record.id));
  const freshMembers = memberIds.slice(0, REFRESH_MEMBER_CAP);
  const freshDeals = crm.readObjectHistory ? dealIds.slice(0, REFRESH_DEAL_CAP) : [];
  // Current values of the plan's properties, history where the plan keeps it: what sync
  // mirrors, so an unchanged contact snapshots as the batch saw it.
  const keep = new Set(plan.history);
  const [contacts, deals] = await Promise.all([
    freshMembers.length
      ? crm.readContactHistory(freshMembers, [...new Set([...plan.read, ...plan.history])])
      : Promise.resolve([]),
    freshDeals.length
      ? crm.readObjectHistory!('deal', freshDeals, DEAL_HISTORY_PROPERTIES)
      : Promise.resolve([]),
  ]);

  const own = new Set(dealContacts);
  const memberRecords = new Map<string, CrmRecord>();
  for (const c of contacts) {
    const mirrored = await store.getRecord('contact', c.id);
    memberRecords.set(c.id, {
      ...c,
      objectType: 'contact',
      properties: { ...(mirrored?.properties ?? {}), ...c.properties },
      history: Object.fromEntries(Object.entries(c.history).filter(([k]) => keep.has(k))),
      // HubSpot's batch read carries no associations: the mirror's, and what this read showed.
      associations: mergeAssociations(mirrored?.associations, {
        ...(company && company.associations.contact?.includes(c.id)
          ? { company: [company.id] }
          : {}),
        ...(own.has(c.id) ? { deal: [record.id] } : {}),
      }),
    });
  }
  const dealRecords: CrmRecord[] = [];
  for (const d of deals) {
    const mirrored = await store.getRecord('deal', d.id);
    dealRecords.push({
      ...d,
      objectType: 'deal',
      associations: mergeAssociations(mirrored?.associations, { company: [company!.id] }),
    });
  }
  await store.upsertRecords([...memberRecords.values(), ...dealRecords]);

  // Beyond the caps (or unread by this CRM): the mirrored copies.
  for (const id of memberIds.slice(freshMembers.length)) {
    const c = await store.getRecord('contact', id);
    if (c) memberRecords.set(id, c);
  }
  const read = new Set(dealRecords.map((d) => d.id));
  for (const id of dealIds) {
    if (read.has(id) || freshDeals.includes(id)) continue;
    const d = await store.getRecord('deal', id);
    if (d) {
      dealRecords.push({
        ...d,
        associations: mergeAssociations(d.associations, { company: [company!.id] }),
      });
    }
  }
  if (isDeal) dealRecords.push(record);
  return {
    deals: dealRecords,
    companies: new Map(company ? [[company.id, company]] : []),
    contacts: memberRecords,
    contactSpec: plan.spec,
  };
}

/** The stored card, else an empty one (never scored). */
async function cardOrEmpty(
  deps: PipelineDeps,
  ref: { objectType: AccountObjectType; objectId: string },
): Promise<CardData> {
  return (
    (await storedCard(deps.store, ref)) ?? {
      ...ref,
      source: ref,
      score: null,
      tier: null,
      factors: null,
      reasons: null,
      modelVersion: null,
      scoredAt: null,
      scoreChange: null,
    }
  );
}

function refusal(failed: readonly WriteFailure[]): Pick<ScoreRecordResult, 'notWritten'> {
  const refused = failed[0];
  if (!refused) return {};
  return {
    notWritten: {
      code: refused.code,
      message: `The CRM refused the new score of ${refused.objectType} ${refused.id}: ${refused.message}`,
      hint: 'The score is kept and the next write-back sends it again; check that the LeadLens properties exist (`leadlens provision`).',
    },
  };
}

function notFound(ref: { objectType: AccountObjectType; objectId: string }) {
  return new LeadLensError(
    'CRM_NOT_FOUND',
    `${ref.objectType} ${ref.objectId} does not exist in the CRM.`,
    { hint: 'It may have been deleted or merged; reload the record page.' },
  );
}
