/**
 * OAuth access tokens of every install this process serves: one `AccessTokenSource` per
 * portal for the HubSpot adapter, refreshing before expiry and once after a 401.
 *
 * - Before expiry: a token within `marginMs` (default 5 min) of its end is refreshed before
 *   it is used, so long batch calls never start with a token about to lapse.
 * - Single flight: concurrent requests of one portal that find the token stale share one
 *   refresh (one POST /oauth/v1/token), never one each.
 * - Several processes: the newest token is stored (encrypted) in the portal's install row; a
 *   process finding its own copy stale reads the row first and takes a newer token another
 *   process bought. HubSpot's refresh token stays the same across refreshes (OAuth guide), so
 *   two processes refreshing at once both succeed; neither invalidates the other.
 * - Revoked: HubSpot answering BAD_REFRESH_TOKEN means the app was uninstalled (or the refresh
 *   token deleted); the portal is marked uninstalled, which erases its tokens and stops its
 *   scheduled runs (workers skip portals that are not installed).
 */
import type { AccessTokenSource } from '../../crm/hubspot';
import { LeadLensError } from '../../errors';
import type { Logger } from '../../pipeline/deps';
import type { Install, PortalStore, StoreEngine } from '../../store/port';
import { Secret } from '../../store/secrets';
import { isRevoked, type HubSpotOAuthApi, type TokenGrant } from './hubspot-oauth';

export interface OAuthTokensOptions {
  api: HubSpotOAuthApi;
  engine: StoreEngine;
  /** The API base URL stored with each install (HubSpot's, or an emulator's). */
  apiBaseUrl: string;
  log: Logger;
  now?: () => number;
  /** Refresh tokens this close to expiry (default 5 minutes). */
  marginMs?: number;
  /** Called after a portal was found uninstalled (refresh refused): drop its queued jobs. */
  onRevoked?(portalId: string): Promise<void>;
}

interface Cached {
  token: string;
  expiresAt: number;
}

const notInstalled = (portalId: string) =>
  new LeadLensError('CRM_AUTH', `LeadLens is not installed in HubSpot portal ${portalId}.`, {
    hint: 'Install the app in that account again (marketplace listing, or GET /oauth/install on the LeadLens server).',
    details: { portalId, revoked: true },
  });

export class OAuthTokens {
  readonly #cache = new Map<string, Cached>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #now: () => number;
  readonly #margin: number;

  constructor(private readonly opts: OAuthTokensOptions) {
    this.#now = opts.now ?? Date.now;
    this.#margin = opts.marginMs ?? 5 * 60_000;
  }

  /** The adapter's token source for `portalId`. */
  sourceFor(portalId: string): AccessTokenSource {
    return {
      current: async () => {
        const c = this.#cache.get(portalId);
        if (c && this.#fresh(c)) return c.token;
        return this.#refreshOnce(portalId, c?.token ?? null);
      },
      renew: async (rejected) => {
        const c = this.#cache.get(portalId);
        if (c && c.token !== rejected && this.#fresh(c)) return c.token;
        this.#cache.delete(portalId);
        return this.#refreshOnce(portalId, rejected);
      },
    };
  }

  /** Stores a new install from an authorization code (the OAuth callback). */
  async install(code: string): Promise<{ portalId: string; scopes: string[] }> {
    const grant = await this.opts.api.exchangeCode(code);
    const info = await this.opts.api.tokenInfo(grant.accessToken);
    const portalId = info.hubId;
    const at = this.#now();
    await this.opts.engine.forPortal(portalId).saveInstall({
      auth: 'oauth',
      hubId: info.hubId,
      scopes: info.scopes,
      apiBaseUrl: this.opts.apiBaseUrl,
      accessToken: new Secret(grant.accessToken),
      accessTokenExpiresAt: new Date(at + grant.expiresIn * 1000).toISOString(),
      refreshToken: new Secret(grant.refreshToken),
      installedAt: new Date(at).toISOString(),
    });
    this.#cache.set(portalId, { token: grant.accessToken, expiresAt: at + grant.expiresIn * 1000 });
    this.opts.log.info('oauth install', { portal: portalId, scopes: info.scopes.length });
    return { portalId, scopes: info.scopes };
  }

  /** Forgets what this process holds for a portal (after an uninstall). */
  forget(portalId: string): void {
    this.#cache.delete(portalId);
  }

  #fresh(c: Cached): boolean {
    return c.expiresAt - this.#now() > this.#margin;
  }

  #refreshOnce(portalId: string, stale: string | null): Promise<string> {
    const running = this.#inflight.get(portalId);
    if (running) return running;
    const p = this.#refresh(portalId, stale).finally(() => this.#inflight.delete(portalId));
    this.#inflight.set(portalId, p);
    return p;
  }

  async #refresh(portalId: string, stale: string | null): Promise<string> {
    const store = this.opts.engine.forPortal(portalId);
    const install = await store.getInstall();
    if (!install || install.status !== 'installed' || install.auth !== 'oauth') {
      throw notInstalled(portalId);
    }
    // Another process may have refreshed already: its token is in the row.
    const stored = storedToken(install);
    if (stored && stored.token !== stale && this.#fresh(stored)) {
      this.#cache.set(portalId, stored);
      return stored.token;
    }
    const refreshToken = install.refreshToken?.reveal();
    if (!refreshToken) throw notInstalled(portalId);
    let grant: TokenGrant;
    try {
      grant = await this.opts.api.refresh(refreshToken);
    } catch (e) {
      if (isRevoked(e)) {
        await this.#revoked(store, portalId);
        throw notInstalled(portalId);
      }
      throw e;
    }
    const expiresAt = this.#now() + grant.expiresIn * 1000;
    const saved = await store.transaction(async (tx) => {
      const now = await tx.getInstall();
      // An uninstall that landed meanwhile wins: never bring its tokens back.
      if (!now || now.status !== 'installed') return false;
      await tx.saveInstall({
        ...now,
        accessToken: new Secret(grant.accessToken),
        accessTokenExpiresAt: new Date(expiresAt).toISOString(),
        refreshToken: new Secret(grant.refreshToken || refreshToken),
      });
      return true;
    });
    if (!saved) throw notInstalled(portalId);
    this.#cache.set(portalId, { token: grant.accessToken, expiresAt });
    this.opts.log.info('oauth token refreshed', { portal: portalId });
    return grant.accessToken;
  }

  async #revoked(store: PortalStore, portalId: string): Promise<void> {
    this.#cache.delete(portalId);
    this.opts.log.warn('oauth install revoked: HubSpot refused the refresh token', {
      portal: portalId,
    });
    await store.markUninstalled(new Date(this.#now()).toISOString());
    await this.opts.onRevoked?.(portalId);
  }
}

function storedToken(install: Install): Cached | null {
  const token = install.accessToken?.reveal();
  const expiresAt = install.accessTokenExpiresAt ? Date.parse(install.accessTokenExpiresAt) : NaN;
  return token && Number.isFinite(expiresAt) ? { token, expiresAt } : null;
}
