/**
 * The deal and company cards' "Refresh score" (issue 16) through the express host's
 * `POST /functions/score-record` (admin-authenticated) and the real @hubspot/api-client against
 * the emulator: an open deal is re-scored with the published deal model and the batch's own
 * scorer (the same `now` gives the batch's score and writes nothing), a deal changed in HubSpot
 * gets its new score written (only the changed properties), a closed deal is not scored, a
 * company is re-scored with the account model; and without a published model the answer says so.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { startHubSpotEmulator, type Enrollment } from '../../emulator/hubspot';
import { parseFactors } from '../../src/contracts/factors';
import type { ScoreRecordResult } from '../../src/contracts/functions';
import type { CrmRecord } from '../../src/contracts/records';
import { runToCompletion } from '../../src/pipeline';
import { featurePlanOf } from '../../src/pipeline/feature-plan';
import { accountRow, contactScorerOf, scoreAccounts } from '../../src/pipeline/objects/accounts';
import { scoreDeals } from '../../src/pipeline/objects/deals';
import {
  REFRESH_MEMBER_CAP,
  refreshCalls,
  type RefreshReads,
} from '../../src/pipeline/objects/object-refresh';
import { dealRow, type ObjectWorld } from '../../src/pipeline/objects/snapshot';
import { allRecords } from '../../src/pipeline/records';
import { loadedModel } from '../../src/pipeline/scoring-model';
import type { AppDeps } from '../../src/server/compose';
import {
  AS_ADMIN,
  depsFor,
  emulatorJson,
  listenLocal,
  sdk,
  sqlsAsConversions,
  TOKEN,
  tempDb,
  writesOf,
  type Emulator,
} from './helpers';

jest.setTimeout(180_000);

const now = Date.now() + 3_600_000;
const SECRET = 'object-refresh-secret';

describe('refreshing one deal or company from its card', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // startPortal's portal, with the app's client secret the LeadLens server verifies (the
    // emulator signs workflow action requests with it) and workflow retries on a short clock.
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      clientSecret: SECRET,
      seed: 'few-deals',
      contacts: 400,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      workflows: { timeScale: 0.0005 },
    });
    deps = await depsFor(emu.url, tempDb('object-refresh'), now);
    await sqlsAsConversions(deps, now);
    expect((await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 })).status).toBe('done');
    ({ server, base } = await listenLocal(deps, { clientSecret: SECRET }));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  const refresh = async (
    objectType: string,
    objectId: string,
    headers: Record<string, string> = AS_ADMIN,
  ) => {
    const res = await fetch(`${base}/functions/score-record`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ parameters: { objectType, objectId } }),
    });
    return { status: res.status, body: (await res.json()) as ScoreRecordResult };
  };
  /** Edits a record as a person in HubSpot's UI would (history source CRM_UI). */
  const edit = (objectType: string, id: string, properties: Record<string, string>) =>
    emulatorJson(emu.url, `/__emulator/objects/${objectType}/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties }),
    });
  /** LeadLens's writes to a deal (the emulator's log also holds the edits made "in the UI"). */
  const ourWrites = async (id: string) =>
    ((await writesOf(emu.url, 'deals'))[id] ?? []).filter((w) =>
      Object.keys(w).some((k) => k.startsWith('leadlens_')),
    );
  const scored = async (objectType: 'deal' | 'company') =>
    (await deps.store.listScores(objectType, { afterId: null, limit: 1000 })).filter(
      (r) => r.score !== null,
    );

  /** Distinct ids of `objectType`'s associations of one record, as HubSpot lists them now. */
  const associated = async (objectType: string, id: string, to: string[]) => {
    const o = await sdk(emu.url).crm.objects.basicApi.getById(
      objectType,
      id,
      undefined,
      undefined,
      to,
    );
    return Object.fromEntries(
      to.map((t) => [t, [...new Set((o.associations?.[t]?.results ?? []).map((r) => r.id))]]),
    ) as Record<string, string[]>;
  };
  /** What a refresh of the record must read, counted from HubSpot's side (not the adapter's). */
  const readsOf = async (objectType: 'deal' | 'company', id: string): Promise<RefreshReads> => {
    let companyId: string | undefined = id;
    let own: string[] = [];
    if (objectType === 'deal') {
      const d = await associated('deals', id, ['contacts', 'companies']);
      companyId = d.companies![0];
      own = d.contacts!;
    }
    const c = companyId
      ? await associated('companies', companyId, ['contacts', 'deals'])
      : { contacts: [], deals: [] };
    return {
      company: objectType === 'deal' && companyId !== undefined,
      members: new Set([...c.contacts!, ...own]).size,
      otherDeals: c.deals!.filter((d) => d !== id).length,
    };
  };
  /** The world scoring sees, built from the store's mirror as it stands. */
  const mirrorWorld = async (company: CrmRecord, deal?: CrmRecord): Promise<ObjectWorld> => {
    const contacts = new Map<string, CrmRecord>();
    for (const id of [
      ...(company.associations.contact ?? []),
      ...(deal?.associations.contact ?? []),
    ]) {
      const c = await deps.store.getRecord('contact', id);
      if (c) contacts.set(id, c);
    }
    return {
      deals: await allRecords(deps.store, 'deal'),
      companies: new Map([[company.id, company]]),
      contacts,
      contactSpec: (await featurePlanOf(deps.store)).spec,
    };
  };
  const contactScorer = async () => {
    const published = await deps.store.getPublishedModel();
    return published ? contactScorerOf(loadedModel(published)) : null;
  };
  const createUi = (objectType: string, body: unknown) =>
    emulatorJson<{ id: string }>(emu.url, `/__emulator/objects/${objectType}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /**
   * Refreshes a scored record and checks the answer is its batch score: same moment, same
   * published model, same scorer, so the same score and nothing to write.
   */
  const expectBatchScore = async (
    objectType: 'deal' | 'company',
    row: { id: string; score: number | null; tier: string | null },
  ) => {
    const model = await deps.store.getPublishedObjectModel(objectType);
    expect(model).not.toBeNull();
    const res = await refresh(objectType, row.id);
    expect(res.status).toBe(200);
    expect(res.body.card).toMatchObject({
      objectType,
      objectId: row.id,
      score: row.score,
      tier: { value: row.tier },
      modelVersion: String(model!.version),
    });
    expect(res.body.written).toBe(false);
  };

  /** Registers the LeadLens action and answers a runner: a workflow of it, enrolled, run. */
  const workflowRunner = async () => {
    const component = JSON.parse(
      fs.readFileSync(
        path.join(
          __dirname,
          '..',
          '..',
          'app',
          'workflow-actions',
          'lead-score-action-hsmeta.json',
        ),
        'utf8',
      ),
    ) as unknown;
    const def = await emulatorJson<{ actionDefinitionId: string }>(
      emu.url,
      `/__emulator/apps/${emu.defaultApp.appId}/components`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ component, baseUrl: base }),
      },
    );
    const run = async (objectType: 'COMPANY' | 'DEAL', ids: string[]) => {
      const w = await emulatorJson<{ id: number }>(emu.url, '/__emulator/workflows', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `LeadLens ${objectType}`,
          objectType,
          steps: [
            { id: 'score', type: 'CUSTOM_ACTION', actionDefinitionId: def.actionDefinitionId },
            {
              id: 'route',
              type: 'BRANCH',
              on: { stepId: 'score', outputField: 'tier' },
              branches: { tier_1: 'first', tier_2: 'second', tier_3: 'third', tier_4: 'fourth' },
              defaultBranch: 'not scored',
            },
          ],
        }),
      });
      await emulatorJson(emu.url, `/__emulator/workflows/${w.id}/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ objectIds: ids }),
      });
      await emu.workflows.idle();
      return (
        await emulatorJson<{ results: Enrollment[] }>(
          emu.url,
          `/__emulator/workflows/${w.id}/enrollments`,
        )
      ).results;
    };

    return run;
  };

  it('refuses a caller without the admin credential', async () => {
    const res = await refresh('deal', '1', {});
    expect(res.status).toBe(401);
  });

  it('re-scores an open deal with the published deal model: the batch score, nothing written', async () => {
    const rows = await scored('deal');
    expect(rows.length).toBeGreaterThan(5);
    const row = rows[0]!;
    const writesBefore = (await ourWrites(row.id)).length;
    const expected = refreshCalls(await readsOf('deal', row.id));
    const callsBefore = deps.crm.usage().calls;
    await expectBatchScore('deal', row);
    expect((await ourWrites(row.id)).length).toBe(writesBefore);
    // The deal, its company, its committee and the company's other deals, nothing else (no
    // write: the score did not change). Bounded whatever the committee's size.
    expect(deps.crm.usage().calls - callsBefore).toBe(expected);
    expect(expected).toBeGreaterThan(2);
    expect(expected).toBeLessThanOrEqual(10);
  });

  it('writes the new score of a deal changed in HubSpot, only what changed', async () => {
    const rows = await scored('deal');
    // A deal still in an early stage, moved on with a revised amount: stage, days in stage,
    // stage moves, amount and "amount revised" all change, so its factors do.
    const early = [];
    for (const r of rows) {
      const rec = await deps.store.getRecord('deal', r.id);
      if (rec?.properties.dealstage === 'appointmentscheduled') early.push(r);
    }
    const deal = early[0] ?? rows[2]!;
    const before = (await ourWrites(deal.id)).length;
    await edit('deals', deal.id, { dealstage: 'contractsent', amount: '987654' });
    const res = await refresh('deal', deal.id);
    expect(res.status).toBe(200);
    const card = res.body.card;
    const stored = (await deps.store.getScore('deal', deal.id))!;
    expect(card.score).toBe(stored.score);
    const f = parseFactors(stored.factors)!;
    expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(card.score);
    expect(stored.factors).not.toBe(deal.factors);
    expect(res.body.written).toBe(true);
    const writes = await ourWrites(deal.id);
    expect(writes.length).toBe(before + 1);
    const sent = writes[writes.length - 1]!;
    expect(sent.leadlens_deal_factors).toBe(stored.factors);
    if (card.score !== deal.score) expect(sent.leadlens_deal_score).toBe(String(card.score));
    // Only the deal's own properties, and only those that changed.
    expect(Object.keys(sent).every((k) => k.startsWith('leadlens_deal_'))).toBe(true);
    if (stored.tier === deal.tier) expect(sent).not.toHaveProperty('leadlens_deal_tier');
    // The mirror follows the CRM: the next batch reads the new stage.
    expect((await deps.store.getRecord('deal', deal.id))!.properties.dealstage).toBe(
      'contractsent',
    );
  });

  it('does not score a closed deal: it answers closed and keeps the last score', async () => {
    const deal = (await scored('deal'))[1]!;
    await edit('deals', deal.id, { dealstage: 'closedlost' });
    const before = (await ourWrites(deal.id)).length;
    const res = await refresh('deal', deal.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ closed: true, written: false });
    expect(res.body.card.score).toBe(deal.score);
    expect((await ourWrites(deal.id)).length).toBe(before);
  });

  it('re-scores a company with the published account model, as the batch did', async () => {
    await expectBatchScore('company', (await scored('company'))[0]!);
  });

  it('a contact added to the company and a member engaging since the sync count in the refreshed account score', async () => {
    const [row] = await scored('company');
    const company = (await deps.store.getRecord('company', row!.id))!;
    const scorer = await contactScorer();
    const before = accountRow(await mirrorWorld(company), company, now, scorer);
    // An engagement counter of the contact plan that a person (or HubSpot) can set.
    const { spec } = await featurePlanOf(deps.store);
    const props = await sdk(emu.url).crm.properties.coreApi.getAll('contacts');
    const writable = new Set(
      props.results.filter((p) => !p.modificationMetadata?.readOnlyValue).map((p) => p.name),
    );
    const counter = spec.fields.find(
      (f) => f.source === 'property' && f.type === 'number' && writable.has(f.name),
    );
    expect(counter).toBeDefined();
    const key = `committee_max_${counter!.name}`;
    const high = Number(before[key] ?? 0) + 1000;
    const member = company.associations.contact![0]!;
    await edit('contacts', member, { [counter!.name]: String(high) });
    const added = await createUi('contacts', {
      properties: { email: 'new.buyer@refresh.example', jobtitle: 'Chief Executive Officer' },
      associations: [
        {
          to: { id: company.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }],
        },
      ],
    });
    // Nothing synced since: the mirror does not know the new contact.
    expect(await deps.store.getRecord('contact', String(added.id))).toBeNull();

    const expected = refreshCalls(await readsOf('company', company.id));
    const callsBefore = deps.crm.usage().calls;
    const res = await refresh('company', company.id);
    expect(res.status).toBe(200);
    const calls = deps.crm.usage().calls - callsBefore;
    // The reads, plus the write-back when the score changed.
    expect(calls).toBe(expected + (res.body.written ? 1 : 0));

    // The mirror now holds what was read; its committee is HubSpot's of now.
    const freshCompany = (await deps.store.getRecord('company', company.id))!;
    expect(freshCompany.associations.contact).toContain(String(added.id));
    const world = await mirrorWorld(freshCompany);
    expect(world.contacts.get(String(added.id))!.associations.company).toContain(company.id);
    const after = accountRow(world, freshCompany, now, scorer);
    expect(after.committee_size).toBe(Number(before.committee_size) + 1);
    expect(after[key]).toBe(high);
    // The refreshed score is the one scorer's on that world, not on the last sync's mirror.
    const lm = loadedModel((await deps.store.getPublishedObjectModel('company'))!);
    const settings = await deps.store.getSettings();
    const opts = { asOf: now, tiers: settings.tiers, scoredAt: new Date(now).toISOString() };
    const [fresh] = scoreAccounts(lm, world, { ...opts, scorer });
    expect(res.body.card.score).toBe(fresh!.score);
    expect((await deps.store.getScore('company', company.id))!.factors).toBe(fresh!.factors);
  });

  it('a committee beyond the cap: 200 members read fresh, the rest from the mirror, the calls bounded', async () => {
    const contacts = (await allRecords(deps.store, 'contact')).slice(0, REFRESH_MEMBER_CAP + 30);
    expect(contacts.length).toBe(REFRESH_MEMBER_CAP + 30);
    const big = await createUi('companies', {
      properties: { name: 'Big Committee Inc', numberofemployees: '4000' },
    });
    const res0 = await fetch(
      `${emu.url}/crm/v4/associations/contacts/companies/batch/associate/default`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: contacts.map((c) => ({ from: { id: c.id }, to: { id: String(big.id) } })),
        }),
      },
    );
    expect(res0.ok).toBe(true);
    const reads = await readsOf('company', String(big.id));
    expect(reads.members).toBe(REFRESH_MEMBER_CAP + 30);
    const before = { ...deps.crm.usage().byKind };
    const res = await refresh('company', String(big.id));
    expect(res.status).toBe(200);
    const delta = (k: string) => (deps.crm.usage().byKind[k] ?? 0) - (before[k] ?? 0);
    // ⌈200 / 50⌉ contact reads, not ⌈230 / 50⌉; the company read; no deal of its own.
    expect(delta('contacts.batchRead')).toBe(REFRESH_MEMBER_CAP / 50);
    expect(delta('companies.get')).toBe(1);
    expect(refreshCalls(reads)).toBe(1 + REFRESH_MEMBER_CAP / 50);
    // The whole committee is scored: the 30 beyond the cap from the mirror.
    const company = (await deps.store.getRecord('company', String(big.id)))!;
    const world = await mirrorWorld(company);
    expect(world.contacts.size).toBe(REFRESH_MEMBER_CAP + 30);
    const scorer = await contactScorer();
    expect(accountRow(world, company, now, scorer).committee_size).toBe(REFRESH_MEMBER_CAP + 30);
    const lm = loadedModel((await deps.store.getPublishedObjectModel('company'))!);
    const settings = await deps.store.getSettings();
    const opts = { asOf: now, tiers: settings.tiers, scoredAt: new Date(now).toISOString() };
    const [fresh] = scoreAccounts(lm, world, { ...opts, scorer });
    expect(res.body.card.score).toBe(fresh!.score);
    expect((await deps.store.getScore('company', String(big.id)))!.factors).toBe(fresh!.factors);
  });

  it("a deal of the company closed won since the sync counts in a deal's refreshed score", async () => {
    // An open, scored deal with a company (not one an earlier test edited).
    const rows = (await scored('deal')).slice(3);
    let deal: CrmRecord | undefined;
    for (const r of rows) {
      const d = await deps.store.getRecord('deal', r.id);
      if (d?.associations.company?.length && !/^closed/.test(d.properties.dealstage ?? '')) {
        deal = d;
        break;
      }
    }
    expect(deal).toBeDefined();
    const companyId = deal!.associations.company![0]!;
    const company = (await deps.store.getRecord('company', companyId))!;
    const before = dealRow(await mirrorWorld(company, deal), deal!, now);
    // Another open deal of the company, closed won "in the UI"; else a new won deal of it.
    const mirrored = await allRecords(deps.store, 'deal');
    const other = mirrored.find(
      (d) =>
        d.id !== deal!.id &&
        (d.associations.company ?? []).includes(companyId) &&
        !/^closed/.test(d.properties.dealstage ?? ''),
    );
    if (other) await edit('deals', other.id, { dealstage: 'closedwon' });
    else {
      await createUi('deals', {
        properties: { dealname: 'Won since the sync', dealstage: 'closedwon', amount: '5000' },
        associations: [
          {
            to: { id: companyId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }],
          },
        ],
      });
    }

    const expected = refreshCalls(await readsOf('deal', deal!.id));
    const callsBefore = deps.crm.usage().calls;
    const res = await refresh('deal', deal!.id);
    expect(res.status).toBe(200);
    expect(deps.crm.usage().calls - callsBefore).toBe(expected + (res.body.written ? 1 : 0));

    const freshDeal = (await deps.store.getRecord('deal', deal!.id))!;
    const freshCompany = (await deps.store.getRecord('company', companyId))!;
    const after = dealRow(await mirrorWorld(freshCompany, freshDeal), freshDeal, now);
    expect(after.company_won_before).toBe(Number(before.company_won_before) + 1);
    // The refreshed score is the one scorer's on the fresh world.
    const lm = loadedModel((await deps.store.getPublishedObjectModel('deal'))!);
    const settings = await deps.store.getSettings();
    const opts = { asOf: now, tiers: settings.tiers, scoredAt: new Date(now).toISOString() };
    const [fresh] = scoreDeals(lm, await mirrorWorld(freshCompany, freshDeal), [freshDeal], opts);
    expect(res.body.card.score).toBe(fresh!.score);
    expect((await deps.store.getScore('deal', deal!.id))!.factors).toBe(fresh!.factors);
  });

  it('a company without contacts cannot be scored, and the answer says why', async () => {
    const created = await emulatorJson<{ id: string }>(emu.url, '/__emulator/objects/companies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { name: 'Lonely Co', numberofemployees: '40' } }),
    });
    const res = await refresh('company', String(created.id));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: 'NOT_ENOUGH_DATA', hint: expect.stringMatching(/contacts/) },
    });
  });

  it('answers a deal HubSpot does not have with CRM_NOT_FOUND and its hint', async () => {
    const res = await refresh('deal', '999999999');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      error: { code: 'CRM_NOT_FOUND', hint: expect.stringMatching(/deleted or merged/) },
    });
  });

  it('without a published deal model, says so with how one comes to exist', async () => {
    const fresh = await depsFor(emu.url, tempDb('object-refresh-none'), now);
    const local = await listenLocal(fresh, { clientSecret: SECRET });
    try {
      const res = await fetch(`${local.base}/functions/score-record`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...AS_ADMIN },
        body: JSON.stringify({ parameters: { objectType: 'deal', objectId: '1' } }),
      });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({
        error: {
          code: 'NO_MODEL',
          message: expect.stringMatching(/no published deal model/),
          hint: expect.stringMatching(/40 closed deals/),
        },
      });
    } finally {
      await new Promise((r) => local.server.close(r));
      await fresh.close();
    }
  });

  it('a deal workflow scores a deal the batch never scored on the spot, within the action call', async () => {
    const run = await workflowRunner();
    // A deal created in HubSpot since the last run, with a company whose committee is synced.
    const [company] = await scored('company');
    const companyRecord = (await deps.store.getRecord('company', company!.id))!;
    const contact = companyRecord.associations.contact![0]!;
    const created = await createUi('deals', {
      properties: {
        dealname: 'New since the run',
        dealstage: 'qualifiedtobuy',
        amount: '42000',
        closedate: new Date(now + 30 * 86_400_000).toISOString(),
      },
      associations: [
        {
          to: { id: company!.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }],
        },
        {
          to: { id: contact },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }],
        },
      ],
    });
    const id = String(created.id);
    expect(await deps.store.getScore('deal', id)).toBeNull();
    const expected = refreshCalls(await readsOf('deal', id));
    const callsBefore = deps.crm.usage().calls;
    const [enrolled] = await run('DEAL', [id]);
    const stored = await deps.store.getScore('deal', id);
    expect(stored).not.toBeNull();
    expect(enrolled!.steps[0]).toMatchObject({
      status: 'SUCCESS',
      outputFields: { score: stored!.score, tier: stored!.tier },
    });
    expect(String(enrolled!.steps[0]!.outputFields!.top_reason)).not.toBe('');
    expect(enrolled!.branch).not.toBe('not scored');
    // The refresh's reads and the one write of the first score: nothing more in the call.
    expect(deps.crm.usage().calls - callsBefore).toBe(expected + 1);
    expect((await ourWrites(id)).at(-1)).toMatchObject({
      leadlens_deal_score: String(stored!.score),
    });

    // A deal created already closed has nothing to predict: the workflow continues, unscored.
    const closed = await createUi('deals', {
      properties: { dealname: 'Closed on creation', dealstage: 'closedlost' },
    });
    const [continued] = await run('DEAL', [String(closed.id)]);
    expect(continued!.steps[0]).toMatchObject({ status: 'FAIL_CONTINUE' });
    expect(String(continued!.steps[0]!.outputFields!.top_reason)).toMatch(/closed/);
    expect(continued!.branch).toBe('not scored');
    expect(await deps.store.getScore('deal', String(closed.id))).toBeNull();
  });

  it('company and deal workflows with the LeadLens action branch on the account and deal scores', async () => {
    const run = await workflowRunner();

    // Companies: scored ones answer their account score; one without contacts continues.
    const companies = (await scored('company')).slice(0, 5);
    const lonely = await emulatorJson<{ id: string }>(emu.url, '/__emulator/objects/companies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { name: 'Nobody Yet Ltd' } }),
    });
    const results = await run('COMPANY', [...companies.map((c) => c.id), String(lonely.id)]);
    expect(results).toHaveLength(companies.length + 1);
    for (const e of results) {
      const action = e.steps[0]!;
      const row = companies.find((c) => c.id === String(e.objectId));
      if (row) {
        expect(action.status).toBe('SUCCESS');
        expect(action.outputFields).toMatchObject({ score: row.score, tier: row.tier });
        expect(String(action.outputFields!.top_reason)).not.toBe('');
        expect(e.branch).not.toBe('not scored');
      } else {
        expect(action.status).toBe('FAIL_CONTINUE');
        expect(String(action.outputFields!.top_reason)).toMatch(/no account score/);
        expect(e.branch).toBe('not scored');
      }
    }

    // A deal: its deal score (never the contact or company of the same id).
    const deal = (await scored('deal')).find((d) => d.id !== companies[0]!.id)!;
    const stored = (await deps.store.getScore('deal', deal.id))!;
    const [enrolled] = await run('DEAL', [deal.id]);
    expect(enrolled!.steps[0]).toMatchObject({
      status: 'SUCCESS',
      outputFields: { score: stored.score, tier: stored.tier },
    });
  });
});
