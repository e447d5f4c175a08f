/**
 * The functions the card and the settings page reach with `hubspot.fetch` (marketplace
 * variant): POST /hubspot/functions/{score-record,feedback,settings}. Each request is verified
 * and bound to its portal first (auth/hubspot-fetch.ts); the handler then runs against that
 * portal's deps only. Jobs (sync, train, score, run) are not here: in the marketplace they run
 * on workers, never on a browser's say-so.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FunctionContext } from '../contracts/functions';
import { verifyHubSpotFetch, type HubSpotFetchAuth, type HubSpotFetchOptions } from './auth';
import { sendError } from './auth/respond';
import { findHandler } from './handlers';

/** What the card (score-record, feedback) and the settings page (settings) call. */
export const HUBSPOT_FETCH_FUNCTIONS: ReadonlySet<string> = new Set([
  'score-record',
  'feedback',
  'settings',
]);

export function hubspotFetchRouter(opts: HubSpotFetchOptions): Router {
  const router = express.Router();
  router.post(
    '/functions/:name',
    ...verifyHubSpotFetch(opts),
    async (req: Request, res: Response, next: NextFunction) => {
      const name = String(req.params.name);
      const handler = HUBSPOT_FETCH_FUNCTIONS.has(name) ? findHandler(name) : undefined;
      if (!handler) {
        sendError(res, 404, 'NOT_FOUND', `No function named ${name} for hubspot.fetch.`, {
          hint: `Available: ${[...HUBSPOT_FETCH_FUNCTIONS].join(', ')}.`,
        });
        return;
      }
      const { principal, deps } = res.locals.hubspot as HubSpotFetchAuth;
      let body: FunctionContext;
      try {
        const raw = res.locals.rawBody as string;
        body = (raw.trim() === '' ? {} : JSON.parse(raw)) as FunctionContext;
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error();
      } catch {
        sendError(res, 400, 'INPUT_INVALID', 'The body is not a JSON object.', {
          hint: 'Send { "parameters": { … } } as hubspot.fetch body.',
        });
        return;
      }
      const parameters = { ...(body.parameters ?? {}) };
      // Feedback is attributed to the signed-in HubSpot user, never to a name the body claims.
      if (name === 'feedback') parameters.userId = principal.userId;
      try {
        res.json(
          await handler(deps, { parameters, propertiesToSend: body.propertiesToSend ?? {} }),
        );
      } catch (e) {
        next(e);
      }
    },
  );
  return router;
}
