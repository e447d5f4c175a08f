/**
 * The OAuth endpoints a marketplace install uses (OAuth tokens API v1, as @hubspot/api-client
 * 14 calls them) and the app-uninstall API:
 * - GET /oauth/authorize?client_id&redirect_uri&scope[&optional_scope][&state]: HubSpot's
 *   consent screen; the emulator consents for the portal in `portalId` (default portal) and
 *   redirects to redirect_uri?code=…[&state=…]. The redirect URI must be one the app
 *   registered; every requested scope must be one the app asks for.
 * - POST /oauth/v1/token (application/x-www-form-urlencoded): grant_type authorization_code
 *   (code single-use, same redirect_uri) or refresh_token → {token_type, refresh_token,
 *   access_token, expires_in: 1800, hub_id, scopes}; failures 400 {status: BAD_AUTH_CODE |
 *   BAD_REFRESH_TOKEN | BAD_CLIENT_ID | BAD_CLIENT_SECRET | BAD_REDIRECT_URI | BAD_GRANT_TYPE,
 *   message, correlationId}.
 * - GET /oauth/v1/access-tokens/:token, GET/DELETE /oauth/v1/refresh-tokens/:token.
 * - DELETE /appinstalls/v3/external-install (Bearer access token) → 204.
 */
import { randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { bearer, resolveToken } from '../auth';
import { correlationIdOf, HubSpotHttpError, sendError } from '../errors';
import { type Hub } from '../hub';
import { json } from '../routing';

export interface OAuthOptions {
  /** Lifetime of access tokens (HubSpot: 1800 s since 2020-11-08). */
  accessTokenTtlMs: number;
  /** Lifetime of an authorization code. */
  codeTtlMs: number;
}

interface Code {
  appId: number;
  hubId: number;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
}

const scopeList = (v: unknown) =>
  String(v ?? '')
    .split(/[\s+]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function oauthError(res: Response, status: string, message: string, code = 400): void {
  json(res, code, { status, message, correlationId: correlationIdOf(res) });
}

export function registerOAuth(app: Express, hub: Hub, opts: OAuthOptions): void {
  const codes = new Map<string, Code>();

  app.get('/oauth/authorize', (req: Request, res: Response) => {
    const client = hub.appByClientId(String(req.query.client_id ?? ''));
    if (!client || client.auth !== 'oauth')
      return oauthError(res, 'BAD_CLIENT_ID', 'missing or invalid client_id');
    const redirectUri = String(req.query.redirect_uri ?? '');
    if (!client.redirectUris.includes(redirectUri))
      return oauthError(
        res,
        'BAD_REDIRECT_URI',
        `redirect_uri ${redirectUri || '(missing)'} is not one of the app's redirect URLs`,
      );
    const scopes = scopeList(req.query.scope);
    const optional = scopeList(req.query.optional_scope);
    const allowed = new Set([...(client.scopes ?? []), ...client.optionalScopes]);
    const unknown = [...scopes, ...optional].filter((s) => !allowed.has(s));
    if (unknown.length)
      return oauthError(
        res,
        'BAD_SCOPES',
        `The app does not ask for these scopes in its settings: ${unknown.join(', ')}`,
      );
    const missing = (client.scopes ?? []).filter((s) => !scopes.includes(s));
    if (missing.length)
      return oauthError(
        res,
        'BAD_SCOPES',
        `The authorize URL must include every required scope of the app: ${missing.join(', ')}`,
      );
    const portal = hub.portal(req.query.portalId as string | undefined);
    if (!portal) return oauthError(res, 'BAD_PORTAL', `No portal ${String(req.query.portalId)}`);
    const code = randomBytes(24).toString('hex');
    codes.set(code, {
      appId: client.appId,
      hubId: portal.hubId,
      redirectUri,
      // Optional scopes the account can grant are granted (all of them, here).
      scopes: [...new Set([...scopes, ...optional])],
      expiresAt: Date.now() + opts.codeTtlMs,
    });
    const to = new URL(redirectUri);
    to.searchParams.set('code', code);
    if (req.query.state !== undefined) to.searchParams.set('state', String(req.query.state));
    res.redirect(302, to.toString());
  });

  app.post(
    '/oauth/v1/token',
    express.urlencoded({ extended: false, type: () => true }),
    (req: Request, res: Response) => {
      const ct = String(req.header('content-type') ?? '');
      if (!ct.startsWith('application/x-www-form-urlencoded'))
        return oauthError(
          res,
          'BAD_REQUEST',
          'The token endpoint takes application/x-www-form-urlencoded parameters.',
        );
      const b = req.body as Record<string, string>;
      const client = hub.appByClientId(b.client_id ?? '');
      if (!client || client.auth !== 'oauth')
        return oauthError(res, 'BAD_CLIENT_ID', 'missing or invalid client_id');
      if (b.client_secret !== client.clientSecret)
        return oauthError(res, 'BAD_CLIENT_SECRET', 'missing or invalid client_secret');
      const ttl = opts.accessTokenTtlMs;
      const answer = (issued: ReturnType<Hub['issueOAuth']>) =>
        json(res, 200, {
          token_type: 'bearer',
          refresh_token: issued.refresh.token,
          access_token: issued.access.token,
          expires_in: Math.round(ttl / 1000),
          hub_id: issued.access.hubId,
          scopes: [...(issued.access.scopes ?? [])],
        });
      if (b.grant_type === 'authorization_code') {
        const code = codes.get(b.code ?? '');
        if (!code || code.appId !== client.appId || code.expiresAt < Date.now())
          return oauthError(res, 'BAD_AUTH_CODE', 'missing or unknown auth code');
        if (b.redirect_uri !== code.redirectUri)
          return oauthError(
            res,
            'BAD_REDIRECT_URI',
            'redirect_uri does not match the one used to get the auth code',
          );
        codes.delete(b.code);
        return answer(hub.issueOAuth(code.hubId, client.appId, code.scopes, ttl));
      }
      if (b.grant_type === 'refresh_token') {
        const r = hub.refreshToken(b.refresh_token ?? '');
        if (!r || r.revoked || r.appId !== client.appId)
          return oauthError(res, 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token');
        return answer(hub.issueOAuth(r.hubId, r.appId, r.scopes, ttl, r.token));
      }
      return oauthError(
        res,
        'BAD_GRANT_TYPE',
        'grant_type must be authorization_code or refresh_token',
      );
    },
  );

  app.get('/oauth/v1/access-tokens/:token', (req: Request, res: Response) => {
    const t = hub.token(String(req.params.token));
    const now = Date.now();
    if (!t || t.kind !== 'oauth' || t.revoked || t.expired || (t.expiresAt ?? 0) <= now)
      return sendError(
        res,
        new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'Token not found or expired'),
      );
    const portal = hub.portal(t.hubId)!;
    json(res, 200, {
      token: t.token,
      user: 'user@emulated.example',
      hub_domain: `portal-${portal.hubId}.emulated.example`,
      scopes: [...(t.scopes ?? [])],
      hub_id: t.hubId,
      app_id: t.appId,
      expires_in: Math.max(0, Math.round(((t.expiresAt ?? now) - now) / 1000)),
      user_id: 1,
      token_type: 'access',
    });
  });

  app.get('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    const r = hub.refreshToken(String(req.params.token));
    if (!r || r.revoked)
      return sendError(res, new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'Token not found'));
    json(res, 200, {
      token: r.token,
      user: 'user@emulated.example',
      hub_domain: `portal-${r.hubId}.emulated.example`,
      scopes: r.scopes,
      hub_id: r.hubId,
      client_id: hub.app(r.appId)?.clientId,
      user_id: 1,
      token_type: 'refresh',
    });
  });

  // Deletes only the refresh token; access tokens issued with it keep working until they
  // expire (OAuth guide: "Access tokens generated with the refresh token will not be affected").
  app.delete('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    const r = hub.refreshToken(String(req.params.token));
    if (!r || r.revoked)
      return sendError(res, new HubSpotHttpError(404, 'OBJECT_NOT_FOUND', 'Token not found'));
    r.revoked = true;
    res.status(204).end();
  });

  app.delete('/appinstalls/v3/external-install', (req: Request, res: Response) => {
    const found = resolveToken(hub, bearer(req));
    if (found instanceof HubSpotHttpError) return sendError(res, found);
    if (found.info.kind !== 'oauth')
      return sendError(
        res,
        new HubSpotHttpError(
          403,
          'MISSING_SCOPES',
          'Uninstalling an app needs an OAuth access token of that app.',
        ),
      );
    hub.uninstall(found.info.hubId, found.info.appId);
    res.status(204).end();
  });
}
