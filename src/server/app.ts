/**
 * The express host: every function as a route, the HubSpot webhook receiver and workflow
 * action, the scored-contacts page, the card preview and the model report. One set of deps
 * for the process; each route is parse → use case → map errors.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorBody, LeadLensError } from '../errors';
import type { FunctionContext } from '../contracts/functions';
import {
  governanceCharts,
  governanceStatus,
  feedbackReview,
  modelCard,
  modelCharts,
  objectStageStatus,
  modelSummary,
  readReport,
  rescoreContacts,
  storedCard,
  tierInputs,
  currentEconomics,
  tierStats,
  workflowCard,
  type PipelineDeps,
} from '../pipeline';
import {
  adminZone,
  bodyErrors,
  securityHeaders,
  type AdminCredential,
  type PortalResolver,
  type ReplayGuard,
} from './auth';
import { findHandler, handlers } from './handlers';
import { hubspotFetchRouter } from './hubspot-fetch-routes';
import { sendError } from './http-errors';
import { renderCardPage, renderContactsPage } from './preview';
import { renderGovernancePage, renderModelCardPage } from './governance-page';
import { psi, renderReportPage } from './report-page';
import { companyScores } from './account-report-section';
import { webhooksRouter, type WebhooksRouter } from './webhooks';
import { workflowActionRouter } from './workflow-action';

export interface ServerOptions {
  /** The app's client secret, for HubSpot request signatures (webhooks, workflow action). */
  clientSecret: string;
  /** The public URL HubSpot calls (signatures cover it); default: the request's own URL. */
  publicBaseUrl?: string;
  webhookBatchWindowMs?: number;
  /** Who may use the pages and the operator API (docs/security.md). */
  admin: AdminCredential;
  /**
   * The HubSpot portal this server serves (a private app's account). When set, signed calls
   * for another portal are refused, and hubspot.fetch calls of this portal reach `deps`.
   */
  portalId?: string;
  /**
   * Multi-portal (marketplace): the deps of the portal a signed hubspot.fetch call carries,
   * null when the app is not installed there. Overrides the single-portal `portalId` binding.
   */
  resolvePortal?: PortalResolver;
  /** The HubSpot app id; hubspot.fetch calls for another app are refused. */
  appId?: string;
  /** Express `trust proxy` (behind a TLS-terminating proxy), so https and client IPs are real. */
  trustProxy?: boolean | number | string;
  /** Host names the pages answer to (DNS-rebinding guard); unset = any. */
  allowedHosts?: string[];
  /** Replay protection of hubspot.fetch calls; shared storage when several processes serve. */
  replayGuard?: ReplayGuard;
  /** Failed sign-ins allowed per client address per 15 minutes (default 10). */
  maxLoginFailures?: number;
}

