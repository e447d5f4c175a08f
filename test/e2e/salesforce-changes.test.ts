/**
 * Change Data Capture over the Streaming API, through jsforce's own streaming client (faye,
 * CometD long-polling) against the emulator: the event shape, replay -1 / -2 / an id, an
 * invalid replay id, a bad session; then the whole path — a Lead edited in Salesforce reaches a
 * new score written back, our own write-back does not loop, and a restarted listener catches
 * up from its saved replay id.
 */
import { control } from '../support/salesforce';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../emulator/salesforce';
import { runToCompletion } from '../../src/pipeline';
import { listenForLeadChanges, needsRescore, type Rescored } from '../../src/pipeline/changes';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { tempDb } from './helpers';
import { shutdownFayeClient } from '../../src/crm/salesforce/changes';

const { StreamingExtension } = require('jsforce/lib/api/streaming');

const NOW = Date.parse('2026-11-01T00:00:00.000Z');
const CHANNEL = '/data/LeadChangeEvent';

interface CdcMessage {
  channel?: string;
  payload: {
    ChangeEventHeader: {
      entityName: string;
      recordIds: string[];
      changeType: string;
      changedFields: string[];
      commitTimestamp: number;
      transactionKey: string;
      commitUser: string;
    };
    [field: string]: unknown;
  };
  event: { replayId: number };
}

