/**
 * Ledger rows on workflows that call a custom workflow action: the signed execution request,
 * output fields (declared ones only, typed), BLOCK and the callback completion endpoint,
 * retries, and branching on an output field or on a contact property, with enrolment on a
 * property change. The action is a plain HTTP server scripted by each test.
 */
import { Client } from '@hubspot/api-client';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startHubSpotEmulator,
  type Enrollment,
  type HubSpotEmulator,
} from '../../emulator/hubspot';
import { verifySignature } from '../../src/server/hubspot-signature';

const TOKEN = 'wf-token';
const SECRET = 'wf-client-secret';

interface Call {
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  raw: string;
  headers: http.IncomingHttpHeaders;
  url: string;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

async function action(reply: (call: Call, n: number) => Reply) {
  const calls: Call[] = [];
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const call = { body: JSON.parse(raw), raw, headers: req.headers, url: req.url ?? '' };
      calls.push(call);
      const r = reply(call, calls.length);
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body === undefined ? '' : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const ACTION = {
  uid: 'score_action',
  type: 'workflow-action',
  config: {
    actionUrl: '/workflow-actions/lead-score',
    isPublished: true,
    supportedClients: [{ client: 'WORKFLOWS' }],
    objectTypes: ['CONTACT'],
    inputFields: [
      {
        typeDefinition: { name: 'source', type: 'string', fieldType: 'text' },
        supportedValueTypes: ['STATIC_VALUE', 'OBJECT_PROPERTY'],
        isRequired: false,
      },
    ],
    outputFields: [
      { typeDefinition: { name: 'score', type: 'number' } },
      {
        typeDefinition: {
          name: 'tier',
          type: 'enumeration',
          options: [{ value: 'tier_1' }, { value: 'tier_2' }],
        },
      },
    ],
    objectRequestOptions: { properties: ['email', 'jobtitle'] },
  },
};

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}/__emulator${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function enrollments(emu: HubSpotEmulator, id: number) {
  await emu.workflows.idle();
  const res = await fetch(`${emu.url}/__emulator/workflows/${id}/enrollments`);
  return (await res.json()) as { byBranch: Record<string, number>; results: Enrollment[] };
}

describe('workflows with a custom action', () => {
  let emu: HubSpotEmulator;
  let contacts: string[];
  beforeEach(async () => {
    emu = await startHubSpotEmulator({
      token: TOKEN,
      clientSecret: SECRET,
      contacts: 30,
      seed: 'workflows',
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      workflows: { timeScale: 0.0002, timeoutMs: 2000 },
    });
    const c = new Client({ accessToken: TOKEN, basePath: emu.url });
    contacts = (await c.crm.contacts.basicApi.getPage(30)).results.map((r) => r.id);
  });
  afterEach(() => emu.close());

  async function workflow(actionBase: string, extra: Record<string, unknown> = {}) {
    const def = await post(emu.url, `/apps/${emu.defaultApp.appId}/components`, {
      component: ACTION,
      baseUrl: actionBase,
    });
    return post(emu.url, '/workflows', {
      name: 'Route by LeadLens tier',
      steps: [
        {
          id: 'score',
          type: 'CUSTOM_ACTION',
          actionDefinitionId: def.actionDefinitionId,
          inputFields: { source: { propertyName: 'hs_analytics_source' } },
        },
        {
          id: 'route',
          type: 'BRANCH',
          on: { stepId: 'score', outputField: 'tier' },
          branches: { tier_1: 'call now', tier_2: 'nurture' },
          defaultBranch: 'no tier',
        },
      ],
      ...extra,
    });
  }

  test('[action-request] the execution request has HubSpot’s shape and v2 + v3 signatures', async () => {
    const a = await action(() => ({
      status: 200,
      body: { outputFields: { score: 80, tier: 'tier_1' } },
    }));
    try {
      const w = await workflow(a.base);
      await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [contacts[0]] });
      await emu.workflows.idle();
      const call = a.calls[0];
      expect(call.body).toEqual({
        callbackId: expect.stringMatching(/^ap-\d+-62515-\d+-0-0$/),
        origin: {
          portalId: 62_515,
          actionDefinitionId: expect.any(Number),
          actionDefinitionVersion: 1,
        },
        context: { source: 'WORKFLOWS', workflowId: w.id },
        object: {
          objectId: Number(contacts[0]),
          objectType: 'CONTACT',
          properties: { email: expect.any(String), jobtitle: expect.any(String) },
        },
        inputFields: { source: expect.any(String) },
      });
      const url = a.base + call.url;
      expect(call.headers['x-hubspot-signature-version']).toBe('v2');
      expect(
        verifySignature(
          'v2',
          SECRET,
          { method: 'POST', url, rawBody: call.raw },
          String(call.headers['x-hubspot-signature']),
          Date.now(),
        ),
      ).toEqual({ ok: true });
      expect(
        verifySignature(
          'v3',
          SECRET,
          {
            method: 'POST',
            url,
            rawBody: call.raw,
            timestamp: Number(call.headers['x-hubspot-request-timestamp']),
          },
          String(call.headers['x-hubspot-signature-v3']),
          Date.now(),
        ),
      ).toEqual({ ok: true });
    } finally {
      await a.close();
    }
  });

  test('[action-objects] a company or deal workflow sends its own records; an action is offered only for the objects it lists', async () => {
    const a = await action(() => ({ status: 200, body: { outputFields: { score: 55 } } }));
    try {
      const c = new Client({ accessToken: TOKEN, basePath: emu.url });
      const company = (await c.crm.companies.basicApi.getPage(1, undefined, ['name'])).results[0]!;
      // The contacts-only action of the other tests is not offered in a company workflow.
      await expect(workflow(a.base, { objectType: 'COMPANY' })).rejects.toThrow(
        /not offered in COMPANY workflows/,
      );
      const def = await post(emu.url, `/apps/${emu.defaultApp.appId}/components`, {
        component: {
          ...ACTION,
          config: {
            ...ACTION.config,
            objectTypes: ['CONTACT', 'DEAL', 'COMPANY'],
            objectRequestOptions: { properties: ['name'] },
          },
        },
        baseUrl: a.base,
      });
      const w = await post(emu.url, '/workflows', {
        name: 'Companies',
        objectType: 'COMPANY',
        steps: [
          {
            id: 'score',
            type: 'CUSTOM_ACTION',
            actionDefinitionId: def.actionDefinitionId,
            inputFields: { source: { propertyName: 'industry' } },
          },
          {
            id: 'by-name',
            type: 'BRANCH',
            on: { property: 'name' },
            branches: { [String(company.properties.name)]: 'named' },
            defaultBranch: 'other',
          },
        ],
      });
      await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [company.id] });
      const { results } = await enrollments(emu, w.id);
      expect(a.calls[0]!.body.object).toEqual({
        objectId: Number(company.id),
        objectType: 'COMPANY',
        properties: { name: company.properties.name },
      });
      // The company's own property, read from the company (not a contact of the same id).
      expect(results[0]!.branch).toBe('named');
      expect(results[0]!.steps[0]).toMatchObject({
        status: 'SUCCESS',
        outputFields: { score: 55 },
      });
    } finally {
      await a.close();
    }
  });

  test('[action-outputs] declared outputs feed the branch; undeclared ones are dropped; an off-list option fails the step', async () => {
    const replies = [
      { outputFields: { score: '81', tier: 'tier_1', extra: 'x', hs_execution_state: 'SUCCESS' } },
      { outputFields: { score: 40, tier: 'tier_2' } },
      { outputFields: { score: 10, tier: 'tier_9' } },
      { outputFields: { hs_execution_state: 'FAIL_CONTINUE' } },
    ];
    const a = await action((_c, n) => ({ status: 200, body: replies[n - 1] }));
    try {
      const w = await workflow(a.base);
      for (const id of contacts.slice(0, 4))
        await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [id] });
      const { results, byBranch } = await enrollments(emu, w.id);
      const byContact = new Map(results.map((e) => [String(e.objectId), e]));
      const first = byContact.get(contacts[0])!;
      expect(first.steps[0]).toMatchObject({
        status: 'SUCCESS',
        outputFields: { score: 81, tier: 'tier_1' },
        ignoredOutputs: ['extra'],
      });
      expect(first.branch).toBe('call now');
      expect(byContact.get(contacts[1])!.branch).toBe('nurture');
      expect(byContact.get(contacts[2])!.steps[0]).toMatchObject({
        status: 'FAILED',
        error: expect.stringMatching(/tier_9 is not one of the declared options/),
      });
      expect(byContact.get(contacts[2])!.branch).toBe('no tier');
      expect(byContact.get(contacts[3])!.steps[0].status).toBe('FAIL_CONTINUE');
      expect(byBranch).toEqual({ 'call now': 1, nurture: 1, 'no tier': 2 });
      expect(results.every((e) => e.status === 'COMPLETED')).toBe(true);
    } finally {
      await a.close();
    }
  });

  test('[action-block] BLOCK waits for the callback completion endpoint (204), then branches on its outputs', async () => {
    const a = await action(() => ({
      status: 200,
      body: { outputFields: { hs_execution_state: 'BLOCK' }, expirationDuration: 'P1D' },
    }));
    try {
      const w = await workflow(a.base);
      await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [contacts[0]] });
      const deadline = Date.now() + 5000;
      while (!a.calls.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const callbackId = a.calls[0].body.callbackId as string;
      const pending = (await enrollments(emu, w.id)).results[0];
      expect(pending.status).toBe('BLOCKED');
      expect(pending.steps[0]).toMatchObject({ status: 'BLOCKED', callbackId });
      const stranger = await fetch(`${emu.url}/__emulator/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'other-app', scopes: ['automation'] }),
      });
      expect(stranger.ok).toBe(true);
      const other = new Client({
        accessToken: 'other-app',
        basePath: emu.url,
        numberOfApiCallRetries: 0,
      });
      await expect(
        other.automation.actions.callbacksApi.complete(callbackId, {
          outputFields: { tier: 'tier_1' },
        }),
      ).rejects.toMatchObject({ code: 404 });
      const app = new Client({ accessToken: TOKEN, basePath: emu.url, numberOfApiCallRetries: 0 });
      await app.automation.actions.callbacksApi.complete(callbackId, {
        outputFields: { score: '77', tier: 'tier_1' },
      });
      await new Promise((r) => setTimeout(r, 50));
      const done = (await enrollments(emu, w.id)).results[0];
      expect(done.status).toBe('COMPLETED');
      expect(done.steps[0]).toMatchObject({
        status: 'SUCCESS',
        outputFields: { score: 77, tier: 'tier_1' },
      });
      expect(done.branch).toBe('call now');
    } finally {
      await a.close();
    }
  });

  test('[action-retries] 429 (Retry-After) and 5xx are retried; another 4xx fails the step and the workflow goes on', async () => {
    const a = await action((call, n) => {
      if (call.body.object.objectId === Number(contacts[1])) return { status: 400, body: {} };
      if (n === 1) return { status: 429, headers: { 'retry-after': '1' } };
      if (n === 2) return { status: 503 };
      return { status: 200, body: { outputFields: { score: 90, tier: 'tier_1' } } };
    });
    try {
      const w = await workflow(a.base);
      await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [contacts[0]] });
      await emu.workflows.idle();
      await post(emu.url, `/workflows/${w.id}/enroll`, { objectIds: [contacts[1]] });
      const { results } = await enrollments(emu, w.id);
      expect(results[0].steps[0]).toMatchObject({ attempts: 3, status: 'SUCCESS' });
      expect(results[0].branch).toBe('call now');
      expect(results[1].steps[0]).toMatchObject({ attempts: 1, status: 'FAILED' });
      expect(results[1].status).toBe('COMPLETED');
      expect(results[1].branch).toBe('no tier');
    } finally {
      await a.close();
    }
  });

  test('[workflow-branch] a property-change trigger enrols the contact; a branch on a property reads its value then', async () => {
    const w = await post(emu.url, '/workflows', {
      name: 'By lead status',
      enrollOnPropertyChange: ['hs_lead_status'],
      steps: [
        {
          id: 'by-status',
          type: 'BRANCH',
          on: { property: 'hs_lead_status' },
          branches: { CONNECTED: 'connected', OPEN: 'open' },
          defaultBranch: 'other',
        },
      ],
    });
    const client = new Client({ accessToken: TOKEN, basePath: emu.url });
    await client.crm.contacts.basicApi.update(contacts[0], {
      properties: { hs_lead_status: 'OPEN' },
    });
    await fetch(`${emu.url}/__emulator/objects/contacts/${contacts[1]}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { hs_lead_status: 'CONNECTED' } }),
    });
    await client.crm.contacts.basicApi.update(contacts[2], {
      properties: { jobtitle: 'No trigger' },
    });
    // Re-enrolment is off: a second change does not enrol contact 0 again.
    await client.crm.contacts.basicApi.update(contacts[0], {
      properties: { hs_lead_status: 'CONNECTED' },
    });
    const { results, byBranch } = await enrollments(emu, w.id);
    expect(results.map((e) => [String(e.objectId), e.branch])).toEqual([
      [contacts[0], 'open'],
      [contacts[1], 'connected'],
    ]);
    expect(byBranch).toEqual({ open: 1, connected: 1 });
  });
});
