/**
 * Every emulated endpoint's answers, fetched through the real SDK's apiRequest, must satisfy
 * the response schema of that operation in HubSpot's official OpenAPI specs.
 */
import { Client } from '@hubspot/api-client';
import { existsSync } from 'node:fs';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { OpenApiValidator, SPEC_DIR } from './openapi';

const describeIfSpecs = existsSync(SPEC_DIR) ? describe : describe.skip;

describeIfSpecs('emulator responses satisfy the official HubSpot OpenAPI specs', () => {
  let emu: HubSpotEmulator;
  let client: Client;
  const validator = existsSync(SPEC_DIR) ? new OpenApiValidator() : (undefined as never);
  const checked = new Set<string>();

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      contacts: 300,
      seed: 'openapi',
      rateLimit: { tenSecondly: null, secondly: null },
      extraTokens: { 'read-only-token': ['crm.objects.contacts.read'] },
    });
    client = new Client({ accessToken: 'local-dev-token', basePath: emu.url });
  });
  afterAll(() => emu.close());

  async function call(method: string, path: string, body?: unknown, token = 'local-dev-token') {
    const c =
      token === 'local-dev-token' ? client : new Client({ accessToken: token, basePath: emu.url });
    const res = await c.apiRequest({ method, path, body });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    const op = validator.check(method, path, res.status, json);
    checked.add(`${method} ${op.template} ${res.status}`);
    return { status: res.status, body: json as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  test('objects: list, get, create, update, archive, batch, search', async () => {
    const list = await call(
      'GET',
      '/crm/v3/objects/contacts?limit=5&properties=email&properties=jobtitle&propertiesWithHistory=lifecyclestage&associations=companies',
    );
    expect(list.status).toBe(200);
    expect(list.body.results).toHaveLength(5);
    const id = list.body.results[0].id as string;
    await call(
      'GET',
      `/crm/v3/objects/0-1/${id}?properties=email,hs_email_open&associations=deals`,
    );
    await call('GET', `/crm/v3/objects/companies?limit=2`);
    await call('GET', `/crm/v3/objects/deals?limit=2&properties=dealstage,hs_is_closed_won`);
    await call('GET', `/crm/v3/objects/leads?limit=2&associations=contacts`);
    await call('GET', `/crm/v3/objects/0-3?limit=2`);
    expect((await call('GET', '/crm/v3/objects/contacts/1')).status).toBe(404);
    const created = await call('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'spec@example.com', firstname: 'Spec' },
    });
    expect(created.status).toBe(201);
    expect(
      (
        await call('PATCH', `/crm/v3/objects/contacts/${created.body.id}`, {
          properties: { jobtitle: 'CTO' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts', {
          properties: { email: 'spec@example.com' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await call('PATCH', `/crm/v3/objects/contacts/${id}`, {
          properties: { lifecyclestage: 'nope' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/read', {
          inputs: [{ id }],
          properties: ['email'],
          propertiesWithHistory: ['email'],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/read', {
          inputs: [{ id }, { id: '42' }],
          properties: ['email'],
          propertiesWithHistory: [],
        })
      ).status,
    ).toBe(207);
    // propertiesWithHistory is required by the spec: the stricter reading refuses its absence.
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/read', {
          inputs: [{ id }],
          properties: ['email'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/create', {
          inputs: [{ properties: { email: 'b1@example.com' } }],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/update', {
          inputs: [{ id, properties: { jobtitle: 'VP Sales' } }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/update', {
          inputs: [
            { id, properties: { jobtitle: 'VP' } },
            { id: '7', properties: { jobtitle: 'x' } },
          ],
        })
      ).status,
    ).toBe(207);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/batch/upsert', {
          inputs: [{ id: 'up@example.com', idProperty: 'email', properties: { firstname: 'Up' } }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/crm/v3/objects/contacts/search', {
          filterGroups: [
            { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'lead' }] },
          ],
          limit: 3,
        })
      ).status,
    ).toBe(200);
    expect((await call('POST', '/crm/v3/objects/deals/search', {})).status).toBe(200);
    expect(
      (await call('POST', '/crm/v3/objects/contacts/search', { after: '10000', limit: 10 })).status,
    ).toBe(400);
    expect((await call('DELETE', `/crm/v3/objects/contacts/${created.body.id}`)).status).toBe(204);
    expect(
      (await call('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: [{ id: '424242' }] }))
        .status,
    ).toBe(204);
  });

  test('properties and groups', async () => {
    expect((await call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
    expect((await call('GET', '/crm/v3/properties/contacts/lifecyclestage')).status).toBe(200);
    expect((await call('GET', '/crm/v3/properties/deals/dealstage')).status).toBe(200);
    expect((await call('GET', '/crm/v3/properties/contacts/groups')).status).toBe(200);
    expect(
      (
        await call('POST', '/crm/v3/properties/contacts/groups', {
          name: 'leadlens',
          label: 'LeadLens',
        })
      ).status,
    ).toBe(201);
    expect((await call('GET', '/crm/v3/properties/contacts/groups/leadlens')).status).toBe(200);
    const def = {
      name: 'leadlens_score',
      label: 'Score',
      type: 'number',
      fieldType: 'number',
      groupName: 'leadlens',
    };
    expect((await call('POST', '/crm/v3/properties/contacts', def)).status).toBe(201);
    expect((await call('POST', '/crm/v3/properties/contacts', def)).status).toBe(409);
    expect(
      (
        await call('PATCH', '/crm/v3/properties/contacts/leadlens_score', {
          label: 'LeadLens score',
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('POST', '/crm/v3/properties/contacts', { ...def, name: 'Bad-Name' })).status,
    ).toBe(400);
    expect((await call('DELETE', '/crm/v3/properties/contacts/leadlens_score')).status).toBe(204);
  });

  test('associations v4 and pipelines', async () => {
    const deals = await call('GET', '/crm/v3/objects/deals?limit=1');
    const dealId = deals.body.results[0].id as string;
    const page = await call('GET', `/crm/v4/objects/deals/${dealId}/associations/contacts`);
    expect(page.body.results[0].associationTypes[0].typeId).toBe(3);
    const contactId = page.body.results[0].toObjectId as string;
    expect(
      (
        await call('POST', '/crm/v4/associations/contacts/deals/batch/read', {
          inputs: [{ id: contactId }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/crm/v4/associations/contacts/deals/batch/read', {
          inputs: [{ id: contactId }, { id: '1' }],
        })
      ).status,
    ).toBe(207);
    const companies = await call('GET', '/crm/v3/objects/companies?limit=1');
    const companyId = companies.body.results[0].id as string;
    expect(
      (
        await call(
          'PUT',
          `/crm/v4/objects/deals/${dealId}/associations/default/companies/${companyId}`,
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          'PUT',
          `/crm/v4/objects/contacts/${contactId}/associations/companies/${companyId}`,
          [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }],
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/crm/v4/associations/contacts/companies/batch/create', {
          inputs: [
            {
              from: { id: contactId },
              to: { id: companyId },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }],
            },
          ],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', {
          inputs: [{ from: { id: contactId }, to: { id: companyId } }],
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(
          'DELETE',
          `/crm/v4/objects/contacts/${contactId}/associations/companies/${companyId}`,
        )
      ).status,
    ).toBe(204);
    const pipes = await call('GET', '/crm/v3/pipelines/deals');
    expect(pipes.body.results[0].stages.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining(['closedwon', 'closedlost']),
    );
    expect((await call('GET', '/crm/v3/pipelines/deals/default')).status).toBe(200);
    expect((await call('GET', '/crm/v3/pipelines/leads')).status).toBe(200);
  });

  test('errors: 401, 403 carry HubSpot error bodies', async () => {
    const unknown = await call('GET', '/crm/v3/objects/contacts', undefined, 'who-am-i');
    expect(unknown.status).toBe(401);
    expect(unknown.body.category).toBe('INVALID_AUTHENTICATION');
    const forbidden = await call('GET', '/crm/v3/objects/deals', undefined, 'read-only-token');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errors[0].context.requiredGranularScopes).toEqual([
      'crm.objects.deals.read',
    ]);
  });

  afterAll(() => {
    // The suite above must have exercised a wide set of operations.
    expect(checked.size).toBeGreaterThanOrEqual(35);
  });
});
