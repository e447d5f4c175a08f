/**
 * The Salesforce adapter through the real jsforce 3.10.16 against the emulator on 127.0.0.1:
 * paging past 2,000 and 10,000, the field-permission trap, chunked write-back with every
 * per-record error, converted leads, token refresh mid-run, the daily budget.
 */
import { callsOn, control, stats } from '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings';
import { isLeadLensError } from '../../src/errors';
import { createSalesforceCrm } from '../../src/crm/salesforce';
import type { CrmPort, RecordUpdate } from '../../src/crm/port';

const scoreUpdate = (id: string, score: number): RecordUpdate => ({
  id,
  properties: {
    leadlens_score: String(score),
    leadlens_tier: score >= 70 ? 'tier_1' : 'tier_3',
    leadlens_factors: JSON.stringify({ v: 1, top: [] }),
    leadlens_scored_at: '2026-11-01T00:00:00.000Z',
    leadlens_score_jump: 'false',
  },
});

async function allLeadIds(crm: CrmPort): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await crm.listContacts({ properties: ['email', 'isconverted'], after });
    ids.push(...page.items.map((r) => r.id));
    after = page.next;
    pages++;
  } while (after);
  return { ids, pages };
}

describe('Salesforce adapter — a large org (10,500 leads)', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 10_500, seed: 'paging' });
  }, 120_000);
  afterAll(() => emu?.close());

  it('reads every lead past 2,000 and 10,000, one batch per page', async () => {
    const crm = createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken });
    const { ids, pages } = await allLeadIds(crm);
    expect(ids.length).toBe(10_500);
    expect(new Set(ids).size).toBe(10_500);
    expect(pages).toBe(6); // 5 × 2,000 + 500
    const s = await stats(emu.url);
    expect(callsOn(s, /query\/:locator$/)).toBeGreaterThanOrEqual(5);
  });

  it('the trap it avoids is real here: autoFetch stops silently at maxFetch 10,000', async () => {
    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    const got: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query('SELECT Id FROM Lead')
        .on('record', (r) => got.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true });
    });
    expect(got.length).toBe(10_000);
  });

  it('resumes from a cursor whose locator Salesforce no longer knows', async () => {
    const crm = createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken });
    const first = await crm.listContacts({ properties: ['email'], after: null });
    // Cursors live two days: a run paused longer finds its locator gone.
    await control(emu.url, '/__emulator/clock', { advanceMs: 3 * 86_400_000 });
    const rest: string[] = [];
    let after = first.next;
    while (after) {
      const page = await crm.listContacts({ properties: ['email'], after });
      rest.push(...page.items.map((r) => r.id));
      after = page.next;
    }
    const all = [...first.items.map((r) => r.id), ...rest];
    expect(all.length).toBe(10_500);
    expect(new Set(all).size).toBe(10_500);
  });
});

