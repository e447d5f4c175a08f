/** Fault injection for /crm routes, and per-route status counters. */
import { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { Rng } from '../demo/rng';
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
    /** Probability of closing the socket without an answer. */
    dropConnectionRate: z.number().min(0).max(1).default(0),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;

export class FaultInjector {
  faults: Faults = FaultsSchema.parse({});
  private rng = new Rng('faults');

  set(input: unknown): Faults {
    this.faults = FaultsSchema.parse(input);
    return this.faults;
  }

  reset(seed: string): void {
    this.faults = FaultsSchema.parse({});
    this.rng = new Rng(`faults|${seed}`);
  }

  middleware() {
    return (_req: Request, res: Response, next: NextFunction) => {
      const f = this.faults;
      const go = () => {
        if (f.dropConnectionRate > 0 && this.rng.chance(f.dropConnectionRate))
          return this.fail(res, 'drop');
        if (f.failNextN > 0) {
          f.failNextN--;
          return this.fail(res, f.failWith);
        }
        if (f.rate429 > 0 && this.rng.chance(f.rate429))
          return this.fail(res, 'TEN_SECONDLY_ROLLING');
        if (f.rate5xx > 0 && this.rng.chance(f.rate5xx))
          return this.fail(res, this.rng.pick(['500', '502', '503']));
        next();
      };
      if (f.latencyMs > 0) setTimeout(go, f.latencyMs);
      else go();
    };
  }

  private fail(res: Response, kind: (typeof FAIL_KINDS)[number]): void {
    if (kind === 'drop') {
      res.locals.dropped = true;
      res.socket?.destroy();
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

export class Stats {
  total = 0;
  byRoute: Record<string, Record<string, number>> = {};

  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const done = () => {
        res.removeListener('finish', done);
        res.removeListener('close', done);
        const route = req.route ? `${req.method} ${req.route.path}` : `${req.method} <unmatched>`;
        const status = res.locals.dropped ? 'dropped' : String(res.statusCode);
        this.total++;
        const r = (this.byRoute[route] ??= {});
        r[status] = (r[status] ?? 0) + 1;
      };
      res.on('finish', done);
      res.on('close', done);
      next();
    };
  }

  reset(): void {
    this.total = 0;
    this.byRoute = {};
  }
}
