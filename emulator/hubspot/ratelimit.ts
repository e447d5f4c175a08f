/**
 * HubSpot's rate limits: a 10-second rolling window per token, a per-second window for
 * search, and a daily quota, with the X-HubSpot-RateLimit-* headers and the exact 429 bodies
 * that @hubspot/api-client's RetryDecorator matches (policyName / message).
 */
import { randomUUID } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';

export interface RateLimitOptions {
  /** Requests per 10 s (HubSpot: 100 free/starter, 190 pro/enterprise); null = off. */
  tenSecondly?: number | null;
  /** Search requests per second (HubSpot: 5); null = off. */
  secondly?: number | null;
  /** Requests per UTC day; null = off. */
  daily?: number | null;
}

/** Sliding window as a ring of the last `max` admission times: O(1) per request. */
class Window {
  private readonly ring: Float64Array;
  private head = 0;
  constructor(
    readonly max: number,
    readonly ms: number,
  ) {
    this.ring = new Float64Array(max).fill(-Infinity);
  }
  tryTake(now: number): boolean {
    if (this.ring[this.head] > now - this.ms) return false;
    this.ring[this.head] = now;
    this.head = (this.head + 1) % this.max;
    return true;
  }
  remaining(now: number): number {
    let used = 0;
    for (const t of this.ring) if (t > now - this.ms) used++;
    return this.max - used;
  }
}

export const TEN_SECONDLY_BODY = () => ({
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: randomUUID(),
  policyName: 'TEN_SECONDLY_ROLLING',
  groupName: 'publicapi:private-app:leadlens-emulator',
  category: 'RATE_LIMITS',
});
export const SECONDLY_BODY = () => ({
  status: 'error',
  message: 'You have reached your secondly limit.',
  errorType: 'RATE_LIMIT',
  correlationId: randomUUID(),
  policyName: 'SECONDLY',
  groupName: 'publicapi:private-app:leadlens-emulator:search',
  category: 'RATE_LIMITS',
});
export const DAILY_BODY = () => ({
  status: 'error',
  message: 'You have reached your daily limit.',
  errorType: 'RATE_LIMIT',
  correlationId: randomUUID(),
  policyName: 'DAILY',
  groupName: 'publicapi:private-app:leadlens-emulator',
  category: 'RATE_LIMITS',
});

/** Numbers reported in headers when a limit is off: large, so clients never throttle. */
const UNLIMITED = 1_000_000;

export class RateLimiter {
  private readonly ten = new Map<string, Window>();
  private readonly sec = new Map<string, Window>();
  private readonly day = new Map<string, { day: string; used: number }>();

  constructor(readonly opts: Required<RateLimitOptions>) {}

  middleware(kind: 'default' | 'search') {
    return (_req: Request, res: Response, next: NextFunction) => {
      const key = String(res.locals.token ?? '');
      const now = Date.now();
      const { tenSecondly, secondly, daily } = this.opts;
      const ten = tenSecondly ? this.window(this.ten, key, tenSecondly, 10_000) : undefined;
      const sec =
        kind === 'search' && secondly ? this.window(this.sec, key, secondly, 1000) : undefined;
      const today = new Date(now).toISOString().slice(0, 10);
      let d = this.day.get(key);
      if (!d || d.day !== today) this.day.set(key, (d = { day: today, used: 0 }));

      let body: Record<string, unknown> | undefined;
      if (daily && d.used >= daily) body = DAILY_BODY();
      else if (sec && !sec.tryTake(now)) body = SECONDLY_BODY();
      else if (ten && !ten.tryTake(now)) body = TEN_SECONDLY_BODY();
      if (!body) d.used++;

      res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', '10000');
      res.setHeader('X-HubSpot-RateLimit-Max', String(tenSecondly ?? UNLIMITED));
      res.setHeader('X-HubSpot-RateLimit-Remaining', String(ten ? ten.remaining(now) : UNLIMITED));
      res.setHeader('X-HubSpot-RateLimit-Daily', String(daily ?? UNLIMITED));
      res.setHeader(
        'X-HubSpot-RateLimit-Daily-Remaining',
        String(daily ? Math.max(0, daily - d.used) : UNLIMITED),
      );
      res.setHeader('X-HubSpot-RateLimit-Secondly', String(secondly ?? UNLIMITED));
      res.setHeader(
        'X-HubSpot-RateLimit-Secondly-Remaining',
        String(sec ? sec.remaining(now) : (secondly ?? UNLIMITED)),
      );
      if (body) {
        res.status(429).type('application/json').send(JSON.stringify(body));
        return;
      }
      next();
    };
  }

  private window(map: Map<string, Window>, key: string, max: number, ms: number): Window {
    let w = map.get(key);
    if (!w || w.max !== max) map.set(key, (w = new Window(max, ms)));
    return w;
  }
}