describe('Salesforce adapter — a small org', () => {
  let emu: SalesforceEmulator;
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 600, seed: 'small' });
  }, 60_000);
  beforeEach(() => control(emu.url, '/__emulator/reset', {}));
  afterAll(() => emu?.close());

  const crmOf = (extra: Partial<Parameters<typeof createSalesforceCrm>[0]> = {}) =>
    createSalesforceCrm({ instanceUrl: emu.url, accessToken: emu.accessToken, ...extra });

  async function openLeads(crm: CrmPort, n: number): Promise<string[]> {
    const page = await crm.listContacts({ properties: ['isconverted'], after: null });
    return page.items
      .filter((r) => r.properties.isconverted === 'false')
      .slice(0, n)
      .map((r) => r.id);
  }

  it('a new field is invisible until the permission set grants it; provision does both', async () => {
    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Lead.LeadLens_Score__c',
      Metadata: { label: 'Score', type: 'Number', precision: 3, scale: 0 },
    });
    const described = await conn.sobject('Lead').describe();
    expect(described.fields.map((f) => f.name)).not.toContain('LeadLens_Score__c');
    await expect(conn.query('SELECT Id, LeadLens_Score__c FROM Lead')).rejects.toMatchObject({
      name: 'INVALID_FIELD',
    });
    const crm = crmOf();
    const [id] = await openLeads(crm, 1);
    await expect(crm.updateRecords('contact', [scoreUpdate(id, 50)])).rejects.toMatchObject({
      code: 'CRM_VALIDATION',
    });

    // Provision copes with the half-made field (DUPLICATE_DEVELOPER_NAME) and grants it.
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const after = await conn.sobject('Lead').describe();
    const score = after.fields.find((f) => f.name === 'LeadLens_Score__c');
    expect(score?.updateable).toBe(true);
    const tier = after.fields.find((f) => f.name === 'LeadLens_Tier__c');
    expect(tier?.picklistValues?.map((p) => [p.value, p.label])).toEqual(
      DEFAULT_SETTINGS.tiers.map((t) => [t.value, t.label]),
    );
    expect(await crm.updateRecords('contact', [scoreUpdate(id, 50)])).toEqual({
      written: [id],
      failed: [],
    });
    // Idempotent: a second provision creates nothing.
    const before = (await stats(emu.url)).total;
    await crm.provision(DEFAULT_SETTINGS.tiers);
    expect((await stats(emu.url)).total - before).toBe(1); // one describe
  });

  it('writes more than 200 leads in Collections calls of at most 200', async () => {
    const crm = crmOf();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const ids = await openLeads(crm, 450);
    expect(ids.length).toBe(450);
    const before = callsOn(await stats(emu.url), /composite\/sobjects$/);
    const res = await crm.updateRecords(
      'contact',
      ids.map((id, i) => scoreUpdate(id, i % 100)),
    );
    expect(res.failed).toEqual([]);
    expect(res.written.length).toBe(450);
    expect(callsOn(await stats(emu.url), /composite\/sobjects$/) - before).toBe(3);
    const back = await crm.readRecords('contact', ids.slice(0, 3), [
      'leadlens_score',
      'leadlens_scored_at',
      'leadlens_score_jump',
    ]);
    expect(back.map((r) => r.properties.leadlens_score)).toEqual(['0', '1', '2']);
    expect(back[0].properties.leadlens_scored_at).toBe('2026-11-01T00:00:00.000Z');
    expect(back[0].properties.leadlens_score_jump).toBe('false');
  });

  it('reports every per-record error; only a row lock is retryable', async () => {
    const crm = crmOf();
    await crm.provision(DEFAULT_SETTINGS.tiers);
    const page = await crm.listContacts({ properties: ['isconverted'], after: null });
    const converted = page.items.find((r) => r.properties.isconverted === 'true')!.id;
    const [a, b, c] = await openLeads(crm, 3);
    await control(emu.url, '/__emulator/faults', { lockIds: [b], validationIds: [c] });
    const res = await crm.updateRecords('contact', [
      scoreUpdate(a, 10),
      scoreUpdate(b, 20),
      scoreUpdate(c, 30),
      scoreUpdate(converted, 40),
    ]);
    expect(res.written).toEqual([a]);
    expect(res.failed).toEqual([
      expect.objectContaining({ id: b, code: 'UNABLE_TO_LOCK_ROW', retryable: true }),
      expect.objectContaining({
        id: c,
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        retryable: false,
      }),
      expect.objectContaining({
        id: converted,
        code: 'CANNOT_UPDATE_CONVERTED_LEAD',
        retryable: false,
      }),
    ]);
    // The lock was momentary: the same record goes through on the next try.
    expect((await crm.updateRecords('contact', [scoreUpdate(b, 20)])).written).toEqual([b]);
  });

  it('refreshes an expired session with the refresh token, mid-run, and hands the token over', async () => {
    const refreshed: string[] = [];
    const crm = crmOf({
      accessToken: 'stale-token',
      refreshToken: emu.refreshToken,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      onTokenRefresh: (t) => refreshed.push(t),
    });
    // The first call refreshes (the given token is unknown); later every token expires again.
    const first = await crm.listContacts({ properties: ['email'], after: null });
    await control(emu.url, '/__emulator/faults', { expireTokensAfter: 2 });
    const more = await crm.listContacts({ properties: ['email'], after: null });
    expect(more.items.length).toBe(first.items.length);
    expect(refreshed.length).toBe(2);
    expect(new Set(refreshed).size).toBe(2);
    expect((await stats(emu.url)).tokenRequests).toBe(2);
  });

  it('gets a token by client credentials when there is no refresh token', async () => {
    const crm = crmOf({
      accessToken: undefined,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
    });
    const page = await crm.listContacts({ properties: ['email'], after: null });
    expect(page.items.length).toBe(600);
    const bad = crmOf({ accessToken: undefined, clientId: emu.clientId, clientSecret: 'wrong' });
    await expect(bad.listContacts({ properties: ['email'], after: null })).rejects.toMatchObject({
      code: 'CRM_AUTH',
    });
  });

  it('an invalid session without a way to refresh is CRM_AUTH', async () => {
    const crm = crmOf({ accessToken: 'nope' });
    await expect(crm.describeContactProperties()).rejects.toMatchObject({ code: 'CRM_AUTH' });
  });

  it('stops at its share of the daily allowance, and at REQUEST_LIMIT_EXCEEDED, with a resume time', async () => {
    await control(emu.url, '/__emulator/limits', { max: 100, used: 46 });
    const crm = crmOf({ dailyBudgetShare: 0.5, now: () => Date.parse('2026-11-01T00:00:00Z') });
    let calls = 0;
    let stop: unknown = null;
    while (calls < 10 && !stop) {
      // Each answer carries Sforce-Limit-Info; the caller checks it before the next call.
      stop = await crm.describeContactProperties().then(
        () => null,
        (e: unknown) => e,
      );
      if (!stop) calls++;
    }
    expect(calls).toBe(4); // 47, 48, 49, 50 — then no more
    expect(isLeadLensError(stop, 'CRM_DAILY_LIMIT')).toBe(true);
    expect((stop as { details: Record<string, unknown> }).details).toMatchObject({
      resumeAt: '2026-11-01T01:00:00.000Z',
      used: 50,
      limit: 100,
    });
    expect((await stats(emu.url)).apiUsage.used).toBe(50);
    // The org's own limit: 403 REQUEST_LIMIT_EXCEEDED, never retried.
    await control(emu.url, '/__emulator/limits', { used: 100 });
    const greedy = crmOf({ dailyBudgetShare: 1 });
    const err = await greedy.describeContactProperties().catch((e: unknown) => e);
    expect(isLeadLensError(err, 'CRM_DAILY_LIMIT')).toBe(true);
    expect(callsOn(await stats(emu.url), /describe$/)).toBeGreaterThan(0);
    expect(
      (await stats(emu.url)).byRoute['GET /services/data/v62.0/sobjects/Lead/describe']?.['403'],
    ).toBe(1);
  });

  it('reads history and only the activity logged by then', async () => {
    const crm = crmOf();
    const page = await crm.listContacts({
      properties: [
        'status',
        'rating',
        'industry',
        'activity_calls',
        'activity_meetings',
        'campaign_responses',
      ],
      after: null,
    });
    expect(page.historyIncluded).toBe(true);
    const withStatusChange = page.items.find((r) => (r.history.status?.length ?? 0) > 2)!;
    expect(withStatusChange.history.status[0]).toEqual({
      value: 'Open - Not Contacted',
      timestamp: withStatusChange.createdAt,
    });
    // Counters step up at each activity; the first version is 0 at creation.
    const active = page.items.find((r) => Number(r.properties.activity_calls) > 1)!;
    const calls = active.history.activity_calls;
    expect(calls[0]).toEqual({ value: '0', timestamp: active.createdAt });
    expect(calls.map((v) => Number(v.value))).toEqual(calls.map((_, i) => i));
    expect([...calls].sort((x, y) => x.timestamp.localeCompare(y.timestamp))).toEqual(calls);
    // Matches the org: the calls logged on that lead.
    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    const tasks = await conn.query(
      `SELECT COUNT() FROM Task WHERE WhoId = '${active.id}' AND TaskSubtype = 'Call'`,
    );
    expect(calls.length - 1).toBe(tasks.totalSize);
  });

  it('deals are converted opportunities, linked to their lead', async () => {
    const crm = crmOf();
    const deals = await crm.listDeals({ after: null });
    expect(deals.items.length).toBeGreaterThan(20);
    expect(deals.items.some((d) => d.isWon)).toBe(true);
    expect(deals.items.some((d) => d.isClosed && !d.isWon)).toBe(true);
    expect(deals.items.some((d) => !d.isClosed && d.closedAt === null)).toBe(true);
    for (const d of deals.items) expect(d.contactIds[0]).toMatch(/^00Q/);
    // Stage history from OpportunityFieldHistory, oldest first, ending at the current stage.
    const won = deals.items.find((d) => d.isWon && (d.stageHistory?.length ?? 0) >= 3)!;
    expect(won.stageHistory!.map((s) => s.stage)).toEqual([
      'Qualification',
      'Proposal/Price Quote',
      'Closed Won',
    ]);
    expect(won.stageHistory![0].at).toBe(won.createdAt);
    const times = won.stageHistory!.map((s) => Date.parse(s.at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    for (const d of deals.items) {
      const last = d.stageHistory![d.stageHistory!.length - 1].stage;
      expect(last.startsWith('Closed')).toBe(d.isClosed);
    }
  });
});
