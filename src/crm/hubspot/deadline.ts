/**
 * A deadline on every HubSpot call, with a real abort. @hubspot/api-client (13.5, 14) takes no
 * AbortSignal, but it sends through a Node http(s) Agent when one is configured (sdk.ts sees
 * to it on 13.x, which ignores `httpAgent`); the agents
 * here remember which requests each call started (AsyncLocalStorage follows the call through
 * the SDK's promise chain into `agent.addRequest`), so when the deadline passes the sockets
 * are destroyed and a hung connection fails in bounded time instead of holding the job.
 * Keep-alive stays on: sockets are reused across calls.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';

interface CallScope {
  requests: Set<http.ClientRequest>;
}

const scope = new AsyncLocalStorage<CallScope>();

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms (the request was aborted)`);
    this.name = 'DeadlineExceeded';
  }
}

function track(req: http.ClientRequest): void {
  const s = scope.getStore();
  if (!s) return;
  s.requests.add(req);
  req.once('close', () => s.requests.delete(req));
}

// `addRequest` is how every request reaches an agent (node/lib/_http_agent.js); it is not in
// @types/node, hence the cast.
type WithAddRequest = { addRequest(req: http.ClientRequest, options: unknown): void };

/** An agent class that tells the running call about every request it takes. */
function tracking(Base: typeof http.Agent): typeof http.Agent {
  class Tracking extends Base {}
  const base = Base.prototype as unknown as WithAddRequest;
  (Tracking.prototype as unknown as WithAddRequest).addRequest = function (
    this: http.Agent,
    req: http.ClientRequest,
    options: unknown,
  ) {
    track(req);
    base.addRequest.call(this, req, options);
  };
  return Tracking;
}

const TrackingHttpAgent = tracking(http.Agent);
const TrackingHttpsAgent = tracking(https.Agent as unknown as typeof http.Agent);

/** The agent to give the SDK (`httpAgent`) for a base path. */
export function deadlineAgent(basePath: string | undefined): http.Agent {
  const opts = { keepAlive: true, maxSockets: 16 };
  return (basePath ?? 'https://').startsWith('http://')
    ? new TrackingHttpAgent(opts)
    : new TrackingHttpsAgent(opts);
}

/** Runs `fn`; if it has not settled after `ms`, aborts its requests and rejects. */
export function withDeadline<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const s: CallScope = { requests: new Set() };
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new DeadlineExceeded(ms);
      for (const r of s.requests) r.destroy(err);
      reject(err);
    }, ms);
    scope.run(s, fn).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
