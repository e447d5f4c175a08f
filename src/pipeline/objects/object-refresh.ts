/**
 * The deal and company cards' "Refresh score": one open deal (deal model) or one company
 * (account model) scored as of now with the published model version, through the same row
 * builders and the one scorer the batch jobs use (`scoreDeals`, `scoreAccounts`), written back
 * through the one write-back path (only what changed, the same `leadlens_deal_*` /
 * `leadlens_account_*` properties), and returned as the card.
 *
 * What is read fresh from the CRM: the record itself with its history and associations (one
 * call) and, for a deal, its company (one more). The committee's contacts and the portal's other
 * deals (a company's record of earlier wins and losses, its open deals) come from the store's
 * mirror, as in the batch run: contacts are kept current by sync and webhook rescoring, deals by
 * the deal run. Reading every contact of a large committee here would cost a call per 50 and
 * buy nothing the next run does not.
 */
import type { CardData, ScoreRecordResult } from '../../contracts/functions';
import type { CrmRecord } from '../../contracts/records';
import type { AccountObjectType } from '../../crm/port';
import { LeadLensError } from '../../errors';
import { storedCard } from '../card';
import type { PipelineDeps } from '../deps';
import { featurePlanOf } from '../feature-plan';
import { allRecords } from '../records';
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
  const world = await smallWorld(deps, fresh[0]!, company);
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
 * What scoring one record reads: the record, its company, the committee's contacts from the
 * mirror (the company's and the deal's own) and every deal of the mirror (a company's earlier
 * outcomes and open deals are counted over them; the fresh record replaces its mirrored copy).
 */
async function smallWorld(
  deps: PipelineDeps,
  record: CrmRecord,
  company: CrmRecord | undefined,
): Promise<ObjectWorld> {
  const { store } = deps;
  const [mirrored, { spec }] = await Promise.all([allRecords(store, 'deal'), featurePlanOf(store)]);
  const deals = mirrored.filter((d) => d.id !== record.id || record.objectType !== 'deal');
  if (record.objectType === 'deal') deals.push(record);
  const ids = new Set([
    ...(company?.associations.contact ?? []),
    ...(record.objectType === 'deal' ? (record.associations.contact ?? []) : []),
  ]);
  const contacts = new Map<string, CrmRecord>();
  for (const id of ids) {
    const c = await store.getRecord('contact', id);
    if (c) contacts.set(id, c);
  }
  return {
    deals,
    companies: new Map(company ? [[company.id, company]] : []),
    contacts,
    contactSpec: spec,
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
