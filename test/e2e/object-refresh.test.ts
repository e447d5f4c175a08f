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
import { runToCompletion } from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import {
  AS_ADMIN,
  depsFor,
  emulatorJson,
  listenLocal,
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

  it('refuses a caller without the admin credential', async () => {
    const res = await refresh('deal', '1', {});
    expect(res.status).toBe(401);
  });

  it('re-scores an open deal with the published deal model: the batch score, nothing written', async () => {
    const rows = await scored('deal');
    expect(rows.length).toBeGreaterThan(5);
    const row = rows[0]!;
    const writesBefore = (await ourWrites(row.id)).length;
    const callsBefore = deps.crm.usage().calls;
    await expectBatchScore('deal', row);
    expect((await ourWrites(row.id)).length).toBe(writesBefore);
    // The deal with its history, and its company: at most two reads.
    expect(deps.crm.usage().calls - callsBefore).toBeLessThanOrEqual(2);
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

  it('company and deal workflows with the LeadLens action branch on the account and deal scores', async () => {
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
