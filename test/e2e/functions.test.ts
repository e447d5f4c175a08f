/**
 * The private app's HubSpot functions as HubSpot runs them: each BUILT bundle
 * (`npm run build:hubspot`) called in a fresh process and a fresh empty directory per call
 * (no disk kept, no node_modules), its heap capped, its peak RSS measured against 128 MB,
 * killed at 10 s, its secrets its only environment. Called again and again, provision → sync →
 * train → score (which writes back) complete a whole pipeline against PostgreSQL and the
 * HubSpot emulator for a portal of 3,000 contacts — training included, over many calls —
 * every call resuming from the checkpoint the last one saved, including after a call killed
 * in the middle of its work.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildHubSpotProject } from '../../scripts/build-hubspot';
import { openStoreEngine } from '../../src/store/open';
import type { StoreEngine } from '../../src/store/port';
import {
  callBuiltFunction,
  FUNCTION_MEMORY_MB,
  type FunctionCall,
} from '../support/hubspot-function';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import {
  allContacts,
  emulatorJson,
  PORTAL,
  startPortal,
  TOKEN,
  writesOf,
  type Emulator,
} from './helpers';

const ROOT = path.resolve(__dirname, '../..');
/** Well past what one call could train (one call held ~1,500 contacts before training resumed). */
const CONTACTS = 3000;

interface Answer {
  status?: string;
  progress?: string;
  error?: { code: string; message: string };
}

