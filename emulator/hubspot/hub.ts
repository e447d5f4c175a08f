/**
 * The accounts (portals), apps and tokens one emulator process serves.
 *
 * HubSpot counts the ten-second burst limit per app and account, the daily limit per account
 * (shared by its privately distributed apps) and the search limit per account; a token only
 * says which app and account a request belongs to. So the unit here is the portal: its own
 * hub id, data, installed apps with their tokens, and limits. Several portals live in one
 * process, each regenerated independently by the control plane.
 */
import { randomBytes } from 'node:crypto';
import { generatePortal, type DemoPortal, type Truth } from '../demo/generate';
import type { MarketShift } from '../demo/propensity';
import { type RateLimitOptions } from './ratelimit';
import { type ChangeEvent, type PortalState } from './state/portal';

export type Tier = 'free' | 'starter' | 'professional' | 'enterprise';

/** Burst (per 10 s, per privately distributed app) and daily (per account) by tier. */
export const TIER_LIMITS: Record<Tier, { tenSecondly: number; daily: number }> = {
  free: { tenSecondly: 100, daily: 250_000 },
  starter: { tenSecondly: 100, daily: 250_000 },
  professional: { tenSecondly: 190, daily: 625_000 },
  enterprise: { tenSecondly: 190, daily: 1_000_000 },
};
/** Marketplace (OAuth) apps: per installing account, no daily limit, search excluded. */
export const OAUTH_TEN_SECONDLY = 110;
export const SEARCH_PER_SECOND = 5;
/** The app `startHubSpotEmulator`'s `token` belongs to. */
export const DEFAULT_APP_ID = 1_160_452;

export interface Limits {
  tenSecondly: number | null;
  secondly: number | null;
  daily: number | null;
}

export interface AppConfig {
  appId: number;
  name: string;
  /** 'static': privately distributed, a token per installed account; 'oauth': marketplace. */
  auth: 'static' | 'oauth';
  clientId: string;
  clientSecret: string;
  /** OAuth: the redirect URLs the app registered (exact match required). */
  redirectUris: string[];
  /** Scopes the app asks for (OAuth) or was granted (static; null = every scope). */
  scopes: string[] | null;
  optionalScopes: string[];
}

export interface TokenInfo {
  token: string;
  hubId: number;
  appId: number;
  kind: 'static' | 'oauth';
  /** null = every scope. */
  scopes: Set<string> | null;
  /** Epoch ms; null = never (static tokens). */
  expiresAt: number | null;
  /** Forced expiry (control plane) or uninstall. */
  expired: boolean;
  revoked: boolean;
}

export interface RefreshTokenInfo {
  token: string;
  hubId: number;
  appId: number;
  scopes: string[];
  revoked: boolean;
}

export interface PortalOptions {
  hubId?: number;
  seed?: string | number;
  contacts?: number;
  now?: string;
  tier?: Tier;
  /** Overrides of the tier's limits; null turns a limit off. */
  rateLimit?: RateLimitOptions;
  timeZone?: string;
  /** The demo generator's injected market shift (emulator/demo/propensity.ts); off by default. */
  marketShift?: MarketShift;
  /** The demo generator's paid-channel segment with drivers of its own; off by default. */
  segmentDrivers?: boolean;
  stableSeed?: boolean;
  /** The demo generator's buying committees (emulator/demo/committees.ts); off by default. */
  committees?: boolean;
}

/** One HubSpot account: data (regenerable), limits, and which apps are installed. */
export class Portal {
  readonly hubId: number;
  seed: string;
  contacts: number;
  readonly now: string | undefined;
  readonly marketShift: MarketShift | undefined;
  readonly segmentDrivers: boolean;
  readonly stableSeed: boolean;
  readonly committees: boolean;
  readonly tier: Tier;
  readonly limits: Limits;
  private current: DemoPortal;
  /** App ids installed in this account. */
  readonly installed = new Set<number>();
  private sink: ((portal: Portal, events: ChangeEvent[]) => void) | null = null;

