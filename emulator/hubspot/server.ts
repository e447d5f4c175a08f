/** Assembles the emulator's express app around a swappable portal. */
import express, { type Express } from 'express';
import { TokenRegistry } from './auth';
import { sendError, HubSpotHttpError } from './errors';
import { FaultInjector, Stats } from './faults';
import { RateLimiter, type RateLimitOptions } from './ratelimit';
import { registerAssociations } from './routes/associations';
import { registerBatch } from './routes/batch';
import { registerControl, type ControlHooks } from './routes/control';
import { registerObjects } from './routes/objects';
import { registerPipelines } from './routes/pipelines';
import { registerProperties } from './routes/properties';
import { registerSearch } from './routes/search';
import { type Ctx } from './routing';

export interface AppOptions {
  ctx: Ctx;
  hooks: ControlHooks;
  current: () => { seed: string; contacts: number };
}

export function buildApp({ ctx, hooks, current }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(express.json({ limit: '20mb', type: () => true }));
  app.use((req, res, next) =>
    req.path.startsWith('/__emulator') ? next() : hooks.stats.middleware()(req, res, next),
  );
  registerControl(app, ctx, hooks, current);
  registerSearch(app, ctx);
  registerBatch(app, ctx);
  registerObjects(app, ctx);
  registerProperties(app, ctx);
  registerAssociations(app, ctx);
  registerPipelines(app, ctx);
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

export function makeLimiter(opts: RateLimitOptions = {}): RateLimiter {
  return new RateLimiter({
    tenSecondly: opts.tenSecondly === undefined ? 190 : opts.tenSecondly,
    secondly: opts.secondly === undefined ? 5 : opts.secondly,
    daily: opts.daily === undefined ? 1_000_000 : opts.daily,
  });
}

export { TokenRegistry, FaultInjector, Stats };
