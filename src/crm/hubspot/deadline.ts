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
import type net from 'node:net';

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

/**
 * How long an idle kept-alive socket may wait in the pool before it is not reused. Why: a
 * server closes idle connections after its own keep-alive timeout (Node's default, and our
 * emulator's, is 5 s); a request written on a pooled socket the server has closed fails with
 * ECONNRESET — a retry and an extra API call. Node's agent `timeout` cannot prevent it when the
 * event loop was busy (a training run holds it for seconds): the timer that would drop the
 * idle socket fires only after the next request has taken it. So idleness is judged by the
 * clock when a request is handed a socket (the rule of agentkeepalive's `freeSocketTimeout`,
 * 4 s).
 */
export const FREE_SOCKET_TIMEOUT_MS = 4_000;

interface Pool {
  getName(options: unknown): string;
  freeSockets: Record<string, net.Socket[] | undefined>;
}

/**
 * An agent class that tells the running call about every request it takes, and never hands a
 * request a socket that has idled longer than `freeSocketTimeoutMs`.
 */
function tracking(Base: typeof http.Agent, freeSocketTimeoutMs: number): typeof http.Agent {
  const idleSince = new WeakMap<net.Socket, number>();
  class Tracking extends Base {
    // Called when a socket is detached from a finished request and may be pooled (documented
    // in node:http as the hook to override).
    override keepSocketAlive(socket: net.Socket) {
      idleSince.set(socket, Date.now());
      return super.keepSocketAlive(socket);
    }
  }
  const base = Base.prototype as unknown as WithAddRequest;
  (Tracking.prototype as unknown as WithAddRequest).addRequest = function (
    this: http.Agent,
    req: http.ClientRequest,
    options: unknown,
  ) {
    track(req);
    const pool = this as unknown as Pool;
    const free = pool.freeSockets[pool.getName(options)];
    if (free) {
      const now = Date.now();
      for (let i = free.length - 1; i >= 0; i--) {
        const since = idleSince.get(free[i]!);
        if (since !== undefined && now - since > freeSocketTimeoutMs) {
          free.splice(i, 1)[0]!.destroy();
        }
      }
    }
    base.addRequest.call(this, req, options);
  };
  return Tracking;
}

/** The agent to give the SDK (`httpAgent`) for a base path. */
export function deadlineAgent(
  basePath: string | undefined,
  opts: { freeSocketTimeoutMs?: number } = {},
): http.Agent {
  const idle = opts.freeSocketTimeoutMs ?? FREE_SOCKET_TIMEOUT_MS;
  const agentOpts = { keepAlive: true, maxSockets: 16, timeout: idle };
  return (basePath ?? 'https://').startsWith('http://')
    ? new (tracking(http.Agent, idle))(agentOpts)
    : new (tracking(https.Agent as unknown as typeof http.Agent, idle))(agentOpts);
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
