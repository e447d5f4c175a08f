/** Fault injection and per-route counters for the emulated Salesforce APIs. */
import { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { Rng } from '../demo/rng';
import { afterLatency, dropConnection, RouteStats } from '../shared/faults';
import { sendJson } from './errors';

const FAIL_WITH = ['500', '502', '503', 'html503', 'multiple', 'drop'] as const;

export const FaultsSchema = z
  .object({
    /** Probability of a 5xx answer (500/502/503). */
    rate5xx: z.number().min(0).max(1).default(0),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    /** The next N API requests fail with `failWith`. */
    failNextN: z.number().int().min(0).default(0),
    failWith: z.enum(FAIL_WITH).default('503'),
    /** Per record of a write: probability of UNABLE_TO_LOCK_ROW. */
    lockRowRate: z.number().min(0).max(1).default(0),
    /** These record ids answer UNABLE_TO_LOCK_ROW the next `lockTimes` times they are written. */
    lockIds: z.array(z.string()).default([]),
    lockTimes: z.number().int().min(1).default(1),
    /** These record ids fail FIELD_CUSTOM_VALIDATION_EXCEPTION (a validation rule) every time. */
    validationIds: z.array(z.string()).default([]),
    /** After this many more API calls every access token expires (a session timeout mid-run). */
    expireTokensAfter: z.number().int().min(0).nullable().default(null),
    /** Bulk API 2.0 ingest: time before each chunk of 10,000 records is processed. */
    bulkDelayMs: z.number().int().min(0).max(600_000).default(20),
    /** Bulk API 2.0 ingest: a job fails once this many of its records are processed. */
    bulkFailAfter: z.number().int().min(0).nullable().default(null),
  })
  .strict();
export type Faults = z.infer<typeof FaultsSchema>;

export class FaultInjector {
  faults: Faults = FaultsSchema.parse({});
  private rng = new Rng('sf-faults');
  private locks = new Map<string, number>();

  set(input: unknown): Faults {
    this.faults = FaultsSchema.parse(input);
    this.locks = new Map(this.faults.lockIds.map((id) => [id, this.faults.lockTimes]));
    return this.faults;
  }

  reset(seed: string): void {
    this.faults = FaultsSchema.parse({});
    this.locks.clear();
    this.rng = new Rng(`sf-faults|${seed}`);
  }

  /** Whether this record's write hits a row lock now. */
  locked(id: string): boolean {
    const left = this.locks.get(id);
    if (left !== undefined && left > 0) {
      this.locks.set(id, left - 1);
      return true;
    }
    return this.faults.lockRowRate > 0 && this.rng.chance(this.faults.lockRowRate);
  }

  failsValidation(id: string): boolean {
    return this.faults.validationIds.includes(id);
  }

  middleware() {
    return (_req: Request, res: Response, next: NextFunction) => {
      const f = this.faults;
      const go = () => {
        if (f.failNextN > 0) {
          f.failNextN--;
          return this.fail(res, f.failWith);
        }
        if (f.rate5xx > 0 && this.rng.chance(f.rate5xx))
          return this.fail(res, this.rng.pick(['500', '502', '503'] as const));
        next();
      };
      afterLatency(f.latencyMs, go);
    };
  }

  private fail(res: Response, kind: (typeof FAIL_WITH)[number]): void {
    if (kind === 'drop') {
      dropConnection(res);
      return;
    }
    if (kind === 'html503') {
      res.status(503).type('text/html').send('<html><body>Service Unavailable</body></html>');
      return;
    }
    if (kind === 'multiple') {
      sendJson(res, 400, [
        { message: 'injected error one', errorCode: 'UNKNOWN_EXCEPTION' },
        { message: 'injected error two', errorCode: 'UNKNOWN_EXCEPTION' },
      ]);
      return;
    }
    const code = kind === '503' ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION';
    sendJson(res, Number(kind), [{ message: 'injected fault', errorCode: code }]);
  }
}

export class Stats extends RouteStats {
  constructor() {
    // Answered before routing (faults, auth, the daily limit): keyed by the concrete path.
    super((req) => `${req.method} ${req.originalUrl.split('?')[0]}`);
  }
}
