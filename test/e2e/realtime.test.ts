/**
 * What HubSpot drives, end to end, with every limit on: the emulator delivers webhooks to the
 * LeadLens server (started in-process on 127.0.0.1) and runs workflows that call the LeadLens
 * workflow action.
 * - A property change made through the API reaches the server by the emulator's own delivery,
 *   the contact is rescored and the new score written back; LeadLens's own writes come back
 *   as events too and change nothing (no loop).
 * - A delivery whose answer was lost is retried; the duplicate changes nothing.
 * - Contacts enrolled by the write of `leadlens_tier` branch by the tier the pipeline wrote;
 *   contacts enrolled in a workflow with the LeadLens custom action branch by its output.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { Client } from '@hubspot/api-client';
import {
  DEFAULT_WEBHOOK_PROPERTIES,
  WEBHOOK_PATH,
  webhooksComponent,
} from '../../scripts/build-hubspot';
import { startHubSpotEmulator, type Enrollment } from '../../emulator/hubspot';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { runToCompletion } from '../../src/pipeline';
import { createServer } from '../../src/server/app';
import { adminCredential } from '../../src/server/auth';
import type { AppDeps } from '../../src/server/compose';
import { allContacts, depsFor, tempDb, TOKEN, type Emulator, writesOf } from './helpers';

const SECRET = 'realtime-client-secret';
const ROOT = path.resolve(__dirname, '../..');
const readJson = (p: string) =>
  JSON.parse(readFileSync(path.join(ROOT, p), 'utf8')) as Record<string, unknown>;
const TIER_LABEL = Object.fromEntries(DEFAULT_SETTINGS.tiers.map((t) => [t.value, t.label]));

async function until(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function control(url: string, p: string, body: unknown) {
  const res = await fetch(`${url}/__emulator${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('HubSpot drives LeadLens: webhooks and workflows (every limit on)', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;
  let tierWorkflow: number;

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      clientSecret: SECRET,
      seed: 'realtime',
      contacts: 900,
      // HubSpot's own limits; webhook retries on a 1/2000 time scale.
      rateLimit: { tenSecondly: 190, secondly: 5, daily: 1_000_000 },
      webhooks: { timeScale: 0.0005, batchDelayMs: 100, timeoutMs: 5000 },
      workflows: { timeScale: 0.0005 },
    });
    deps = await depsFor(emu.url, tempDb('realtime'), Date.now() + 3_600_000);
    // Contacts enrol when LeadLens writes their tier; the workflow branches on it.
    tierWorkflow = (
      await control(emu.url, '/workflows', {
        name: 'Route by LeadLens tier',
        enrollOnPropertyChange: ['leadlens_tier'],
        steps: [
          {
            id: 'by-tier',
            type: 'BRANCH',
            on: { property: 'leadlens_tier' },
            branches: TIER_LABEL,
            defaultBranch: 'no tier',
          },
        ],
      })
    ).id as number;
    expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
    const { app } = createServer(deps, {
      clientSecret: SECRET,
      webhookBatchWindowMs: 100,
      admin: adminCredential('realtime-admin-token-0123456789abcdef', 'test'),
    });
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    // The webhooks component as `npm run build:hubspot -- --webhook-properties …` builds it,
    // plus a subscription to LeadLens's own score: its writes come back as events.
    const hooks = webhooksComponent(readJson('app/webhooks/webhooks-hsmeta.json'), WEBHOOK_PATH, [
      ...DEFAULT_WEBHOOK_PROPERTIES,
      'pricing_page_views',
      'demo_requested',
    ]);
    const config = hooks.config as { subscriptions: { legacyCrmObjects: unknown[] } };
    config.subscriptions.legacyCrmObjects.push({
      subscriptionType: 'contact.propertyChange',
      propertyName: 'leadlens_score',
      active: true,
    });
    emu.installWebhooks(emu.defaultApp.appId, hooks, base);
    // Another integration of the portal makes the changes (its own private app).
    await control(emu.url, '/tokens', { token: 'crm-user' });
  }, 180_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  const user = () => new Client({ accessToken: 'crm-user', basePath: emu.url });

  /** LeadLens's writes to a contact (the log also holds the user's own change). */
  const scoreWrites = async (id: string) =>
    ((await writesOf(emu.url))[id] ?? []).filter((w) => 'leadlens_score' in w);

  async function lowestScored() {
    const contacts = await allContacts(emu.url, ['leadlens_score']);
    return contacts
      .filter((c) => c.properties.leadlens_score !== null)
      .sort((a, b) => Number(a.properties.leadlens_score) - Number(b.properties.leadlens_score));
  }

  it('a change made through the API is delivered, rescored and written back; our own write changes nothing more', async () => {
    const [target] = await lowestScored();
    const before = (await scoreWrites(target.id)).length;
    const deliveredBefore = emu.webhooks.deliveries.length;
    await user().crm.contacts.basicApi.update(target.id, {
      properties: { pricing_page_views: '30', demo_requested: 'true' },
    });
    await until(async () => (await scoreWrites(target.id)).length > before);
    await emu.webhooks.idle();
    await new Promise((r) => setTimeout(r, 300)); // a loop would write again by now
    await emu.webhooks.idle();
    const writes = await scoreWrites(target.id);
    expect(writes).toHaveLength(before + 1);
    const written = writes[writes.length - 1];
    expect(Number(written.leadlens_score)).toBeGreaterThan(
      Number(target.properties.leadlens_score),
    );
    expect(Number(written.leadlens_score)).toBe(
      (await deps.store.getScore('contact', target.id))!.score,
    );
    const deliveries = emu.webhooks.deliveries.slice(deliveredBefore);
    expect(deliveries.every((d) => d.ok)).toBe(true);
    const events = deliveries.flatMap((d) => d.eventIds).length;
    // Two property changes from the user, then the score change LeadLens wrote itself.
    expect(events).toBeGreaterThanOrEqual(3);
  });

  it('a delivery whose answer was lost is retried with attemptNumber 1, and the duplicate changes nothing', async () => {
    const [, target] = await lowestScored();
    const before = (await scoreWrites(target.id)).length;
    const deliveredBefore = emu.webhooks.deliveries.length;
    await control(emu.url, '/webhooks/faults', { failNext: 1, mode: 'lose-response' });
    await user().crm.contacts.basicApi.update(target.id, {
      properties: { pricing_page_views: '25', demo_requested: 'true' },
    });
    await until(async () =>
      emu.webhooks.deliveries.slice(deliveredBefore).some((d) => d.attemptNumbers.includes(1)),
    );
    await emu.webhooks.idle();
    await new Promise((r) => setTimeout(r, 300));
    await emu.webhooks.idle();
    const deliveries = emu.webhooks.deliveries.slice(deliveredBefore);
    const first = deliveries[0];
    expect(first.ok).toBe(false);
    const retry = deliveries.find((d) => d.attemptNumbers.includes(1))!;
    expect(retry.eventIds).toEqual(first.eventIds);
    expect(retry.ok).toBe(true);
    // Rescored and written once, although the server received the events twice.
    expect(await scoreWrites(target.id)).toHaveLength(before + 1);
  });

  it('contacts enrolled by the tier write branch by the tier the pipeline wrote', async () => {
    const res = await fetch(`${emu.url}/__emulator/workflows/${tierWorkflow}/enrollments`);
    const { results, byBranch } = (await res.json()) as {
      results: Enrollment[];
      byBranch: Record<string, number>;
    };
    const tiers = new Map(
      (await allContacts(emu.url, ['leadlens_tier'])).map((c) => [
        c.id,
        c.properties.leadlens_tier,
      ]),
    );
    const scored = [...tiers.values()].filter((t) => t !== null).length;
    expect(results.length).toBe(scored);
    expect(Object.keys(byBranch).sort()).toEqual(
      [...new Set([...tiers.values()].filter((t) => t !== null).map((t) => TIER_LABEL[t!]))].sort(),
    );
    for (const e of results) {
      // Enrolled when the pipeline wrote the tier; a later rescore does not re-enrol.
      expect(e.status).toBe('COMPLETED');
      expect(e.branch).toBe(TIER_LABEL[e.steps[0].value!]);
    }
  });

  it('contacts in a workflow with the LeadLens action branch by its output fields', async () => {
    const def = await control(emu.url, `/apps/${emu.defaultApp.appId}/components`, {
      component: readJson('app/workflow-actions/lead-score-action-hsmeta.json'),
      baseUrl: base,
    });
    const w = await control(emu.url, '/workflows', {
      name: 'LeadLens action',
      steps: [
        { id: 'score', type: 'CUSTOM_ACTION', actionDefinitionId: def.actionDefinitionId },
        {
          id: 'route',
          type: 'BRANCH',
          on: { stepId: 'score', outputField: 'tier' },
          branches: TIER_LABEL,
          defaultBranch: 'not scored',
        },
      ],
    });
    const all = await allContacts(emu.url, ['leadlens_tier', 'lifecyclestage']);
    const picked = [
      ...all.filter((c) => c.properties.leadlens_tier !== null).slice(0, 12),
      ...all.filter((c) => c.properties.lifecyclestage === 'customer').slice(0, 3),
    ];
    await control(emu.url, `/workflows/${w.id}/enroll`, { objectIds: picked.map((c) => c.id) });
    await emu.workflows.idle();
    const res = await fetch(`${emu.url}/__emulator/workflows/${w.id}/enrollments`);
    const { results } = (await res.json()) as { results: Enrollment[] };
    expect(results).toHaveLength(picked.length);
    for (const e of results) {
      const row = await deps.store.getScore('contact', String(e.objectId));
      const action = e.steps[0];
      if (row) {
        expect(action.status).toBe('SUCCESS');
        expect(action.outputFields).toMatchObject({ score: row.score, tier: row.tier });
        expect(e.branch).toBe(TIER_LABEL[row.tier]);
      } else {
        // Customers are not scored: the action answers FAIL_CONTINUE, the default branch runs.
        expect(action.status).toBe('FAIL_CONTINUE');
        expect(e.branch).toBe('not scored');
      }
    }
  });
});
