/**
 * The store's contract, run against both engines: SQLite (a temp file) and PostgreSQL (a
 * database created for this file and dropped after). Whatever the pipeline relies on is here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/postgres';
import { isLeadLensError, type LeadLensError } from '../contracts/errors';
import type { CrmRecord } from '../contracts/records';
import { DEFAULT_SETTINGS } from '../contracts/settings';
import { openStoreEngine } from './open';
import type { InstallInput, PortalStore, ScoreRow, StoreEngine } from './port';
import { createSecretBox, Secret } from './secrets';

const KEY1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const KEY2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;

interface Harness {
  open(opts?: { keys?: string }): Promise<StoreEngine>;
  /** Raw rows of a table, bypassing the port (to check what is really stored). */
  raw(sql: string): Promise<Array<Record<string, unknown>>>;
  done(): Promise<void>;
}

async function sqliteHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-contract-'));
  const file = path.join(dir, 'nested', 'leadlens.db');
  return {
    open: (o = {}) =>
      openStoreEngine({ sqliteFile: file, secrets: createSecretBox(o.keys ?? KEY1) }),
    async raw(sql) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all() as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
    async done() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase('contract');
  return {
    open: (o = {}) =>
      openStoreEngine({
        databaseUrl: db.url,
        sqliteFile: 'unused',
        secrets: createSecretBox(o.keys ?? KEY1),
      }),
    async raw(sql) {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query('SET search_path TO leadlens');
        return (await c.query(sql)).rows as Array<Record<string, unknown>>;
      } finally {
        await c.end();
      }
    },
    done: () => db.drop(),
  };
}

const contact = (id: string, over: Partial<CrmRecord> = {}): CrmRecord => ({
  id,
  objectType: 'contact',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-02-01T00:00:00.000Z',
  properties: { lifecyclestage: 'lead' },
  history: {},
  associations: { deal: [] },
  ...over,
});

const score = (id: string, s: number): ScoreRow => ({
  objectType: 'contact',
  id,
  modelVersion: 1,
  probability: s / 100,
  score: s,
  tier: 'tier_2',
  factors: '{"v":1}',
  reasons: 'r',
  scoredAt: '2024-03-01T00:00:00.000Z',
});

const model = {
  status: 'shadow' as const,
  modelType: 'gbdt',
  artifact: '{"a":1}',
  report: '{}',
  trainedAt: '2024-01-01T00:00:00.000Z',
  publishedAt: null,
};