  constructor(opts: PortalOptions & { hubId: number }) {
    this.hubId = opts.hubId;
    this.seed = String(opts.seed ?? 'demo');
    this.contacts = opts.contacts ?? 5000;
    this.now = opts.now;
    this.marketShift = opts.marketShift;
    this.segmentDrivers = !!opts.segmentDrivers;
    this.stableSeed = !!opts.stableSeed;
    this.committees = !!opts.committees;
    this.tier = opts.tier ?? 'enterprise';
    const base = TIER_LIMITS[this.tier];
    const r = opts.rateLimit ?? {};
    this.limits = {
      tenSecondly: r.tenSecondly === undefined ? base.tenSecondly : r.tenSecondly,
      secondly: r.secondly === undefined ? SEARCH_PER_SECOND : r.secondly,
      daily: r.daily === undefined ? base.daily : r.daily,
    };
    this.current = this.generate();
  }

  private generate(): DemoPortal {
    const p = generatePortal({
      seed: this.seed,
      contacts: this.contacts,
      now: this.now,
      ...(this.marketShift ? { marketShift: this.marketShift } : {}),
      ...(this.segmentDrivers ? { segmentDrivers: true } : {}),
      ...(this.stableSeed ? { stableSeed: true } : {}),
      ...(this.committees ? { committees: true } : {}),
    });
    p.state.onChange = (events) => this.sink?.(this, events);
    return p;
  }

  /** Where this portal's change events go (webhooks, workflow triggers). */
  onChange(sink: (portal: Portal, events: ChangeEvent[]) => void): void {
    this.sink = sink;
  }

  regenerate(seed = this.seed, contacts = this.contacts): void {
    this.seed = seed;
    this.contacts = contacts;
    this.current = this.generate();
  }

  get state(): PortalState {
    return this.current.state;
  }

  /** The live demo data; follows regenerate(). */
  get demo(): DemoPortal {
    return this.view;
  }

  private readonly view: DemoPortal = liveView(() => this.current);
}

/** A DemoPortal that always reads the portal's current generation. */
function liveView(current: () => DemoPortal): DemoPortal {
  return {
    get seed() {
      return current().seed;
    },
    get now() {
      return current().now;
    },
    get state() {
      return current().state;
    },
    get summary() {
      return current().summary;
    },
    truth: (id: string | number): Truth | undefined => current().truth(id),
    truths: () => current().truths(),
    companyTruth: (id) => current().companyTruth(id),
    companyTruths: () => current().companyTruths(),
    dealTruth: (id) => current().dealTruth(id),
    dealTruths: () => current().dealTruths(),
    fingerprint: () => current().fingerprint(),
  };
}

const newToken = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

export class Hub {
  readonly portals = new Map<number, Portal>();
  readonly apps = new Map<number, AppConfig>();
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly refreshTokens = new Map<string, RefreshTokenInfo>();
  private nextHubId: number;
  private nextAppId = 2_000_001;
  defaultHubId = 0;
  private readonly listeners: Array<(portal: Portal, events: ChangeEvent[]) => void> = [];

  constructor(firstHubId = 62_515) {
    this.nextHubId = firstHubId;
  }

  addPortal(opts: PortalOptions = {}): Portal {
    const hubId = opts.hubId ?? this.nextHubId++;
    if (this.portals.has(hubId)) throw new Error(`portal ${hubId} already exists`);
    if (hubId >= this.nextHubId) this.nextHubId = hubId + 1;
    const portal = new Portal({ ...opts, hubId });
    portal.onChange((p, events) => {
      for (const l of this.listeners) l(p, events);
    });
    this.portals.set(hubId, portal);
    if (!this.defaultHubId) this.defaultHubId = hubId;
    return portal;
  }

  portal(hubId?: number | string | null): Portal | undefined {
    if (hubId === undefined || hubId === null || hubId === '')
      return this.portals.get(this.defaultHubId);
    return this.portals.get(Number(hubId));
  }

  get defaultPortal(): Portal {
    return this.portals.get(this.defaultHubId)!;
  }

  /** Every portal's change events, in order per portal (webhooks, workflows, benches). */
  onChange(listener: (portal: Portal, events: ChangeEvent[]) => void): void {
    this.listeners.push(listener);
  }

