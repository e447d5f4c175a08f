/**
 * Tasks (0-27) as HubSpot's tasks API documents them (developers.hubspot.com/docs/api/crm/tasks),
 * through the real @hubspot/api-client: the due date is required, status/priority/type take
 * the documented values only, and the contacts scopes authorise the calls.
 */
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator, type HubSpotEmulator } from '../../emulator/hubspot';
import { createHubSpotCrm } from '../../src/crm/hubspot';
import { failure } from './sdk-calls';

describe('[tasks] HubSpot tasks in the emulator', () => {
  let emu: HubSpotEmulator;
  const client = (token = 'emulator-token') =>
    new Client({ accessToken: token, basePath: emu.url, numberOfApiCallRetries: 0 });

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      contacts: 10,
      token: 'emulator-token',
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
      extraTokens: { 'read-only': ['crm.objects.contacts.read'] },
    });
  });
  afterAll(() => emu?.close());

  it('creates a task with its due date and reads it back', async () => {
    const created = await client().crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: '2026-12-03T09:00:00.000Z',
        hs_task_subject: 'Check drift',
        hs_task_body: 'PSI 0.31',
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_task_type: 'TODO',
        hubspot_owner_id: '4242',
      },
      associations: [],
    });
    expect(created.id).toMatch(/^\d+$/);
    const read = await client().crm.objects.tasks.basicApi.getById(created.id, [
      'hs_task_subject',
      'hubspot_owner_id',
      'hs_timestamp',
    ]);
    expect(read.properties).toMatchObject({
      hs_task_subject: 'Check drift',
      hubspot_owner_id: '4242',
    });
    const page = await client().crm.objects.tasks.basicApi.getPage(10, undefined, [
      'hs_task_subject',
    ]);
    expect(page.results.map((r) => r.id)).toContain(created.id);
  });

  it('refuses a task without hs_timestamp, and values outside the documented options', async () => {
    const noDue = await failure(
      client().crm.objects.tasks.basicApi.create({
        properties: { hs_task_subject: 'x' },
        associations: [],
      }),
    );
    expect(noDue.code).toBe(400);
    expect(noDue.body.message).toMatch(/hs_timestamp/);
    const badStatus = await failure(
      client().crm.objects.tasks.basicApi.create({
        properties: { hs_timestamp: '2026-12-03T09:00:00.000Z', hs_task_status: 'SOMEDAY' },
        associations: [],
      }),
    );
    expect(badStatus.code).toBe(400);
  });

  it('needs crm.objects.contacts.write to create one', async () => {
    const denied = await failure(
      client('read-only').crm.objects.tasks.basicApi.create({
        properties: { hs_timestamp: '2026-12-03T09:00:00.000Z' },
        associations: [],
      }),
    );
    expect(denied.code).toBe(403);
    await expect(client('read-only').crm.objects.tasks.basicApi.getPage(10)).resolves.toBeDefined();
  });

  it('the adapter creates a task and finds it again by its exact subject', async () => {
    const crm = createHubSpotCrm({ accessToken: 'emulator-token', basePath: emu.url });
    const subject = 'LeadLens alert #7: data drift (industry)';
    const { id } = await crm.createTask({
      subject,
      body: 'PSI 0.4',
      dueAt: Date.parse('2026-12-03T09:00:00.000Z'),
      ownerId: '4242',
      priority: 'HIGH',
    });
    expect(await crm.findTasks(subject)).toEqual([id]);
    expect(await crm.findTasks('LeadLens alert #8: data drift (industry)')).toEqual([]);
    expect(crm.usage().byKind).toMatchObject({ 'tasks.create': 1, 'tasks.search': 2 });
  });
});
