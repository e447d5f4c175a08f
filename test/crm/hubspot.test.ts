/**
 * The HubSpot adapter through the real @hubspot/api-client against the local emulator.
 * Nothing is mocked: every call is HTTP to 127.0.0.1.
 */
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { isLeadLensError, LeadLensError } from '../../src/contracts/errors';
import { LEADLENS_PROPERTIES } from '../../src/contracts/properties';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import type { CrmRecord } from '../../src/contracts/records';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@hubspot/api-client';
import { createHubSpotCrm } from '../../src/crm';
import { minimumCalls } from '../../src/crm/hubspot';
import type { CrmPort } from '../../src/crm/port';

const TOKEN = 'test-token';
const CONTACTS = 250;
const OFF = { tenSecondly: null, secondly: null, daily: null };

let emu: HubSpotEmulator;
beforeAll(async () => {
  emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: 'crm-adapter',
    contacts: CONTACTS,
    rateLimit: OFF,
    // The generator's history runs a few weeks past its clock; keep all of it before the
    // wall-clock time of our own writes, which the incremental test relies on.
    now: '2026-01-01T00:00:00.000Z',
    extraTokens: { 'read-only-token': ['crm.objects.contacts.read'] },
  });
});
afterAll(() => emu.close());

const crmFor = (token = TOKEN, extra: Partial<Parameters<typeof createHubSpotCrm>[0]> = {}) =>
  createHubSpotCrm({
    accessToken: token,
    basePath: emu.url,
    retry: { baseDelayMs: 5, random: () => 0.5 },
    ...extra,
  });

async function faults(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}
afterEach(() => faults({}));

async function syncAll(crm: CrmPort, properties: string[]): Promise<CrmRecord[][]> {
  const pages: CrmRecord[][] = [];
  let after: string | null = null;
  do {
    const page = await crm.listContacts({ properties, after });
    pages.push(page.items);
    after = page.next;
  } while (after);
  return pages;
}

async function caught(p: Promise<unknown>): Promise<LeadLensError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LeadLensError) return e;
    throw e;
  }
  throw new Error('expected a LeadLensError');
}

