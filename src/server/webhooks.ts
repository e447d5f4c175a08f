/**
 * HubSpot webhook receiver: contact property changes → a batched rescore.
 *
 * HubSpot delivers at least once, unordered, in batches, and expects a fast 2xx; our own
 * write-back of `leadlens_*` properties triggers webhooks too. So: verify the v3 signature over
 * the raw body, drop replays (eventId), drop our own properties, answer at once, and coalesce
 * everything that arrives within `batchWindowMs` into one rescore call.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { isLeadLensProperty } from '../contracts/properties';
import { LeadLensError } from '../errors';
import { signedHubSpotBody, type HubSpotVerifyOptions } from './hubspot-signature';
import { sendError } from './http-errors';

const WebhookEventSchema = z
  .object({
    eventId: z.union([z.number(), z.string()]),
    portalId: z.union([z.number(), z.string()]).optional(),
    subscriptionType: z.string(),
    objectId: z.union([z.number(), z.string()]),
    objectTypeId: z.string().optional(),
    propertyName: z.string().optional(),
    occurredAt: z.number().optional(),
    attemptNumber: z.number().optional(),
  })
  .passthrough();
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

const WebhookBatchSchema = z.array(WebhookEventSchema).max(1000);

export interface WebhooksRouterOptions extends HubSpotVerifyOptions {
  /**
   * True when the id is new (and is now remembered); false for a delivery seen before. The
   * portal is the event's (multi-portal servers remember per portal).
   */
  rememberEvent(eventId: string, portalId: string | undefined): boolean | Promise<boolean>;
  /** Rescores contacts of one portal (the events' `portalId`; undefined when they carry none). */
  rescore(contactIds: string[], portalId: string | undefined): Promise<void>;
  /** Events arriving within this window after the first one are rescored together. */
  batchWindowMs: number;
  /** Called when a batched rescore fails; the ids are not retried here (HubSpot won't resend). */
  onRescoreError?(error: unknown, contactIds: string[], portalId: string | undefined): void;
  /**
   * False for a portal this server does not serve: its events are dropped, not rescored. An
   * app's webhooks are signed with the app's one secret whichever portal they come from, so
   * another portal's events must never be applied to this portal's records with the same ids.
   */
  acceptsPortal?(portalId: string | number | undefined): boolean | Promise<boolean>;
}

export interface WebhooksRouter extends Router {
  /** Runs the pending batch now (shutdown, tests); resolves when its rescore settles. */
  flush(): Promise<void>;
}

const CONTACT_TYPE_ID = '0-1';

/** Which events can change a contact's score: creations and non-LeadLens property changes. */
function contactToRescore(e: WebhookEvent): string | null {
  const legacy = e.subscriptionType.startsWith('contact.');
  const generic = e.subscriptionType.startsWith('object.') && e.objectTypeId === CONTACT_TYPE_ID;
  if (!legacy && !generic) return null;
  const kind = e.subscriptionType.slice(e.subscriptionType.indexOf('.') + 1);
  if (kind === 'propertyChange') {
    if (!e.propertyName || isLeadLensProperty(e.propertyName)) return null;
  } else if (kind !== 'creation') {
    return null;
  }
  return String(e.objectId);
}

export function webhooksRouter(opts: WebhooksRouterOptions): WebhooksRouter {
  // Contacts to rescore, per portal: one rescore call per portal and window.
  let pending = new Map<string | undefined, Set<string>>();
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();

  const runBatch = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return inFlight;
    const batches = [...pending].map(([portalId, ids]) => ({ portalId, ids: [...ids] }));
    pending = new Map();
    for (const { portalId, ids } of batches) {
      inFlight = inFlight
        .then(() => opts.rescore(ids, portalId))
        .catch((error: unknown) => opts.onRescoreError?.(error, ids, portalId));
    }
    return inFlight;
  };

  const enqueue = (ids: string[], portalId: string | undefined): void => {
    if (ids.length === 0) return;
    let set = pending.get(portalId);
    if (!set) pending.set(portalId, (set = new Set()));
    for (const id of ids) set.add(id);
    if (!timer) {
      timer = setTimeout(() => void runBatch(), opts.batchWindowMs);
      timer.unref();
    }
  };

  const router = express.Router() as WebhooksRouter;
  router.post(
    '/',
    ...signedHubSpotBody({ ...opts, limit: '2mb' }),
    async (_req: Request, res: Response) => {
      const rawBody = res.locals.rawBody as string;
      let parsed: z.infer<typeof WebhookBatchSchema>;
      try {
        parsed = WebhookBatchSchema.parse(JSON.parse(rawBody));
      } catch {
        sendError(
          res,
          new LeadLensError(
            'INPUT_INVALID',
            'The webhook body is not an array of HubSpot events.',
            {
              hint: 'Send the JSON array HubSpot delivers (eventId, subscriptionType, objectId, …).',
            },
          ),
        );
        return;
      }
      let duplicates = 0;
      let ignored = 0;
      let foreign = 0;
      let queued = 0;
      const byPortal = new Map<string | undefined, string[]>();
      const enqueueAll = () => {
        for (const [portalId, ids] of byPortal) enqueue(ids, portalId);
      };
      for (const event of parsed) {
        // Answered 200 all the same: HubSpot retries any other answer, and it can never change.
        if (opts.acceptsPortal && !(await opts.acceptsPortal(event.portalId))) {
          foreign += 1;
          continue;
        }
        const portalId = event.portalId === undefined ? undefined : String(event.portalId);
        let isNew: boolean;
        try {
          isNew = await opts.rememberEvent(String(event.eventId), portalId);
        } catch (e) {
          // 5xx: HubSpot delivers the batch again; events remembered so far are skipped then,
          // so they are queued now.
          enqueueAll();
          sendError(
            res,
            new LeadLensError(
              'UNAVAILABLE',
              'LeadLens could not record the webhook events right now.',
              {
                hint: 'HubSpot retries the delivery; check the LeadLens server logs if it persists.',
                cause: e,
              },
            ),
          );
          return;
        }
        if (!isNew) {
          duplicates += 1;
          continue;
        }
        const id = contactToRescore(event);
        if (id === null) {
          ignored += 1;
          continue;
        }
        let ids = byPortal.get(portalId);
        if (!ids) byPortal.set(portalId, (ids = []));
        ids.push(id);
        queued += 1;
      }
      enqueueAll();
      res.status(200).json({
        received: parsed.length,
        queued,
        duplicates,
        ignored,
        ...(foreign > 0 ? { foreign } : {}),
      });
    },
  );
  router.flush = runBatch;
  return router;
}
