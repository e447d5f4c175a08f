import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isLeadLensError } from '../contracts/errors';
import type { CrmRecord } from '../contracts/records';
import { DEFAULT_SETTINGS } from '../contracts/settings';
import { LATEST_SCHEMA_VERSION, migrate } from './migrations';
import type { ScoreRow } from './port';
import { openSqliteStore } from './sqlite';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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

describe('openSqliteStore', () => {
  it('uses a real WAL database file and keeps everything after close and reopen', () => {
    const file = path.join(dir, 'nested', 'leadlens.db');
    const s = openSqliteStore(file);
    s.upsertRecords([contact('2'), contact('10'), contact('1')]);
    s.upsertDeals([
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
    s.saveSettings({ ...DEFAULT_SETTINGS, scoreJumpPoints: 9 }, '2024-01-01T00:00:00.000Z');
    const v = s.saveModel({
      status: 'shadow',
      modelType: 'logistic',
      artifact: '{}',
      report: '{}',
      trainedAt: '2024-01-01T00:00:00.000Z',
      publishedAt: null,
    });
    s.publishModel(v, '2024-01-02T00:00:00.000Z');
    s.close();
    expect(fs.existsSync(file)).toBe(true);

    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();

    const again = openSqliteStore(file);
    expect(again.countRecords('contact')).toBe(3);
    expect(again.getRecord('contact', '10')?.properties.lifecyclestage).toBe('lead');
    expect(again.listDeals().map((d) => d.id)).toEqual(['5']);
    expect(again.getSettings().scoreJumpPoints).toBe(9);
    expect(again.getPublishedModel()?.version).toBe(v);
    again.close();
  });

  it('lists ids in numeric order and pages after an id', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    s.upsertRecords(['100', '9', '20', '3', 'x-1'].map((id) => contact(id)));
    expect(s.listRecords('contact', { limit: 10 }).map((r) => r.id)).toEqual([
      '3',
      '9',
      '20',
      '100',
      'x-1',
    ]);
    expect(s.listRecords('contact', { afterId: '9', limit: 2 }).map((r) => r.id)).toEqual([
      '20',
      '100',
    ]);
    expect(s.listRecords('lead', { limit: 10 })).toEqual([]);
    s.close();
  });

  it('merges a history read into a listed record without losing associations', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    s.upsertRecords([contact('1', { associations: { deal: ['7'], company: ['3'] } })]);
    s.upsertRecords([
      contact('1', {
        associations: {},
        history: { lifecyclestage: [{ value: 'lead', timestamp: '2024-01-01T00:00:00.000Z' }] },
      }),
    ]);
    const r = s.getRecord('contact', '1');
    expect(r?.associations).toEqual({ deal: ['7'], company: ['3'] });
    expect(r?.history.lifecyclestage).toHaveLength(1);
    s.close();
  });

  it('tracks which contacts need their history read', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    s.upsertRecords([contact('1'), contact('2'), contact('3')]);
    expect(s.idsNeedingHistory(10)).toEqual(['1', '2', '3']);
    s.markHistorySynced(['1', '2'], '2024-02-02T00:00:00.000Z');
    expect(s.idsNeedingHistory(10)).toEqual(['3']);
    // A later change makes the stored history stale again.
    s.upsertRecords([contact('2', { updatedAt: '2024-03-01T00:00:00.000Z' })]);
    expect(s.idsNeedingHistory(10)).toEqual(['2', '3']);
    expect(s.idsNeedingHistory(1)).toEqual(['2']);
    s.close();
  });

  it('rolls a checkpoint back together with its work', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    expect(() =>
      s.transaction(() => {
        s.upsertRecords([contact('1')]);
        s.saveJob({
          job: 'sync',
          runId: 'r1',
          status: 'running',
          state: { after: '1' },
          startedAt: 'a',
          updatedAt: 'b',
        });
        throw new Error('crash between the page and the next call');
      }),
    ).toThrow('crash');
    expect(s.countRecords('contact')).toBe(0);
    expect(s.getJob('sync')).toBeNull();
    s.transaction(() => {
      s.upsertRecords([contact('1')]);
      s.saveJob({
        job: 'sync',
        runId: 'r1',
        status: 'running',
        state: { after: '1' },
        startedAt: 'a',
        updatedAt: 'b',
      });
    });
    expect(s.getJob('sync')?.state).toEqual({ after: '1' });
    expect(s.countRecords('contact')).toBe(1);
    s.close();
  });

  it('publishes, rolls back and retires model versions', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    const base = {
      status: 'shadow' as const,
      modelType: 'gbdt',
      artifact: '{"a":1}',
      report: '{}',
      trainedAt: '2024-01-01T00:00:00.000Z',
      publishedAt: null,
    };
    const v1 = s.saveModel(base);
    const v2 = s.saveModel(base);
    expect([v1, v2]).toEqual([1, 2]);
    expect(s.getPublishedModel()).toBeNull();
    s.publishModel(v1, 't1');
    s.publishModel(v2, 't2');
    expect(s.getPublishedModel()?.version).toBe(2);
    expect(s.getModel(1)?.status).toBe('retired');
    s.publishModel(v1, 't3');
    expect(s.listModels().map((m) => [m.version, m.status])).toEqual([
      [1, 'published'],
      [2, 'retired'],
    ]);
    let err: unknown;
    try {
      s.publishModel(99, 't');
    } catch (e) {
      err = e;
    }
    expect(isLeadLensError(err, 'NO_MODEL')).toBe(true);
    s.close();
  });

  it('keeps scores and a merged ledger of written values', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    s.putScores([score('12', 50), score('2', 70)]);
    s.putScores([score('2', 71)]);
    expect(s.countScores('contact')).toBe(2);
    expect(s.getScore('contact', '2')?.score).toBe(71);
    expect(s.listScores('contact', { limit: 5 }).map((r) => r.id)).toEqual(['2', '12']);
    s.markWritten('contact', [{ id: '2', properties: { leadlens_score: '71' } }], 't');
    s.markWritten('contact', [{ id: '2', properties: { leadlens_tier: 'tier_1' } }], 't2');
    const ids = Array.from({ length: 1200 }, (_, i) => String(i));
    const w = s.getWritten('contact', ids);
    expect(w.size).toBe(1);
    expect(w.get('2')).toEqual({ leadlens_score: '71', leadlens_tier: 'tier_1' });
    s.close();
  });

  it('defaults settings, records feedback and de-duplicates events', () => {
    const s = openSqliteStore(path.join(dir, 'a.db'));
    expect(s.getSettings()).toEqual(DEFAULT_SETTINGS);
    const id = s.addFeedback({
      objectType: 'contact',
      recordId: '4',
      kind: 'too_high',
      comment: 'no budget',
      score: 80,
      modelVersion: 1,
      userId: null,
      createdAt: 't',
    });
    expect(s.listFeedback({ limit: 5 })).toEqual([
      {
        id,
        objectType: 'contact',
        recordId: '4',
        kind: 'too_high',
        comment: 'no budget',
        score: 80,
        modelVersion: 1,
        userId: null,
        createdAt: 't',
      },
    ]);
    expect(s.rememberEvent('e1', 't')).toBe(true);
    expect(s.rememberEvent('e1', 't')).toBe(false);
    s.close();
  });

  it('upgrades a database written by schema version 1', () => {
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    expect(migrate(old, 1)).toBe(1);
    old
      .prepare(
        `INSERT INTO records VALUES ('contact', '7', '0017', '2024-01-01T00:00:00.000Z',
          '2024-01-02T00:00:00.000Z', '{"email":null}', '{}', '{}', NULL)`,
      )
      .run();
    old.close();

    const s = openSqliteStore(file);
    expect(s.getRecord('contact', '7')?.updatedAt).toBe('2024-01-02T00:00:00.000Z');
    // Version 2's partial index serves the history backlog.
    expect(s.idsNeedingHistory(5)).toEqual(['7']);
    // Version 3: the feature plan is a record of its own, empty until a sync decides one.
    expect(s.getFeaturePlan()).toBeNull();
    s.saveFeaturePlan('{"v":1}', '2024-01-03T00:00:00.000Z');
    s.saveFeaturePlan('{"v":2}', '2024-01-04T00:00:00.000Z');
    expect(s.getFeaturePlan()).toEqual({ plan: '{"v":2}', savedAt: '2024-01-04T00:00:00.000Z' });
    s.close();
    const check = new Database(file, { readonly: true });
    const versions = check.prepare('SELECT version FROM schema_version ORDER BY version').all();
    expect(versions).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    expect(LATEST_SCHEMA_VERSION).toBe(3);
    check.close();
  });

  it('says what to do when the file is not a database', () => {
    const file = path.join(dir, 'junk.db');
    fs.writeFileSync(file, 'this is not sqlite at all, just text '.repeat(200));
    let err: unknown;
    try {
      openSqliteStore(file);
    } catch (e) {
      err = e;
    }
    expect(isLeadLensError(err, 'STORE_ERROR')).toBe(true);
    expect((err as Error).message).toContain('junk.db');
  });
});
