/**
 * Issue 5 through the express host and the emulator: the settings function (suggest, save →
 * re-tier without retraining, only changed tiers written), score-record, feedback in the
 * report, a signed webhook burst rescoring a contact, and the signed workflow action.
 */
import type { Server } from 'node:http';
import { parseFactors } from '../../src/contracts/factors';
import type { ScoreRecordResult, SettingsResult } from '../../src/contracts/functions';
import { runToCompletion } from '../../src/pipeline';
import { adminCredential } from '../../src/server/auth';
import type { AppDeps } from '../../src/server/compose';
import {
  allContacts,
  depsFor,
  listenLocal,
  PORTAL,
  sdk,
  signedPost,
  startPortal,
  tempDb,
  TOKEN,
  type Emulator,
  writesOf,
} from './helpers';

const SECRET = 'test-client-secret';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef-xyz';
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the LeadLens server against the emulator', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;
  let flush: () => Promise<void>;
  const dbFile = tempDb('server');

  beforeAll(async () => {
    emu = await startPortal(900, 'server');
    deps = await depsFor(emu.url, dbFile, Date.now() + 3_600_000);
    expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
    ({ server, base, flush } = await listenLocal(deps, {
      clientSecret: SECRET,
      webhookBatchWindowMs: 50,
      admin: adminCredential(ADMIN_TOKEN, 'test'),
    }));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  const call = async <T>(
    name: string,
    parameters: unknown,
  ): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}/functions/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asAdmin },
      body: JSON.stringify({ parameters }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  it('suggests thresholds and saving them re-tiers without retraining, writing only the tiers that changed', async () => {
    const got = await call<SettingsResult>('settings', { action: 'get' });
    expect(got.status).toBe(200);
    expect(got.body.model?.version).toBe(1);
    const suggested = await call<SettingsResult>('settings', {
      action: 'suggest',
      request: { method: 'capacity', leadsPerWeek: 15, tierCount: 3 },
    });
    const tiers = suggested.body.suggestion!.tiers;
    expect(tiers).toHaveLength(3);

    const before = { ...(await writesOf(emu.url)), ...(await writesOf(emu.url, 'leads')) };
    const saved = await call<SettingsResult>('settings', {
      action: 'save',
      settings: { ...got.body.settings, tiers },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.retiered).toBeGreaterThan(0);
    expect(saved.body.writeback).toEqual({ status: 'done', written: saved.body.retiered });
    expect(await deps.store.listModels()).toHaveLength(1); // no retraining

    // Contacts and lead records (their ids do not overlap) both carry the tier.
    const after = { ...(await writesOf(emu.url)), ...(await writesOf(emu.url, 'leads')) };
    const newWrites = Object.entries(after).flatMap(([id, sets]) =>
      sets.slice(before[id]?.length ?? 0).map((s) => ({ id, keys: Object.keys(s) })),
    );
    expect(newWrites).toHaveLength(saved.body.retiered!);
    for (const w of newWrites) expect(w.keys).toEqual(['leadlens_tier']);

    const invalid = await call<{ error: { code: string; message: string } }>('settings', {
      action: 'save',
      settings: { ...got.body.settings, tiers: [tiers[1], tiers[0], tiers[2]] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('INPUT_INVALID');

    // The schedule workers follow: saved as given, and refused when it means nothing.
    expect(got.body.settings.schedule).toEqual({
      enabled: true,
      cron: '0 * * * *',
      timezone: 'UTC',
    });
    const weekdays = { enabled: true, cron: '30 6 * * 1-5', timezone: 'Europe/Berlin' };
    const rescheduled = await call<SettingsResult>('settings', {
      action: 'save',
      settings: { ...saved.body.settings, schedule: weekdays },
    });
    expect(rescheduled.status).toBe(200);
    expect((await deps.store.getSettings()).schedule).toEqual(weekdays);
    for (const schedule of [
      { ...weekdays, cron: '61 * * * *' },
      { ...weekdays, timezone: 'Mars/Olympus_Mons' },
    ]) {
      const bad = await call<{ error: { code: string; message: string } }>('settings', {
        action: 'save',
        settings: { ...saved.body.settings, schedule },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INPUT_INVALID');
      expect(bad.body.error.message).toContain('cannot be read');
    }
    expect((await deps.store.getSettings()).schedule).toEqual(weekdays);
  });

  it('score-record refreshes one contact and feedback lands in the model report', async () => {
    const contacts = await allContacts(emu.url, ['leadlens_score', 'lifecyclestage']);
    const target = contacts.find((c) => c.properties.leadlens_score !== null)!;
    const res = await call<ScoreRecordResult>('score-record', {
      objectType: 'contact',
      objectId: target.id,
    });
    expect(res.status).toBe(200);
    expect(res.body.card.score).toBe(Number(target.properties.leadlens_score));
    expect(res.body.card.factors?.top.length).toBeGreaterThan(0);
    expect(res.body.written).toBe(false);

    const missing = await call<{ error: { code: string } }>('score-record', {
      objectType: 'contact',
      objectId: 'abc',
    });
    expect(missing.status).toBe(400);

    const fb = await call<{ id: number }>('feedback', {
      objectType: 'contact',
      objectId: target.id,
      kind: 'too_high',
      comment: 'Student, not a buyer',
    });
    expect(fb.status).toBe(200);
    const report = await (await fetch(`${base}/report`, { headers: asAdmin })).text();
    expect(report).toContain('Student, not a buyer');
  });

  it('a signed webhook burst rescores the contact once; forged and own-property events do nothing', async () => {
    const contacts = await allContacts(emu.url, ['leadlens_score', 'lifecyclestage']);
    const target = contacts
      .filter((c) => c.properties.leadlens_score !== null)
      .sort((a, b) => Number(a.properties.leadlens_score) - Number(b.properties.leadlens_score))[0];
    await sdk(emu.url).crm.contacts.basicApi.update(target.id, {
      properties: { pricing_page_views: '30', demo_requested: 'true' },
    });
    const events = [1, 2, 3].map((n) => ({
      eventId: 9000 + n,
      subscriptionId: 1,
      portalId: Number(PORTAL),
      appId: 1,
      occurredAt: Date.now(),
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: Number(target.id),
      propertyName: n === 3 ? 'leadlens_score' : 'pricing_page_views',
      propertyValue: '30',
      changeSource: 'CRM',
    }));
    const post = (body: string, signature?: string, timestamp = Date.now()) =>
      signedPost(`${base}/webhooks/hubspot`, body, SECRET, { signature, timestamp });
    const body = JSON.stringify(events);
    expect((await post(body, 'forged')).status).toBe(401);
    expect((await post(body, undefined, Date.now() - 6 * 60_000)).status).toBe(401);
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200); // a replay: de-duplicated by eventId
    await flush();
    const after = await allContacts(emu.url, ['leadlens_score', 'leadlens_score_change']);
    const now = after.find((c) => c.id === target.id)!;
    expect(Number(now.properties.leadlens_score)).toBeGreaterThan(
      Number(target.properties.leadlens_score),
    );
    const writes = (await writesOf(emu.url))[target.id];
    expect(writes.filter((w) => 'leadlens_score' in w)).toHaveLength(2); // the run, then one rescore
  });

  it('a HubSpot function (functions/settings.ts) runs with its secrets from the environment', async () => {
    const saved = { ...process.env };
    process.env.PRIVATE_APP_ACCESS_TOKEN = TOKEN;
    process.env.HUBSPOT_BASE_PATH = emu.url;
    process.env.LEADLENS_DB = dbFile;
    // The function's data is its portal's: without the portal id it would read another one.
    process.env.HUBSPOT_PORTAL_ID = PORTAL;
    delete process.env.DATABASE_URL;
    try {
      const { main } = await import('../../functions/settings');
      const result = (await main({ parameters: { action: 'get' } })) as SettingsResult;
      expect(result.model?.version).toBe(1);
      // A failed call is the function's result, with the code and the hint the card shows,
      // and one line in HubSpot's function log.
      const log = jest.spyOn(console, 'error').mockImplementation(() => {});
      await expect(main({ parameters: { action: 'nope' } })).resolves.toMatchObject({
        error: { code: 'INPUT_INVALID', hint: expect.stringMatching(/parameters/) },
      });
      expect(log).toHaveBeenCalledWith(
        expect.stringMatching(/^settings failed: .*\[INPUT_INVALID\]$/),
      );
      log.mockRestore();
    } finally {
      process.env = saved;
    }
  });

  const workflow = async (objectId: number) => {
    const rawBody = JSON.stringify({
      callbackId: 'ap-1',
      origin: { portalId: Number(PORTAL), actionDefinitionId: 1, actionDefinitionVersion: 1 },
      context: { source: 'WORKFLOWS', workflowId: 1 },
      object: { objectId, objectType: 'CONTACT' },
      inputFields: {},
    });
    const res = await signedPost(`${base}/workflow-actions/lead-score`, rawBody, SECRET);
    expect(res.status).toBe(200);
    return ((await res.json()) as { outputFields: Record<string, unknown> }).outputFields;
  };

  it('the workflow action answers a signed request with score, tier and top reason', async () => {
    const row = (await deps.store.listScores('contact', { afterId: null, limit: 1 }))[0];
    const out = await workflow(Number(row.id));
    expect(out.score).toBe(row.score);
    expect(out.hs_execution_state).toBe('SUCCESS');
    expect(out.top_reason).toBe(parseFactors(row.factors)!.top[0].reason);
    // The admin's label of the tier, as the settings name it now.
    const tiers = (await deps.store.getSettings()).tiers;
    expect(out.tier).toBe(row.tier);
    expect(out.tier_label).toBe(tiers.find((t) => t.value === row.tier)!.label);
  });

  it('the workflow action scores a contact created after the last run (through the one scorer) and writes it', async () => {
    const created = await sdk(emu.url).crm.contacts.basicApi.create({
      properties: { email: 'new.lead@example.org', lifecyclestage: 'lead', jobtitle: 'CTO' },
      associations: [],
    });
    expect(await deps.store.getScore('contact', created.id)).toBeNull();
    const out = await workflow(Number(created.id));
    expect(out.hs_execution_state).toBe('SUCCESS');
    expect(typeof out.score).toBe('number');
    const stored = (await deps.store.getScore('contact', created.id))!;
    expect(out.score).toBe(stored.score);
    const [now] = (await allContacts(emu.url, ['leadlens_score'])).filter(
      (c) => c.id === created.id,
    );
    expect(now.properties.leadlens_score).toBe(String(stored.score));
  });
});
