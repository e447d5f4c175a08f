/**
 * A bench's demo portal: the HubSpot emulator (no rate limits) and deps on a fresh SQLite file
 * in a temporary folder, time pinned at `now`. `close` ends both and removes the folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubSpotEmulator, type HubSpotEmulatorOptions } from '../emulator/hubspot';
import { silentLogger } from '../src/pipeline';
import { composeDeps } from '../src/server/compose';

const TOKEN = 'bench-token';

export async function openBenchPortal(opts: {
  /** The temporary folder's name starts with this. */
  tmpPrefix: string;
  emulator: Pick<HubSpotEmulatorOptions, 'seed' | 'contacts' | 'segmentDrivers'>;
  now: number;
}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  const emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    ...opts.emulator,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  const deps = await composeDeps({
    baseUrl: emu.url,
    token: TOKEN,
    portalId: '62515',
    databaseUrl: null,
    dbFile: path.join(dir, 'bench.db'),
    log: silentLogger,
    now: () => opts.now,
  }).catch(async (e: unknown) => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const close = async () => {
    await deps.close();
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { emu, deps, close };
}