  registerApp(
    opts: Partial<Omit<AppConfig, 'appId'>> & { appId?: number; name: string },
  ): AppConfig {
    const appId = opts.appId ?? this.nextAppId++;
    if (appId >= this.nextAppId) this.nextAppId = appId + 1;
    const app: AppConfig = {
      appId,
      name: opts.name,
      auth: opts.auth ?? 'static',
      clientId: opts.clientId ?? `client-${appId}-${randomBytes(6).toString('hex')}`,
      clientSecret: opts.clientSecret ?? randomBytes(16).toString('hex'),
      redirectUris: opts.redirectUris ?? [],
      scopes: opts.scopes === undefined ? null : opts.scopes,
      optionalScopes: opts.optionalScopes ?? [],
    };
    this.apps.set(appId, app);
    return app;
  }

  app(appId: number | string): AppConfig | undefined {
    return this.apps.get(Number(appId));
  }

  appByClientId(clientId: string): AppConfig | undefined {
    for (const a of this.apps.values()) if (a.clientId === clientId) return a;
    return undefined;
  }

  /** A static (private-app) token of `appId` in `hubId`; installs the app there. */
  addStaticToken(
    hubId: number,
    appId: number,
    token: string = newToken('pat-na1'),
    opts: { scopes?: string[] | null; expired?: boolean } = {},
  ): TokenInfo {
    const app = this.app(appId);
    if (!app) throw new Error(`no app ${appId}`);
    this.portal(hubId)!.installed.add(appId);
    const scopes = opts.scopes === undefined ? app.scopes : opts.scopes;
    const info: TokenInfo = {
      token,
      hubId,
      appId,
      kind: 'static',
      scopes: scopes === null ? null : new Set(scopes),
      expiresAt: null,
      expired: opts.expired ?? false,
      revoked: false,
    };
    this.tokens.set(token, info);
    return info;
  }

  /** An OAuth access token (and its refresh token when none is given) for an install. */
  issueOAuth(
    hubId: number,
    appId: number,
    scopes: string[],
    expiresInMs: number,
    refreshToken?: string,
  ): { access: TokenInfo; refresh: RefreshTokenInfo } {
    this.portal(hubId)!.installed.add(appId);
    const access: TokenInfo = {
      token: newToken('oauth-na1'),
      hubId,
      appId,
      kind: 'oauth',
      scopes: new Set(scopes),
      expiresAt: Date.now() + expiresInMs,
      expired: false,
      revoked: false,
    };
    this.tokens.set(access.token, access);
    let refresh = refreshToken ? this.refreshTokens.get(refreshToken) : undefined;
    if (!refresh) {
      refresh = { token: newToken('na1'), hubId, appId, scopes: [...scopes], revoked: false };
      this.refreshTokens.set(refresh.token, refresh);
    }
    return { access, refresh };
  }

  token(token: string): TokenInfo | undefined {
    return this.tokens.get(token);
  }

  /** Expires an access token now (its next use answers 401); false when there is no such token. */
  expireToken(token: string): boolean {
    const info = this.tokens.get(token);
    if (!info) return false;
    info.expired = true;
    if (info.expiresAt !== null) info.expiresAt = Math.min(info.expiresAt, Date.now());
    return true;
  }

  refreshToken(token: string): RefreshTokenInfo | undefined {
    return this.refreshTokens.get(token);
  }

  tokensOf(hubId: number, appId?: number): TokenInfo[] {
    return [...this.tokens.values()].filter(
      (t) => t.hubId === hubId && (appId === undefined || t.appId === appId),
    );
  }

  /**
   * The app leaves the account: its tokens stop working and its webhooks and workflow actions
   * stop. HubSpot documents no uninstall notification to the app, so none is sent.
   */
  uninstall(hubId: number, appId: number): void {
    this.portal(hubId)?.installed.delete(appId);
    for (const t of this.tokens.values())
      if (t.hubId === hubId && t.appId === appId) t.revoked = true;
    for (const r of this.refreshTokens.values())
      if (r.hubId === hubId && r.appId === appId) r.revoked = true;
  }
}
