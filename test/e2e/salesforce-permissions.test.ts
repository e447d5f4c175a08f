/**
 * A Salesforce integration user without object permissions on Opportunity or Account (issue 16):
 * for that user the object does not exist — describe answers 404 NOT_FOUND, SOQL answers
 * INVALID_TYPE "sObject type 'Opportunity' is not supported." (jsforce#423, jsforce#1404), and a
 * relationship into it is not understood (INVALID_FIELD). The emulator plays that user
 * (`deniedObjects`, docs/salesforce-fidelity.md); through real jsforce, the run must score and
 * write the Leads, skip the stages that need the object with what is missing and how to fix it,
 * and run the others: without Account the deal stage still scores Opportunities (only the account
 * stages skip); without Opportunity both skip (account scores learn from the Accounts' won deals).
 */
import '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { summarizeRun } from '../../src/cli/commands/pipeline';
import { runToCompletion, silentLogger } from '../../src/pipeline';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { tempDb } from './helpers';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');

async function start(denied: string[]): Promise<{ emu: SalesforceEmulator; deps: AppDeps }> {
  const emu = await startSalesforceEmulator({
    leads: 400,
    seed: 'accounts',
    committees: true,
    deniedObjects: denied,
  });
  try {
    const deps = await composeDeps({
      baseUrl: '',
      token: '',
      portalId: `sf-denied-${denied.join('-')}`,
      databaseUrl: null,
      dbFile: tempDb(`sf-denied-${denied.join('-')}`),
      log: silentLogger,
      now: () => NOW,
      salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken },
    });
    return { emu, deps };
  } catch (e) {
    await emu.close();
    throw e;
  }
}

/** Records of `object` the run wrote LeadLens fields on (the emulator's write log). */
const writtenOn = (emu: SalesforceEmulator, object: string) =>
  emu.writes.filter((w) => w.object === object).length;

describe('Salesforce: an integration user without access to Opportunity', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  beforeAll(async () => {
    ({ emu, deps } = await start(['Opportunity']));
  }, 60_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('is answered as Salesforce answers a user without the object permission', async () => {
    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
      message: expect.stringMatching(/sObject type 'Opportunity' is not supported\./),
    });
    await expect(conn.sobject('Opportunity').describe()).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
    });
    await expect(
      conn.query('SELECT Id, ConvertedOpportunity.StageName FROM Lead LIMIT 1'),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).not.toContain('Opportunity');
    expect(global.sobjects.map((s) => s.name)).toContain('Lead');
  });

  it('scores and writes the Leads, and skips deals and accounts saying Opportunity access is missing', async () => {
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const summary = await summarizeRun(deps, res);
    expect(summary.scored).toBeGreaterThan(0);
    expect(summary.written).toBeGreaterThan(0);
    expect(writtenOn(emu, 'Lead')).toBeGreaterThan(0);

    const deals = summary.deals!;
    expect(deals.skipped).toMatch(
      /^missing CRM permission for deal scores: The Salesforce integration user cannot access Opportunity \(Salesforce answered (NOT_FOUND|INVALID_TYPE)\)\./,
    );
    expect(deals.skipped).toMatch(/need Read and Edit on Opportunity \(object permissions/);
    expect(deals.skipped).toMatch(/run again\. Contact scores are not affected\.$/);
    expect(deals.scored).toBe(0);
    const accounts = summary.accounts!;
    expect(accounts.skipped).toMatch(
      /^account scores need the companies the deal stage reads and its deals .*cannot access Opportunity/,
    );
    expect(writtenOn(emu, 'Opportunity')).toBe(0);
    expect(writtenOn(emu, 'Account')).toBe(0);
    expect(await deps.store.listObjectModels('deal')).toEqual([]);
    expect(await deps.store.listObjectModels('company')).toEqual([]);
  });
});

describe('Salesforce: an integration user without access to Account', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;
  beforeAll(async () => {
    ({ emu, deps } = await start(['Account']));
  }, 60_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('scores the Leads and the Opportunities; only the account stages skip, naming Account', async () => {
    const res = await runToCompletion(deps, { deals: true, stepBudgetMs: 5000 });
    expect(res.status).toBe('done');
    const summary = await summarizeRun(deps, res);
    expect(summary.scored).toBeGreaterThan(0);
    expect(writtenOn(emu, 'Lead')).toBeGreaterThan(0);

    const deals = summary.deals!;
    expect(deals.skipped ?? '').not.toMatch(/missing CRM permission/);
    expect(deals.deals).toBeGreaterThan(0);
    expect(deals.companies).toBe(0);
    expect(deals.trained).toBe(true);
    if (deals.verdict === 'OK') {
      expect(deals.scored).toBeGreaterThan(0);
      expect(writtenOn(emu, 'Opportunity')).toBe(deals.written);
    }

    const accounts = summary.accounts!;
    expect(accounts.skipped).toMatch(
      /^missing CRM permission for account scores: The Salesforce integration user cannot access Account \(Salesforce answered NOT_FOUND\)\. Account scores need Read and Edit on Account/,
    );
    expect(accounts.missingScopes).toEqual([]);
    expect(accounts.scored).toBe(0);
    expect(writtenOn(emu, 'Account')).toBe(0);
  });
});