describe('HubSpot functions, run as HubSpot runs them, on PostgreSQL', () => {
  let tmp: string;
  let fnDir: string;
  let pg: TestDatabase;
  let emu: Emulator;
  let engine: StoreEngine;
  const calls: Array<{ fn: string } & FunctionCall> = [];

  const secrets = () => ({
    DATABASE_URL: pg.url,
    HUBSPOT_PORTAL_ID: PORTAL,
    PRIVATE_APP_ACCESS_TOKEN: TOKEN,
    HUBSPOT_BASE_PATH: emu.url,
    LEADLENS_LOG_LEVEL: 'warn',
  });

  const call = async (fn: string, parameters: Record<string, unknown> = {}, timeoutMs?: number) => {
    const c = await callBuiltFunction(
      path.join(fnDir, `${fn}.js`),
      { parameters },
      { secrets: secrets(), ...(timeoutMs ? { timeoutMs } : {}) },
    );
    calls.push({ fn, ...c });
    return c;
  };

  /** Calls `fn` until its job is done; a portal still leased by a killed call is waited out. */
  async function untilDone(fn: string, parameters: Record<string, unknown> = {}): Promise<Answer> {
    for (let i = 0; i < 150; i++) {
      const c = await call(fn, parameters);
      expect(c.thrown).toBeUndefined();
      if (c.killed) continue;
      expect(c.exitCode).toBe(0);
      const a = c.result as Answer;
      if (a.error?.code === 'JOB_LOCKED') {
        await new Promise((r) => setTimeout(r, 2000));
        continue;
      }
      expect(a.error).toBeUndefined();
      if (a.status === 'done') return a;
      expect(a.status).toBe('continue');
    }
    throw new Error(`${fn} did not finish in 150 calls`);
  }

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-fns-'));
    await buildHubSpotProject({
      root: ROOT,
      outDir: path.join(tmp, 'project'),
      publicUrl: 'https://leadlens.example.com',
    });
    fnDir = path.join(tmp, 'project', 'src', 'app', 'functions');
    pg = await createTestDatabase('functions');
    emu = await startPortal(CONTACTS, 'functions');
  }, 180_000);

  afterAll(async () => {
    await engine?.close();
    await emu?.close();
    await pg?.drop();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('each bundle is self-contained and declares the secrets it reads', async () => {
    const names = (await fs.readdir(fnDir)).filter((f) => f.endsWith('.js')).sort();
    expect(names).toEqual(
      [
        'feedback.js',
        'provision.js',
        'score-record.js',
        'score.js',
        'settings.js',
        'sync.js',
        'train.js',
      ].sort(),
    );
    for (const f of names) {
      const js = await fs.readFile(path.join(fnDir, f), 'utf8');
      expect(js).not.toMatch(/better-sqlite3/);
      const meta = JSON.parse(
        await fs.readFile(path.join(fnDir, f.replace(/\.js$/, '-hsmeta.json')), 'utf8'),
      ) as { config: { secretKeys: string[] } };
      expect(meta.config.secretKeys).toEqual(expect.arrayContaining(['DATABASE_URL']));
    }
    const pkg = JSON.parse(await fs.readFile(path.join(fnDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies).toEqual({});
  });

  it('without a DATABASE_URL a function refuses, telling how to set it', async () => {
    const c = await callBuiltFunction(
      path.join(fnDir, 'score-record.js'),
      { parameters: { objectId: '1' } },
      { secrets: { ...secrets(), DATABASE_URL: '' } },
    );
    expect(c.result).toMatchObject({
      error: { code: 'CONFIG_INVALID', hint: expect.stringMatching(/DATABASE_URL/) },
    });
  });

  it('provision → sync → train → score complete over repeated stateless calls', async () => {
    await untilDone('provision');

    // HubSpot ends a call at 10 s whatever it is doing; here one is ended mid-sync, sooner.
    // Its lease lapses and the next call resumes from what it committed.
    // Every HubSpot answer is slowed for this call, so the kill lands mid-sync however fast the
    // machine is (a quiet machine finishes 1,000 contacts' sync inside 2.5 s otherwise).
    const faults = (latencyMs: number) =>
      emulatorJson(emu.url, '/__emulator/faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs }),
      });
    await faults(300);
    const cut = await call('sync', {}, 2500);
    await faults(0);
    expect(cut.killed).toBe(true);
    await untilDone('sync');
    // A short budget (the caller's `budgetMs`), so training continues across calls however fast
    // the machine is: a quiet one trains 3,000 contacts in two calls of the default 5 s.
    const trained = await untilDone('train', { budgetMs: 1000 });
    expect(trained.progress).toMatch(/^model v1 \(/);
    await untilDone('score');

    // Within HubSpot's memory, every call that ran to its end.
    const finished = calls.filter((c) => !c.killed);
    for (const c of finished) expect(c.maxRssKb).not.toBeNull();
    const over = finished.filter((c) => c.maxRssKb! > FUNCTION_MEMORY_MB * 1024);
    expect(over.map((c) => `${c.fn}: ${Math.round(c.maxRssKb! / 1024)} MB`)).toEqual([]);
    // Jobs really continued across calls: sync, and training (frame pages, then fit units).
    expect(calls.filter((c) => c.fn === 'sync').length).toBeGreaterThan(2);
    const trainCalls = calls.filter((c) => c.fn === 'train' && !c.killed);
    // Training continued across calls: calls that stopped part-way (reading the frame or between
    // fit units), then the one that published. How many of each depends on the machine's speed:
    // a quiet one reads all 3,000 contacts' frame within one 1 s call. Resuming at every unit
    // boundary is train-resume.test.ts's.
    expect(trainCalls.length).toBeGreaterThanOrEqual(2);
    const trainAnswers = trainCalls.map((c) => (c.result as Answer).progress ?? '');
    const partWay = trainAnswers.filter((p) => /contacts read|units done/.test(p));
    expect(partWay.length).toBe(trainCalls.length - 1);

    // Every open contact carries its score in the CRM; customers none; each written once.
    const contacts = await allContacts(emu.url, [
      'lifecyclestage',
      'leadlens_score',
      'leadlens_tier',
    ]);
    const open = contacts.filter((c) => c.properties.lifecyclestage !== 'customer');
    const customers = contacts.filter((c) => c.properties.lifecyclestage === 'customer');
    expect(open.length).toBeGreaterThan(1500);
    expect(open.filter((c) => c.properties.leadlens_score == null).map((c) => c.id)).toEqual([]);
    for (const c of customers) expect(c.properties.leadlens_score ?? null).toBeNull();
    const writes = await writesOf(emu.url);
    expect(Object.entries(writes).filter(([, sets]) => sets.length !== 1)).toEqual([]);

    // The state is in PostgreSQL, where the server and workers read it.
    engine = await openStoreEngine({ databaseUrl: pg.url, sqliteFile: 'unused' });
    const store = engine.forPortal(PORTAL);
    expect(await store.countScores('contact')).toBe(open.length);
    expect((await store.getPublishedModel())?.version).toBeGreaterThan(0);
    for (const c of open.slice(0, 50)) {
      expect(c.properties.leadlens_score).toBe(
        String((await store.getScore('contact', c.id))!.score),
      );
    }
  }, 1_800_000);
});
