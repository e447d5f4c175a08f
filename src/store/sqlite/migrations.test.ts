/** SQLite specifics: a real WAL file, upgrades of files written by older versions, bad files. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLeadLensError } from '../../contracts/errors';
import { openSqliteEngine } from './engine';
import { MIGRATIONS, migrate } from './migrations';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-sqlite-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A file as version 0.1 (schema 2) left it: one portal's data, no portal column anywhere. */
function legacyFile(file: string, version = 2): void {
  const old = new Database(file);
  expect(migrate(old, version)).toBe(version);
  old.exec(`
    INSERT INTO records VALUES ('contact', '7', '0017', '2024-01-01T00:00:00.000Z',
      '2024-01-02T00:00:00.000Z', '{"email":null}', '{}', '{}', NULL);
    INSERT INTO models (status, model_type, artifact, report, trained_at, published_at)
      VALUES ('published', 'logistic', '{}', '{}', 't', 't');
    INSERT INTO scores VALUES ('contact', '7', '0017', 1, 0.5, 50, 'tier_2', '{}', 'r', 't');
    INSERT INTO written VALUES ('contact', '7', '{"leadlens_score":"50"}', 't');
    INSERT INTO settings VALUES (1, '${JSON.stringify({
      tiers: [
        { value: 'tier_1', label: 'Hot', minScore: 60 },
        { value: 'tier_2', label: 'Rest', minScore: 0 },
      ],
      conversion: { kind: 'lifecycle_customer', horizonDays: 120 },
      features: { include: [], exclude: [] },
      model: 'auto',
      retrainCadenceDays: 7,
      shadowMode: false,
      scoreJumpPoints: 15,
    })}', 't');
    INSERT INTO feedback (object_type, record_id, kind, comment, score, model_version, user_id,
      created_at) VALUES ('contact', '7', 'too_high', 'c', 50, 1, NULL, 't');
    INSERT INTO jobs VALUES ('run', '{"job":"run","runId":"r","status":"done","state":{},"startedAt":"t","updatedAt":"t"}');
  `);
  old.close();
}

describe('the SQLite engine', () => {
  it('is a real WAL database file', async () => {
    const file = path.join(dir, 'nested', 'leadlens.db');
    const engine = openSqliteEngine(file);
    await engine.forPortal('1').upsertRecords([]);
    await engine.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it.each([1, 2])(
    'upgrades a file written by schema %i, its rows going to the portal that opens it',
    async (version) => {
      const file = path.join(dir, 'old.db');
      legacyFile(file, version);
      const engine = openSqliteEngine(file, { legacyPortalId: '62515' });
      const p = engine.forPortal('62515');
      expect((await p.getRecord('contact', '7'))?.updatedAt).toBe('2024-01-02T00:00:00.000Z');
      // Schema 2's partial index serves the backlog, now per portal.
      expect(await p.idsNeedingHistory(5)).toEqual(['7']);
      expect((await p.getPublishedModel())?.version).toBe(1);
      expect((await p.getScore('contact', '7'))?.score).toBe(50);
      expect((await p.getWritten('contact', ['7'])).get('7')).toEqual({ leadlens_score: '50' });
      expect((await p.getSettings()).tiers.map((t) => t.label)).toEqual(['Hot', 'Rest']);
      expect(await p.listFeedback({ limit: 5 })).toHaveLength(1);
      expect((await p.getJob('run'))?.status).toBe('done');
      // New models continue the portal's numbering.
      expect(
        await p.saveModel({
          status: 'shadow',
          modelType: 'gbdt',
          artifact: '{}',
          report: '{}',
          trainedAt: 't',
          publishedAt: null,
        }),
      ).toBe(2);
      // Nothing of it is visible to any other portal.
      expect(await engine.forPortal('1').countRecords('contact')).toBe(0);
      await engine.close();

      const check = new Database(file, { readonly: true });
      const versions = check.prepare('SELECT version FROM schema_version ORDER BY version').all();
      expect(versions.map((v) => (v as { version: number }).version)).toEqual(
        // Every migration, applied once (numbers are assigned per branch, so they may skip).
        MIGRATIONS.map((m) => m.version),
      );
      check.close();
    },
  );

  it('refuses to guess the portal of old rows, and says how to upgrade', () => {
    const file = path.join(dir, 'old.db');
    legacyFile(file);
    let err: unknown;
    try {
      openSqliteEngine(file);
    } catch (e) {
      err = e;
    }
    expect(isLeadLensError(err, 'STORE_ERROR')).toBe(true);
    expect((err as Error & { hint: string }).hint).toContain('--portal');
    // Nothing was changed: the file is still at schema 2 and opens once told the portal.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({ v: 2 });
    raw.close();
  });

  it('will not file old rows under something that is not a portal id', () => {
    const file = path.join(dir, 'old.db');
    legacyFile(file);
    expect(() => openSqliteEngine(file, { legacyPortalId: 'not a portal' })).toThrow(
      'is not a portal id',
    );
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({ v: 2 });
    raw.close();
  });

  it('upgrades an empty old file without being told a portal', async () => {
    const file = path.join(dir, 'empty.db');
    const old = new Database(file);
    migrate(old, 2);
    old.close();
    const engine = openSqliteEngine(file);
    expect(await engine.forPortal('5').countRecords('contact')).toBe(0);
    await engine.close();
  });

  it('says what to do when the file is not a database', () => {
    const file = path.join(dir, 'junk.db');
    fs.writeFileSync(file, 'this is not sqlite at all, just text '.repeat(200));
    let err: unknown;
    try {
      openSqliteEngine(file);
    } catch (e) {
      err = e;
    }
    expect(isLeadLensError(err, 'STORE_ERROR')).toBe(true);
    expect((err as Error).message).toContain('junk.db');
  });
});
