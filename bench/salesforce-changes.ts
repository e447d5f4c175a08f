/**
 * Change-to-score latency on Salesforce: a Lead edited through the REST API → its change event
 * over CometD → `listenForLeadChanges` reads, scores and writes it back. Times from sending the
 * edit to the rescore's completion, one change at a time.
 *
 *   npx tsx bench/salesforce-changes.ts [changes=20] [leads=1000]
 */
for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startSalesforceEmulator } from '../emulator/salesforce';
import { runToCompletion } from '../src/pipeline';
import { listenForLeadChanges, type Rescored } from '../src/pipeline/changes';
import { composeDeps } from '../src/server/compose';

async function main() {
  const n = Number(process.argv[2] ?? 20);
  const leads = Number(process.argv[3] ?? 1000);
  const emu = await startSalesforceEmulator({ leads, seed: 'bench-changes' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-changes-'));
  const deps = await composeDeps({
    baseUrl: '',
    token: '',
    portalId: 'bench',
    databaseUrl: null,
    dbFile: path.join(dir, 'leadlens.db'),
    now: () => Date.parse('2026-11-01T00:00:00.000Z'),
    salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken },
  });
  const conn = new Connection({
    instanceUrl: emu.url,
    accessToken: emu.accessToken,
    version: '62.0',
  });
  await runToCompletion(deps, { retrain: 'always' });
  const stop = new AbortController();
  let waiting: ((r: Rescored) => void) | null = null;
  const listening = listenForLeadChanges(deps, {
    signal: stop.signal,
    onRescored: (r) => waiting?.(r),
    onError: (e) => console.error(e),
  });
  while (emu.changes.subscribers() === 0) await new Promise((r) => setTimeout(r, 10));
  const ids = [...emu.org.table('Lead').values()]
    .filter((l) => l.IsConverted !== true)
    .slice(0, n)
    .map((l) => String(l.Id));
  const times: number[] = [];
  const callsBefore = deps.crm.usage().calls;
  for (const [i, id] of ids.entries()) {
    const done = new Promise<Rescored>((resolve) => (waiting = resolve));
    const t0 = performance.now();
    await conn.sobject('Lead').update({ Id: id, Title: `Bench title ${i}` });
    await done;
    times.push(performance.now() - t0);
  }
  const calls = deps.crm.usage().calls - callsBefore;
  stop.abort();
  await listening;
  await deps.close();
  await emu.close();
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(
    JSON.stringify({
      changes: n,
      leads,
      p50Ms: Math.round(q(0.5)),
      p95Ms: Math.round(q(0.95)),
      maxMs: Math.round(times[times.length - 1]),
      apiCallsPerChange: +(calls / n).toFixed(1),
    }),
  );
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
