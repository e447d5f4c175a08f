/**
 * The settings function's 'governanceCharts' action, which the HubSpot settings page draws
 * (app/settings/GovernanceCharts.tsx): the request passes the function's zod schema, the answer
 * is the same DTO the self-hosted governance page draws, and reading it never touches the CRM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CrmPort } from '../crm/port';
import type { SettingsResult } from '../contracts/functions';
import { governanceCharts, silentLogger } from '../pipeline';
import { openStoreEngine } from '../store/open';
import type { StoreEngine } from '../store/port';
import { handlers } from './handlers';

/** Any CRM call fails the test: the charts are read from the store only. */
const noCrm = new Proxy({} as CrmPort, {
  get(_t, name) {
    throw new Error(`the governance charts called the CRM (${String(name)})`);
  },
});

describe("settings function: 'governanceCharts'", () => {
  let dir: string;
  let engine: StoreEngine;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-govcharts-'));
    engine = await openStoreEngine({ sqliteFile: path.join(dir, 'l.db') });
  });
  afterAll(async () => {
    await engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the governance charts the report draws, empty before any monitoring', async () => {
    const store = engine.forPortal('gc1');
    const deps = {
      crm: noCrm,
      store,
      now: () => Date.parse('2026-03-10'),
      log: silentLogger,
      seed: 1,
    };
    const ask = async () =>
      (await handlers.settings!(deps, {
        parameters: { action: 'governanceCharts' },
      })) as SettingsResult;

    const before = (await ask()).governanceCharts!;
    expect(before.runs).toEqual([]);
    expect(before.alerts).toEqual([]);
    expect(before.empty.psiOverRuns).toBe('No scoring run has been monitored yet.');

    await store.addAlert({
      kind: 'decay',
      severity: 'alert',
      modelVersion: 1,
      subject: 'auc',
      value: 0.6,
      threshold: 0.71,
      message: 'AUC dropped',
      createdAt: '2026-03-09T06:00:00.000Z',
      resolvedAt: null,
      crmTaskId: null,
    });
    const after = (await ask()).governanceCharts!;
    expect(after.alerts).toEqual([{ day: '2026-03-09', drift: 0, decay: 1, warnings: 0 }]);
    expect(after).toEqual(await governanceCharts(store));
  });

  it('refuses parameters the schema does not know', async () => {
    const store = engine.forPortal('gc2');
    const deps = { crm: noCrm, store, now: () => 0, log: silentLogger, seed: 1 };
    await expect(
      handlers.settings!(deps, { parameters: { action: 'governanceChart' } }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
