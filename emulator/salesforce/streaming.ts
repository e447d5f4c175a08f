/**
 * Change Data Capture over the Streaming API: a Bayeux (CometD) long-polling endpoint at
 * `/cometd/NN.N`, as jsforce's streaming client (faye 1.4) talks to it — handshake, connect
 * (held open until an event or the advice timeout), subscribe with the replay extension
 * (`ext.replay = {channel: -1 | -2 | replayId}`), unsubscribe, disconnect. Record changes of the
 * org become change events on `/data/<Entity>ChangeEvent` and `/data/ChangeEvents`, kept 72 hours
 * for replay, with the ChangeEventHeader of the CDC developer guide (cdc_message_structure).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { type Org } from './org';
import { type Value } from './soql/eval';

/** Objects with change events selected (Setup → Change Data Capture). */
export const CDC_ENTITIES = ['Lead', 'Contact', 'Account', 'Opportunity'];
/** "Change events are stored for 3 days (72 hours)" (cdc_event_retention). */
const RETENTION_MS = 72 * 3_600_000;

interface BayeuxMessage {
  channel?: string;
  clientId?: string;
  id?: string;
  subscription?: string;
  ext?: Record<string, unknown>;
  [k: string]: unknown;
}

interface StoredEvent {
  replayId: number;
  at: number;
  entity: string;
  data: { schema: string; payload: Record<string, unknown>; event: { replayId: number } };
}

interface Client {
  id: string;
  subs: Set<string>;
  queue: BayeuxMessage[];
  wake: (() => void) | null;
}

export class ChangeEvents {
  private events: StoredEvent[] = [];
  private replay = 0;
  private clients = new Map<string, Client>();
  /** How long a /meta/connect is held open without events (Salesforce advises 110 s). */
  connectTimeoutMs = 110_000;
  published = 0;

  constructor(private readonly org: () => Org) {}

  /** Clients subscribed to at least one channel. */
  subscribers(): number {
    return [...this.clients.values()].filter((c) => c.subs.size > 0).length;
  }

  clear(): void {
    for (const c of this.clients.values()) c.wake?.();
    this.clients.clear();
    this.events = [];
  }

  /** One committed record change (called by the org after its write). */
  record(
    entity: string,
    id: string,
    changeType: 'CREATE' | 'UPDATE',
    changed: Record<string, Value>,
    at: number,
    origin: string,
  ): void {
    if (!CDC_ENTITIES.includes(entity)) return;
    const org = this.org();
    const def = org.object(entity);
    const fields = Object.keys(changed).filter((f) => !['Id', 'SystemModstamp'].includes(f));
    const payload: Record<string, unknown> = {
      ChangeEventHeader: {
        entityName: entity,
        recordIds: [id],
        changeType,
        changeOrigin: origin,
        transactionKey: randomUUID(),
        sequenceNumber: 1,
        commitTimestamp: at,
        commitNumber: at * 1000 + (this.replay % 1000),
        commitUser: org.userId,
        nulledFields: changeType === 'UPDATE' ? fields.filter((f) => changed[f] === null) : [],
        diffFields: [],
        changedFields: changeType === 'UPDATE' ? fields : [],
      },
    };
    for (const f of fields) {
      const v = changed[f];
      if (v === null && changeType === 'CREATE') continue;
      const type = def?.byName.get(f.toLowerCase())?.type;
      payload[f] = type === 'datetime' && typeof v === 'number' ? new Date(v).toISOString() : v;
    }
    const replayId = ++this.replay;
    const ev: StoredEvent = {
      replayId,
      at,
      entity,
      data: { schema: 'LeadLensEmulatorSchema', payload, event: { replayId } },
    };
    this.events.push(ev);
    const cutoff = org.now() - RETENTION_MS;
    while (this.events.length && this.events[0].at < cutoff) this.events.shift();
    for (const c of this.clients.values()) this.deliver(c, ev);
  }

  private channels(ev: StoredEvent): string[] {
    return [`/data/${ev.entity}ChangeEvent`, '/data/ChangeEvents'];
  }

  private deliver(c: Client, ev: StoredEvent, only?: string): void {
    for (const ch of this.channels(ev)) {
      if (!c.subs.has(ch) || (only && ch !== only)) continue;
      c.queue.push({ channel: ch, data: ev.data });
      this.published++;
    }
    c.wake?.();
  }

  register(app: Express, validToken: (token: string) => boolean): void {
    app.post(
      '/cometd/:version',
      express.json({ type: () => true, limit: '1mb' }),
      (req: Request, res: Response) => {
        void this.handle(req, res, validToken);
      },
    );
  }

