/** Shared set-up of the end-to-end tests: an emulator, a fresh SQLite file, pinned time. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@hubspot/api-client';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { silentLogger } from '../../src/pipeline';
import type { Server } from 'node:http';
import { createServer, type ServerOptions } from '../../src/server/app';
import { adminCredential } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { sign } from '../../src/server/hubspot-signature';

export const TOKEN = 'e2e-token';
/** The portal id the e2e runs file their data under. */
/** The portal the e2e stores are filed under: the emulator's default hub id, as in production. */
export const PORTAL = '62515';

export type Emulator = Awaited<ReturnType<typeof startHubSpotEmulator>>;

export async function startPortal(contacts: number, seed = 'e2e'): Promise<Emulator> {
  return startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed,
    contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
}

/**
 * The few-deals portal (120 contacts, no rate limits) installed as `current-install`, with other
 * private-app installs and their scopes (`extraTokens`: token → scopes) for the scope tests.
 */
export function startScopesPortal(extraTokens: Record<string, string[]>): Promise<Emulator> {
  return startHubSpotEmulator({
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
    port: 0,
    token: 'current-install',
    seed: 'few-deals',
    contacts: 120,
    extraTokens,
  });
}

export function tempDb(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leadlens-${name}-`));
  return path.join(dir, 'leadlens.db');
}

/**
 * Deps against `url` with time pinned at `now` (an hour ahead: after every real write), calling
 * with `token` (another install's, for the scope tests).
 */
export function depsFor(
  url: string,
  dbFile: string,
  now: number,
  token: string = TOKEN,
): Promise<AppDeps> {
  return composeDeps({
    baseUrl: url,
    token,
    portalId: PORTAL,
    databaseUrl: null,
    dbFile,
    log: silentLogger,
    now: () => now,
  });
}

export function sdk(url: string, token = TOKEN): Client {
  return new Client({ accessToken: token, basePath: url, numberOfApiCallRetries: 0 });
}

export interface ContactState {
  id: string;
  properties: Record<string, string | null>;
}

/** Every contact with the given properties, paged through the real SDK. */
export async function allContacts(
  url: string,
  properties: string[],
  token = TOKEN,
): Promise<ContactState[]> {
  const client = sdk(url, token);
  const out: ContactState[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.crm.contacts.basicApi.getPage(100, after, properties);
    for (const r of page.results) out.push({ id: r.id, properties: r.properties });
    after = page.paging?.next?.after;
    if (!after) return out;
  }
}

export async function emulatorJson<T>(
  url: string,
  pathAndQuery: string,
  init?: RequestInit,
): Promise<T> {
  const res = await fetch(`${url}${pathAndQuery}`, init);
  if (!res.ok) throw new Error(`${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Property sets written to each record, in order (the emulator's write log). */
export type Writes = Record<string, Array<Record<string, string>>>;

export async function writesOf(url: string, objectType = 'contacts'): Promise<Writes> {
  return (
    await emulatorJson<{ writes: Writes }>(url, `/__emulator/writes?objectType=${objectType}`)
  ).writes;
}

/** The LeadLens server on a free local port. */
/** The operator's credential of the e2e servers, and the header that presents it. */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef-shared';
export const AS_ADMIN = { authorization: `Bearer ${E2E_ADMIN_TOKEN}` };

export async function listenLocal(
  deps: AppDeps,
  opts: Omit<ServerOptions, 'admin'> & Partial<Pick<ServerOptions, 'admin'>>,
): Promise<{ server: Server; base: string; flush: () => Promise<void> }> {
  const { app, flushWebhooks } = createServer(deps, {
    admin: adminCredential(E2E_ADMIN_TOKEN, 'test'),
    ...opts,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return { server, base, flush: flushWebhooks };
}

/** A POST signed as HubSpot signs webhooks and workflow actions (v3). */
export function signedPost(
  url: string,
  rawBody: string,
  secret: string,
  opts: { signature?: string; timestamp?: number } = {},
): Promise<Response> {
  const timestamp = opts.timestamp ?? Date.now();
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3':
        opts.signature ?? sign('v3', secret, { method: 'POST', url, rawBody, timestamp }),
      'x-hubspot-request-timestamp': String(timestamp),
    },
    body: rawBody,
  });
}

/** A small portal: count SQLs as conversions so the contact model has enough of them. */
export async function sqlsAsConversions(deps: AppDeps, now: number): Promise<void> {
  const settings = await deps.store.getSettings();
  await deps.store.saveSettings(
    { ...settings, conversion: { kind: 'lifecycle_sql', horizonDays: 120 } },
    new Date(now).toISOString(),
  );
}
