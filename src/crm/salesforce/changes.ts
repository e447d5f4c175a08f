/**
 * Lead change events: Change Data Capture on `/data/LeadChangeEvent` through jsforce's
 * streaming client (faye over CometD long-polling), with jsforce's Replay extension so a
 * restarted listener continues after the last event it handled (events are kept 72 hours) and
 * its AuthFailure extension to notice an expired session — faye holds the token it was built
 * with, so the client is rebuilt after one REST call has refreshed the session.
 */
import { type Connection } from 'jsforce';
import type { ChangeSubscription, LeadChangeEvent } from '../port';
import type { Caller } from './caller';

export const LEAD_CHANNEL = '/data/LeadChangeEvent';

interface StreamingModule {
  StreamingExtension: {
    Replay: new (channel: string, replayId: number) => unknown;
    AuthFailure: new (cb: (message: unknown) => void) => unknown;
  };
}
interface FayeClient {
  subscribe(
    channel: string,
    cb: (message: unknown) => void,
  ): PromiseLike<unknown> & { cancel(): void };
  disconnect(): unknown;
}

/**
 * Stops a faye client for good. faye's `disconnect()` does nothing unless the client is
 * connected, and closes its transport only when the server answers; a client that is
 * handshaking, or whose server has gone, keeps retrying on timers for ever and holds the
 * process open. So: ask politely (bounded wait), then tell faye not to reconnect and close its
 * transport. The fields are faye 1.4's (jsforce 3.10.16 pins it).
 */
export async function shutdownFayeClient(client: unknown, waitMs = 2000): Promise<void> {
  const c = client as {
    disconnect(): unknown;
    _advice?: { reconnect?: string };
    _dispatcher?: { close(): void };
  };
  const answered = c.disconnect() as PromiseLike<unknown> | undefined;
  if (answered && typeof answered.then === 'function') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      timer.unref();
      answered.then(
        () => (clearTimeout(timer), resolve()),
        () => (clearTimeout(timer), resolve()),
      );
    });
  }
  if (c._advice) c._advice.reconnect = 'none';
  c._dispatcher?.close();
}

interface CdcMessage {
  payload?: {
    ChangeEventHeader?: {
      changeType?: string;
      recordIds?: string[];
      changedFields?: string[];
      commitTimestamp?: number;
      entityName?: string;
    };
  };
  event?: { replayId?: number };
}

/** A CDC message as LeadLens uses it; null when it is not a Lead change. */
export function toLeadChange(message: unknown): LeadChangeEvent | null {
  const m = message as CdcMessage;
  const h = m?.payload?.ChangeEventHeader;
  const replayId = m?.event?.replayId;
  if (!h || typeof replayId !== 'number' || (h.entityName && h.entityName !== 'Lead')) return null;
  return {
    replayId,
    changeType: String(h.changeType ?? 'UNKNOWN'),
    ids: Array.isArray(h.recordIds) ? h.recordIds.map(String) : [],
    changedFields: Array.isArray(h.changedFields) ? h.changedFields.map(String) : [],
    commitTimestamp: Number(h.commitTimestamp ?? 0),
  };
}

export function subscribeLeadChanges(
  conn: Connection,
  caller: Caller,
  opts: {
    replayId: number;
    onEvent(event: LeadChangeEvent): Promise<void>;
    onError(error: unknown): void;
  },
): ChangeSubscription {
  const { StreamingExtension } = require('jsforce/lib/api/streaming') as StreamingModule;
  let last = opts.replayId;
  let client: FayeClient | null = null;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();

  const start = (): Promise<void> => {
    const c = conn.streaming.createClient([
      new StreamingExtension.Replay(LEAD_CHANNEL, last),
      new StreamingExtension.AuthFailure(() => void reauth()),
    ]) as unknown as FayeClient;
    client = c;
    const sub = c.subscribe(LEAD_CHANNEL, (message) => {
      const e = toLeadChange(message);
      if (!e) return;
      // One at a time, in replay order; the position moves only after the event was handled.
      chain = chain.then(async () => {
        if (closed || e.replayId <= last) return;
        try {
          await opts.onEvent(e);
          last = e.replayId;
        } catch (err) {
          opts.onError(err);
        }
      });
    });
    return new Promise<void>((resolve, reject) => sub.then(() => resolve(), reject));
  };

  const reauth = async () => {
    if (closed) return;
    const old = client;
    client = null;
    if (old) await shutdownFayeClient(old);
    try {
      // A 401 here makes jsforce refresh the session (when it holds a refresh token).
      await caller.call('streaming.reauth', () => conn.limits());
      await chain;
      if (!closed) await start();
    } catch (e) {
      opts.onError(e);
    }
  };

  const ready = start();
  return {
    ready,
    async close() {
      closed = true;
      const old = client;
      client = null;
      if (old) await shutdownFayeClient(old);
      await chain;
    },
  };
}
