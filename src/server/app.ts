/**
 * The express host: every function as a route, the HubSpot webhook receiver and workflow
 * action, the scored-contacts page, the card preview and the model report. One set of deps
 * for the process; each route is parse → use case → map errors.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { describeError, isLeadLensError } from '../contracts/errors';
import type { FunctionContext } from '../contracts/functions';
import {
  cardFromStore,
  modelSummary,
  readReport,
  rescoreContacts,
  tierInputs,
  tierStats,
  type PipelineDeps,
} from '../pipeline';
import { handlers } from './handlers';
import { renderCardPage, renderContactsPage } from './preview';
import { psi, renderReportPage } from './report-page';
import { webhooksRouter, type WebhooksRouter } from './webhooks';
import { workflowActionRouter } from './workflow-action';

export interface ServerOptions {
  /** The app's client secret, for HubSpot request signatures (webhooks, workflow action). */
  clientSecret: string;
  /** The public URL HubSpot calls (signatures cover it); default: the request's own URL. */
  publicBaseUrl?: string;
  webhookBatchWindowMs?: number;
}

const STATUS_BY_CODE: Record<string, number> = {
  INPUT_INVALID: 400,
  CONFIG_INVALID: 400,
  CSV_INVALID: 400,
  SIGNATURE_INVALID: 401,
  CRM_NOT_FOUND: 404,
  NO_MODEL: 409,
  NOT_ENOUGH_DATA: 409,
  JOB_LOCKED: 409,
  CRM_RATE_LIMITED: 429,
  CRM_DAILY_LIMIT: 429,
  CRM_AUTH: 502,
  CRM_SCOPES: 502,
  CRM_UNAVAILABLE: 503,
};

/** Express 4 does not catch a rejected promise: every async route goes through this. */
const route =
  (fn: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

export function createServer(deps: PipelineDeps, opts: ServerOptions) {
  const app = express();
  app.disable('x-powered-by');

  // Signed HubSpot calls need the raw body, so they are mounted before any JSON parser.
  const webhooks: WebhooksRouter = webhooksRouter({
    clientSecret: opts.clientSecret,
    publicBaseUrl: opts.publicBaseUrl,
    batchWindowMs: opts.webhookBatchWindowMs ?? 1000,
    // Only a hub id can be compared with the portalId HubSpot puts on each event.
    ...(/^\d+$/.test(deps.store.portalId) ? { portalId: deps.store.portalId } : {}),
    rememberEvent: (id) => deps.store.rememberEvent(id, new Date(deps.now()).toISOString()),
    rescore: async (ids) => {
      const { scored, written } = await rescoreContacts(deps, ids);
      deps.log.info('webhook rescore', { contacts: ids.length, scored, written });
    },
    onRescoreError: (e, ids) =>
      deps.log.error('webhook rescore failed', { contacts: ids.length, error: describeError(e) }),
  });
  app.use('/webhooks/hubspot', webhooks);
  app.use(
    '/workflow-actions/lead-score',
    workflowActionRouter({
      clientSecret: opts.clientSecret,
      publicBaseUrl: opts.publicBaseUrl,
      getCard: async (id) => {
        const row = await deps.store.getScore('contact', id);
        if (!row) return null;
        const written = (await deps.store.getWritten('contact', [id])).get(id);
        return cardFromStore(row, written, (await deps.store.getSettings()).tiers);
      },
    }),
  );

  app.use(express.json({ limit: '1mb' }));

  app.post('/functions/:name', async (req: Request, res: Response, next: NextFunction) => {
    const handler = handlers[String(req.params.name)];
    if (!handler) {
      res.status(404).json({
        error: { code: 'NOT_FOUND', message: `No function named ${req.params.name}.` },
      });
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
      const row = await deps.store.getScore('contact', id);
      if (!row) {
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
      const card = cardFromStore(
        row,
        (await deps.store.getWritten('contact', [id])).get(id),
        (await deps.store.getSettings()).tiers,
      );
      res.type('html').send(renderCardPage(card, { title: `Contact ${id}` }));
    }),
  );

  app.get(
    '/report',
    route(async (_req, res) => {
      const published = await deps.store.getPublishedModel();
      const report = published ? readReport(published) : null;
      const inputs = await tierInputs(deps);
      res.type('html').send(
        renderReportPage({
          published,
          report,
          models: await deps.store.listModels(),
          stats: tierStats((await deps.store.getSettings()).tiers, inputs),
          feedback: await deps.store.listFeedback({ limit: 50 }),
          drift: report ? psi(report.heldOut.scores, inputs.openScores) : null,
        }),
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
          ['run', 'sync', 'train', 'score', 'writeback'].map((j) => deps.store.getJob(j)),
        ),
        contacts: await deps.store.countRecords('contact'),
        scored: await deps.store.countScores('contact'),
      });
    }),
  );

  app.use((e: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { message, code } = describeError(e);
    const status = isLeadLensError(e) ? (STATUS_BY_CODE[e.code] ?? 500) : 500;
    if (status >= 500) deps.log.error('request failed', { code, message });
    res.status(status).json({ error: { code, message } });
  });

  return { app, flushWebhooks: () => webhooks.flush() };
}
