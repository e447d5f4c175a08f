/**
 * A local HubSpot for the real @hubspot/api-client: start it in code or via
 * `leadlens emulator --crm hubspot`. One process serves several portals (accounts), each with
 * its own hub id, data, installed apps, tokens and limits; it delivers webhooks and runs
 * workflows that call custom workflow actions. See emulator/README.md for every knob and
 * docs/hubspot-fidelity.md for what each behaviour is based on.
 */
import { type DemoPortal } from '../demo/generate';
import type { MarketShift } from '../demo/propensity';
import { listen } from '../shared/listen';
import {
  DEFAULT_APP_ID,
  Hub,
  type AppConfig,
  type Portal,
  type PortalOptions,
  type Tier,
} from './hub';
import { RateLimiter, type RateLimitOptions } from './ratelimit';
import { type OAuthOptions } from './routes/oauth';
import { type Ctx } from './routing';
import { buildApp, FaultInjector, Stats } from './server';
import { WebhookDispatcher, webhooksFromComponent, type DeliveryOptions } from './webhooks';
import { WorkflowRunner, type WorkflowOptions } from './workflows';

export interface HubSpotEmulatorOptions {
  /** 0 = a free port. */
  port?: number;
  host?: string;
  /** The default portal's private-app token (every scope). Default 'local-dev-token'. */
  token?: string;
  /** Hub id of the default portal. Default 62515. */
  hubId?: number;
  seed?: string | number;
  /** Demo contacts to generate; 0 = an empty portal. Default 5000. */
  contacts?: number;
  /** Subscription tier of the default portal: sets its burst and daily limits. */
  tier?: Tier;
  rateLimit?: RateLimitOptions;
  /** Generator clock (ISO). Default 2026-11-01T00:00:00.000Z. */
  now?: string;
  /** The demo generator's injected market shift for the default portal; off by default. */
  marketShift?: MarketShift;
  /** The demo generator's paid-channel segment with drivers of its own; off by default. */
  segmentDrivers?: boolean;
  /** The demo portal's data independent of `now` (see GenerateOptions.stableSeed). */
  stableSeed?: boolean;
  /** The demo portal's companies buy as buying committees (emulator/demo/committees.ts); off by default. */
  committees?: boolean;
  /** More tokens, each a private app of its own with only the listed scopes. */
  extraTokens?: Record<string, string[]>;
  /** Tokens answered with 401 EXPIRED_AUTHENTICATION. */
  expiredTokens?: string[];
  /** Client secret of the default (LeadLens) app: signs its webhooks and action requests. */
  clientSecret?: string;
  /** More portals in the same process (the default portal is always the first). */
  portals?: Array<PortalOptions & { privateAppToken?: string }>;
  /** Marketplace apps installable with OAuth. */
  oauthApps?: Array<{
    name: string;
    appId?: number;
    clientId?: string;
    clientSecret?: string;
    redirectUris: string[];
    scopes: string[];
    optionalScopes?: string[];
  }>;
  oauth?: Partial<OAuthOptions>;
  /** Burst limit of OAuth (marketplace) apps per account; null = off. Default 110. */
  oauthTenSecondly?: number | null;
  webhooks?: DeliveryOptions;
  workflows?: WorkflowOptions;
  maxUrlLength?: number;
}

export interface HubSpotEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The default portal's live demo data; follows POST /__emulator/seed and /reset. */
  portal: DemoPortal;
  /** Portals, apps, tokens. */
  hub: Hub;
  /** The app `token` belongs to (LeadLens as a private app). */
  defaultApp: AppConfig;
  webhooks: WebhookDispatcher;
  workflows: WorkflowRunner;
  /** A portal's demo data by hub id. */
  portalOf(hubId: number): DemoPortal;
  /** Installs an app's `webhooks` project component (relative URLs against `baseUrl`). */
  installWebhooks(appId: number, component: unknown, baseUrl?: string): void;
}

