/**
 * The emulator's injected faults the fault matrix relies on (docs/hubspot-fidelity.md rows
 * 55–59), through the real @hubspot/api-client: each test names its ledger row.
 */
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { control } from './sdk-calls';

const TOKEN = 'faults-token';
const sdk = (url: string) =>
  new Client({ accessToken: TOKEN, basePath: url, numberOfApiCallRetries: 0 });
const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
};

/**
 * A read the emulator leaves unanswered: still silent after 300 ms, then given up by the client
 * (the abort rejects it, so nothing is left open).
 */
async function expectUnanswered(url: string): Promise<void> {
  const ac = new AbortController();
  const hung = fetch(`${url}/crm/v3/objects/contacts?limit=1`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: ac.signal,
  });
  const raced = await Promise.race([
    hung.then(() => 'answered'),
    new Promise((r) => setTimeout(() => r('silent'), 300)),
  ]);
  expect(raced).toBe('silent');
  ac.abort();
  await expect(hung).rejects.toThrow();
}

describe('emulator faults', () => {
  let emu: HubSpotEmulator;
  let client: Client;
  let ids: string[];
  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      token: TOKEN,
      seed: 'faults',
      contacts: 20,
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    client = sdk(emu.url);
    ids = (await client.crm.contacts.basicApi.getPage(10)).results.map((r) => r.id);
  });
  afterAll(() => emu.close());
  afterEach(() => control(emu.url, '/faults', {}));

  it('[fault-burst] (55) answers every /crm request 5xx for the burst, then recovers', async () => {
    await control(emu.url, '/faults', { burst5xxMs: 400 });
    const during = await status(client.crm.contacts.basicApi.getPage(1));
    expect([500, 502, 503]).toContain(during);
    await new Promise((r) => setTimeout(r, 500));
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
  });

  it('[fault-hang] (56) leaves a request unanswered until the client gives up', async () => {
    await control(emu.url, '/faults', { hangNextN: 1 });
    await expectUnanswered(emu.url);
    // Only the next N: the one after is answered.
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
  });

  it('[fault-applied] (57) applies a write, then answers 5xx: the value is there all the same', async () => {
    await control(emu.url, '/faults', { applyThenFailNextN: 1, applyThenFailWith: '502' });
    const write = client.crm.contacts.batchApi.update({
      inputs: [{ id: ids[0], properties: { jobtitle: 'Applied then failed' } }],
    });
    expect(await status(write)).toBe(502);
    const back = await client.crm.contacts.basicApi.getById(ids[0], ['jobtitle']);
    expect(back.properties.jobtitle).toBe('Applied then failed');
    // Reads are not writes: a read after it is answered normally.
    await control(emu.url, '/faults', { applyThenFailNextN: 1 });
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
  });

  it('[fault-429-writes] (59) refuses the next N writes with 429, unapplied; reads pass', async () => {
    await control(emu.url, '/faults', { failNextWritesN: 2, failWith: 'TEN_SECONDLY_ROLLING' });
    // A read in between is not counted against N.
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
    const write = () =>
      client.crm.contacts.batchApi.update({
        inputs: [{ id: ids[0], properties: { jobtitle: 'Refused 429' } }],
      });
    const first = write().catch((e: { code?: number; body?: { policyName?: string } }) => e);
    const refused = (await first) as { code?: number; body?: { policyName?: string } };
    expect(refused.code).toBe(429);
    expect(refused.body?.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(await status(write())).toBe(429);
    const held = await client.crm.contacts.basicApi.getById(ids[0], ['jobtitle']);
    expect(held.properties.jobtitle).not.toBe('Refused 429');
    // N used up: the next write is applied.
    expect(await status(write())).toBe(200);
    const back = await client.crm.contacts.basicApi.getById(ids[0], ['jobtitle']);
    expect(back.properties.jobtitle).toBe('Refused 429');
  });

  it('[fault-armed] arms a fault after N batch updates have come in: by count, not by timing', async () => {
    await control(emu.url, '/faults', { hangNextN: 1, armAfterBatchUpdatesN: 1 });
    // Reads before the counted batch pass: the fault waits for write-back.
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
    const update = () =>
      client.crm.contacts.batchApi.update({
        inputs: [{ id: ids[0], properties: { jobtitle: 'Armed' } }],
      });
    expect(await status(update())).toBe(200);
    // The request after it meets the hang.
    await expectUnanswered(emu.url);
    expect(await status(update())).toBe(200);
  });

  it("[fault-armed] starts a 5xx burst's clock when it strikes, not when it was armed", async () => {
    await control(emu.url, '/faults', { burst5xxMs: 300, armAfterBatchUpdatesN: 1 });
    await new Promise((r) => setTimeout(r, 400));
    // Armed 400 ms ago, longer than the burst: the batch update below still passes unharmed.
    expect(
      await status(
        client.crm.contacts.batchApi.update({
          inputs: [{ id: ids[0], properties: { jobtitle: 'Burst armed' } }],
        }),
      ),
    ).toBe(200);
    // Had the burst's clock started when it was armed, it would be over by now.
    expect([500, 502, 503]).toContain(await status(client.crm.contacts.basicApi.getPage(1)));
    await new Promise((r) => setTimeout(r, 400));
    expect(await status(client.crm.contacts.basicApi.getPage(1))).toBe(200);
  });

  it('[fault-items] (58) fails chosen inputs of a batch update in a 207, unapplied, the rest written', async () => {
    await control(emu.url, '/faults', {
      itemErrors: { [ids[1]]: 'READ_ONLY_VALUE', [ids[2]]: 'INVALID_OPTION' },
    });
    const inputs = ids.slice(1, 5).map((id) => ({ id, properties: { jobtitle: 'Batch' } }));
    const res = await fetch(`${emu.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    expect(res.status).toBe(207);
    const body = (await res.json()) as {
      results: Array<{ id: string }>;
      numErrors: number;
      errors: Array<{ category: string; context: { ids: string[] } }>;
    };
    expect(body.results.map((r) => r.id).sort()).toEqual(ids.slice(3, 5).sort());
    expect(body.errors.map((e) => [e.category, e.context.ids])).toEqual([
      ['READ_ONLY_VALUE', [ids[1]]],
      ['INVALID_OPTION', [ids[2]]],
    ]);
    expect(body.numErrors).toBe(2);
    const held = await client.crm.contacts.basicApi.getById(ids[1], ['jobtitle']);
    expect(held.properties.jobtitle).not.toBe('Batch');

    await control(emu.url, '/faults', { itemRetryableRate: 1, itemRetryableCategory: 'LOCKED' });
    const again = await fetch(`${emu.url}/crm/v3/objects/contacts/batch/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: inputs.slice(2) }),
    });
    const b2 = (await again.json()) as { errors: Array<{ category: string }>; results: unknown[] };
    expect(again.status).toBe(207);
    expect(b2.results).toEqual([]);
    expect(b2.errors.map((e) => e.category)).toEqual(['LOCKED']);
  });
});
