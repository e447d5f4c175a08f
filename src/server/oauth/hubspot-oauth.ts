/**
 * HubSpot's OAuth endpoints through the real @hubspot/api-client: the token endpoint (both
 * grants), token info (which account and app a token belongs to), and the app-uninstall API.
 * Failures become LeadLensErrors; no token ever reaches a message.
 */
import { Client } from '@hubspot/api-client';
import { networkReason } from '../../crm/hubspot/errors';
import { LeadLensError } from '../../errors';
import type { OAuthAppConfig } from './config';

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives (HubSpot: 1800). */
  expiresIn: number;
}

export interface TokenInfo {
  hubId: string;
  appId: string;
  scopes: string[];
}

/** What the install flow and the token source need from HubSpot; one implementation below. */
export interface HubSpotOAuthApi {
  exchangeCode(code: string): Promise<TokenGrant>;
  refresh(refreshToken: string): Promise<TokenGrant>;
  tokenInfo(accessToken: string): Promise<TokenInfo>;
  /** DELETE /appinstalls/v3/external-install with the install's own access token. */
  uninstall(accessToken: string): Promise<void>;
}

interface ApiFailure {
  code: number;
  body?: unknown;
}

function failureOf(e: unknown): ApiFailure | null {
  if (!e || typeof e !== 'object' || !('code' in e) || typeof e.code !== 'number') return null;
  return e as ApiFailure;
}

function statusOf(body: unknown): string | undefined {
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return undefined;
    }
  }
  return b && typeof b === 'object' && 'status' in b ? String(b.status) : undefined;
}

/** HubSpot refused a refresh token: the app was uninstalled or the token deleted. */
export function isRevoked(e: unknown): boolean {
  return e instanceof LeadLensError && e.details?.revoked === true;
}

function translate(e: unknown, what: string): LeadLensError {
  const f = failureOf(e);
  if (f && f.code >= 400 && f.code < 500) {
    const status = statusOf(f.body);
    const revoked = status === 'BAD_REFRESH_TOKEN';
    return new LeadLensError(
      'CRM_AUTH',
      `HubSpot refused to ${what} (${f.code} ${status ?? ''}).`.replace(' )', ')'),
      {
        hint: revoked
          ? 'The app was uninstalled from that HubSpot account (or its refresh token deleted): install it again from the marketplace listing.'
          : 'Check HUBSPOT_CLIENT_ID, the client secret and that the redirect URL is one the app lists.',
        cause: e,
        details: { status: f.code, hubspotStatus: status, revoked },
      },
    );
  }
  return new LeadLensError('CRM_UNAVAILABLE', `HubSpot could not be reached to ${what}.`, {
    hint: 'HubSpot or the network is down; the next request tries again.',
    // Not `e` itself: a network error's message holds the URL, here possibly with a token.
    cause: f ? e : new Error(networkReason(e)),
    details: { status: f?.code },
  });
}

export function hubspotOAuthApi(cfg: OAuthAppConfig): HubSpotOAuthApi {
  const anonymous = new Client({ basePath: cfg.apiBaseUrl, numberOfApiCallRetries: 0 });
  const grant = (r: { accessToken: string; refreshToken: string; expiresIn: number }) => ({
    accessToken: r.accessToken,
    refreshToken: r.refreshToken,
    expiresIn: r.expiresIn,
  });
  return {
    async exchangeCode(code) {
      try {
        return grant(
          await anonymous.oauth.tokensApi.create(
            'authorization_code',
            code,
            cfg.redirectUri,
            cfg.clientId,
            cfg.clientSecret,
          ),
        );
      } catch (e) {
        throw translate(e, 'exchange the authorization code');
      }
    },
    async refresh(refreshToken) {
      try {
        return grant(
          await anonymous.oauth.tokensApi.create(
            'refresh_token',
            undefined,
            undefined,
            cfg.clientId,
            cfg.clientSecret,
            refreshToken,
          ),
        );
      } catch (e) {
        throw translate(e, 'refresh the access token');
      }
    },
    async tokenInfo(accessToken) {
      try {
        const info = await anonymous.oauth.accessTokensApi.get(accessToken);
        return { hubId: String(info.hubId), appId: String(info.appId), scopes: [...info.scopes] };
      } catch (e) {
        throw translate(e, 'read the access token’s account');
      }
    },
    async uninstall(accessToken) {
      const client = new Client({
        accessToken,
        basePath: cfg.apiBaseUrl,
        numberOfApiCallRetries: 0,
      });
      // The SDK's own response type (node-fetch's in 13.x, the global one in 14.x).
      let res: Awaited<ReturnType<Client['apiRequest']>>;
      try {
        res = await client.apiRequest({
          method: 'DELETE',
          path: '/appinstalls/v3/external-install',
        });
      } catch (e) {
        throw translate(e, 'uninstall the app');
      }
      if (res.status !== 204 && res.status !== 200) {
        throw translate({ code: res.status, body: await res.text() }, 'uninstall the app');
      }
    },
  };
}
