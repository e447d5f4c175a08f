/**
 * The marketplace backend: one server for every portal that installed the app. Each signed
 * HubSpot request names its portal — webhook events (`portalId` per event), workflow action
 * executions (`origin.portalId`), hubspot.fetch calls (the `portalId` HubSpot appends and
 * signs) — and is served with that portal's deps from the portal directory: its own store and
 * its own token. A portal that is not installed gets nothing (events dropped, 403). The OAuth
 * install flow lives here too; pipeline jobs run on workers (`leadlens worker`).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorBody, LeadLensError } from '../errors';
import { rescoreContacts, workflowCard } from '../pipeline';
import type { Logger } from '../pipeline/deps';
import type { StoreEngine } from '../store/port';
import {
  adminZone,
  bodyErrors,
  securityHeaders,
  type AdminCredential,
  type ReplayGuard,
} from './auth';
import { sendError } from './http-errors';
import { hubspotFetchRouter } from './hubspot-fetch-routes';
import type { OAuthAppConfig } from './oauth/config';
import type { HubSpotOAuthApi } from './oauth/hubspot-oauth';
import { oauthRouter } from './oauth/routes';
import type { OAuthTokens } from './oauth/tokens';
import { uninstallPortal } from './oauth/uninstall';
import type { PortalDirectory } from './portals';
import { webhooksRouter, type WebhooksRouter } from './webhooks';
import { workflowActionRouter } from './workflow-action';

export interface MarketplaceServerOptions {
  engine: StoreEngine;
  portals: PortalDirectory;
  oauth: { config: OAuthAppConfig; tokens: OAuthTokens; api: HubSpotOAuthApi };
  /** The app's client secret: HubSpot signs webhooks, actions and hubspot.fetch with it. */
  clientSecret: string;
  /** The public URL HubSpot calls (signatures cover it). */
  publicBaseUrl?: string;
  /** The HubSpot app id; hubspot.fetch calls for another app are refused. */
  appId?: string;
  admin: AdminCredential;
  log: Logger;
  webhookBatchWindowMs?: number;
  trustProxy?: boolean | number | string;
  allowedHosts?: string[];
  replayGuard?: ReplayGuard;
  maxLoginFailures?: number;
  /** Cancels a portal's queued jobs at uninstall (PostgreSQL job engine). */
  cancelJobs?(portalId: string): Promise<number>;
  /** After an install: e.g. queue the portal's first run. */
  onInstalled?(portalId: string): Promise<void>;
  now?: () => number;
}

const route =
  (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

export function createMarketplaceServer(opts: MarketplaceServerOptions) {
  const { portals, log } = opts;
  const now = opts.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.use(securityHeaders());

  const installed = async (portalId: string | number | undefined) =>
    portalId !== undefined && (await portals.resolve(String(portalId))) !== null;
  const depsOf = async (portalId: string | undefined) => {
    const deps = portalId === undefined ? null : await portals.resolve(portalId);
    if (!deps) {
      throw new LeadLensError('NOT_FOUND', `LeadLens is not installed in portal ${portalId}.`, {
        hint: 'Install the app in that HubSpot account first.',
      });
    }
    return deps;
  };

  const webhooks: WebhooksRouter = webhooksRouter({
    clientSecret: opts.clientSecret,
    publicBaseUrl: opts.publicBaseUrl,
    batchWindowMs: opts.webhookBatchWindowMs ?? 1000,
    acceptsPortal: installed,
    rememberEvent: async (id, portalId) =>
      (await depsOf(portalId)).store.rememberEvent(id, new Date(now()).toISOString()),
    rescore: async (ids, portalId) => {
      // Uninstalled since the events arrived: nothing to do for it.
      const deps = portalId === undefined ? null : await portals.resolve(portalId);
      if (!deps) return;
      const { scored, written, failed } = await rescoreContacts(deps, ids);
      log.info('webhook rescore', {
        portal: portalId,
        contacts: ids.length,
        scored,
        written,
        failed: failed.length,
      });
    },
    onRescoreError: (e, ids, portalId) =>
      log.error('webhook rescore failed', {
        portal: portalId,
        contacts: ids.length,
        error: errorBody(e),
      }),
  });
  app.use('/webhooks/hubspot', webhooks);
  app.use(
    '/workflow-actions/lead-score',
    workflowActionRouter({
      clientSecret: opts.clientSecret,
      publicBaseUrl: opts.publicBaseUrl,
      acceptsPortal: installed,
      getCard: async (id, portalId, objectType) =>
        workflowCard(await depsOf(portalId), id, objectType),
    }),
  );
  app.use(
    '/hubspot',
    hubspotFetchRouter({
      clientSecret: opts.clientSecret,
      publicBaseUrl: opts.publicBaseUrl,
      appId: opts.appId,
      ...(opts.replayGuard ? { replay: opts.replayGuard } : {}),
      resolvePortal: (portalId) => portals.resolve(portalId),
    }),
  );
  // Public by design: the install is authorised by HubSpot's consent and bound to the browser.
  app.use(
    oauthRouter({
      config: opts.oauth.config,
      tokens: opts.oauth.tokens,
      log,
      onInstalled: opts.onInstalled,
    }),
  );

  // The operator's: the installs and uninstalling one.
  app.use(
    adminZone({
      admin: opts.admin,
      log,
      publicBaseUrl: opts.publicBaseUrl,
      allowedHosts: opts.allowedHosts,
      maxLoginFailures: opts.maxLoginFailures,
    }),
  );
  app.use(express.json({ limit: '64kb' }));
  app.get(
    '/api/installs',
    route(async (_req, res) => {
      res.json({ installs: await opts.engine.listInstalls() });
    }),
  );
  app.post(
    '/api/installs/:portalId/uninstall',
    route(async (req, res) => {
      const portalId = String(req.params.portalId);
      const result = await uninstallPortal(
        {
          engine: opts.engine,
          log,
          now,
          oauth: { tokens: opts.oauth.tokens, api: opts.oauth.api },
          cancelJobs: opts.cancelJobs,
        },
        portalId,
      );
      portals.forget(portalId);
      res.json(result);
    }),
  );

  app.use(bodyErrors);
  app.use((e: unknown, _req: Request, res: Response, _next: NextFunction) =>
    sendError(res, e, log),
  );
  return { app, flushWebhooks: () => webhooks.flush() };
}
