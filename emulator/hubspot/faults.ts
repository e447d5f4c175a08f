/** Fault injection for /crm routes, and per-route status counters. */
import { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { Rng } from '../demo/rng';
import { afterLatency, dropConnection, RouteStats } from '../shared/faults';
import { correlationIdOf, errorBody, HubSpotHttpError } from './errors';
import { DAILY_BODY, SECONDLY_BODY, TEN_SECONDLY_BODY } from './ratelimit';

const FAIL_KINDS = [
  'TEN_SECONDLY_ROLLING',
  'SECONDLY',
  'DAILY',
  '500',
  '502',
  '503',
  'drop',
] as const;
export const FaultsSchema = z
  .object({
    /** Probability of a 429 TEN_SECONDLY_ROLLING answer. */
    rate429: z.number().min(0).max(1).default(0),
    /** Probability of a 5xx answer (502/503 alternating with 500). */
    rate5xx: z.number().min(0).max(1).default(0),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    /** The next N /crm requests fail with `failWith`. */
    failNextN: z.number().int().min(0).default(0),
    failWith: z.enum(FAIL_KINDS).default('503'),
    /**
     * The next N writes (batch update/create/upsert, PATCH) fail with `failWith`, unapplied;
     * reads pass. Lands a fault in write-back by count, whatever the timing.
     */
    failNextWritesN: z.number().int().min(0).default(0),
    /** Probability of closing the socket without an answer. */
    dropConnectionRate: z.number().min(0).max(1).default(0),
    /** Every /crm request answers 5xx (500/502/503) for this long from now: an incident. */
    burst5xxMs: z.number().int().min(0).max(3_600_000).default(0),
    /** The next N /crm requests are never answered: the connection stays open, silent. */
    hangNextN: z.number().int().min(0).default(0),
    /**
     * The next N writes (batch update/create/upsert, PATCH) are applied, then answered with
     * `applyThenFailWith` instead of their result: the CRM did the work and the caller cannot know.
     */
    applyThenFailNextN: z.number().int().min(0).default(0),
    applyThenFailWith: z.enum(['500', '502', '503', 'drop']).default('502'),
    /**
     * Probability that one input of a batch update fails alone in a 207 with a retryable
     * category (`itemRetryableCategory`), unapplied.
     */
    itemRetryableRate: z.number().min(0).max(1).default(0),
    itemRetryableCategory: z.string().min(1).default('INTERNAL_ERROR'),
    /** Record ids whose batch updates fail in a 207 with this (permanent) category, unapplied. */
    itemErrors: z
      .record(z.string(), z.enum(['READ_ONLY_VALUE', 'INVALID_OPTION', 'OBJECT_NOT_FOUND']))
      .default({}),
    /**
     * The faults above wait until this many more batch updates have come in, then strike:
     * a fault lands mid write-back by count. (Armed by a poller once the first batch went out, a
     * short write-back could end before the fault was set, and the case proved nothing.)
     */
    armAfterBatchUpdatesN: z.number().int().min(0).default(0),
    /** Access tokens that expire when the faults strike (HubSpot then answers 401 EXPIRED_AUTHENTICATION). */
    expireTokens: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;

const WRITE_ROUTE = /\/batch\/(update|create|upsert)$/;
const BATCH_UPDATE_ROUTE = /\/batch\/update$/;

/** What a fault makes of one input of a batch update. */
export interface ItemFault {
  category: string;
  message: string;
}

const ITEM_MESSAGES: Record<string, string> = {
  READ_ONLY_VALUE: 'Property values were not valid: a property of this object is read-only.',
  INVALID_OPTION: 'Property values were not valid: a value is not one of the allowed options.',
  OBJECT_NOT_FOUND: 'Could not update the object, it may be deleted or not exist.',
};

export class FaultInjector {
  faults: Faults = FaultsSchema.parse({});
  private rng = new Rng('faults');
  private burstUntil = 0;
  private hung = new Set<Response>();

  /** @param expireToken expires one access token of the emulated hub (for `expireTokens`). */
  constructor(private readonly expireToken: (token: string) => void = () => {}) {}

  set(input: unknown): Faults {
    this.faults = FaultsSchema.parse(input);
    this.burstUntil = 0;
    if (this.faults.armAfterBatchUpdatesN === 0) this.strike();
    return this.faults;
  }

  /** The faults take effect: a 5xx incident's clock starts now, not when it was armed. */
  private strike(): void {
    if (this.faults.burst5xxMs > 0) this.burstUntil = Date.now() + this.faults.burst5xxMs;
    for (const token of this.faults.expireTokens) this.expireToken(token);
  }

  reset(seed: string): void {
    this.faults = FaultsSchema.parse({});
    this.rng = new Rng(`faults|${seed}`);
    this.burstUntil = 0;
    for (const res of this.hung) res.socket?.destroy();
    this.hung.clear();
  }

  /** A fault for one input of a batch update, or null to apply it. */
  itemFault(id: string): ItemFault | null {
    const f = this.faults;
    const permanent = f.itemErrors[id];
    if (permanent) return { category: permanent, message: ITEM_MESSAGES[permanent] };
    if (f.itemRetryableRate > 0 && this.rng.chance(f.itemRetryableRate)) {
      return {
        category: f.itemRetryableCategory,
        message: 'The object could not be updated right now; try again.',
      };
    }
    return null;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const f = this.faults;
      const go = () => {
        if (f.armAfterBatchUpdatesN > 0) {
          // Still waiting: this request passes unharmed; a batch update counts down, and the
          // requests after the last one counted meet the faults.
          if (req.method === 'POST' && BATCH_UPDATE_ROUTE.test(req.path)) {
            if (--f.armAfterBatchUpdatesN === 0) this.strike();
          }
          return next();
        }
        if (f.dropConnectionRate > 0 && this.rng.chance(f.dropConnectionRate))
          return this.fail(res, 'drop');
        if (f.hangNextN > 0) {
          f.hangNextN--;
          // Counted as dropped in the stats when the client gives up.
          res.locals.dropped = true;
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        }
        if (this.burstUntil > Date.now()) {
          return this.fail(res, this.rng.pick(['500', '502', '503']));
        }
        if (f.failNextN > 0) {
          f.failNextN--;
          return this.fail(res, f.failWith);
        }
        const isWrite = req.method === 'PATCH' || WRITE_ROUTE.test(req.path);
        if (isWrite && f.failNextWritesN > 0) {
          f.failNextWritesN--;
          return this.fail(res, f.failWith);
        }
        if (isWrite && f.applyThenFailNextN > 0) {
          f.applyThenFailNextN--;
          this.failAfterApplying(res, f.applyThenFailWith);
        }
        if (f.rate429 > 0 && this.rng.chance(f.rate429))
          return this.fail(res, 'TEN_SECONDLY_ROLLING');
        if (f.rate5xx > 0 && this.rng.chance(f.rate5xx))
          return this.fail(res, this.rng.pick(['500', '502', '503']));
        next();
      };
      afterLatency(f.latencyMs, go);
    };
  }

  /** Lets the handler apply the request, then replaces its answer with a failure. */
  private failAfterApplying(res: Response, kind: Faults['applyThenFailWith']): void {
    const send = res.send.bind(res);
    let replaced = false;
    res.send = ((body?: unknown) => {
      if (replaced) return send(body);
      replaced = true;
      res.locals.appliedThenFailed = true;
      if (kind === 'drop') {
        dropConnection(res);
        return res;
      }
      const id = correlationIdOf(res);
      res.status(Number(kind)).type('application/json');
      return send(
        JSON.stringify(
          errorBody(new HubSpotHttpError(Number(kind), 'INTERNAL_ERROR', 'injected fault'), id),
        ),
      );
    }) as Response['send'];
  }

  private fail(res: Response, kind: (typeof FAIL_KINDS)[number]): void {
    if (kind === 'drop') {
      dropConnection(res);
      return;
    }
    const id = correlationIdOf(res);
    const body =
      kind === 'TEN_SECONDLY_ROLLING'
        ? TEN_SECONDLY_BODY(id)
        : kind === 'SECONDLY'
          ? SECONDLY_BODY(id)
          : kind === 'DAILY'
            ? DAILY_BODY(id)
            : errorBody(new HubSpotHttpError(Number(kind), 'INTERNAL_ERROR', 'injected fault'), id);
    res
      .status(kind.length === 3 ? Number(kind) : 429)
      .type('application/json')
      .send(JSON.stringify(body));
  }
}

export class Stats extends RouteStats {
  constructor() {
    super((req) => `${req.method} <unmatched>`);
  }
}
