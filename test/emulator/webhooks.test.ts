/**
 * Ledger rows on webhook delivery: subscriptions from a project component, payloads, batches
 * of ≤ 100 with bounded concurrency, v1 + v3 signatures, retries on failure/timeout with a
 * growing attemptNumber on the documented-in-spirit schedule (scaled), at-least-once
 * duplicates, events for the app's own writes, and silence after uninstall. The receiver is a
 * plain HTTP server that records what arrives and checks signatures with LeadLens's verifier.
 */
import { Client } from '@hubspot/api-client';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RETRY_MINUTES,
  startHubSpotEmulator,
  type HubSpotEmulator,
  type Notification,
} from '../../emulator/hubspot';
import { verifySignature } from '../../src/server/hubspot-signature';

const TOKEN = 'hooks-token';
const SECRET = 'hooks-client-secret';
const SCALE = 0.0005; // one minute of HubSpot's schedule = 30 ms
const TIMEOUT = 1500;

interface Received {
  at: number;
  body: Notification[];
  headers: http.IncomingHttpHeaders;
  url: string;
}

async function receiver(answer: (n: number) => number | 'hang' = () => 200) {
  const got: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      got.push({
        at: Date.now(),
        body: JSON.parse(raw) as Notification[],
        headers: req.headers,
        url: req.url ?? '',
      });
      (got[got.length - 1] as Received & { raw: string }).raw = raw;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const a = answer(got.length);
      if (a === 'hang') return; // never answers: the sender must time out
      setTimeout(() => {
        inFlight--;
        res.writeHead(a).end();
      }, 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    got,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const component = (subscriptions: Record<string, unknown>, maxConcurrentRequests = 10) => ({
  uid: 'hooks',
  type: 'webhooks',
  config: {
    settings: { targetUrl: '/webhooks/hubspot', maxConcurrentRequests },
    subscriptions: { crmObjects: [], legacyCrmObjects: [], hubEvents: [], ...subscriptions },
  },
});

const CONTACT_SUBS = component({
  crmObjects: [
    { subscriptionType: 'object.creation', objectType: 'contact', active: true },
    {
      subscriptionType: 'object.propertyChange',
      objectType: 'contact',
      propertyName: 'jobtitle',
      active: true,
    },
  ],
  legacyCrmObjects: [
    { subscriptionType: 'contact.propertyChange', propertyName: 'hs_lead_status', active: true },
    { subscriptionType: 'contact.deletion', active: true },
    { subscriptionType: 'deal.propertyChange', propertyName: 'dealstage', active: true },
  ],
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('webhook delivery', () => {
  let emu: HubSpotEmulator;
  let client: Client;
  const start = (timeScale = SCALE) =>
    startHubSpotEmulator({
      token: TOKEN,
      clientSecret: SECRET,
      contacts: 300,
      seed: 'hooks',
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      // A generous timeout: a slow answer on a busy machine would be a (correct) retry.
      webhooks: { timeScale, batchDelayMs: 20, timeoutMs: TIMEOUT, seed: 'hooks' },
    });
  beforeEach(async () => {
    emu = await start();
    client = new Client({ accessToken: TOKEN, basePath: emu.url, numberOfApiCallRetries: 0 });
  });
  afterEach(() => emu.close());

  test('[webhook-subscriptions] components are checked as HubSpot checks subscriptions', () => {
    const install = (subs: Record<string, unknown>) =>
      emu.installWebhooks(emu.defaultApp.appId, component(subs), 'http://127.0.0.1:1');
    expect(() =>
      install({ legacyCrmObjects: [{ subscriptionType: 'contact.propertyChange' }] }),
    ).toThrow(/propertyName/);
    expect(() =>
      install({
        legacyCrmObjects: [
          { subscriptionType: 'contact.propertyChange', propertyName: 'hs_lastmodifieddate' },
        ],
      }),
    ).toThrow(/not available/);
    expect(() => install({ legacyCrmObjects: [{ subscriptionType: 'contact.smile' }] })).toThrow(
      /Unknown/,
    );
    expect(() =>
      install({
        legacyCrmObjects: Array.from({ length: 1001 }, (_, i) => ({
          subscriptionType: 'contact.propertyChange',
          propertyName: `p${i}`,
        })),
      }),
    ).toThrow(/maximum number allowed per application \(1000\)/);
    expect(() =>
      emu.installWebhooks(
        emu.defaultApp.appId,
        { ...component({}), config: { settings: { targetUrl: '/x', maxConcurrentRequests: 2 } } },
        'http://127.0.0.1:1',
      ),
    ).toThrow(/at least 5/);
  });

  test('[webhook-payload] API writes, UI edits, creations, deletions and calculated values become the documented payloads, signed v1 and v3', async () => {
    const r = await receiver();
    try {
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      const id = (await client.crm.contacts.basicApi.getPage(1)).results[0].id;
      const t0 = Date.now();
      await client.crm.contacts.basicApi.update(id, {
        properties: { jobtitle: 'CTO', hs_lead_status: 'OPEN', firstname: 'Not subscribed' },
      });
      await fetch(`${emu.url}/__emulator/objects/contacts/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { jobtitle: 'CEO' } }),
      });
      const created = await client.crm.contacts.basicApi.create({
        properties: { email: 'new.person@example.com' },
        associations: [],
      });
      await client.crm.contacts.basicApi.archive(created.id);
      const deal = await client.crm.deals.basicApi.create({
        properties: { dealname: 'D', dealstage: 'contractsent', pipeline: 'default' },
        associations: [],
      });
      await client.crm.deals.basicApi.update(deal.id, { properties: { dealstage: 'closedwon' } });
      await emu.webhooks.idle();
      // Batches are sent concurrently (maxConcurrentRequests), so they may arrive in any order,
      // as HubSpot's do; the order of happening is the event ids'.
      const events = r.got.flatMap((g) => g.body).sort((a, b) => a.eventId - b.eventId);
      const generic = events.find(
        (e) => e.propertyName === 'jobtitle' && e.changeSource === 'INTEGRATION',
      )!;
      expect(generic).toEqual({
        eventId: expect.any(Number),
        subscriptionId: expect.any(Number),
        portalId: 62_515,
        appId: emu.defaultApp.appId,
        occurredAt: expect.any(Number),
        subscriptionType: 'object.propertyChange',
        attemptNumber: 0,
        objectId: Number(id),
        objectTypeId: '0-1',
        propertyName: 'jobtitle',
        propertyValue: 'CTO',
        changeSource: 'INTEGRATION',
        sourceId: 'private-app',
        isSensitive: false,
      });
      expect(generic.occurredAt).toBeGreaterThanOrEqual(t0);
      const legacy = events.find((e) => e.propertyName === 'hs_lead_status')!;
      expect(legacy.subscriptionType).toBe('contact.propertyChange');
      expect(legacy).not.toHaveProperty('objectTypeId');
      expect(events.some((e) => e.propertyName === 'firstname')).toBe(false);
      const ui = events.find((e) => e.propertyValue === 'CEO')!;
      expect([ui.changeSource, ui.sourceId]).toEqual(['CRM_UI', 'userId:1']);
      expect(
        events.filter((e) => e.objectId === Number(created.id)).map((e) => e.subscriptionType),
      ).toEqual(['object.creation', 'contact.deletion']);
      expect(
        events
          .filter((e) => e.subscriptionType === 'deal.propertyChange')
          .map((e) => e.propertyValue),
      ).toEqual(['contractsent', 'closedwon']);
      for (const g of r.got) {
        const raw = (g as Received & { raw: string }).raw;
        const url = r.base + g.url;
        expect(g.headers['x-hubspot-signature-version']).toBe('v1');
        expect(
          verifySignature(
            'v1',
            SECRET,
            { method: 'POST', url, rawBody: raw },
            String(g.headers['x-hubspot-signature']),
            Date.now(),
          ),
        ).toEqual({ ok: true });
        const timestamp = Number(g.headers['x-hubspot-request-timestamp']);
        expect(
          verifySignature(
            'v3',
            SECRET,
            { method: 'POST', url, rawBody: raw, timestamp },
            String(g.headers['x-hubspot-signature-v3']),
            Date.now(),
          ),
        ).toEqual({ ok: true });
      }
    } finally {
      await r.close();
    }
  });

  test('[webhook-batching] at most 100 events a request and maxConcurrentRequests in flight', async () => {
    const r = await receiver();
    try {
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      const ids = (await client.crm.contacts.basicApi.getPage(100)).results.map((c) => c.id);
      for (let round = 0; round < 6; round++)
        await client.crm.contacts.batchApi.update({
          inputs: ids.map((id) => ({ id, properties: { jobtitle: `Title ${round}` } })),
        });
      await emu.webhooks.idle();
      const sizes = r.got.map((g) => g.body.length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
      expect(r.maxInFlight()).toBeLessThanOrEqual(10);
      expect(new Set(r.got.flatMap((g) => g.body.map((e) => e.eventId))).size).toBe(600);
    } finally {
      await r.close();
    }
  });

  test('[webhook-retries] refused connections, errors and timeouts are retried with a growing attemptNumber on the scaled schedule', async () => {
    const answers: Array<number | 'hang'> = [500, 'hang', 404, 200];
    const r = await receiver((n) => answers[n - 1] ?? 200);
    try {
      // First nobody listens (port 1): a refused connection.
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, 'http://127.0.0.1:1');
      const id = (await client.crm.contacts.basicApi.getPage(1)).results[0].id;
      await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Retry me' } });
      await until(() => emu.webhooks.deliveries.length >= 1);
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      await until(() => r.got.length >= 4);
      await emu.webhooks.idle();
      expect(r.got.map((g) => g.body[0].attemptNumber)).toEqual([1, 2, 3, 4]);
      expect(new Set(r.got.map((g) => g.body[0].eventId)).size).toBe(1);
      // Retry n waits RETRY_MINUTES[n-1] minutes ±20 % (scaled); a hang adds the timeout.
      const gaps = r.got.slice(1).map((g, i) => g.at - r.got[i].at);
      RETRY_MINUTES.slice(1, 4).forEach((m, i) => {
        expect(gaps[i]).toBeGreaterThanOrEqual(0.8 * m * 60_000 * SCALE - 5);
      });
      expect(gaps[1]).toBeGreaterThanOrEqual(TIMEOUT);
      const log = (await (await fetch(`${emu.url}/__emulator/webhooks/deliveries`)).json()) as {
        results: Array<{ outcome: number | string; ok: boolean }>;
      };
      expect(log.results.map((d) => d.outcome)).toEqual([
        expect.stringMatching(/^connection-failed/),
        500,
        'timeout',
        404,
        200,
      ]);
    } finally {
      await r.close();
    }
  });

  test('[webhook-give-up] after 10 retries over HubSpot’s (scaled) day the notification is dropped', async () => {
    await emu.close();
    emu = await start(SCALE / 20);
    client = new Client({ accessToken: TOKEN, basePath: emu.url, numberOfApiCallRetries: 0 });
    const r = await receiver(() => 503);
    try {
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      const id = (await client.crm.contacts.basicApi.getPage(1)).results[0].id;
      await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Never' } });
      await until(() => r.got.length >= 11);
      await emu.webhooks.idle();
      expect(r.got.map((g) => g.body[0].attemptNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // The whole schedule fits in HubSpot's 24 hours.
      expect(RETRY_MINUTES.reduce((a, b) => a + b, 0) * 1.2).toBeLessThan(24 * 60);
    } finally {
      await r.close();
    }
  });

  test('[webhook-duplicates] delivery is at least once: a lost answer or a duplicate resends the same eventIds', async () => {
    const r = await receiver();
    try {
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      await fetch(`${emu.url}/__emulator/webhooks/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failNext: 1, mode: 'lose-response' }),
      });
      const id = (await client.crm.contacts.basicApi.getPage(1)).results[0].id;
      await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Twice' } });
      await until(() => r.got.length >= 2);
      await emu.webhooks.idle();
      expect(r.got.map((g) => g.body.map((e) => [e.eventId, e.attemptNumber]))).toEqual([
        [[r.got[0].body[0].eventId, 0]],
        [[r.got[0].body[0].eventId, 1]],
      ]);
      emu.webhooks.faults.duplicateRate = 1;
      await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Again' } });
      await until(() => r.got.length >= 4);
      emu.webhooks.faults.duplicateRate = 0;
      await emu.webhooks.idle();
      expect(r.got[3].body).toEqual(r.got[2].body);
    } finally {
      await r.close();
    }
  });

  test('[webhook-uninstall] an uninstalled app receives nothing more', async () => {
    const r = await receiver();
    try {
      emu.installWebhooks(emu.defaultApp.appId, CONTACT_SUBS, r.base);
      const other = await fetch(`${emu.url}/__emulator/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'someone-else' }),
      });
      expect(other.ok).toBe(true);
      await fetch(`${emu.url}/__emulator/uninstall`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appId: emu.defaultApp.appId }),
      });
      const stranger = new Client({ accessToken: 'someone-else', basePath: emu.url });
      const id = (await stranger.crm.contacts.basicApi.getPage(1)).results[0].id;
      await stranger.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Unheard' } });
      await new Promise((res) => setTimeout(res, 100));
      await emu.webhooks.idle();
      expect(r.got).toHaveLength(0);
    } finally {
      await r.close();
    }
  });
});
