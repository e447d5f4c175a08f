/**
 * Account scores on Salesforce (issue 16, item 5): Accounts and the Leads converted into them
 * read through real jsforce from the emulated org, the account model trained on them (the demo
 * org has no committees: its verdict keeps it from writing), the LeadLens fields provisioned on
 * Account (Tooling API + permission set, then visible in describe) and account scores written
 * through the one write-back path, factors adding up; nothing written twice.
 */
import '../support/salesforce';
import { Connection } from 'jsforce';
import type { SalesforceEmulator } from '../../emulator/salesforce';
import { parseFactors } from '../../src/contracts/factors';
import { SALESFORCE_FIELDS } from '../../src/contracts/properties';
import { runAccountScores } from '../../src/pipeline/objects/account-run';
import { scoreAccounts, trainAccountModel } from '../../src/pipeline/objects/accounts';
import { writeNow } from '../../src/pipeline/writeback';
import { loadWorld } from '../../src/pipeline/objects/world';
import type { AppDeps } from '../../src/server/compose';
import { callsOn, stats } from '../support/salesforce';
import { startSyncedOrg } from '../support/salesforce-org';

const NOW = Date.parse('2026-11-01T00:00:00.000Z');

describe('Salesforce Account scores', () => {
  let emu: SalesforceEmulator;
  let deps: AppDeps;

  beforeAll(async () => {
    ({ emu, deps } = await startSyncedOrg({
      emulator: { leads: 800, seed: 'accounts' },
      portalId: 'sf-accounts',
      now: NOW,
    }));
  }, 120_000);
  afterAll(async () => {
    await deps?.close();
    await emu?.close();
  });

  it('says the demo org has no account signal, and writes nothing', async () => {
    // The demo org makes one Account per converted Lead: committees of one, and the Account
    // appears only at conversion. The verdict guard must keep such a model from writing.
    const world = await loadWorld(deps.crm, deps.store);
    expect(world.companies.size).toBe(emu.org.table('Account').size);
    const before = await stats(emu.url);
    const run = await runAccountScores(deps, { world });
    const after = await stats(emu.url);
    console.log(
      JSON.stringify({
        accounts: world.companies.size,
        rows: run.trainingRows,
        positives: run.positives,
        auc: run.auc,
        verdict: run.verdict,
      }),
    );
    expect(run.verdict).not.toBe('OK');
    expect(run.scored).toBe(0);
    expect(callsOn(after, /composite\/sobjects/) - callsOn(before, /composite\/sobjects/)).toBe(0);
  });

  it('provisions the LeadLens fields on Account and writes account scores through the one write-back path', async () => {
    const world = await loadWorld(deps.crm, deps.store);
    const settings = await deps.store.getSettings();
    // The write path on its own: the model's scores whatever its verdict (the run never writes
    // a model without signal; the adapter path must work for one that has it).
    const model = trainAccountModel(world, {
      now: NOW,
      seed: 7,
      tiers: settings.tiers,
      scorer: null,
    });
    const rows = scoreAccounts(model.loaded, world, {
      asOf: NOW,
      tiers: settings.tiers,
      scoredAt: new Date(NOW).toISOString(),
      scorer: null,
    });
    expect(rows.length).toBeGreaterThan(50);
    await deps.crm.provisionObjects!(settings.tiers);
    const conn = new Connection({
      instanceUrl: emu.url,
      accessToken: emu.accessToken,
      version: '62.0',
    });
    const describe = await conn.sobject('Account').describe();
    for (const name of Object.values(SALESFORCE_FIELDS))
      expect(describe.fields.find((f) => f.name === name)?.updateable).toBe(true);

    await deps.store.transaction((tx) => tx.putScores(rows));
    const before = await stats(emu.url);
    const first = await writeNow(deps, 'company', rows.slice(0, 200));
    const after = await stats(emu.url);
    expect(first.failed).toEqual([]);
    expect(first.written).toBe(Math.min(200, rows.length));
    // One sObject Collections PATCH per ≤ 200 Accounts.
    expect(callsOn(after, /composite\/sobjects/) - callsOn(before, /composite\/sobjects/)).toBe(1);

    const byId = new Map(rows.map((r) => [r.id, r]));
    let checked = 0;
    for (const a of emu.org.table('Account').values()) {
      const score = a[SALESFORCE_FIELDS.score];
      if (score === null || score === undefined) continue;
      const row = byId.get(String(a.Id))!;
      const f = parseFactors(String(a[SALESFORCE_FIELDS.factors]))!;
      expect(Number(score)).toBe(row.score);
      expect(f.base + f.top.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(f.score);
      expect(a[SALESFORCE_FIELDS.tier]).toBe(row.tier);
      checked++;
    }
    expect(checked).toBe(first.written);
    const again = await writeNow(deps, 'company', rows.slice(0, 200));
    expect(again.written).toBe(0);
  });
});
