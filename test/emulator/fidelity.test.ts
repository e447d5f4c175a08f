/**
 * The fidelity ledger (docs/hubspot-fidelity.md), row by row, through the real
 * @hubspot/api-client: each test names the ledger row it proves. Webhooks, workflows and OAuth
 * have their own files beside this one.
 */
import { Client } from '@hubspot/api-client';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROUTE_LIMIT_KINDS,
  startHubSpotEmulator,
  type HubSpotEmulator,
} from '../../emulator/hubspot';
import { SPEC_DIR } from './openapi';
import { control, failure } from './sdk-calls';

const TOKEN = 'fidelity-token';
const sdk = (url: string, token = TOKEN) =>
  new Client({ accessToken: token, basePath: url, numberOfApiCallRetries: 0 });

describe('fidelity ledger: reads, batches, search, errors (limits off)', () => {
  let emu: HubSpotEmulator;
  let client: Client;
  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      token: TOKEN,
      seed: 'fidelity',
      contacts: 300,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    client = sdk(emu.url);
  });
  afterAll(() => emu.close());

  test('[list-page] a list page holds at most 100 records; 101 answers 400', async () => {
    expect((await client.crm.contacts.basicApi.getPage(100)).results).toHaveLength(100);
    const err = await failure(client.crm.contacts.basicApi.getPage(101));
    expect([err.code, err.body.category]).toEqual([400, 'VALIDATION_ERROR']);
  });

  test('[list-history] with propertiesWithHistory a list page holds at most 50', async () => {
    const page = await client.crm.contacts.basicApi.getPage(
      50,
      undefined,
      ['email'],
      ['lifecyclestage'],
    );
    expect(page.results).toHaveLength(50);
    expect(page.results[0].propertiesWithHistory?.lifecyclestage?.length).toBeGreaterThan(0);
    const err = await failure(
      client.crm.contacts.basicApi.getPage(51, undefined, ['email'], ['lifecyclestage']),
    );
    expect([err.code, err.body.category]).toEqual([400, 'VALIDATION_ERROR']);
  });

  test('[list-params] comma-separated and repeated property lists, unknown names ignored', async () => {
    const comma = await client.crm.contacts.basicApi.getPage(2, undefined, [
      'email,jobtitle,no_such_property',
    ]);
    const repeated = await client.crm.contacts.basicApi.getPage(2, undefined, [
      'email',
      'jobtitle',
      'no_such_property',
    ]);
    expect(Object.keys(comma.results[0].properties).sort()).toEqual(['email', 'jobtitle']);
    expect(repeated.results.map((r) => r.properties)).toEqual(
      comma.results.map((r) => r.properties),
    );
  });

  test('[batch-history] a batch read with history takes 50 inputs; 51 answers HubSpot’s exact 400', async () => {
    const ids = (await client.crm.contacts.basicApi.getPage(100)).results.map((r) => ({
      id: r.id,
    }));
    const ok = await client.crm.contacts.batchApi.read({
      inputs: ids.slice(0, 50),
      properties: ['email'],
      propertiesWithHistory: ['lifecyclestage'],
    });
    expect(ok.results).toHaveLength(50);
    const noHistory = await client.crm.contacts.batchApi.read({
      inputs: ids,
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(noHistory.results).toHaveLength(100);
    const err = await failure(
      client.crm.contacts.batchApi.read({
        inputs: ids.slice(0, 51),
        properties: ['email'],
        propertiesWithHistory: ['lifecyclestage'],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body).toEqual({
      status: 'error',
      message:
        'The maximum number of inputs supported in a batch request for property histories is 50. Please reduce the number of items and try again',
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      category: 'VALIDATION_ERROR',
    });
  });

  test('[search-body] a search body over 3,000 characters answers 400; limit ≤ 200', async () => {
    const properties = Array.from({ length: 150 }, (_, i) => `property_number_${i}`);
    const long = await failure(
      client.crm.contacts.searchApi.doSearch({ properties, limit: 10, after: '0' } as never),
    );
    expect([long.code, long.body.category]).toEqual([400, 'VALIDATION_ERROR']);
    expect(long.body.message).toMatch(/3000/);
    const over = await failure(
      client.crm.contacts.searchApi.doSearch({ limit: 201, after: '0' } as never),
    );
    expect(over.code).toBe(400);
  });

  test('[search-filters] at most 5 groups, 6 filters a group, 18 in all', async () => {
    const f = { propertyName: 'email', operator: 'HAS_PROPERTY' as never };
    const search = (groups: number, perGroup: number) =>
      client.crm.contacts.searchApi.doSearch({
        filterGroups: Array.from({ length: groups }, () => ({
          filters: Array.from({ length: perGroup }, () => f),
        })),
        limit: 1,
        after: '0',
      } as never);
    await expect(search(3, 6)).resolves.toBeDefined();
    expect((await failure(search(6, 1))).code).toBe(400);
    expect((await failure(search(1, 7))).code).toBe(400);
    expect((await failure(search(4, 5))).code).toBe(400);
  });

  test('[correlation-id] every answer carries X-HubSpot-Correlation-Id; an error body repeats it', async () => {
    const ok = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
    expect(ok.headers.get('x-hubspot-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await client.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts/1' });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { correlationId: string }).correlationId).toBe(
      bad.headers.get('x-hubspot-correlation-id'),
    );
  });

  test('[uri-too-long] a URL past 8 KiB answers 414', async () => {
    const props = Array.from({ length: 400 }, (_, i) => `some_long_property_name_${i}`);
    const res = await client.apiRequest({
      method: 'GET',
      path: `/crm/v3/objects/contacts?limit=1&properties=${props.join(',')}`,
    });
    expect(res.status).toBe(414);
  });

  test('[property-types] every type of the properties spec, each value validated', async () => {
    const spec = JSON.parse(readFileSync(path.join(SPEC_DIR, 'properties.v3.json'), 'utf8')) as {
      components: { schemas: { PropertyCreate: { properties: { type: { enum: string[] } } } } };
    };
    const types = spec.components.schemas.PropertyCreate.properties.type.enum;
    expect(types).toContain('phone_number');
    await client.crm.properties.groupsApi.create('contacts', { name: 'typed', label: 'Typed' });
    const fieldType: Record<string, string> = {
      bool: 'booleancheckbox',
      date: 'date',
      datetime: 'date',
      enumeration: 'select',
      number: 'number',
      phone_number: 'phonenumber',
      string: 'text',
    };
    for (const type of types)
      await client.crm.properties.coreApi.create('contacts', {
        name: `typed_${type}`,
        label: type,
        type: type as never,
        fieldType: fieldType[type] as never,
        groupName: 'typed',
        ...(type === 'enumeration'
          ? { options: [{ label: 'A', value: 'a', displayOrder: 0, hidden: false }] }
          : {}),
      });
    const id = (await client.crm.contacts.basicApi.getPage(1)).results[0].id;
    const good: Record<string, string> = {
      typed_bool: 'true',
      typed_date: '2026-03-01',
      typed_datetime: '2026-03-01T10:00:00.000Z',
      typed_enumeration: 'a',
      typed_number: '12.5',
      typed_phone_number: '+1 (617) 555-0100',
      typed_string: 'text',
    };
    await client.crm.contacts.basicApi.update(id, { properties: good });
    const bad: Record<string, string> = {
      typed_bool: 'yes',
      typed_date: '2026-03-01T10:00:00Z',
      typed_datetime: 'yesterday',
      typed_enumeration: 'b',
      typed_number: 'twelve',
      typed_phone_number: 'call me',
    };
    for (const [name, value] of Object.entries(bad)) {
      const err = await failure(
        client.crm.contacts.basicApi.update(id, { properties: { [name]: value } }),
      );
      expect([name, err.code, err.body.category]).toEqual([name, 400, 'VALIDATION_ERROR']);
    }
    const read = await client.crm.contacts.basicApi.getById(id, Object.keys(good));
    expect(read.properties.typed_phone_number).toBe('+1 (617) 555-0100');
  });

  test('[associations-batch] v4 batch read takes 1000 ids, answers typed shapes and 207 misses', async () => {
    const ids = (await client.crm.contacts.basicApi.getPage(3)).results.map((r) => r.id);
    const res = await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [...ids.map((id) => ({ id })), { id: '999999999' }],
    });
    expect(res.results).toHaveLength(3);
    expect(res.results[0].to[0].associationTypes[0]).toEqual({
      category: 'HUBSPOT_DEFINED',
      typeId: 279,
    });
    expect('numErrors' in res && res.numErrors).toBe(1);
    const tooMany = await client.apiRequest({
      method: 'POST',
      path: '/crm/v4/associations/contacts/companies/batch/read',
      body: { inputs: Array.from({ length: 1001 }, (_, i) => ({ id: String(100001 + i) })) },
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('fidelity ledger: the 10,000-result search cap', () => {
  let emu: HubSpotEmulator;
  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      token: TOKEN,
      seed: 'cap',
      contacts: 10_050,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
  });
  afterAll(() => emu.close());

  test('[search-cap] paging reaches a cursor at 10,000 and following it answers 400', async () => {
    const client = sdk(emu.url);
    const page = await client.crm.contacts.searchApi.doSearch({
      limit: 200,
      after: '9800',
      sorts: ['hs_object_id'],
    } as never);
    expect(page.total).toBe(10_050);
    expect(page.results).toHaveLength(200);
    expect(page.paging?.next?.after).toBe('10000');
    const past = await failure(
      client.crm.contacts.searchApi.doSearch({
        limit: 200,
        after: page.paging!.next!.after,
        sorts: ['hs_object_id'],
      } as never),
    );
    expect([past.code, past.body.category]).toEqual([400, 'VALIDATION_ERROR']);
  });
});

describe('fidelity ledger: rate limits per app and account', () => {
  test('[burst-per-app] every token of an app shares its 10 s budget; another app has its own', async () => {
    const emu = await startHubSpotEmulator({
      token: TOKEN,
      contacts: 5,
      rateLimit: { tenSecondly: 4, secondly: null, daily: null },
    });
    try {
      // A second (rotated) token of the same app, and a different private app.
      await control(emu.url, '/tokens', { token: 'same-app', appId: emu.defaultApp.appId });
      await control(emu.url, '/tokens', { token: 'other-app' });
      const get = (token: string) =>
        sdk(emu.url, token).apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
      const statuses: number[] = [];
      for (const token of [TOKEN, 'same-app', TOKEN, 'same-app', TOKEN, 'same-app'])
        statuses.push((await get(token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const other = await get('other-app');
      expect(other.status).toBe(200);
      expect(other.headers.get('x-hubspot-ratelimit-remaining')).toBe('3');
      const refused = await get(TOKEN);
      expect(((await refused.json()) as { policyName: string }).policyName).toBe(
        'TEN_SECONDLY_ROLLING',
      );
    } finally {
      await emu.close();
    }
  });

  test('[daily-per-account] the daily limit is the account’s, shared by its private apps', async () => {
    const emu = await startHubSpotEmulator({
      token: TOKEN,
      contacts: 5,
      rateLimit: { tenSecondly: null, secondly: null, daily: 3 },
    });
    try {
      await control(emu.url, '/tokens', { token: 'other-app' });
      const get = (token: string) =>
        sdk(emu.url, token).apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
      expect((await get(TOKEN)).headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('2');
      expect((await get('other-app')).headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('1');
      await get(TOKEN);
      const refused = await get('other-app');
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'DAILY',
      });
    } finally {
      await emu.close();
    }
  });

  test('[exemptions] search and v4 association batches never spend the 10 s budget, as the specs mark them', async () => {
    // Every operation the specs exempt from "ten-secondly" that the emulator serves is
    // registered as exempt (or search), and no other is.
    const exempt = new Set<string>();
    for (const file of readdirSync(SPEC_DIR).filter((f) => f.endsWith('.json'))) {
      const spec = JSON.parse(readFileSync(path.join(SPEC_DIR, file), 'utf8')) as {
        paths: Record<string, Record<string, { 'x-hubspot-rate-limit-exemptions'?: string[] }>>;
      };
      for (const [p, item] of Object.entries(spec.paths))
        for (const [m, op] of Object.entries(item))
          if (op?.['x-hubspot-rate-limit-exemptions']?.includes('ten-secondly'))
            exempt.add(`${m.toUpperCase()} ${p}`);
    }
    const emu = await startHubSpotEmulator({
      token: TOKEN,
      contacts: 20,
      rateLimit: { tenSecondly: 2, secondly: null, daily: null },
    });
    try {
      const pattern = (route: string) =>
        new RegExp(`^${route.replace(/:[A-Za-z]+/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [route, kind] of ROUTE_LIMIT_KINDS) {
        const [method, p] = route.split(' ');
        const specExempt = [...exempt].some((e) => {
          const [em, ep] = e.split(' ');
          return em === method && pattern(ep).test(p.replace(/:[A-Za-z]+/g, 'x'));
        });
        expect([route, kind !== 'default']).toEqual([route, specExempt]);
      }
      const client = sdk(emu.url);
      const ids = (await client.crm.contacts.basicApi.getPage(2)).results.map((r) => ({
        id: r.id,
      }));
      await client.crm.contacts.basicApi.getPage(1);
      // The budget of 2 is spent; exempt calls still go through.
      expect((await failure(client.crm.contacts.basicApi.getPage(1))).code).toBe(429);
      for (let i = 0; i < 4; i++) {
        await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
          inputs: ids,
        });
        await client.crm.contacts.searchApi.doSearch({ limit: 1, after: '0' } as never);
      }
    } finally {
      await emu.close();
    }
  });

  test('[headers] burst and daily headers on answers of private apps; none on search; no deprecated secondly headers', async () => {
    const emu = await startHubSpotEmulator({ token: TOKEN, contacts: 5 });
    try {
      const client = sdk(emu.url);
      const ok = await client.apiRequest({
        method: 'GET',
        path: '/crm/v3/objects/contacts?limit=1',
      });
      const h: Record<string, string> = {};
      ok.headers.forEach((v, k) => {
        if (k.startsWith('x-hubspot-ratelimit')) h[k] = v;
      });
      expect(h).toEqual({
        'x-hubspot-ratelimit-interval-milliseconds': '10000',
        'x-hubspot-ratelimit-max': '190',
        'x-hubspot-ratelimit-remaining': '189',
        'x-hubspot-ratelimit-daily': '1000000',
        'x-hubspot-ratelimit-daily-remaining': '999999',
      });
      const search = await client.apiRequest({
        method: 'POST',
        path: '/crm/v3/objects/contacts/search',
        body: { limit: 1, after: '0' },
      });
      const found: string[] = [];
      search.headers.forEach((_v, k) => {
        if (k.startsWith('x-hubspot-ratelimit')) found.push(k);
      });
      expect(found).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  test('[portals] several portals in one process: own hub id, data, tokens and limits', async () => {
    const emu = await startHubSpotEmulator({
      token: TOKEN,
      contacts: 10,
      seed: 'one',
      rateLimit: { tenSecondly: 3, secondly: null, daily: null },
      portals: [
        { hubId: 777, seed: 'two', contacts: 20, tier: 'starter', privateAppToken: 'p2-token' },
      ],
    });
    try {
      const one = sdk(emu.url);
      const two = sdk(emu.url, 'p2-token');
      const ids1 = (await one.crm.contacts.basicApi.getPage(100)).results.map((r) => r.id);
      const page2 = await two.apiRequest({
        method: 'GET',
        path: '/crm/v3/objects/contacts?limit=100',
      });
      expect(page2.headers.get('x-hubspot-ratelimit-max')).toBe('100');
      const ids2 = ((await page2.json()) as { results: Array<{ id: string }> }).results;
      expect([ids1.length, ids2.length]).toEqual([10, 20]);
      await one.crm.contacts.basicApi.update(ids1[0], { properties: { jobtitle: 'Only in one' } });
      const same = await two.crm.contacts.basicApi.getById(ids1[0], ['jobtitle']);
      expect(same.properties.jobtitle).not.toBe('Only in one');
      await one.crm.contacts.basicApi.getPage(1);
      // Portal one's budget of 3 is spent; portal two's is untouched.
      expect((await failure(one.crm.contacts.basicApi.getPage(1))).code).toBe(429);
      await expect(two.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
      const portals = (await (await fetch(`${emu.url}/__emulator/portals`)).json()) as {
        results: Array<{ hubId: number; tier: string }>;
      };
      expect(portals.results.map((p) => [p.hubId, p.tier])).toEqual([
        [62515, 'enterprise'],
        [777, 'starter'],
      ]);
    } finally {
      await emu.close();
    }
  });
});
