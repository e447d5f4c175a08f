/**
 * Real-time bench: a burst of property changes on K contacts (another integration writing
 * through the API), delivered by the emulator's webhooks (HubSpot's own batching: ≤ 100 events
 * a request, 10 requests in flight, `batchDelayMs` of gathering) to the LeadLens server, which
 * rescores and writes back within HubSpot's 190 / 10 s. Reports seconds from each change to
 * its written-back score: p50, p95, max.
 *   npm run bench:webhooks -- [changes=1000] [contacts=5000] [batchDelayMs=1000]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator } from '../emulator/hubspot';
import {
  DEFAULT_WEBHOOK_PROPERTIES,
  WEBHOOK_PATH,
  webhooksComponent,
} from '../scripts/build-hubspot';
import { runToCompletion, silentLogger } from '../src/pipeline';
import { createServer } from '../src/server/app';
import { adminCredential } from '../src/server/auth';
import { composeDeps } from '../src/server/compose';

const SECRET = 'bench-client-secret';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main() {
  const changes = Number(process.argv[2] ?? 1000);
  const contacts = Number(process.argv[3] ?? 5000);
  const batchDelayMs = Number(process.argv[4] ?? 1000);
  const emu = await startHubSpotEmulator({
    port: 0,
    token: 'bench',
    clientSecret: SECRET,
    seed: 'bench-webhooks',
    contacts,
    rateLimit: { tenSecondly: 190, secondly: 5, daily: null },
    webhooks: { batchDelayMs },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-webhooks-'));
  const deps = await composeDeps({
    baseUrl: emu.url,
    token: 'bench',
    dbFile: path.join(dir, 'leadlens.db'),
    log: silentLogger,
  });
  const setup = Date.now();
  const run = await runToCompletion(deps, { retrain: 'always' });
  if (run.status !== 'done') throw new Error(`pipeline ${run.status}`);
  const setupSecs = (Date.now() - setup) / 1000;
  const callsBefore = deps.crm.usage().calls;

  const { app, flushWebhooks } = createServer(deps, {
    clientSecret: SECRET,
    // The operator's pages are not used here; webhooks are authenticated by their signature.
    admin: adminCredential(randomBytes(24).toString('hex'), 'bench'),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  emu.installWebhooks(
    emu.defaultApp.appId,
    webhooksComponent(
      JSON.parse(
        fs.readFileSync(path.join(__dirname, '../app/webhooks/webhooks-hsmeta.json'), 'utf8'),
      ),
      WEBHOOK_PATH,
      [...DEFAULT_WEBHOOK_PROPERTIES, 'pricing_page_views', 'demo_requested'],
    ),
    base,
  );
  await fetch(`${emu.url}/__emulator/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'crm-user' }),
  });

  // Open, scored contacts with the fewest pricing views: the change moves their score.
  const targets = (await deps.store.listScores('contact', { afterId: null, limit: 1_000_000 }))
    .sort((a, b) => a.score - b.score)
    .slice(0, changes)
    .map((r) => r.id);
  const changedAt = new Map<string, number>();
  const writtenAt = new Map<string, number>();
  emu.hub.onChange((_portal, events) => {
    const now = Date.now();
    for (const e of events)
      if (
        e.propertyName === 'leadlens_score' &&
        e.sourceId === 'private-app' &&
        changedAt.has(String(e.objectId)) &&
        !writtenAt.has(String(e.objectId))
      )
        writtenAt.set(String(e.objectId), now);
  });
  const user = new Client({ accessToken: 'crm-user', basePath: emu.url });
  const burst = Date.now();
  for (let i = 0; i < targets.length; i += 100) {
    const part = targets.slice(i, i + 100);
    const at = Date.now();
    for (const id of part) changedAt.set(id, at);
    await user.crm.contacts.batchApi.update({
      inputs: part.map((id, j) => ({
        id,
        properties: { pricing_page_views: String(20 + ((i + j) % 20)), demo_requested: 'true' },
      })),
    });
  }
  const deadline = Date.now() + 120_000;
  while (writtenAt.size < targets.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await flushWebhooks();
  const lat = [...writtenAt.entries()]
    .map(([id, t]) => (t - changedAt.get(id)!) / 1000)
    .sort((a, b) => a - b);
  const deliveries = emu.webhooks.deliveries;
  console.log(
    JSON.stringify({
      changes: targets.length,
      writtenBack: lat.length,
      p50Seconds: Math.round(quantile(lat, 0.5) * 100) / 100,
      p95Seconds: Math.round(quantile(lat, 0.95) * 100) / 100,
      maxSeconds: Math.round(lat[lat.length - 1] * 100) / 100,
      burstSeconds: Math.round((Date.now() - burst) / 100) / 10,
      emulatorBatchDelayMs: batchDelayMs,
      deliveries: deliveries.length,
      meanEventsPerDelivery: Math.round(
        deliveries.reduce((n, d) => n + d.eventIds.length, 0) / Math.max(1, deliveries.length),
      ),
      failedDeliveries: deliveries.filter((d) => !d.ok).length,
      rescoreCalls: deps.crm.usage().calls - callsBefore,
      throttled: deps.crm.usage().throttled,
      setupSeconds: Math.round(setupSecs),
    }),
  );
  await new Promise((r) => server.close(r));
  await deps.close();
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