  private async handle(
    req: Request,
    res: Response,
    validToken: (t: string) => boolean,
  ): Promise<void> {
    const token = /^(?:Bearer|OAuth) (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const authed = !!token && validToken(token);
    const body = req.body as unknown;
    const msgs: BayeuxMessage[] = Array.isArray(body) ? body : body ? [body as BayeuxMessage] : [];
    const replies: BayeuxMessage[] = [];
    let wait: Client | null = null;
    for (const m of msgs) {
      const base = {
        channel: m.channel,
        id: m.id,
        ...(m.clientId ? { clientId: m.clientId } : {}),
      };
      if (!authed) {
        // What Salesforce answers a handshake or connect with a bad or expired session; the
        // advice `reconnect: none` is what jsforce's AuthFailure extension reacts to.
        replies.push({
          ...base,
          successful: false,
          error:
            m.channel === '/meta/handshake'
              ? '403::Handshake denied'
              : '401::Authentication invalid',
          advice: { reconnect: 'none' },
          ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true },
        });
        continue;
      }
      if (m.channel === '/meta/handshake') {
        const id = randomBytes(12).toString('base64url');
        this.clients.set(id, { id, subs: new Set(), queue: [], wake: null });
        replies.push({
          ...base,
          clientId: id,
          version: '1.0',
          minimumVersion: '1.0',
          supportedConnectionTypes: ['long-polling'],
          successful: true,
          advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: 'retry' },
          ext: { replay: true, 'payload.format': true },
        });
        continue;
      }
      const c = m.clientId ? this.clients.get(m.clientId) : undefined;
      if (!c) {
        replies.push({
          ...base,
          successful: false,
          error: '403::Unknown client',
          advice: { reconnect: 'handshake', interval: 0 },
        });
        continue;
      }
      if (m.channel === '/meta/connect') {
        wait = c;
        replies.push({
          ...base,
          successful: true,
          advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: 'retry' },
        });
      } else if (m.channel === '/meta/subscribe') {
        replies.push(this.subscribe(c, m));
      } else if (m.channel === '/meta/unsubscribe') {
        c.subs.delete(String(m.subscription));
        replies.push({ ...base, subscription: m.subscription, successful: true });
      } else if (m.channel === '/meta/disconnect') {
        this.clients.delete(c.id);
        c.wake?.();
        replies.push({ ...base, successful: true });
      } else {
        // Change events are published by Salesforce only.
        replies.push({ ...base, successful: false, error: '403::Publish denied' });
      }
    }
    if (wait && wait.queue.length === 0 && this.clients.has(wait.id)) {
      const c = wait;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.connectTimeoutMs);
        timer.unref?.();
        res.on('close', done);
        function done() {
          clearTimeout(timer);
          if (c.wake === done) c.wake = null;
          resolve();
        }
        c.wake = done;
      });
    }
    if (res.writableEnded || res.destroyed) return;
    const out = [...replies];
    if (wait) out.push(...wait.queue.splice(0));
    res.status(200).type('application/json;charset=UTF-8').send(JSON.stringify(out));
  }

  private subscribe(c: Client, m: BayeuxMessage): BayeuxMessage {
    const ch = String(m.subscription ?? '');
    const base = { channel: '/meta/subscribe', id: m.id, clientId: c.id, subscription: ch };
    const entity = /^\/data\/(\w+)ChangeEvent$/.exec(ch)?.[1];
    if (ch !== '/data/ChangeEvents' && !(entity && CDC_ENTITIES.includes(entity)))
      return {
        ...base,
        successful: false,
        error: `400::The channel you requested to subscribe to does not exist {${ch}}`,
      };
    const raw = (m.ext?.replay as Record<string, unknown> | undefined)?.[ch];
    const from = raw === undefined || raw === null ? -1 : Number(raw);
    const retained = this.events.filter((e) => this.channels(e).includes(ch));
    // -1: only new events; -2: every retained event; an id: the events after it, if retained.
    const valid =
      from === -1 ||
      from === -2 ||
      (Number.isInteger(from) &&
        from >= 0 &&
        from <= this.replay &&
        (retained.length === 0 || from >= retained[0].replayId - 1));
    if (!valid)
      return {
        ...base,
        successful: false,
        error: `400::The replayId {${String(raw)}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
      };
    c.subs.add(ch);
    if (from !== -1)
      for (const e of retained) if (from === -2 || e.replayId > from) this.deliver(c, e, ch);
    return { ...base, successful: true };
  }
}
