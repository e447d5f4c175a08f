/**
 * Bulk API 2.0 ingest through the real jsforce 3.10.16 against the emulator: the job's life
 * (Open → UploadComplete → InProgress → JobComplete / Failed), the three result sets, the
 * adapter's switch from Collections to Bulk above its threshold, per-record errors as write
 * failures, and a job that outlives its caller settled before anything is read back.
 */
import { callsOn, control, stats } from '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { createSalesforceCrm } from '../../src/crm/salesforce';
import { parseBulkError } from '../../src/crm/salesforce/bulk';
import type { CrmPort, RecordUpdate } from '../../src/crm/port';

const scoreUpdate = (id: string, score: number): RecordUpdate => ({
  id,
  properties: {
    leadlens_score: String(score),
    leadlens_tier: score >= 70 ? 'tier_1' : 'tier_3',
    leadlens_scored_at: '2026-11-01T00:00:00.000Z',
  },
});

describe('Bulk API 2.0 ingest (emulator + jsforce bulk2)', () => {
  let emu: SalesforceEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 400, seed: 'bulk' });
  }, 60_000);
  beforeEach(async () => {
    await control(emu.url, '/__emulator/reset', {});
    conn = new Connection({ instanceUrl: emu.url, accessToken: emu.accessToken, version: '62.0' });
    await createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken }).provision(
      DEFAULT_SETTINGS.tiers,
    );
  });
  afterAll(() => emu?.close());

  const leads = (converted: boolean) =>
    [...emu.org.table('Lead').values()]
      .filter((l) => (l.IsConverted === true) === converted)
      .map((l) => String(l.Id));

  it('runs a job through its states and answers the three result sets', async () => {
    const [a, b] = leads(false);
    const [conv] = leads(true);
    await control(emu.url, '/__emulator/faults', { bulkDelayMs: 300 });
    const job = conn.bulk2.createJob({ object: 'Lead', operation: 'update', lineEnding: 'LF' });
    const opened = await job.open();
    expect(opened).toMatchObject({ state: 'Open', object: 'Lead', operation: 'update' });
    expect(opened.id).toMatch(/^750/);
    // Results before the job ends are refused (jsforce asked for CSV, so it names the status).
    await expect(job.getSuccessfulResults()).rejects.toMatchObject({ name: 'ERROR_HTTP_409' });
    await job.uploadData([
      { Id: a, LeadLens_Score__c: 55, LeadLens_Tier__c: 'tier_2' },
      { Id: b, LeadLens_Score__c: null, LeadLens_Tier__c: 'tier_3' },
      { Id: conv, LeadLens_Score__c: 10, LeadLens_Tier__c: 'tier_3' },
    ]);
    // One upload per job.
    await expect(
      conn.request({
        method: 'PUT',
        url: `/services/data/v62.0/jobs/ingest/${job.id}/batches`,
        body: 'Id\n' + a,
        headers: { 'Content-Type': 'text/csv' },
      }),
    ).rejects.toThrow();
    await job.close();
    const states = new Set<string>([(await job.check()).state]);
    await job.poll(50, 10_000);
    states.add((await job.check()).state);
    expect([...states].sort()).toEqual(['JobComplete', 'UploadComplete']);
    const { successfulResults, failedResults, unprocessedRecords } = await job.getAllResults();
    expect(successfulResults.map((r) => r.sf__Id).sort()).toEqual([a, b].sort());
    expect(failedResults).toEqual([
      expect.objectContaining({ sf__Id: conv, Id: conv, LeadLens_Score__c: '10' }),
    ]);
    expect(parseBulkError(String(failedResults[0].sf__Error)).code).toBe(
      'CANNOT_UPDATE_CONVERTED_LEAD',
    );
    expect(unprocessedRecords).toEqual([]);
    expect(emu.org.get('Lead', a)).toMatchObject({ LeadLens_Score__c: 55 });
    // #N/A cleared the score.
    expect(emu.org.get('Lead', b)).toMatchObject({
      LeadLens_Score__c: null,
      LeadLens_Tier__c: 'tier_3',
    });
    expect(
      emu.writes
        .filter((w) => w.via === 'bulk2')
        .map((w) => w.id)
        .sort(),
    ).toEqual([a, b].sort());
    expect((await job.check()).numberRecordsFailed).toBe(1);
    await job.delete();
    await expect(job.check()).rejects.toMatchObject({ name: 'NOT_FOUND' });
  });

  it('a column the user cannot see fails the job; a failure mid-job leaves the rest unprocessed', async () => {
    const [a] = leads(false);
    const bad = conn.bulk2.createJob({ object: 'Lead', operation: 'update' });
    await bad.open();
    await bad.uploadData([{ Id: a, Secret__c: 'x' }]);
    await bad.close();
    await expect(bad.poll(20, 10_000)).rejects.toThrow(/Field name not found : Secret__c/);

    const ids = leads(false).slice(0, 30);
    await control(emu.url, '/__emulator/faults', { bulkFailAfter: 0 });
    const job = conn.bulk2.createJob({ object: 'Lead', operation: 'update' });
    await job.open();
    await job.uploadData(ids.map((Id) => ({ Id, LeadLens_Score__c: 1 })));
    await job.close();
    await expect(job.poll(20, 10_000)).rejects.toThrow(/failed/);
    const unprocessed = (await job.getUnprocessedRecords()) as unknown as Array<{ Id: string }>;
    expect(unprocessed.map((r) => r.Id)).toEqual(ids);
    expect(await job.getSuccessfulResults()).toEqual([]);
  });

  it('the adapter writes above its threshold by Bulk; per-record errors come back as failures', async () => {
    const crm: CrmPort = createSalesforceCrm({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      bulkThreshold: 100,
      bulk: { pollIntervalMs: 20 },
    });
    const open = leads(false).slice(0, 150);
    const [conv] = leads(true);
    const [locked, invalid] = open;
    // A lock that outlasts Bulk's ten retries, and a validation rule.
    await control(emu.url, '/__emulator/faults', {
      lockIds: [locked],
      lockTimes: 20,
      validationIds: [invalid],
    });
    const before = await stats(emu.url);
    const res = await crm.updateRecords('contact', [
      ...open.map((id, i) => scoreUpdate(id, i % 100)),
      scoreUpdate(conv, 5),
    ]);
    const after = await stats(emu.url);
    expect(callsOn(after, /composite\/sobjects$/) - callsOn(before, /composite\/sobjects$/)).toBe(
      0,
    );
    expect(callsOn(after, /jobs\/ingest$/) - callsOn(before, /jobs\/ingest$/)).toBe(2); // list + create
    expect(res.written.sort()).toEqual(open.slice(2).sort());
    expect(res.failed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: locked, code: 'UNABLE_TO_LOCK_ROW', retryable: true }),
        expect.objectContaining({
          id: invalid,
          code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          retryable: false,
        }),
        expect.objectContaining({
          id: conv,
          code: 'CANNOT_UPDATE_CONVERTED_LEAD',
          retryable: false,
        }),
      ]),
    );
    expect(res.failed.length).toBe(3);
    expect(emu.org.get('Lead', open[5])).toMatchObject({
      LeadLens_Score__c: 5,
      LeadLens_Tier__c: 'tier_3',
    });

    // At or under the threshold: Collections.
    const small = await crm.updateRecords(
      'contact',
      open.slice(2, 50).map((id) => scoreUpdate(id, 99)),
    );
    expect(small.written.length).toBe(48);
    expect(callsOn(await stats(emu.url), /composite\/sobjects$/)).toBe(1);
  });

  it('the default threshold is Salesforce’s 2,000 records', () => {
    const crm = createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken });
    expect(crm.writeBatchSize).toBe(10_000);
    const off = createSalesforceCrm({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      bulkThreshold: null,
    });
    expect(off.writeBatchSize).toBe(200);
  });

  it('a job its caller gave up on is waited for before records are read back', async () => {
    const ids = leads(false).slice(0, 40);
    await control(emu.url, '/__emulator/faults', { bulkDelayMs: 1500 });
    const first = createSalesforceCrm({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      bulkThreshold: 10,
      bulk: { pollIntervalMs: 20, pollTimeoutMs: 100 },
    });
    await expect(
      first.updateRecords(
        'contact',
        ids.map((id) => scoreUpdate(id, 77)),
      ),
    ).rejects.toMatchObject({ code: 'CRM_UNAVAILABLE' });
    expect(emu.org.get('Lead', ids[0])?.LeadLens_Score__c).toBeNull();
    // A new process (a resumed run) reads back what the job wrote, once it has finished.
    const second = createSalesforceCrm({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      bulkThreshold: 10,
      bulk: { pollIntervalMs: 20 },
    });
    const back = await second.readRecords('contact', ids, ['leadlens_score']);
    expect(back.map((r) => r.properties.leadlens_score)).toEqual(ids.map(() => '77'));
    expect(emu.writes.filter((w) => w.via === 'bulk2').length).toBe(40);
  });
});