async function thrown(p: Promise<unknown>): Promise<LeadLensError> {
  try {
    await p;
  } catch (e) {
    return e as LeadLensError;
  }
  throw new Error('expected a rejection');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['sqlite', sqliteHarness],
  ['postgres', postgresHarness],
] as const)('store contract on %s', (_name, makeHarness) => {
  let h: Harness;
  let engine: StoreEngine;
  let a: PortalStore;
  let b: PortalStore;
  let n = 0;

  beforeAll(async () => {
    h = await makeHarness();
    engine = await h.open();
  });
  afterAll(async () => {
    await engine?.close();
    await h?.done();
  });
  beforeEach(() => {
    // Fresh portals per test: the database is shared, the portals are not.
    n += 1;
    a = engine.forPortal(`${n}01`);
    b = engine.forPortal(`${n}02`);
  });

  it('keeps everything after close and reopen', async () => {
    await a.upsertRecords([contact('2'), contact('10'), contact('1')]);
    await a.upsertDeals([
      {
        id: '5',
        createdAt: '2024-01-02T00:00:00.000Z',
        closedAt: null,
        isClosed: false,
        isWon: false,
        amount: 100,
        contactIds: ['1'],
      },
    ]);
    await a.saveSettings({ ...DEFAULT_SETTINGS, scoreJumpPoints: 9 }, '2024-01-01T00:00:00.000Z');
    const v = await a.saveModel(model);
    await a.publishModel(v, '2024-01-02T00:00:00.000Z');
    await engine.close();
    engine = await h.open();
    const again = engine.forPortal(a.portalId);
    expect(await again.countRecords('contact')).toBe(3);
    expect((await again.getRecord('contact', '10'))?.properties.lifecyclestage).toBe('lead');
    expect((await again.listDeals()).map((d) => d.id)).toEqual(['5']);
    expect((await again.getSettings()).scoreJumpPoints).toBe(9);
    expect((await again.getPublishedModel())?.version).toBe(v);
  });

  it('lists ids in numeric order and pages after an id', async () => {
    await a.upsertRecords(['100', '9', '20', '3', 'x-1', 'X-2', '10a'].map((id) => contact(id)));
    expect((await a.listRecords('contact', { limit: 10 })).map((r) => r.id)).toEqual([
      '3',
      '9',
      '20',
      '100',
      '10a',
      'X-2',
      'x-1',
    ]);
    expect((await a.listRecords('contact', { afterId: '9', limit: 2 })).map((r) => r.id)).toEqual([
      '20',
      '100',
    ]);
    expect(await a.listRecords('lead', { limit: 10 })).toEqual([]);
  });

  it('merges a history read into a listed record without losing associations', async () => {
    await a.upsertRecords([contact('1', { associations: { deal: ['7'], company: ['3'] } })]);
    await a.upsertRecords([
      contact('1', {
        associations: {},
        properties: { jobtitle: 'CEO' },
        history: { lifecyclestage: [{ value: 'lead', timestamp: '2024-01-01T00:00:00.000Z' }] },
      }),
    ]);
    const r = await a.getRecord('contact', '1');
    expect(r?.associations).toEqual({ deal: ['7'], company: ['3'] });
    expect(r?.properties).toEqual({ lifecyclestage: 'lead', jobtitle: 'CEO' });
    expect(r?.history.lifecyclestage).toHaveLength(1);
    // The same id twice in one call: the later one is merged over the earlier.
    await a.upsertRecords([
      contact('2', { properties: { a: '1' } }),
      contact('2', { properties: { b: '2' } }),
    ]);
    expect((await a.getRecord('contact', '2'))?.properties).toEqual({ a: '1', b: '2' });
  });

  it('tracks which contacts need their history read', async () => {
    await a.upsertRecords([contact('1'), contact('2'), contact('3')]);
    expect(await a.idsNeedingHistory(10)).toEqual(['1', '2', '3']);
    await a.markHistorySynced(['1', '2'], '2024-02-02T00:00:00.000Z');
    expect(await a.idsNeedingHistory(10)).toEqual(['3']);
    await a.upsertRecords([contact('2', { updatedAt: '2024-03-01T00:00:00.000Z' })]);
    expect(await a.idsNeedingHistory(10)).toEqual(['2', '3']);
    expect(await a.idsNeedingHistory(1)).toEqual(['2']);
  });

  it('commits a checkpoint with its work, across awaits, or rolls both back', async () => {
    const cp = {
      job: 'sync',
      runId: 'r1',
      status: 'running' as const,
      state: { after: '1' },
      startedAt: 'a',
      updatedAt: 'b',
    };
    const err = await thrown(
      a.transaction(async (tx) => {
        await tx.upsertRecords([contact('1')]);
        await sleep(5); // a step's commit may await (e.g. other store calls) before finishing
        await tx.saveJob(cp);
        throw new Error('crash between the page and the next call');
      }),
    );
    expect(err.message).toContain('crash');
    expect(await a.countRecords('contact')).toBe(0);
    expect(await a.getJob('sync')).toBeNull();

    await a.transaction(async (tx) => {
      await tx.upsertRecords([contact('1')]);
      // A call on the store itself (not `tx`) from inside the transaction joins it.
      await a.saveJob(cp);
      expect(await a.getJob('sync')).not.toBeNull();
    });
    expect((await a.getJob('sync'))?.state).toEqual({ after: '1' });
    expect(await a.countRecords('contact')).toBe(1);
  });

  it('keeps an open transaction invisible to other callers until it commits', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const tx = a.transaction(async (t) => {
      await t.upsertRecords([contact('1')]);
      entered();
      await gate;
    });
    await inside;
    // Another caller (another request, another job) reads meanwhile.
    const outside = (async () => a.countRecords('contact'))();
    await sleep(20);
    release();
    await tx;
    // SQLite's one connection makes the reader wait for the commit (1); PostgreSQL answers at
    // once from the last committed state (0). Neither ever sees a half-done transaction.
    expect([0, 1]).toContain(await outside);
    expect(await a.countRecords('contact')).toBe(1);
    // Nested transactions are savepoints: the inner rollback keeps the outer work.
    await a.transaction(async (t) => {
      await t.upsertRecords([contact('2')]);
      await thrown(
        a.transaction(async (inner) => {
          await inner.upsertRecords([contact('3')]);
          throw new Error('inner');
        }),
      );
    });
    expect((await a.listRecords('contact', { limit: 10 })).map((r) => r.id)).toEqual(['1', '2']);
  });

  it('numbers, publishes, rolls back and retires model versions per portal', async () => {
    expect([await a.saveModel(model), await a.saveModel(model)]).toEqual([1, 2]);
    expect(await b.saveModel(model)).toBe(1);
    expect(await a.getPublishedModel()).toBeNull();
    await a.publishModel(1, 't1');
    await a.publishModel(2, 't2');
    expect((await a.getPublishedModel())?.version).toBe(2);
    expect((await a.getModel(1))?.status).toBe('retired');
    await a.publishModel(1, 't3');
    expect((await a.listModels()).map((m) => [m.version, m.status])).toEqual([
      [1, 'published'],
      [2, 'retired'],
    ]);
    expect(isLeadLensError(await thrown(a.publishModel(99, 't')), 'NO_MODEL')).toBe(true);
    // A failed publish changes nothing.
    expect((await a.getPublishedModel())?.version).toBe(1);
    // b's model 1 is untouched by a's publishing.
    expect((await b.getModel(1))?.status).toBe('shadow');
    expect(await b.getPublishedModel()).toBeNull();
  });

  it('numbers deal and account model versions per object type, apart from contact models', async () => {
    expect(await a.saveModel(model)).toBe(1);
    const pub = { ...model, status: 'published' as const, publishedAt: 't1' };
    expect(await a.saveObjectModel('deal', pub)).toBe(1);
    expect(await a.saveObjectModel('deal', { ...pub, publishedAt: 't2' })).toBe(2);
    expect(await a.saveObjectModel('company', pub)).toBe(1);
    // A new published deal model retired the earlier one; the company model is untouched.
    expect((await a.listObjectModels('deal')).map((m) => [m.version, m.status])).toEqual([
      [1, 'retired'],
      [2, 'published'],
    ]);
    expect((await a.getPublishedObjectModel('deal'))?.publishedAt).toBe('t2');
    expect((await a.getPublishedObjectModel('company'))?.version).toBe(1);
    expect(await a.getObjectModel('deal', 3)).toBeNull();
    // A shadow deal model leaves the published one in place.
    expect(await a.saveObjectModel('deal', model)).toBe(3);
    expect((await a.getPublishedObjectModel('deal'))?.version).toBe(2);
    // Contact versions go on from their own count, and b sees none of a's.
    expect(await a.saveModel(model)).toBe(2);
    expect(await a.getPublishedModel()).toBeNull();
    expect(await b.listObjectModels('deal')).toEqual([]);
    expect(await b.getPublishedObjectModel('deal')).toBeNull();
  });

  it('keeps scores and a merged ledger of written values', async () => {
    await a.putScores([score('12', 50), score('2', 70)]);
    await a.putScores([score('2', 71)]);
    expect(await a.countScores('contact')).toBe(2);
    expect((await a.getScore('contact', '2'))?.score).toBe(71);
    expect((await a.listScores('contact', { limit: 5 })).map((r) => r.id)).toEqual(['2', '12']);
    await a.markWritten('contact', [{ id: '2', properties: { leadlens_score: '71' } }], 't');
    await a.markWritten('contact', [{ id: '2', properties: { leadlens_tier: 'tier_1' } }], 't2');
    const ids = Array.from({ length: 1200 }, (_, i) => String(i));
    const w = await a.getWritten('contact', ids);
    expect(w.size).toBe(1);
    expect(w.get('2')).toEqual({ leadlens_score: '71', leadlens_tier: 'tier_1' });
    expect((await a.getWritten('lead', ['2'])).size).toBe(0);
    // The CRM's time after our last write: kept until a write brings a new one.
    await a.markWritten(
      'contact',
      [{ id: '2', properties: { leadlens_score: '72' }, updatedAt: '2026-01-01T00:00:00.000Z' }],
      't3',
    );
    await a.markWritten('contact', [{ id: '2', properties: { leadlens_score: '73' } }], 't4');
    expect(await a.getWrittenUpdatedAt('contact', ['2', '12'])).toEqual(
      new Map([['2', '2026-01-01T00:00:00.000Z']]),
    );
    expect((await a.getWritten('contact', ['2'])).get('2')?.leadlens_score).toBe('73');
  });

  it('keeps write failures per record: attempts count up while the values stay the same', async () => {
    const f = (id: string, valuesKey: string, retryable = false) => ({
      objectType: 'contact' as const,
      id,
      code: retryable ? 'INTERNAL_ERROR' : 'OBJECT_NOT_FOUND',
      message: `record ${id} failed`,
      retryable,
      valuesKey,
    });
    await a.recordWriteFailures([f('5', 'k1'), f('6', 'k1', true)], '2026-01-01T00:00:00Z');
    await a.recordWriteFailures([f('6', 'k1', true)], '2026-01-01T00:01:00Z');
    let got = await a.getWriteFailures('contact', ['5', '6', '7']);
    expect(got.get('5')).toMatchObject({ attempts: 1, retryable: false, valuesKey: 'k1' });
    expect(got.get('6')).toMatchObject({ attempts: 2, retryable: true });
    // Other values (or another version of the record): counted from 1 again.
    await a.recordWriteFailures([f('6', 'k2', true)], '2026-01-01T00:02:00Z');
    got = await a.getWriteFailures('contact', ['6']);
    expect(got.get('6')).toMatchObject({ attempts: 1, valuesKey: 'k2' });
    expect((await a.getWriteFailures('lead', ['5'])).size).toBe(0);
    expect((await b.listWriteFailures({ limit: 5 })).total).toBe(0);
    const listed = await a.listWriteFailures({ limit: 1 });
    expect(listed.total).toBe(2);
    expect(listed.rows.map((r) => r.id)).toEqual(['6']);
    await a.clearWriteFailures('contact', ['5', '6']);
    expect((await a.listWriteFailures({ limit: 5 })).total).toBe(0);
  });

  it('defaults settings, records feedback and de-duplicates events', async () => {
    expect(await a.getSettings()).toEqual(DEFAULT_SETTINGS);
    const row = {
      objectType: 'contact' as const,
      recordId: '4',
      kind: 'too_high',
      comment: 'no budget',
      score: 80,
      modelVersion: 1,
      userId: null,
      createdAt: 't',
    };
    const id = await a.addFeedback(row);
    expect(await a.listFeedback({ limit: 5 })).toEqual([{ id, ...row }]);
    expect(await a.rememberEvent('e1', 't')).toBe(true);
    expect(await a.rememberEvent('e1', 't')).toBe(false);
    expect(await b.rememberEvent('e1', 't')).toBe(true);
  });

  it('claims a signed request once per portal until the claim expires or is released', async () => {
    expect(await a.claimRequest('sig-1', 60_000)).toBe(true);
    expect(await a.claimRequest('sig-1', 60_000)).toBe(false);
    // Another portal's claims are its own.
    expect(await b.claimRequest('sig-1', 60_000)).toBe(true);
    await a.releaseRequest('sig-1');
    expect(await a.claimRequest('sig-1', 60_000)).toBe(true);
    expect(await b.claimRequest('sig-1', 60_000)).toBe(false);
    // An expired claim no longer refuses (the signature is past its age by then anyway).
    expect(await a.claimRequest('sig-2', 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await a.claimRequest('sig-2', 60_000)).toBe(true);
    expect(await a.claimRequest('sig-2', 60_000)).toBe(false);
  });

  it('keeps one feature plan per portal, the last one saved', async () => {
    expect(await a.getFeaturePlan()).toBeNull();
    await a.saveFeaturePlan('{"v":1}', '2024-01-03T00:00:00.000Z');
    await a.saveFeaturePlan('{"v":2}', '2024-01-04T00:00:00.000Z');
    expect(await a.getFeaturePlan()).toEqual({
      plan: '{"v":2}',
      savedAt: '2024-01-04T00:00:00.000Z',
    });
    expect(await b.getFeaturePlan()).toBeNull();
  });

  it('never shows one portal the rows of another, whatever the call', async () => {
    await a.upsertRecords([contact('1'), contact('2', { objectType: 'lead' })]);
    await a.upsertDeals([
      {
        id: '9',
        createdAt: 't',
        closedAt: null,
        isClosed: false,
        isWon: false,
        amount: null,
        contactIds: ['1'],
      },
    ]);
    await a.saveJob({
      job: 'run',
      runId: 'r',
      status: 'done',
      state: {},
      startedAt: 't',
      updatedAt: 't',
    });
    await a.publishModel(await a.saveModel(model), 't');
    await a.putScores([score('1', 60)]);
    await a.markWritten('contact', [{ id: '1', properties: { leadlens_score: '60' } }], 't');
    await a.saveSettings({ ...DEFAULT_SETTINGS, scoreJumpPoints: 3 }, 't');
    await a.addFeedback({
      objectType: 'contact',
      recordId: '1',
      kind: 'other',
      comment: 'x',
      score: null,
      modelVersion: null,
      userId: null,
      createdAt: 't',
    });
    await a.saveInstall(install('tok-a'));
    await a.saveFeaturePlan('{"v":1}', 't');

    expect(await b.getRecord('contact', '1')).toBeNull();
    expect(await b.getFeaturePlan()).toBeNull();
    expect(await b.listRecords('contact', { limit: 10 })).toEqual([]);
    expect(await b.listRecords('lead', { limit: 10 })).toEqual([]);
    expect(await b.countRecords('contact')).toBe(0);
    expect(await b.idsNeedingHistory(10)).toEqual([]);
    expect(await b.listDeals()).toEqual([]);
    expect(await b.getJob('run')).toBeNull();
    expect(await b.getModel(1)).toBeNull();
    expect(await b.getPublishedModel()).toBeNull();
    expect(await b.listModels()).toEqual([]);
    expect(await b.getScore('contact', '1')).toBeNull();
    expect(await b.listScores('contact', { limit: 10 })).toEqual([]);
    expect(await b.countScores('contact')).toBe(0);
    expect((await b.getWritten('contact', ['1'])).size).toBe(0);
    expect(await b.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(await b.listFeedback({ limit: 10 })).toEqual([]);
    expect(await b.getInstall()).toBeNull();
    expect(await b.getLease()).toBeNull();

    // Writes through b with a's ids create b's own rows and leave a's alone.
    await b.markHistorySynced(['1'], '2099-01-01T00:00:00.000Z');
    expect(await a.idsNeedingHistory(10)).toEqual(['1']);
    await b.putScores([score('1', 10)]);
    expect((await a.getScore('contact', '1'))?.score).toBe(60);
    await b.markUninstalled('t');
    expect((await a.getInstall())?.status).toBe('installed');
    expect(() => engine.forPortal("1' OR '1'='1")).toThrow('is not a portal id');
  });

  const install = (token: string, refresh: string | null = null): InstallInput => ({
    auth: refresh ? 'oauth' : 'private_app',
    hubId: '62515',
    scopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'],
    apiBaseUrl: 'https://api.hubapi.com',
    accessToken: new Secret(token),
    accessTokenExpiresAt: refresh ? '2030-01-01T00:00:00.000Z' : null,
    refreshToken: refresh === null ? null : new Secret(refresh),
    installedAt: '2024-01-01T00:00:00.000Z',
  });

  it('stores install tokens encrypted, bound to their portal, and erases them on uninstall', async () => {
    await a.saveInstall(install('pat-secret-access', 'refresh-secret-xyz'));
    const got = await a.getInstall();
    expect(got?.accessToken?.reveal()).toBe('pat-secret-access');
    expect(got?.refreshToken?.reveal()).toBe('refresh-secret-xyz');
    expect(got?.scopes).toEqual(['crm.objects.contacts.read', 'crm.objects.contacts.write']);
    // Never printed: not in JSON, not in util.inspect (what loggers use).
    expect(JSON.stringify(got)).not.toContain('secret-');
    expect(inspect(got, { depth: 5 })).not.toContain('secret-');

    const rows = await h.raw(`SELECT * FROM installs WHERE portal_id = '${a.portalId}'`);
    expect(JSON.stringify(rows)).not.toContain('pat-secret-access');
    expect(JSON.stringify(rows)).not.toContain('refresh-secret-xyz');
    expect(String(rows[0].access_token_enc)).toMatch(/^v1:k1:/);

    // A ciphertext moved into another portal's row (or another column) fails its check.
    await b.saveInstall(install('other'));
    const stolen = String(rows[0].access_token_enc);
    const swapped = await h.open();
    try {
      await swappedColumn(h, b.portalId, stolen);
      const err = await thrown(swapped.forPortal(b.portalId).getInstall());
      expect(isLeadLensError(err, 'STORE_ERROR')).toBe(true);
      expect(err.message).toContain('integrity');
    } finally {
      await swapped.close();
    }

    expect((await engine.listInstalls({ status: 'installed' })).map((i) => i.portalId)).toContain(
      a.portalId,
    );
    await a.markUninstalled('2024-02-01T00:00:00.000Z');
    const gone = await a.getInstall();
    expect(gone?.status).toBe('uninstalled');
    expect(gone?.accessToken).toBeNull();
    expect(gone?.refreshToken).toBeNull();
    expect(
      (await engine.listInstalls({ status: 'installed' })).map((i) => i.portalId),
    ).not.toContain(a.portalId);
  });

  it('rotates the encryption key: old ciphertexts still read, then re-encrypt under the new key', async () => {
    await a.saveInstall(install('rotate-me'));
    const rotated = await h.open({ keys: `${KEY2},${KEY1}` });
    try {
      const p = rotated.forPortal(a.portalId);
      expect((await p.getInstall())?.accessToken?.reveal()).toBe('rotate-me');
      const first = await rotated.rotateSecrets();
      expect(first.rotated).toBeGreaterThanOrEqual(1);
      const [row] = await h.raw(
        `SELECT access_token_enc FROM installs WHERE portal_id = '${a.portalId}'`,
      );
      expect(String(row.access_token_enc)).toMatch(/^v1:k2:/);
      // Rows that cannot be read (the tampered one above) are listed, not fatal.
      expect(first.unreadable).toEqual((await rotated.rotateSecrets()).unreadable);
      expect((await rotated.rotateSecrets()).rotated).toBe(0);
    } finally {
      await rotated.close();
    }
    // Without the new key, the rotated token cannot be read: the error names the key.
    const err = await thrown(a.getInstall());
    expect(isLeadLensError(err, 'CONFIG_INVALID')).toBe(true);
    expect(err.message).toContain('"k2"');
  });

  it('grants one run lease per portal, names its holder, and lets it expire after a crash', async () => {
    const first = await a.acquireLease({ holder: 'cli on h:1', purpose: 'run', ttlMs: 400 });
    expect(first.token).toBeGreaterThan(0);
    const locked = await thrown(a.acquireLease({ holder: 'worker', purpose: 'sync', ttlMs: 400 }));
    expect(isLeadLensError(locked, 'JOB_LOCKED')).toBe(true);
    expect(locked.message).toContain('cli on h:1');
    expect(locked.message).toContain(first.acquiredAt);
    expect(locked.hint).toContain('expires at');
    expect(locked.details).toMatchObject({ holder: 'cli on h:1', purpose: 'run' });
    // Another portal is not affected.
    const other = await b.acquireLease({ holder: 'x', purpose: 'run', ttlMs: 400 });
    await b.releaseLease(other.token);
    expect((await a.getLease())?.holder).toBe('cli on h:1');

    // Renewing keeps it; a crashed holder stops renewing and the lease lapses.
    expect(await a.renewLease(first.token, 400)).not.toBeNull();
    expect((await engine.listLeases()).find((l) => l.portalId === a.portalId)).toMatchObject({
      holder: 'cli on h:1',
      live: true,
    });
    await sleep(600);
    expect(await a.getLease()).toBeNull();
    // Lapsed, not released: still listed (a watchdog hands the dead holder's job on).
    expect((await engine.listLeases()).find((l) => l.portalId === a.portalId)).toMatchObject({
      holder: 'cli on h:1',
      token: first.token,
      live: false,
    });
    const second = await a.acquireLease({ holder: 'worker', purpose: 'run', ttlMs: 5000 });
    expect(second.token).toBeGreaterThan(first.token);

    // The stalled first holder is fenced out: its writes fail and leave nothing behind.
    expect(await a.renewLease(first.token, 400)).toBeNull();
    const stale = a.withFence(first.token);
    const err = await thrown(stale.upsertRecords([contact('77')]));
    expect(isLeadLensError(err, 'JOB_LOCKED')).toBe(true);
    await thrown(stale.transaction((tx) => tx.upsertRecords([contact('78')])));
    expect(await a.countRecords('contact')).toBe(0);
    const current = a.withFence(second.token);
    await current.transaction((tx) => tx.upsertRecords([contact('79')]));
    await current.saveJob({
      job: 'run',
      runId: 'r',
      status: 'running',
      state: {},
      startedAt: 't',
      updatedAt: 't',
    });
    expect(await a.countRecords('contact')).toBe(1);

    await a.releaseLease(second.token);
    expect(await a.getLease()).toBeNull();
    expect((await engine.listLeases()).map((l) => l.portalId)).not.toContain(a.portalId);
    const third = await a.acquireLease({ holder: 'cli', purpose: 'sync', ttlMs: 1000 });
    expect(third.token).toBeGreaterThan(second.token);
    await a.releaseLease(third.token);
  });

  it('hands the lease to exactly one of many concurrent callers', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        a.acquireLease({ holder: `caller ${i}`, purpose: 'run', ttlMs: 5000 }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isLeadLensError(r.reason, 'JOB_LOCKED')).toBe(true);
    }
  });

  /** Puts `enc` into portal's access_token_enc column directly (simulating a tampered row). */
  async function swappedColumn(harness: Harness, portalId: string, enc: string) {
    await writeRaw(
      harness,
      `UPDATE installs SET access_token_enc = '${enc}' WHERE portal_id = '${portalId}'`,
    );
  }
  async function writeRaw(harness: Harness, sql: string) {
    if (_name === 'sqlite') {
      const file = (
        await harness.raw("SELECT file FROM pragma_database_list WHERE name = 'main'")
      )[0].file as string;
      const db = new Database(file);
      try {
        db.prepare(sql).run();
      } finally {
        db.close();
      }
    } else {
      await harness.raw(sql);
    }
  }
});
