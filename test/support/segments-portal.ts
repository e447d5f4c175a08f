/**
 * An emulated HubSpot portal with segment drivers (no rate limits), the admin's segment settings
 * saved and the contacts synced: what the segment-model e2e tests start from. On any failure the
 * emulator and the deps are closed before the error goes on.
 */
import { startHubSpotEmulator } from '../../emulator/hubspot';
import {
  DEFAULT_SETTINGS,
  type Segment,
  type Segments,
  type Settings,
} from '../../src/contracts/settings';
import { makeBudget, runJob, silentLogger, syncJob } from '../../src/pipeline';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { depsFor, PORTAL, TOKEN, tempDb, type Emulator } from '../e2e/helpers';

/** The lead sources whose leads convert on drivers of their own (generator `segmentDrivers`). */
export const PAID_SOURCES = ['PAID_SEARCH', 'PAID_SOCIAL', 'SOCIAL_MEDIA'];

/** The segment of those leads. */
export const PAID_SEGMENT: Segment = {
  key: 'paid',
  label: 'Paid channels',
  property: 'hs_analytics_source',
  values: PAID_SOURCES,
};

/** The organic segment the governance tests compare the paid one with. */
export const SEARCH_SEGMENT: Segment = {
  key: 'search',
  label: 'Search and direct',
  property: 'hs_analytics_source',
  values: ['ORGANIC_SEARCH', 'DIRECT_TRAFFIC'],
};

/** Default settings with logistic models and `list` as the admin's segments. */
export function segmentSettings(
  list: Segment[],
  gates: Pick<Segments, 'minPositives' | 'minGain'>,
): Settings {
  return { ...DEFAULT_SETTINGS, model: 'logistic', segments: { list, ...gates } };
}

interface PortalOptions {
  seed: string;
  contacts: number;
  settings: Settings;
  now: number;
}

/**
 * The emulator with segment drivers, deps from `open`, the settings saved at `savedAt` and, with
 * `sync`, the contacts synced. On any failure the emulator and the deps are closed before the
 * error goes on.
 */
async function startDriversPortal(o: {
  seed: string;
  contacts: number;
  stableSeed: boolean;
  settings: Settings;
  savedAt: number;
  sync: boolean;
  open: (url: string) => Promise<AppDeps>;
}): Promise<{ emu: Emulator; deps: AppDeps }> {
  const emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: o.seed,
    contacts: o.contacts,
    segmentDrivers: true,
    ...(o.stableSeed ? { stableSeed: true } : {}),
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  let deps: AppDeps | undefined;
  try {
    deps = await o.open(emu.url);
    await deps.store.saveSettings(o.settings, new Date(o.savedAt).toISOString());
    if (o.sync) {
      const r = await runJob(deps, syncJob({}), { budget: makeBudget(Infinity, deps.now) });
      if (r.status !== 'done') throw new Error(`sync of the emulated portal: ${r.status}`);
    }
    return { emu, deps };
  } catch (e) {
    await deps?.close();
    await emu.close();
    throw e;
  }
}

export function startSegmentsPortal(
  opts: PortalOptions,
): Promise<{ emu: Emulator; deps: AppDeps }> {
  return startDriversPortal({
    ...opts,
    stableSeed: false,
    savedAt: opts.now,
    sync: true,
    open: (url) => depsFor(url, tempDb(opts.seed), opts.now),
  });
}

/**
 * A segment-drivers portal with a stable seed (the same world whatever else the generator adds),
 * its deps reading the time from `clock` (tests that move time on), the settings saved at
 * `clock()` and nothing synced yet.
 */
export function startClockedSegmentsPortal(opts: {
  seed: string;
  contacts: number;
  settings: Settings;
  dbFile: string;
  clock: () => number;
}): Promise<{ emu: Emulator; deps: AppDeps }> {
  return startDriversPortal({
    ...opts,
    stableSeed: true,
    savedAt: opts.clock(),
    sync: false,
    open: (url) =>
      composeDeps({
        baseUrl: url,
        token: TOKEN,
        portalId: PORTAL,
        databaseUrl: null,
        dbFile: opts.dbFile,
        log: silentLogger,
        now: opts.clock,
      }),
  });
}

/**
 * The portal for the enclosing describe block: started before its tests, closed after them.
 * `deps` throws when read before the start (or after it failed), so no test runs on nothing.
 */
export function useSegmentsPortal(opts: PortalOptions): { readonly deps: AppDeps } {
  let started: { emu: Emulator; deps: AppDeps } | undefined;
  beforeAll(async () => {
    started = await startSegmentsPortal(opts);
  }, 120_000);
  afterAll(async () => {
    await started?.deps.close();
    await started?.emu.close();
  });
  return {
    get deps() {
      if (!started) throw new Error(`the segments portal "${opts.seed}" did not start`);
      return started.deps;
    },
  };
}