/** Express 4 does not catch a rejected promise: every async route goes through this. */
const route =
  (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

export function createServer(deps: PipelineDeps, opts: ServerOptions) {
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.use(securityHeaders());
  // The hub id signed calls must carry: the option, else the store's portal when it is a hub id.
  const servedPortal =
    opts.portalId ?? (/^\d+$/.test(deps.store.portalId) ? deps.store.portalId : undefined);
  const acceptsPortal = (portalId: string | number | undefined) =>
    servedPortal === undefined || portalId === undefined || String(portalId) === servedPortal;

  // Signed HubSpot calls need the raw body, so they are mounted before any JSON parser.
  const webhooks: WebhooksRouter = webhooksRouter({
    clientSecret: opts.clientSecret,
    publicBaseUrl: opts.publicBaseUrl,
    batchWindowMs: opts.webhookBatchWindowMs ?? 1000,
    acceptsPortal,
    rememberEvent: (id) => deps.store.rememberEvent(id, new Date(deps.now()).toISOString()),
    rescore: async (ids) => {
      const { scored, written, failed } = await rescoreContacts(deps, ids);
      deps.log.info('webhook rescore', { contacts: ids.length, scored, written });
      if (failed.length > 0) {
        // Kept in the store as pending: the next write-back sends them again.
        deps.log.warn('webhook rescore: the CRM refused some writes', {
          failures: failed
            .slice(0, 10)
            .map((f) => ({ id: f.id, code: f.code, message: f.message })),
        });
      }
    },
    onRescoreError: (e, ids) =>
      deps.log.error('webhook rescore failed', { contacts: ids.length, error: errorBody(e) }),
  });
  app.use('/webhooks/hubspot', webhooks);
  app.use(
    '/workflow-actions/lead-score',
    workflowActionRouter({
      clientSecret: opts.clientSecret,
      publicBaseUrl: opts.publicBaseUrl,
      acceptsPortal,
      getCard: (id, _portal, objectType) => workflowCard(deps, id, objectType),
    }),
  );

  app.use(
    '/hubspot',
    hubspotFetchRouter({
      clientSecret: opts.clientSecret,
      publicBaseUrl: opts.publicBaseUrl,
      appId: opts.appId,
      ...(opts.replayGuard ? { replay: opts.replayGuard } : {}),
      resolvePortal:
        opts.resolvePortal ??
        ((portalId) => (servedPortal !== undefined && portalId === servedPortal ? deps : null)),
    }),
  );

  // Everything below is the operator's: admin token or signed-in session (docs/security.md).
  app.use(
    adminZone({
      admin: opts.admin,
      log: deps.log,
      publicBaseUrl: opts.publicBaseUrl,
      allowedHosts: opts.allowedHosts,
      maxLoginFailures: opts.maxLoginFailures,
    }),
  );
  app.use(express.json({ limit: '1mb' }));

  app.post('/functions/:name', async (req: Request, res: Response, next: NextFunction) => {
    const handler = findHandler(String(req.params.name));
    if (!handler) {
      sendError(
        res,
        new LeadLensError('NOT_FOUND', `There is no LeadLens function named ${req.params.name}.`, {
          hint: `Call one of: ${Object.keys(handlers).join(', ')}.`,
        }),
      );
      return;
    }
    try {
      const body = (req.body ?? {}) as FunctionContext;
      res.json(
        await handler(deps, {
          parameters: body.parameters ?? {},
          propertiesToSend: body.propertiesToSend ?? {},
        }),
      );
    } catch (e) {
      next(e);
    }
  });

  app.get(
    '/',
    route(async (_req, res) => {
      const rows = await deps.store.listScores('contact', { afterId: null, limit: 100_000 });
      rows.sort((a, b) => b.score - a.score);
      const settings = await deps.store.getSettings();
      res.type('html').send(
        renderContactsPage(rows.slice(0, 500), await modelSummary(deps), {
          total: rows.length,
          tiers: settings.tiers,
        }),
      );
    }),
  );

  app.get(
    '/contacts/:id',
    route(async (req, res) => {
      const id = String(req.params.id);
      const card = await storedCard(deps.store, { objectType: 'contact', objectId: id });
      if (!card) {
        res
          .status(404)
          .type('html')
          .send(
            renderCardPage(null, {
              title: `Contact ${id}`,
              message:
                'This contact has no LeadLens score (not synced, a customer, or not scored yet).',
            }),
          );
        return;
      }
      res.type('html').send(renderCardPage(card, { title: `Contact ${id}` }));
    }),
  );

  app.get(
    '/report',
    route(async (_req, res) => {
      const published = await deps.store.getPublishedModel();
      const report = published ? readReport(published) : null;
      const inputs = await tierInputs(deps);
      const models = await deps.store.listModels();
      // A newer version that was not published (no signal) gets a banner above the report.
      const latest = models.reduce<(typeof models)[number] | null>(
        (a, m) => (!a || m.version > a.version ? m : a),
        null,
      );
      res.type('html').send(
        renderReportPage({
          published,
          report,
          latest,
          latestReport: latest ? readReport(latest) : null,
          models,
          stats: tierStats((await deps.store.getSettings()).tiers, inputs),
          feedback: await deps.store.listFeedback({ limit: 50 }),
          drift: report ? psi(report.heldOut.scores, inputs.openScores) : null,
          writeFailures: await deps.store.listWriteFailures({ limit: 50 }),
          charts: published ? await modelCharts(deps.store, published.version) : null,
          dealModels: await deps.store.listObjectModels('deal'),
          accounts: {
            models: await deps.store.listObjectModels('company'),
            scores: await companyScores(deps.store),
            tiers: (await deps.store.getSettings()).tiers,
          },
          objectStages: await objectStageStatus(deps.store),
          economics: await currentEconomics(deps),
        }),
      );
    }),
  );

  app.get(
    '/report/governance',
    route(async (_req, res) => {
      res.type('html').send(
        renderGovernancePage({
          models: await deps.store.listModels(),
          alerts: await deps.store.listAlerts({ open: true, limit: 200 }),
          runs: await deps.store.listMonitorRuns({ limit: 100 }),
          decisions: await deps.store.listDecisions({ limit: 1000 }),
          feedback: await feedbackReview(deps.store, 50),
          charts: await governanceCharts(deps.store),
        }),
      );
    }),
  );

  app.get(
    '/report/models/:version',
    route(async (req, res) => {
      const version = Number(req.params.version);
      if (!Number.isInteger(version) || version < 1) {
        throw new LeadLensError(
          'INPUT_INVALID',
          `"${req.params.version}" is not a model version.`,
          {
            hint: 'Open /report/governance for the list of versions.',
          },
        );
      }
      const card = await modelCard(deps.store, version);
      const stored = await deps.store.getModel(version);
      const backtested = stored ? readReport(stored)?.backtest !== undefined : false;
      res
        .type('html')
        .send(
          renderModelCardPage(
            card,
            await modelCharts(deps.store, version),
            backtested ? 'out_of_fold' : 'held_out',
          ),
        );
    }),
  );

  app.get(
    '/api/status',
    route(async (_req, res) => {
      res.json({
        portal: deps.store.portalId,
        model: await modelSummary(deps),
        lease: await deps.store.getLease(),
        jobs: await Promise.all(
          ['run', 'sync', 'train', 'score', 'monitor', 'writeback'].map((j) =>
            deps.store.getJob(j),
          ),
        ),
        contacts: await deps.store.countRecords('contact'),
        scored: await deps.store.countScores('contact'),
        governance: await governanceStatus(deps.store),
      });
    }),
  );

  app.use(bodyErrors);
  app.use((e: unknown, _req: Request, res: Response, _next: NextFunction) =>
    sendError(res, e, deps.log),
  );

  return { app, flushWebhooks: () => webhooks.flush() };
}