describe('HubSpot adapter: reads', () => {
  it('syncs the whole portal page by page: ⌈N/100⌉ list calls, associations included', async () => {
    const crm = crmFor();
    const pages = await syncAll(crm, ['email', 'lifecyclestage', 'createdate']);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(CONTACTS);
    expect(crm.usage().byKind).toEqual({ 'contacts.list': 3 });
    const withDeals = pages.flat().filter((r) => (r.associations.deal ?? []).length > 0);
    expect(withDeals.length).toBeGreaterThan(0);
    const r = pages[0][0];
    expect(r.objectType).toBe('contact');
    expect(r.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('reads property history oldest first, matching what the portal recorded', async () => {
    const crm = crmFor();
    const page = await crm.listContacts({ properties: ['email'] });
    const ids = page.items.slice(0, 40).map((r) => r.id);
    const props = ['lifecyclestage', 'hs_analytics_num_page_views', 'jobtitle'];
    const records = await crm.readContactHistory([...ids, '99999999'], props);
    expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
    const store = emu.portal.state.stores.contacts;
    let compared = 0;
    for (const rec of records) {
      const truth = store.get(rec.id)!;
      for (const p of props) {
        const expected = store
          .versions(truth, p)
          .slice()
          .reverse()
          .map((v) => ({ value: v.value, t: Math.trunc(v.timestamp) }));
        const got = (rec.history[p] ?? []).map((v) => ({
          value: v.value,
          t: Date.parse(v.timestamp),
        }));
        expect(got).toEqual(expected);
        for (let i = 1; i < got.length; i++) expect(got[i].t).toBeGreaterThanOrEqual(got[i - 1].t);
        compared += got.length;
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(crm.usage().byKind['contacts.batchRead']).toBe(1);
  });

  it('reads history 50 ids a call (HubSpot’s batch limit with history)', async () => {
    const crm = crmFor();
    const ids = (await crm.listContacts({ properties: ['email'] })).items.map((r) => r.id);
    const records = await crm.readContactHistory(ids, ['lifecyclestage']);
    expect(records).toHaveLength(100);
    expect(crm.usage().byKind).toEqual({ 'contacts.list': 1, 'contacts.batchRead': 2 });
  });

  it('a full sync with history reads it on list pages of 50: ⌈N/50⌉ calls, the minimum', async () => {
    const crm = crmFor();
    const props = ['email', 'lifecyclestage', 'hs_analytics_num_page_views'];
    const pages: CrmRecord[][] = [];
    let after: string | null = null;
    do {
      const page = await crm.listContacts({ properties: props, historyProperties: props, after });
      expect(page.historyIncluded).toBe(true);
      pages.push(page.items);
      after = page.next;
    } while (after);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 50, 50, 50]);
    expect(pages.flat().every((r) => (r.history.lifecyclestage ?? []).length > 0)).toBe(true);
    expect(crm.usage().byKind).toEqual({ 'contacts.listWithHistory': 5 });
    const work = { contacts: CONTACTS, deals: 0, leads: 0, contactsWritten: 0, leadsWritten: 0 };
    // One property-metadata call, one empty deal page and one empty lead page besides.
    expect(minimumCalls({ ...work, historyOnListPages: true })).toBe(1 + 5 + 1 + 1);
    expect(minimumCalls({ ...work, historyOnListPages: false })).toBe(1 + 3 + 5 + 1 + 1);
  });

  it('a property list too long for a URL: pages of 100 without history, the pipeline reads it by batch', async () => {
    const crm = crmFor();
    const long = Array.from({ length: 120 }, (_, i) => `a_rather_long_custom_property_name_${i}`);
    const page = await crm.listContacts({
      properties: ['email', ...long],
      historyProperties: ['lifecyclestage', ...long],
    });
    expect(page.historyIncluded).toBeUndefined();
    expect(page.items).toHaveLength(100);
    expect(crm.usage().byKind).toEqual({ 'contacts.list': 1 });
  });

  it('incremental sync of a long property list stays under the 3,000-character search body', async () => {
    const crm = crmFor();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const first = await crm.listContacts({ properties: ['email'] });
    const since = new Date(Date.now() - 1).toISOString();
    const id = first.items[7].id;
    await crm.updateRecords('contact', [{ id, properties: { [LEADLENS_PROPERTIES.score]: '7' } }]);
    const long = Array.from({ length: 120 }, (_, i) => `a_rather_long_custom_property_name_${i}`);
    const page = await crm.listContacts({ properties: ['email', ...long], modifiedSince: since });
    expect(page.items.map((r) => r.id)).toEqual([id]);
    expect(page.items[0].properties.email).toBe(first.items[7].properties.email);
    expect(crm.usage().byKind).toMatchObject({
      'contacts.search': 1,
      'contacts.batchRead': 1,
      'associations.batchRead': 2,
    });
  });

  it('maps deals with their outcome and contacts, and leads with their contact', async () => {
    const crm = crmFor();
    const deals = await crm.listDeals({});
    expect(deals.items.length).toBeGreaterThan(0);
    const won = deals.items.filter((d) => d.isWon);
    expect(won.length).toBeGreaterThan(0);
    for (const d of won) {
      expect(d.isClosed).toBe(true);
      expect(d.closedAt).not.toBeNull();
      expect(d.contactIds.length).toBeGreaterThan(0);
    }
    const leads = await crm.listLeads({ properties: ['hs_lead_name'] });
    expect(leads.items.length).toBeGreaterThan(0);
    expect(
      leads.items.every((l) => l.objectType === 'lead' && l.associations.contact?.length),
    ).toBe(true);
    expect(await crm.getRecord('contact', '99999999', ['email'])).toBeNull();
  });

  it('incremental sync returns only the contacts changed since', async () => {
    const crm = crmFor();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const page = await crm.listContacts({ properties: ['email'] });
    const since = new Date(Date.now() - 1).toISOString();
    const changed = [page.items[3].id, page.items[60].id];
    const res = await crm.updateRecords(
      'contact',
      changed.map((id) => ({ id, properties: { [LEADLENS_PROPERTIES.score]: '42' } })),
    );
    expect(res.written.sort()).toEqual([...changed].sort());
    const got: CrmRecord[] = [];
    let after: string | null = null;
    do {
      const p = await crm.listContacts({ properties: ['email'], after, modifiedSince: since });
      got.push(...p.items);
      after = p.next;
    } while (after);
    expect(got.map((r) => r.id).sort()).toEqual([...changed].sort());
    // Search returns no associations; the adapter fills them in.
    const before = page.items.find((r) => r.id === changed[0])!;
    expect(got.find((r) => r.id === changed[0])!.associations.deal ?? []).toEqual(
      before.associations.deal ?? [],
    );
  });
});

describe('HubSpot adapter: provisioning and writes', () => {
  it('provisions idempotently and follows tier label changes', async () => {
    const crm = crmFor();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const first = (await crm.describeContactProperties()).filter((p) =>
      p.name.startsWith('leadlens_'),
    );
    const creates = crm.usage().byKind['properties.create'] ?? 0;
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const second = (await crm.describeContactProperties()).filter((p) =>
      p.name.startsWith('leadlens_'),
    );
    expect(second).toEqual(first);
    expect(crm.usage().byKind['properties.create'] ?? 0).toBe(creates);
    expect(crm.usage().byKind['properties.update'] ?? 0).toBe(0);
    expect(first.map((p) => p.name).sort()).toEqual(Object.values(LEADLENS_PROPERTIES).sort());
    const tier = first.find((p) => p.name === LEADLENS_PROPERTIES.tier)!;
    expect(tier.type).toBe('enumeration');
    expect(tier.options).toEqual(
      DEFAULT_SETTINGS.tiers.map((t) => ({ value: t.value, label: t.label })),
    );

    const renamed = DEFAULT_SETTINGS.tiers.map((t, i) =>
      i === 0 ? { ...t, label: 'On fire' } : t,
    );
    await crm.provision(renamed);
    const after = (await crm.describeContactProperties()).find(
      (p) => p.name === LEADLENS_PROPERTIES.tier,
    )!;
    expect(after.options?.[0]).toEqual({ value: 'tier_1', label: 'On fire' });
    await crm.provision(DEFAULT_SETTINGS.tiers);
  });

  it('reports a 207 partial write per id and writes the rest', async () => {
    const crm = crmFor();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const ids = (await crm.listContacts({ properties: ['email'] })).items
      .slice(0, 5)
      .map((r) => r.id);
    const res = await crm.updateRecords('contact', [
      ...ids.map((id) => ({ id, properties: { [LEADLENS_PROPERTIES.score]: '61' } })),
      { id: '99999999', properties: { [LEADLENS_PROPERTIES.score]: '61' } },
    ]);
    expect(res.written.sort()).toEqual([...ids].sort());
    expect(res.failed).toEqual([
      expect.objectContaining({ id: '99999999', code: 'OBJECT_NOT_FOUND', retryable: false }),
    ]);
    const rec = await crm.getRecord('contact', ids[0], [LEADLENS_PROPERTIES.score]);
    expect(rec?.properties[LEADLENS_PROPERTIES.score]).toBe('61');
  });

  it('isolates one invalid record of a 400 batch so the others are written', async () => {
    const crm = crmFor();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const ids = (await crm.listContacts({ properties: ['email'] })).items
      .slice(10, 26)
      .map((r) => r.id);
    const bad = ids[9];
    const before = crm.usage().byKind['contacts.batchUpdate'] ?? 0;
    const res = await crm.updateRecords(
      'contact',
      ids.map((id) => ({
        id,
        properties: { [LEADLENS_PROPERTIES.tier]: id === bad ? 'tier_9' : 'tier_2' },
      })),
    );
    expect(res.written.sort()).toEqual(ids.filter((id) => id !== bad).sort());
    expect(res.failed).toEqual([
      expect.objectContaining({ id: bad, code: 'CRM_VALIDATION', retryable: false }),
    ]);
    // 1 batch + 2 probes + bisection of the 14 in the middle: well under one call per record.
    expect((crm.usage().byKind['contacts.batchUpdate'] ?? 0) - before).toBeLessThan(16);
  });

  it('throws one CRM_VALIDATION when the whole batch is invalid', async () => {
    const crm = crmFor();
    const ids = (await crm.listContacts({ properties: ['email'] })).items
      .slice(0, 20)
      .map((r) => r.id);
    const err = await caught(
      crm.updateRecords(
        'contact',
        ids.map((id) => ({ id, properties: { no_such_property_here: '1' } })),
      ),
    );
    expect(err.code).toBe('CRM_VALIDATION');
    expect(crm.usage().byKind['contacts.batchUpdate']).toBe(3);
  });
});

describe('HubSpot adapter: failures', () => {
  it('translates 401 and 403 and never shows the token', async () => {
    const secret = 'pat-na1-not-a-real-token-123456';
    const auth = await caught(crmFor(secret).listContacts({ properties: ['email'] }));
    expect(auth.code).toBe('CRM_AUTH');
    expect(auth.hint).toMatch(/private app token/);
    expect(`${auth.message} ${auth.hint} ${JSON.stringify(auth.details)}`).not.toContain(secret);

    const scopes = await caught(crmFor('read-only-token').provision(DEFAULT_SETTINGS.tiers));
    expect(scopes.code).toBe('CRM_SCOPES');
    expect(scopes.hint).toMatch(/crm\.schemas\.contacts\.write/);
    expect((scopes.details?.requiredGranularScopes as string[]).length).toBeGreaterThan(0);
  });

  it('retries a safe read through 5xx answers', async () => {
    const crm = crmFor();
    await faults({ failNextN: 2, failWith: '503' });
    const page = await crm.listContacts({ properties: ['email'] });
    expect(page.items).toHaveLength(100);
    expect(crm.usage().calls).toBe(3);
  });

  it('survives a 429 storm within the limiter', async () => {
    const log: string[] = [];
    const crm = crmFor(TOKEN, { log: (event) => log.push(event) });
    await faults({ rate429: 0.5 });
    for (let round = 0; round < 3; round++) {
      const pages = await syncAll(crm, ['email']);
      expect(pages.flat()).toHaveLength(CONTACTS);
    }
    const u = crm.usage();
    expect(u.throttled).toBeGreaterThan(0);
    expect(u.calls - u.throttled).toBe(9);
    expect(log.filter((e) => e === 'hubspot.throttled')).toHaveLength(u.throttled);
  });

  it('stops cleanly on the daily limit with the time it can resume', async () => {
    const crm = crmFor();
    await faults({ failNextN: 1, failWith: 'DAILY' });
    const err = await caught(crm.listContacts({ properties: ['email'] }));
    expect(isLeadLensError(err, 'CRM_DAILY_LIMIT')).toBe(true);
    const resumeAt = Date.parse(String(err.details?.resumeAt));
    expect(resumeAt).toBeGreaterThan(Date.now());
    expect(resumeAt - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(new Date(resumeAt).toISOString()).toMatch(/T00:00:00\.000Z$/);
    // Once stopped, nothing more is sent.
    const calls = crm.usage().calls;
    await expect(crm.listContacts({ properties: ['email'] })).rejects.toMatchObject({
      code: 'CRM_DAILY_LIMIT',
    });
    expect(crm.usage().calls).toBe(calls);
  });
});

describe('HubSpot adapter: deadlines and shared budgets', () => {
  it('a hung connection fails in bounded time: the request is aborted and retried once, then CRM_UNAVAILABLE', async () => {
    let opened = 0;
    let closed = 0;
    const hung = http.createServer(() => {
      // Never answers.
    });
    hung.on('connection', (socket) => {
      opened++;
      socket.on('close', () => closed++);
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const crm = createHubSpotCrm({
        accessToken: TOKEN,
        basePath: url,
        timeoutMs: 200,
        retry: { maxAttempts: 2, baseDelayMs: 5, random: () => 0.5 },
      });
      const t0 = Date.now();
      const err = await caught(crm.listContacts({ properties: ['email'] }));
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(err.code).toBe('CRM_UNAVAILABLE');
      expect(err.message).toMatch(/did not answer contacts.list within 0.2 s/);
      expect(crm.usage().calls).toBe(2);
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(opened);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });

  it('two tokens of one app with the same portal key share one budget: together they stay under it', async () => {
    const small = await startHubSpotEmulator({
      token: TOKEN,
      seed: 'budget',
      contacts: 10,
      rateLimit: { tenSecondly: 10, secondly: null, daily: null },
    });
    try {
      await fetch(`${small.url}/__emulator/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'rotated', appId: small.defaultApp.appId }),
      });
      const port = (token: string) =>
        createHubSpotCrm({
          accessToken: token,
          basePath: small.url,
          portalKey: 'hub-62515-shared-test',
          rateLimit: { initialMax: 10 },
        });
      const a = port(TOKEN);
      const b = port('rotated');
      const loop = async (crm: CrmPort) => {
        for (let i = 0; i < 6; i++) await crm.describeContactProperties();
      };
      await Promise.all([loop(a), loop(b)]);
      expect(a.usage().throttled + b.usage().throttled).toBe(0);
      const stats = (await (await fetch(`${small.url}/__emulator/stats`)).json()) as {
        byPortal: Record<string, { tenSecondlyCharged: Record<string, number> }>;
      };
      expect(stats.byPortal['62515'].tenSecondlyCharged[small.defaultApp.appId]).toBe(12);
    } finally {
      await small.close();
    }
  }, 40_000);

  it('what others spend shows in X-HubSpot-RateLimit-Remaining and slows this port down', async () => {
    const small = await startHubSpotEmulator({
      token: TOKEN,
      seed: 'foreign',
      contacts: 10,
      rateLimit: { tenSecondly: 12, secondly: null, daily: null },
    });
    try {
      // Another process of the same app (no shared store) has spent 8 of the 12.
      const other = new Client({ accessToken: TOKEN, basePath: small.url });
      for (let i = 0; i < 8; i++)
        await other.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
      const crm = createHubSpotCrm({
        accessToken: TOKEN,
        basePath: small.url,
        rateLimit: { initialMax: 12 },
      });
      for (let i = 0; i < 6; i++) await crm.describeContactProperties();
      expect(crm.usage().throttled).toBe(0);
    } finally {
      await small.close();
    }
  }, 40_000);
});
