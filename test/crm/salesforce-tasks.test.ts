/**
 * Governance alerts reach the Salesforce admin as Tasks (CrmPort.createTask / findTasks), through
 * the real jsforce 3.10.16 against the emulator: the Task fields Salesforce documents, the
 * priority mapping, and the exact-subject lookup a later run uses to learn whether an
 * uncertain create landed.
 */
import '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { createSalesforceCrm } from '../../src/crm/salesforce';

describe('Salesforce adapter — tasks for alerts', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 50, seed: 'tasks' });
  }, 120_000);
  afterAll(() => emu?.close());

  it('creates a task with the documented fields and finds it by its exact subject', async () => {
    const crm = createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken });
    const subject = 'LeadLens: score drift on Industry (PSI 0.31)';
    expect(await crm.findTasks(subject)).toEqual([]);
    const { id } = await crm.createTask({
      subject,
      body: 'Open the LeadLens report to review the drift.',
      dueAt: Date.parse('2026-11-03T12:00:00Z'),
      ownerId: null,
      priority: 'MEDIUM',
    });
    expect(id).toMatch(/^00T/);
    expect(await crm.findTasks(subject)).toEqual([id]);
    // A subject that only starts the same is another task.
    expect(await crm.findTasks('LeadLens: score drift')).toEqual([]);

    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    const saved = (await conn.sobject('Task').retrieve(id)) as unknown as Record<string, unknown>;
    expect(saved.Subject).toBe(subject);
    expect(saved.Priority).toBe('Normal');
    expect(saved.Status).toBe('Not Started');
    expect(saved.ActivityDate).toBe('2026-11-03');
    expect(saved.Description).toBe('Open the LeadLens report to review the drift.');
  });
});