export async function startHubSpotEmulator(
  opts: HubSpotEmulatorOptions = {},
): Promise<HubSpotEmulator> {
  const hub = new Hub(opts.hubId ?? 62_515);
  const main = hub.addPortal({
    hubId: opts.hubId ?? 62_515,
    seed: opts.seed ?? 'demo',
    contacts: opts.contacts ?? 5000,
    now: opts.now,
    tier: opts.tier,
    rateLimit: opts.rateLimit,
    ...(opts.marketShift ? { marketShift: opts.marketShift } : {}),
    ...(opts.segmentDrivers ? { segmentDrivers: true } : {}),
    ...(opts.stableSeed ? { stableSeed: true } : {}),
    ...(opts.committees ? { committees: true } : {}),
  });
  const defaultApp = hub.registerApp({
    appId: DEFAULT_APP_ID,
    name: 'LeadLens',
    auth: 'static',
    clientSecret: opts.clientSecret ?? 'local-dev-client-secret',
    scopes: null,
  });
  hub.addStaticToken(main.hubId, defaultApp.appId, opts.token ?? 'local-dev-token');
  for (const [token, scopes] of Object.entries(opts.extraTokens ?? {})) {
    const app = hub.registerApp({ name: `private app ${token}`, scopes });
    hub.addStaticToken(main.hubId, app.appId, token);
  }
  for (const token of opts.expiredTokens ?? [])
    hub.addStaticToken(main.hubId, defaultApp.appId, token, { expired: true });
  for (const p of opts.portals ?? []) {
    const portal = hub.addPortal(p);
    if (p.privateAppToken) hub.addStaticToken(portal.hubId, defaultApp.appId, p.privateAppToken);
  }
  for (const a of opts.oauthApps ?? []) hub.registerApp({ ...a, auth: 'oauth' });

  const stats = new Stats();
  const faults = new FaultInjector((token) => hub.expireToken(token));
  faults.reset(main.seed);
  const limiter = new RateLimiter(
    opts.oauthTenSecondly === undefined ? undefined : opts.oauthTenSecondly,
  );
  const webhooks = new WebhookDispatcher(hub, { seed: main.seed, ...opts.webhooks });
  const workflows = new WorkflowRunner(hub, opts.workflows);
  hub.onChange((portal, events) => {
    webhooks.onEvents(portal, events);
    workflows.onEvents(portal, events);
  });
  const ctx: Ctx = { hub, limiter, faults };
  const reseed = (portal: Portal, seed: string, contacts: number) => {
    portal.regenerate(seed, contacts);
    stats.reset();
    faults.reset(seed);
    limiter.reset(portal.hubId);
  };
  const app = buildApp({
    ctx,
    services: {
      hub,
      stats,
      limiter,
      webhooks,
      workflows,
      reset: () => {
        for (const p of hub.portals.values()) p.regenerate();
        stats.reset();
        faults.reset(main.seed);
        limiter.reset();
        webhooks.deliveries.length = 0;
        for (const list of workflows.enrollments.values()) list.length = 0;
      },
      reseed,
    },
    oauth: {
      accessTokenTtlMs: opts.oauth?.accessTokenTtlMs ?? 1_800_000,
      codeTtlMs: opts.oauth?.codeTtlMs ?? 600_000,
    },
    maxUrlLength: opts.maxUrlLength ?? 8192,
  });
  const http = await listen(app, { port: opts.port, host: opts.host, keepAliveTimeoutMs: 5000 });
  return {
    url: http.url,
    port: http.port,
    portal: main.demo,
    hub,
    defaultApp,
    webhooks,
    workflows,
    portalOf: (hubId) => {
      const p = hub.portal(hubId);
      if (!p) throw new Error(`no portal ${hubId}`);
      return p.demo;
    },
    installWebhooks: (appId, component, baseUrl) =>
      webhooks.configure(appId, webhooksFromComponent(component, baseUrl)),
    close: () => {
      webhooks.stop();
      workflows.stop();
      return http.close();
    },
  };
}

export type { DemoPortal, Truth } from '../demo/generate';
export type { RateLimitOptions } from './ratelimit';
export type { AppConfig, Tier, PortalOptions } from './hub';
export { DEFAULT_APP_ID, TIER_LIMITS, OAUTH_TEN_SECONDLY } from './hub';
export { ROUTE_LIMIT_KINDS } from './routing';
export { RETRY_MINUTES, type DeliveryRecord, type Notification } from './webhooks';
export type { Enrollment, WorkflowStep } from './workflows';
