/**
 * The governance part of the store contract (model scores kept for judging, alerts, decisions,
 * monitoring runs), on both engines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../../test/support/postgres';
import { openStoreEngine } from './open';
import type { AlertRow, ModelScoreRow, StoreEngine } from './port';

async function sqlite(): Promise<{ engine: StoreEngine; done: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-gov-'));
  const engine = await openStoreEngine({ sqliteFile: path.join(dir, 'l.db') });
  return {
    engine,
    done: async () => {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgres(): Promise<{ engine: StoreEngine; done: () => Promise<void> }> {
  const db = await createTestDatabase('governance');
  const engine = await openStoreEngine({ databaseUrl: db.url, sqliteFile: 'unused' });
  return {
    engine,
    done: async () => {
      await engine.close();
      await db.drop();
    },
  };
}

const ms = (
  v: number,
  id: string,
  p: number,
  over: Partial<ModelScoreRow> = {},
): ModelScoreRow => ({
  modelVersion: v,
  id,
  scoredAt: '2026-01-01T00:00:00.000Z',
  probability: p,
  score: Math.round(p * 100),
  tier: p > 0.5 ? 'tier_1' : 'tier_2',
  pairedVersion: null,
  pairedProbability: null,
  pairedTier: null,
  segment: null,
  ...over,
});

const alert = (subject: string, over: Partial<AlertRow> = {}): AlertRow => ({
  kind: 'feature_drift',
  severity: 'alert',
  modelVersion: 1,
  subject,
  value: 0.3,
  threshold: 0.25,
  message: `${subject} drifted`,
  createdAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: null,
  crmTaskId: null,
  ...over,
});

describe.each([
  ['sqlite', sqlite],
  ['postgres', postgres],
] as const)('governance store on %s', (_name, open) => {
  let h: { engine: StoreEngine; done: () => Promise<void> };
  let n = 0;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(() => h?.done());
  const portals = () => {
    n += 1;
    return [h.engine.forPortal(`g${n}a`), h.engine.forPortal(`g${n}b`)] as const;
  };

  it('keeps the first score per version and contact, pages in id order, per portal', async () => {
    const [a, b] = portals();
    await a.putModelScores([
      ms(1, '10', 0.2),
      ms(1, '9', 0.7),
      ms(2, '9', 0.4, {
        pairedVersion: 1,
        pairedProbability: 0.7,
        pairedTier: 'tier_1',
        segment: 'paid',
      }),
    ]);
    // A later run's score of the same pair does not replace what the model first predicted.
    await a.putModelScores([
      ms(1, '9', 0.1, { scoredAt: '2026-02-01T00:00:00.000Z' }),
      ms(1, '100', 0.3),
    ]);
    const v1 = await a.listModelScores(1, { limit: 10 });
    expect(v1.map((r) => [r.id, r.probability])).toEqual([
      ['9', 0.7],
      ['10', 0.2],
      ['100', 0.3],
    ]);
    expect(v1[0].scoredAt).toBe('2026-01-01T00:00:00.000Z');
    expect((await a.listModelScores(1, { afterId: '9', limit: 1 })).map((r) => r.id)).toEqual([
      '10',
    ]);
    const v2 = await a.listModelScores(2, { limit: 10 });
    // The record's segment as its score payload recorded it comes back (migration 41).
    expect(v2).toEqual([
      ms(2, '9', 0.4, {
        pairedVersion: 1,
        pairedProbability: 0.7,
        pairedTier: 'tier_1',
        segment: 'paid',
      }),
    ]);
    expect(await b.listModelScores(1, { limit: 10 })).toEqual([]);
  });

  it('stores alerts, lists open ones newest first, resolves them and records their CRM task', async () => {
    const [a, b] = portals();
    const first = await a.addAlert(alert('industry'));
    const second = await a.addAlert(alert('score', { kind: 'score_drift', severity: 'warn' }));
    expect((await a.listAlerts({ open: true, limit: 10 })).map((x) => x.id)).toEqual([
      second,
      first,
    ]);
    await a.updateAlert(first, { crmTaskId: '777' });
    await a.updateAlert(second, { resolvedAt: '2026-01-02T00:00:00.000Z' });
    const open = await a.listAlerts({ open: true, limit: 10 });
    expect(open).toEqual([{ ...alert('industry'), id: first, crmTaskId: '777' }]);
    expect((await a.listAlerts({ limit: 10 })).length).toBe(2);
    expect(await b.listAlerts({ limit: 10 })).toEqual([]);
    // Another portal cannot touch this portal's alert by id.
    await b.updateAlert(first, { resolvedAt: 'x' });
    expect((await a.listAlerts({ open: true, limit: 10 })).length).toBe(1);
  });

  it('logs decisions in order, per version, and monitoring runs newest first', async () => {
    const [a, b] = portals();
    const d = (v: number, action: string) => ({
      modelVersion: v,
      action,
      actor: 'cli',
      reason: `${action} v${v}`,
      details: '{}',
      at: '2026-01-01T00:00:00.000Z',
    });
    await a.addDecision(d(1, 'published'));
    await a.addDecision(d(2, 'shadow'));
    await a.addDecision(d(2, 'promoted'));
    expect((await a.listDecisions({ limit: 10 })).map((x) => x.action)).toEqual([
      'published',
      'shadow',
      'promoted',
    ]);
    expect((await a.listDecisions({ modelVersion: 2, limit: 10 })).map((x) => x.reason)).toEqual([
      'shadow v2',
      'promoted v2',
    ]);
    expect(await b.listDecisions({ limit: 10 })).toEqual([]);
    await a.addMonitorRun({ modelVersion: 1, at: 't1', data: '{"n":1}' });
    await a.addMonitorRun({ modelVersion: 2, at: 't2', data: '{"n":2}' });
    expect((await a.listMonitorRuns({ limit: 10 })).map((r) => r.data)).toEqual([
      '{"n":2}',
      '{"n":1}',
    ]);
    expect((await a.listMonitorRuns({ modelVersion: 1, limit: 10 })).map((r) => r.at)).toEqual([
      't1',
    ]);
  });

  it('keeps one spike per record and scoring moment, lists those without a task, records it', async () => {
    const [a, b] = portals();
    const spike = {
      objectType: 'contact' as const,
      recordId: '7',
      scoredAt: '2026-01-02T00:00:00.000Z',
      fromScore: 40,
      toScore: 81,
      fromTier: 'tier_2',
      toTier: 'tier_1',
      reason: 'top_tier+jump',
      modelVersion: 1,
      createdAt: '2026-01-02T00:00:01.000Z',
      crmTaskId: null,
    };
    expect(await a.addSpike(spike)).toBe(true);
    expect(await a.addSpike({ ...spike, toScore: 99 })).toBe(false);
    expect(await a.addSpike({ ...spike, scoredAt: '2026-01-09T00:00:00.000Z' })).toBe(true);
    const listed = await a.listSpikes({ withoutTask: true, limit: 10 });
    expect(listed.map((x) => [x.recordId, x.scoredAt, x.toScore])).toEqual([
      ['7', '2026-01-02T00:00:00.000Z', 81],
      ['7', '2026-01-09T00:00:00.000Z', 81],
    ]);
    expect(listed[0]).toEqual({ id: listed[0].id, ...spike });
    await a.updateSpike(listed[0].id!, { crmTaskId: '123' });
    await a.updateSpike(listed[1].id!, { crmTaskId: 'pending:t' });
    expect((await a.listSpikes({ withoutTask: true, limit: 10 })).map((x) => x.crmTaskId)).toEqual([
      'pending:t',
    ]);
    expect((await a.listSpikes({ limit: 10 })).map((x) => x.crmTaskId)).toEqual([
      '123',
      'pending:t',
    ]);
    expect(await b.listSpikes({ limit: 10 })).toEqual([]);
    // Feedback that states an outcome keeps it.
    const id = await a.addFeedback({
      objectType: 'contact',
      recordId: '7',
      kind: 'wrong_outcome',
      comment: '',
      score: 40,
      modelVersion: 1,
      userId: 'u',
      createdAt: 't',
      outcome: 'converted',
    });
    expect((await a.listFeedback({ limit: 5 }))[0]).toMatchObject({ id, outcome: 'converted' });
  });
});
