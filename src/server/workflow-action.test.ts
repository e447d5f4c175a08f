import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { CardData } from '../contracts/functions';
import { signV3 } from './hubspot-signature';
import { workflowActionRouter } from './workflow-action';
import { SAMPLE_FACTORS } from '../../cards/testing/sample-factors';

const SECRET = 'workflow-secret-77aa';

function card(objectId: string): CardData {
  return {
    objectType: 'contact',
    objectId,
    source: { objectType: 'contact', objectId },
    score: 78,
    tier: { value: 'tier_1', label: 'Hot' },
    factors: SAMPLE_FACTORS,
    reasons: 'Visited pricing 3× this week: +18',
    modelVersion: 'v3',
    scoredAt: '2026-01-01T10:00:00.000Z',
    scoreChange: 4,
  };
}

describe('workflowActionRouter (real HTTP)', () => {
  let server: Server;
  let url: string;
  const calls: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use(
      '/hubspot/workflow-action',
      workflowActionRouter({
        clientSecret: SECRET,
        acceptsPortal: (portalId) => String(portalId) === '62515',
        getCard: async (id, _portal, objectType) => {
          calls.push(objectType === 'contact' ? id : `${objectType}:${id}`);
          if (objectType !== 'contact' && id === '999') return null;
          if (objectType === 'company')
            return { ...card(id), objectType, tier: { value: 'tier_2', label: 'Warm' } };
          if (id === '999') return null;
          if (id === '500') throw new Error('store down');
          return card(id);
        },
      }),
    );
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hubspot/workflow-action`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const execution = (objectId: number) => ({
    callbackId: 'ap-102-5000-1-0',
    origin: { portalId: 62515, actionDefinitionId: 102, actionDefinitionVersion: 1 },
    context: { source: 'WORKFLOWS', workflowId: 1234 },
    object: { objectId, objectType: 'CONTACT' },
    inputFields: {},
  });

  async function call(body: unknown, opts: { secret?: string; timestamp?: number } = {}) {
    const rawBody = JSON.stringify(body);
    const timestamp = opts.timestamp ?? Date.now();
    const signature = signV3(opts.secret ?? SECRET, { method: 'POST', url, rawBody, timestamp });
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-v3': signature,
        'x-hubspot-request-timestamp': String(timestamp),
      },
      body: rawBody,
    });
  }

  it("refuses another portal's execution with 403 PORTAL_UNKNOWN in the one error shape", async () => {
    const before = calls.length;
    const res = await call({
      ...execution(614),
      origin: { ...execution(614).origin, portalId: 7 },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; hint?: string } };
    expect(body.error.code).toBe('PORTAL_UNKNOWN');
    expect(body.error.hint).toMatch(/HUBSPOT_PORTAL_ID/);
    // Refused before any score is read.
    expect(calls).toHaveLength(before);
  });

  it('answers the score, tier and strongest reason with SUCCESS', async () => {
    const res = await call(execution(614));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      outputFields: {
        score: 78,
        tier: 'tier_1',
        tier_label: 'Hot',
        // The strongest factor of the payload.
        top_reason: 'Lead source is Referral: +34',
        hs_execution_state: 'SUCCESS',
      },
    });
    expect(calls).toContain('614');
  });

  it('answers FAIL_CONTINUE for a contact that is not scored', async () => {
    const res = await call(execution(999));
    const body = await res.json();
    expect(body.outputFields).toMatchObject({ score: null, hs_execution_state: 'FAIL_CONTINUE' });
    expect(body.outputFields.top_reason).toMatch(/Not scored/);
  });

  it('reads the deal score of a deal enrolled in a deal workflow', async () => {
    const res = await call({ ...execution(7001), object: { objectId: 7001, objectType: 'DEAL' } });
    expect((await res.json()).outputFields).toMatchObject({
      score: 78,
      tier: 'tier_1',
      hs_execution_state: 'SUCCESS',
    });
    expect(calls).toContain('deal:7001');
    const none = await call({ ...execution(999), object: { objectId: 999, objectType: 'DEAL' } });
    expect((await none.json()).outputFields.top_reason).toMatch(/no score for this deal/);
  });

  it('reads the account score of a company enrolled in a company workflow (COMPANY or 0-2)', async () => {
    for (const objectType of ['COMPANY', '0-2']) {
      const res = await call({ ...execution(8001), object: { objectId: 8001, objectType } });
      expect(res.status).toBe(200);
      expect((await res.json()).outputFields).toEqual({
        score: 78,
        tier: 'tier_2',
        tier_label: 'Warm',
        top_reason: 'Lead source is Referral: +34',
        hs_execution_state: 'SUCCESS',
      });
    }
    expect(calls.filter((c) => c === 'company:8001')).toHaveLength(2);
    // Never the contact of the same id.
    expect(calls).not.toContain('8001');
    const none = await call({
      ...execution(999),
      object: { objectId: 999, objectType: 'COMPANY' },
    });
    expect((await none.json()).outputFields).toMatchObject({
      score: null,
      hs_execution_state: 'FAIL_CONTINUE',
      top_reason: expect.stringMatching(/no account score for this company/),
    });
  });

  it('answers FAIL_CONTINUE for an object LeadLens does not score, reading nothing', async () => {
    const before = calls.length;
    const res = await call({ ...execution(614), object: { objectId: 614, objectType: 'TICKET' } });
    expect(res.status).toBe(200);
    expect((await res.json()).outputFields).toMatchObject({
      score: null,
      hs_execution_state: 'FAIL_CONTINUE',
      top_reason: expect.stringMatching(/contacts, deals and companies, not TICKET/),
    });
    expect(calls).toHaveLength(before);
  });

  it('rejects forged and stale requests before reading anything', async () => {
    const before = calls.length;
    const forged = await call(execution(615), { secret: 'wrong' });
    expect(forged.status).toBe(401);
    const stale = await call(execution(615), { timestamp: Date.now() - 6 * 60 * 1000 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({
      error: { code: 'SIGNATURE_INVALID', details: { reason: 'stale' } },
    });
    expect(calls.length).toBe(before);
  });

  it('maps a bad body to 400 and a store failure to 503 so HubSpot retries', async () => {
    expect((await call({ object: { objectType: 'CONTACT' } })).status).toBe(400);
    const res = await call(execution(500));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});
