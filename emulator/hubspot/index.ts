/**
 * A local HubSpot for the real @hubspot/api-client: start it in code or via
 * `leadlens emulator --crm hubspot`. See emulator/README.md for every knob.
 */
import { type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { generatePortal, type DemoPortal, type Truth } from '../demo/generate';
import { type RateLimitOptions } from './ratelimit';
import { type Ctx } from './routing';
import { buildApp, FaultInjector, makeLimiter, Stats, TokenRegistry } from './server';
import { type PortalState } from './state/portal';

export interface HubSpotEmulatorOptions {
  /** 0 = a free port. */
  port?: number;
  /** Bearer token with every scope. Default 'local-dev-token'. */
  token?: string;
  seed?: string | number;
  /** Demo contacts to generate; 0 = an empty portal. Default 5000. */
  contacts?: number;
  rateLimit?: RateLimitOptions;
  /** Generator clock (ISO). Default 2026-11-01T00:00:00.000Z. */
  now?: string;
  /** More tokens with only the listed scopes (to provoke 403 MISSING_SCOPES). */
  extraTokens?: Record<string, string[]>;
  /** Tokens answered with 401 EXPIRED_AUTHENTICATION. */
  expiredTokens?: string[];
  host?: string;
}

export interface HubSpotEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The live demo portal; follows POST /__emulator/seed and /reset. */
  portal: DemoPortal;
}

export async function startHubSpotEmulator(
  opts: HubSpotEmulatorOptions = {},
): Promise<HubSpotEmulator> {
  let seed = String(opts.seed ?? 'demo');
  let contacts = opts.contacts ?? 5000;
  let current = generatePortal({ seed, contacts, now: opts.now });
  const stats = new Stats();
  const faults = new FaultInjector();
  faults.reset(seed);
  const ctx: Ctx = {
    state: () => current.state,
    tokens: new TokenRegistry(
      opts.token ?? 'local-dev-token',
      opts.extraTokens,
      opts.expiredTokens,
    ),
    limiter: makeLimiter(opts.rateLimit),
    faults,
  };
  const regenerate = () => {
    current = generatePortal({ seed, contacts, now: opts.now });
    stats.reset();
    faults.reset(seed);
  };
  const app = buildApp({
    ctx,
    current: () => ({ seed, contacts }),
    hooks: {
      stats,
      reset: regenerate,
      reseed: (s, n) => {
        seed = s;
        contacts = n;
        regenerate();
      },
      truth: (id) => current.truth(id),
    },
  });
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const port = (server.address() as AddressInfo).port;
  const portal: DemoPortal = {
    get seed() {
      return current.seed;
    },
    get now() {
      return current.now;
    },
    get state(): PortalState {
      return current.state;
    },
    get summary() {
      return current.summary;
    },
    truth: (id: string | number): Truth | undefined => current.truth(id),
    truths: () => current.truths(),
    fingerprint: () => current.fingerprint(),
  };
  return {
    url: `http://${host}:${port}`,
    port,
    portal,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

export type { DemoPortal, Truth } from '../demo/generate';
export type { RateLimitOptions } from './ratelimit';
