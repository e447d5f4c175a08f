/** Assembles the emulator's express app: control plane, OAuth, the CRM and automation APIs. */
import express, { type Express } from 'express';
import { correlationIdOf, HubSpotHttpError, sendError } from './errors';
import { FaultInjector, Stats } from './faults';
import { registerAssociations } from './routes/associations';
import { registerAutomation } from './routes/automation';
import { registerBatch } from './routes/batch';
import { registerControl, type ControlServices } from './routes/control';
import { registerOAuth, type OAuthOptions } from './routes/oauth';
import { registerObjects } from './routes/objects';
import { registerPipelines } from './routes/pipelines';
import { registerProperties } from './routes/properties';
import { registerSearch } from './routes/search';
import { type Ctx } from './routing';

export interface AppOptions {
  ctx: Ctx;
  services: ControlServices;
  oauth: OAuthOptions;
  /**
   * Longest request URL answered (HubSpot documents a 414 for over-long URLs without the
   * number; 8 KiB, half of Node's default header limit, is the emulator's stricter guess).
   */
  maxUrlLength: number;
}

export function buildApp({ ctx, services, oauth, maxUrlLength }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  const isControl = (path: string) => path.startsWith('/__emulator');
  app.use((req, res, next) => {
    if (isControl(req.path)) return next();
    correlationIdOf(res);
    if (req.originalUrl.length > maxUrlLength)
      return sendError(
        res,
        new HubSpotHttpError(
          414,
          'URI_TOO_LONG',
          `The request URI is ${req.originalUrl.length} characters; shorten it (fewer query parameters) or use a batch endpoint with a JSON body.`,
        ),
      );
    services.stats.middleware()(req, res, next);
  });
  registerControl(app, ctx, services);
  registerOAuth(app, ctx.hub, oauth);
  app.use(
    express.json({
      limit: '20mb',
      type: () => true,
      verify: (_req, res, buf) => {
        (res as express.Response).locals.rawBodyLength = buf.length;
      },
    }),
  );
  registerSearch(app, ctx);
  registerBatch(app, ctx);
  registerObjects(app, ctx);
  registerProperties(app, ctx);
  registerAssociations(app, ctx);
  registerPipelines(app, ctx);
  registerAutomation(app, ctx, services.workflows);
  app.use((req, res) =>
    sendError(
      res,
      new HubSpotHttpError(
        404,
        'OBJECT_NOT_FOUND',
        `No emulated endpoint for ${req.method} ${req.path}.`,
      ),
    ),
  );
  // Malformed JSON bodies reach here from express.json().
  app.use(
    (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      sendError(res, err),
  );
  return app;
}

export { FaultInjector, Stats };
