/**
 * An emulated HubSpot portal with segment drivers (no rate limits), the admin's segment settings
 * saved and the contacts synced: what the segment-model e2e tests start from. On any failure the
 * emulator and the deps are closed before the error goes on.
 */
import { startHubSpotEmulator } from '../../emulator/hubspot';
import type { Settings } from '../../src/contracts/settings';
import { makeBudget, runJob, syncJob } from '../../src/pipeline';
import type { AppDeps } from '../../src/server/compose';
import { depsFor, TOKEN, tempDb, type Emulator } from '../e2e/helpers';

export async function startSegmentsPortal(opts: {
  seed: string;
  contacts: number;
  settings: Settings;
  now: number;
}): Promise<{ emu: Emulator; deps: AppDeps }> {
  const emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: opts.seed,
    contacts: opts.contacts,
    segmentDrivers: true,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  let deps: AppDeps | undefined;
  try {
    deps = await depsFor(emu.url, tempDb(opts.seed), opts.now);
    await deps.store.saveSettings(opts.settings, new Date(opts.now).toISOString());
    const r = await runJob(deps, syncJob({}), { budget: makeBudget(Infinity, deps.now) });
    if (r.status !== 'done') throw new Error(`sync of the emulated portal: ${r.status}`);
    return { emu, deps };
  } catch (e) {
    await deps?.close();
    await emu.close();
    throw e;
  }
}
