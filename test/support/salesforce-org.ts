/**
 * An emulated Salesforce org synced into a fresh SQLite store through real jsforce: what the
 * object-score e2e tests (Accounts, Opportunities) start from. On any failure the emulator and
 * the deps are closed before the error goes on, so a failed beforeAll leaves nothing running.
 */
import './salesforce';
import {
  startSalesforceEmulator,
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
} from '../../emulator/salesforce';
import type { Settings } from '../../src/contracts/settings';
import { runJobToEnd, syncJob } from '../../src/pipeline';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { tempDb } from '../e2e/helpers';

export async function startSyncedOrg(opts: {
  emulator: SalesforceEmulatorOptions;
  portalId: string;
  now: number;
  /** Saved before the sync (segment properties are read with it). */
  settings?: Settings;
}): Promise<{ emu: SalesforceEmulator; deps: AppDeps }> {
  const emu = await startSalesforceEmulator(opts.emulator);
  let deps: AppDeps | undefined;
  try {
    deps = await composeDeps({
      baseUrl: '',
      token: '',
      portalId: opts.portalId,
      databaseUrl: null,
      dbFile: tempDb(opts.portalId),
      now: () => opts.now,
      salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken },
    });
    if (opts.settings)
      await deps.store.saveSettings(opts.settings, new Date(opts.now).toISOString());
    const sync = await runJobToEnd(deps, () => syncJob());
    if (sync.status !== 'done') throw new Error(`sync of the emulated org: ${sync.status}`);
    return { emu, deps };
  } catch (e) {
    await deps?.close();
    await emu.close();
    throw e;
  }
}
