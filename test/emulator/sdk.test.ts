/** The emulator as the real @hubspot/api-client sees it: paging, batches, search, limits, auth. */
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { type SdkError as ApiError, failure } from './sdk-calls';

describe('HubSpot emulator through @hubspot/api-client', () => {
  let emu: HubSpotEmulator;
  let client: Client;
  const post = (path: string, body: unknown) =>
    fetch(`${emu.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      contacts: 5000,
      rateLimit: { tenSecondly: null, secondly: 5, daily: null },
      extraTokens: { 'contacts-only': ['crm.objects.contacts.read'] },
      expiredTokens: ['old-token'],
    });
    client = new Client({
      accessToken: 'local-dev-token',
      basePath: emu.url,
      numberOfApiCallRetries: 0,
    });
  });
  afterAll(() => emu.close());

  test('pages through all 5,000 demo contacts with repeated properties and a stable order', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after, [
        'email',
        'lifecyclestage',
      ]);
      for (const r of page.results) {
        ids.push(r.id);
        expect(r.createdAt).toBeInstanceOf(Date);
        expect(Object.keys(r.properties).sort()).toEqual(['email', 'lifecyclestage']);
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(ids).toHaveLength(5000);
    expect(new Set(ids).size).toBe(5000);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
  });

  test('batch read: 207 with OBJECT_NOT_FOUND for unknown ids; 400 on 101 inputs', async () => {
    const first = (await client.crm.contacts.basicApi.getPage(2)).results.map((r) => ({
      id: r.id,
    }));
    const partial = await client.crm.contacts.batchApi.read({
      inputs: [...first, { id: '999999999' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(partial.results).toHaveLength(2);
    expect('numErrors' in partial && partial.numErrors).toBe(1);
    const errors = 'errors' in partial ? (partial.errors ?? []) : [];
    expect(errors[0].category).toBe('OBJECT_NOT_FOUND');
    expect(errors[0].context.ids).toEqual(['999999999']);
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ id: String(100001 + i) }));
    const err = await failure(
      client.crm.contacts.batchApi.read({
        inputs: tooMany,
        properties: [],
        propertiesWithHistory: [],
      }),
    );
    expect(err.code).toBe(400);
    expect(err.body.category).toBe('VALIDATION_ERROR');
  });

  test('search: typed datetime compare on lastmodifieddate, one sort, total, numeric after, 10,000 cap', async () => {
    const cutoff = Date.parse('2026-10-01T00:00:00.000Z');
    const req = {
      filterGroups: [
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'GT' as never, value: String(cutoff) },
          ],
        },
      ],
      sorts: ['lastmodifieddate'],
      properties: ['email', 'lastmodifieddate'],
      limit: 200,
      after: '0',
    };
    const first = await client.crm.contacts.searchApi.doSearch(req);
    expect(first.total).toBeGreaterThan(0);
    const stamps = first.results.map((r) => Date.parse(r.properties.lastmodifieddate!));
    expect(stamps.every((t) => t > cutoff)).toBe(true);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    if (first.total > 200) expect(first.paging?.next?.after).toBe('200');
    const lt = await client.crm.contacts.searchApi.doSearch({
      ...req,
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'lastmodifieddate',
              operator: 'LTE' as never,
              value: new Date(cutoff).toISOString(),
            },
          ],
        },
      ],
      limit: 1,
    });
    expect(first.total + lt.total).toBe(5000);
    const orGroups = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'customer' }],
        },
        {
          filters: [
            { propertyName: 'hs_analytics_num_page_views', operator: 'GTE' as never, value: '40' },
            { propertyName: 'demo_requested', operator: 'EQ' as never, value: 'true' },
          ],
        },
      ],
      limit: 1,
      after: '0',
      properties: [],
      sorts: [],
    });
    const customers = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'customer' }],
        },
      ],
      limit: 1,
      after: '0',
      properties: [],
      sorts: [],
    });
    expect(orGroups.total).toBeGreaterThan(customers.total);
    await new Promise((r) => setTimeout(r, 1100)); // stay clear of the 5/s search limit
    const past = await failure(
      client.crm.contacts.searchApi.doSearch({
        limit: 100,
        after: '10000',
        filterGroups: [],
        properties: [],
        sorts: [],
      }),
    );
    expect(past.code).toBe(400);
  });

  test('429: the secondly search limit answers the body the SDK retries on, and the retry gets through', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const noRetry = new Client({ accessToken: 'local-dev-token', basePath: emu.url });
    const results = await Promise.allSettled(
      Array.from({ length: 7 }, () =>
        noRetry.crm.contacts.searchApi.doSearch({
          limit: 1,
          after: '0',
          filterGroups: [],
          properties: [],
          sorts: [],
        }),
      ),
    );
    const rejected = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason as ApiError);
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    expect(rejected[0].code).toBe(429);
    expect(rejected[0].body.message).toBe('You have reached your secondly limit.');
    // Search answers carry none of the X-HubSpot-RateLimit-* headers (CRM search guide).
    expect(
      Object.keys(rejected[0].headers).filter((h) => h.startsWith('x-hubspot-ratelimit')),
    ).toEqual([]);
    expect(rejected[0].headers['x-hubspot-correlation-id']).toBe(
      (rejected[0].body as { correlationId?: string }).correlationId,
    );

    await post('/__emulator/faults', { failNextN: 1, failWith: 'SECONDLY' });
    const retrying = new Client({
      accessToken: 'local-dev-token',
      basePath: emu.url,
      numberOfApiCallRetries: 2,
    });
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const page = await retrying.crm.contacts.basicApi.getPage(1);
    spy.mockRestore();
    expect(page.results).toHaveLength(1);
    const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as {
      byRoute: Record<string, Record<string, number>>;
    };
    expect(stats.byRoute['GET /crm/v3/objects/:objectType']['429']).toBe(1);
  });

  test('ten-secondly limit: X-HubSpot-RateLimit headers and the TEN_SECONDLY_ROLLING body', async () => {
    const small = await startHubSpotEmulator({ contacts: 0, rateLimit: { tenSecondly: 3 } });
    try {
      const c = new Client({ accessToken: 'local-dev-token', basePath: small.url });
      const ok = await c.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts' });
      expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
      expect(ok.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      await c.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts' });
      await c.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts' });
      const limited = await c.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts' });
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { policyName: string }).policyName).toBe(
        'TEN_SECONDLY_ROLLING',
      );
    } finally {
      await small.close();
    }
  });

  test('auth: unknown token, expired token, missing scopes', async () => {
    const unknown = await failure(
      new Client({ accessToken: 'nope', basePath: emu.url }).crm.contacts.basicApi.getPage(1),
    );
    expect([unknown.code, unknown.body.category]).toEqual([401, 'INVALID_AUTHENTICATION']);
    const expired = await failure(
      new Client({ accessToken: 'old-token', basePath: emu.url }).crm.contacts.basicApi.getPage(1),
    );
    expect([expired.code, expired.body.category]).toEqual([401, 'EXPIRED_AUTHENTICATION']);
    const scoped = new Client({ accessToken: 'contacts-only', basePath: emu.url });
    await expect(scoped.crm.contacts.basicApi.getPage(1)).resolves.toBeDefined();
    const denied = await failure(
      scoped.crm.contacts.basicApi.update('100001', { properties: { jobtitle: 'x' } }),
    );
    expect(denied.code).toBe(403);
    expect(denied.body.errors?.[0].context?.requiredGranularScopes).toEqual([
      'crm.objects.contacts.write',
    ]);
  });

  test('property history: every write appends, newest first, with timestamps and source', async () => {
    const id = '100010';
    const before = await client.crm.contacts.basicApi.getById(
      id,
      ['lifecyclestage'],
      ['hs_analytics_num_visits'],
    );
    const visits = before.propertiesWithHistory!.hs_analytics_num_visits;
    const times = visits.map((v) => v.timestamp.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(visits.map((v) => Number(v.value))).toEqual(
      [...visits.map((v) => Number(v.value))].sort((a, b) => b - a),
    );
    const t0 = Date.now();
    await client.crm.contacts.basicApi.update(id, { properties: { hs_lead_status: 'OPEN' } });
    await client.crm.contacts.basicApi.update(id, { properties: { hs_lead_status: 'CONNECTED' } });
    await client.crm.contacts.basicApi.update(id, { properties: { hs_lead_status: 'CONNECTED' } });
    const after = await client.crm.contacts.batchApi.read({
      inputs: [{ id }],
      properties: ['hs_lead_status'],
      propertiesWithHistory: ['hs_lead_status'],
    });
    const hist = after.results[0].propertiesWithHistory!.hs_lead_status;
    expect(hist.slice(0, 3).map((v) => v.value)).toEqual(['CONNECTED', 'CONNECTED', 'OPEN']);
    expect(hist[0].sourceType).toBe('INTEGRATION');
    expect(hist[2].timestamp.getTime()).toBeGreaterThanOrEqual(t0);
    expect(after.results[0].properties.hs_lead_status).toBe('CONNECTED');
    const writes = (await (
      await fetch(`${emu.url}/__emulator/writes?objectType=contacts`)
    ).json()) as { writes: Record<string, Array<Record<string, string>>> };
    expect(writes.writes[id]).toEqual([
      { hs_lead_status: 'OPEN' },
      { hs_lead_status: 'CONNECTED' },
      { hs_lead_status: 'CONNECTED' },
    ]);
  });

  test('writes are validated: enum options, read-only hs_*, numbers, unknown properties', async () => {
    const bad = async (properties: Record<string, string>) =>
      failure(client.crm.contacts.basicApi.update('100011', { properties }));
    const enumErr = await bad({ lifecyclestage: 'prospect' });
    expect(enumErr.code).toBe(400);
    expect(enumErr.body.message).toMatch(/lifecyclestage/);
    expect(enumErr.body.message).toMatch(/allowed options: \[subscriber, lead/);
    expect((await bad({ hs_analytics_num_visits: '3' })).body.message).toMatch(/READ_ONLY_VALUE/);
    expect((await bad({ hs_predictivecontactscore_v2: '3' })).code).toBe(400);
    expect((await bad({ pricing_page_views: 'many' })).body.message).toMatch(/not a valid number/);
    expect((await bad({ no_such_property: 'x' })).body.message).toMatch(/PROPERTY_DOESNT_EXIST/);
  });

  test('properties API: create 201, duplicate 409, type/fieldType pairs, then usable on records', async () => {
    await client.crm.properties.groupsApi.create('contacts', {
      name: 'leadlens_test',
      label: 'LeadLens test',
    });
    const created = await client.crm.properties.coreApi.create('contacts', {
      name: 'leadlens_tier_test',
      label: 'Tier',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'leadlens_test',
      options: [
        { label: 'Hot', value: 'hot', displayOrder: 0, hidden: false },
        { label: 'Cold', value: 'cold', displayOrder: 1, hidden: false },
      ],
    });
    expect(created.name).toBe('leadlens_tier_test');
    const dup = await failure(
      client.crm.properties.coreApi.create('contacts', {
        name: 'leadlens_tier_test',
        label: 'x',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'leadlens_test',
      }),
    );
    expect(dup.code).toBe(409);
    const pair = await failure(
      client.crm.properties.coreApi.create('contacts', {
        name: 'leadlens_bad',
        label: 'x',
        type: 'number' as never,
        fieldType: 'select' as never,
        groupName: 'leadlens_test',
      }),
    );
    expect(pair.code).toBe(400);
    await client.crm.contacts.basicApi.update('100012', {
      properties: { leadlens_tier_test: 'hot' },
    });
    expect(
      (
        await failure(
          client.crm.contacts.basicApi.update('100012', {
            properties: { leadlens_tier_test: 'warm' },
          }),
        )
      ).code,
    ).toBe(400);
  });

  test('deals derive hs_is_closed(_won) from the stage; leads need a name and a contact', async () => {
    const deal = await client.crm.deals.basicApi.create({
      properties: { dealname: 'Test', dealstage: 'contractsent', pipeline: 'default' },
      associations: [],
    });
    const won = await client.crm.deals.basicApi.update(deal.id, {
      properties: { dealstage: 'closedwon' },
    });
    expect(won.properties.dealstage).toBe('closedwon');
    const read = await client.crm.deals.basicApi.getById(deal.id, [
      'hs_is_closed',
      'hs_is_closed_won',
    ]);
    expect([read.properties.hs_is_closed, read.properties.hs_is_closed_won]).toEqual([
      'true',
      'true',
    ]);
    const noContact = await failure(
      client.crm.objects.basicApi.create('0-136', {
        properties: { hs_lead_name: 'X' },
        associations: [],
      }),
    );
    expect(noContact.code).toBe(400);
    const lead = await client.crm.objects.basicApi.create('leads', {
      properties: { hs_lead_name: 'Ava Smith' },
      associations: [
        {
          to: { id: '100013' },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 578 }],
        },
      ],
    });
    const assoc = await client.crm.associations.v4.basicApi.getPage('leads', lead.id, 'contacts');
    expect(assoc.results[0].toObjectId).toBe('100013');
  });
});