async function until<T>(what: string, get: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 6000; i++) {
    const v = get();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

interface Faye {
  subscribe(ch: string, cb: (m: CdcMessage) => void): PromiseLike<unknown>;
  disconnect(): void;
}

describe('Salesforce change events (CDC over CometD)', () => {
  let emu: SalesforceEmulator;
  let conn: Connection;
  const clients: Faye[] = [];
  beforeAll(async () => {
    emu = await startSalesforceEmulator({ leads: 1000, seed: 'changes', cometdTimeoutMs: 1500 });
    conn = new Connection({ instanceUrl: emu.url, accessToken: emu.accessToken, version: '62.0' });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => shutdownFayeClient(c)));
    await emu?.close();
  });

  const client = (replayId: number, onAuthFailure?: () => void, c: Connection = conn): Faye => {
    const f = c.streaming.createClient([
      new StreamingExtension.Replay(CHANNEL, replayId),
      new StreamingExtension.AuthFailure(onAuthFailure ?? (() => undefined)),
    ]) as unknown as Faye;
    clients.push(f);
    return f;
  };
  const openLeads = () =>
    [...emu.org.table('Lead').values()]
      .filter((l) => l.IsConverted !== true)
      .map((l) => String(l.Id));

  it('delivers a Lead change with its ChangeEventHeader, and replays -2, an id, or refuses a bad id', async () => {
    const [a, b] = openLeads();
    const got: CdcMessage[] = [];
    const live = client(-1);
    await live.subscribe(CHANNEL, (m) => got.push(m));
    await conn.sobject('Lead').update({ Id: a, Rating: 'Hot' });
    await conn.sobject('Lead').update({ Id: b, Title: 'VP Sales', NumberOfEmployees: 5000 });
    await until('two events', () => got.length >= 2);
    const first = got[0];
    expect(first.payload.ChangeEventHeader).toMatchObject({
      entityName: 'Lead',
      recordIds: [a],
      changeType: 'UPDATE',
      commitUser: emu.org.userId,
    });
    expect(first.payload.ChangeEventHeader.changedFields).toEqual(
      expect.arrayContaining(['Rating', 'LastModifiedDate']),
    );
    expect(first.payload.Rating).toBe('Hot');
    expect(typeof first.event.replayId).toBe('number');
    expect(got[1].payload).toMatchObject({ Title: 'VP Sales', NumberOfEmployees: 5000 });
    expect(got[1].event.replayId).toBeGreaterThan(first.event.replayId);

    // -2: every retained event; an id: the events after it.
    const all: CdcMessage[] = [];
    await client(-2).subscribe(CHANNEL, (m) => all.push(m));
    await until('replayed -2', () => all.length >= 2);
    expect(all.map((m) => m.event.replayId)).toEqual(got.map((m) => m.event.replayId));
    const after: CdcMessage[] = [];
    await client(first.event.replayId).subscribe(CHANNEL, (m) => after.push(m));
    await until('replayed after an id', () => after.length >= 1);
    expect(after.map((m) => m.payload.ChangeEventHeader.recordIds[0])).toEqual([b]);

    await expect(
      new Promise((resolve, reject) =>
        client(999_999)
          .subscribe(CHANNEL, () => undefined)
          .then(resolve, reject),
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/replayId \{999999\}/) });
  });

  it('a bad session is refused with advice reconnect: none (jsforce AuthFailure fires)', async () => {
    const bad = new Connection({ instanceUrl: emu.url, accessToken: 'nope', version: '62.0' });
    let failed = false;
    const f = client(-1, () => (failed = true), bad);
    f.subscribe(CHANNEL, () => undefined);
    await until('auth failure', () => failed);
    expect(failed).toBe(true);
  });

  it('a Lead edited in Salesforce reaches a new score through the change-event path', async () => {
    const db = tempDb('sf-changes');
    const depsOf = (): Promise<AppDeps> =>
      composeDeps({
        baseUrl: '',
        token: '',
        portalId: 'sf-changes',
        databaseUrl: null,
        dbFile: db,
        now: () => NOW,
        salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken },
      });
    const deps = await depsOf();
    let stop = new AbortController();
    const rescored: Rescored[] = [];
    const errors: unknown[] = [];
    try {
      expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
      const [a, b, c] = openLeads().slice(10);
      const before = emu.org.get('Lead', a)!.LeadLens_Score__c;
      expect(typeof before).toBe('number');
      const writesBefore = emu.writes.length;

      const subscribedBefore = emu.changes.subscribers();
      const listening = listenForLeadChanges(deps, {
        signal: stop.signal,
        onRescored: (r) => rescored.push(r),
        onError: (e) => errors.push(e),
      });
      // Subscribed before the edit: the saved position is -1 (only new events).
      await until('subscribed', () => emu.changes.subscribers() > subscribedBefore);
      await conn.sobject('Lead').update({
        Id: a,
        Rating: 'Hot',
        Title: 'Chief Executive Officer',
        NumberOfEmployees: 20000,
        LeadSource: 'Partner Referral',
      });
      const r1 = await until(
        'rescored a',
        () => errors.length > 0 || rescored.find((r) => r.ids.includes(a)),
      );
      expect(errors).toEqual([]);
      if (r1 === true) throw new Error('unreachable');
      const score = (await deps.store.getScore('contact', a))!.score;
      expect(r1.scores[a]).toBe(score);
      expect(emu.org.get('Lead', a)!.LeadLens_Score__c).toBe(score);
      const written = emu.writes
        .slice(writesBefore)
        .filter((w) => w.id === a && 'LeadLens_Score__c' in w.fields);
      // Written at most once: when the new score equals the old, nothing needed writing.
      expect(written.length).toBe(score === before ? 0 : 1);

      // Our own write produced a change event too; it is passed over (no rescoring loop), so
      // the next rescore is b's.
      // (Values no lead of the demo holds: an update to the same value is no change, no event.)
      await conn.sobject('Lead').update({ Id: b, Title: 'Director of Change Events' });
      await until('rescored b', () => errors.length > 0 || rescored.find((r) => r.ids.includes(b)));
      expect(rescored.map((r) => r.ids)).toEqual([[a], [b]]);
      expect(errors).toEqual([]);
      stop.abort();
      await listening;

      // Nobody listens while c changes; a new listener replays from the saved id.
      await conn.sobject('Lead').update({ Id: c, Title: 'Director of Replays' });
      stop = new AbortController();
      const again = listenForLeadChanges(deps, {
        signal: stop.signal,
        onRescored: (r) => rescored.push(r),
        onError: (e) => errors.push(e),
      });
      await until('rescored c', () => errors.length > 0 || rescored.find((r) => r.ids.includes(c)));
      expect(rescored.map((r) => r.ids)).toEqual([[a], [b], [c]]);
      expect(errors).toEqual([]);
      stop.abort();
      await again;
    } finally {
      stop.abort();
      await deps.close();
    }
  }, 300_000);

  it('only changes of fields other than ours call for a new score', () => {
    const e = (changeType: string, changedFields: string[]) => ({
      replayId: 1,
      changeType,
      ids: ['00Q'],
      changedFields,
      commitTimestamp: 0,
    });
    expect(needsRescore(e('UPDATE', ['LeadLens_Score__c', 'LastModifiedDate']))).toBe(false);
    expect(needsRescore(e('UPDATE', ['Rating', 'LastModifiedDate']))).toBe(true);
    expect(needsRescore(e('CREATE', []))).toBe(true);
    expect(needsRescore(e('DELETE', []))).toBe(false);
    expect(needsRescore(e('GAP_UPDATE', []))).toBe(true);
  });

  it('resets cleanly', async () => {
    await control(emu.url, '/__emulator/reset', {});
    expect(emu.changes.subscribers()).toBe(0);
  });
});
