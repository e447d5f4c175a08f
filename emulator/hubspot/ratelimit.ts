/**
 * HubSpot's rate limits as the usage guidelines describe them:
 * - the burst limit, a rolling 10 s window per app *and* account (every token of that app in
 *   that portal shares it; another app in the same portal has its own);
 * - the daily limit per account, shared by its privately distributed apps (OAuth marketplace
 *   apps have none, and their responses carry no daily headers);
 * - the search limit, per account, on every search call whatever the app.
 * HubSpot's OpenAPI specs mark search and the v4 association batch endpoints
 * `x-hubspot-rate-limit-exemptions: ['ten-secondly']`: they never spend the burst budget
 * (they still count toward the daily limit, the stricter reading). Search answers carry none
 * of the X-HubSpot-RateLimit-* headers (CRM search guide).
 * The 429 bodies are the ones @hubspot/api-client's RetryDecorator matches.
 */
import { randomUUID } from 'node:crypto';
import { type NextFunction, type Request, type Response } from 'express';
import { correlationIdOf } from './errors';
import { OAUTH_TEN_SECONDLY, type Portal, type TokenInfo } from './hub';

export interface RateLimitOptions {
  /** Requests per 10 s per app (HubSpot: 100 free/starter, 190 pro/enterprise); null = off. */
  tenSecondly?: number | null;
  /** Search requests per second per account (HubSpot: 5); null = off. */
  secondly?: number | null;
  /** Requests per day per account (private apps); null = off. */
  daily?: number | null;
}

/** 'search': own per-second limit, exempt from the burst; 'exempt': exempt from the burst. */
export type LimitKind = 'default' | 'search' | 'exempt';

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

const body = (
  message: string,
  policyName: string,
  groupName: string,
  correlationId: string = randomUUID(),
) => ({
  status: 'error',
  message,
  errorType: 'RATE_LIMIT',
  correlationId,
  policyName,
  groupName,
  category: 'RATE_LIMITS',
});
export const TEN_SECONDLY_BODY = (correlationId?: string, group = 'publicapi:app') =>
  body(
    'You have reached your ten_secondly_rolling limit.',
    'TEN_SECONDLY_ROLLING',
    group,
    correlationId,
  );
export const SECONDLY_BODY = (correlationId?: string, group = 'publicapi:search') =>
  body('You have reached your secondly limit.', 'SECONDLY', group, correlationId);
export const DAILY_BODY = (correlationId?: string, group = 'publicapi:account') =>
  body('You have reached your daily limit.', 'DAILY', group, correlationId);

/** Numbers reported in headers when a limit is off: large, so clients never throttle. */
const UNLIMITED = 1_000_000;

/** What one portal spent, for /__emulator/stats and the benches. */
export interface PortalUsage {
  /** Requests admitted per app id. */
  byApp: Record<string, number>;
  /** Requests charged to a burst window, per app id. */
  tenSecondlyCharged: Record<string, number>;
  search: number;
  throttled: Record<string, number>;
}

export class RateLimiter {
  private readonly ten = new Map<string, Window>();
  private readonly sec = new Map<number, Window>();
  private readonly day = new Map<number, { day: string; used: number }>();
  readonly usage = new Map<number, PortalUsage>();

  constructor(readonly oauthTenSecondly: number | null = OAUTH_TEN_SECONDLY) {}

  reset(hubId?: number): void {
    for (const m of [this.ten, this.sec, this.day, this.usage] as Array<Map<unknown, unknown>>)
      for (const k of [...m.keys()])
        if (hubId === undefined || String(k).split(':')[0] === String(hubId)) m.delete(k);
  }

  /** The burst limit that applies to a token's app in its portal. */
  tenSecondlyMax(portal: Portal, token: TokenInfo): number | null {
    return token.kind === 'oauth' ? this.oauthTenSecondly : portal.limits.tenSecondly;
  }

  usageOf(hubId: number): PortalUsage {
    let u = this.usage.get(hubId);
    if (!u)
      this.usage.set(hubId, (u = { byApp: {}, tenSecondlyCharged: {}, search: 0, throttled: {} }));
    return u;
  }

  middleware(kind: LimitKind) {
    return (_req: Request, res: Response, next: NextFunction) => {
      const portal = res.locals.portal as Portal;
      const token = res.locals.tokenInfo as TokenInfo;
      const now = Date.now();
      const tenMax = this.tenSecondlyMax(portal, token);
      const secondly = portal.limits.secondly;
      const dailyMax = token.kind === 'oauth' ? null : portal.limits.daily;
      const appKey = `${portal.hubId}:${token.appId}`;
      const ten = tenMax ? this.window(this.ten, appKey, tenMax, 10_000) : undefined;
      const sec =
        kind === 'search' && secondly
          ? this.window(this.sec, portal.hubId, secondly, 1000)
          : undefined;
      const today = new Date(now).toISOString().slice(0, 10);
      let d = this.day.get(portal.hubId);
      if (!d || d.day !== today) this.day.set(portal.hubId, (d = { day: today, used: 0 }));

      const id = correlationIdOf(res);
      const group = `publicapi:${token.kind === 'oauth' ? 'oauth' : 'private-app'}:${token.appId}`;
      let refusal: Record<string, unknown> | undefined;
      if (dailyMax && d.used >= dailyMax) refusal = DAILY_BODY(id, `publicapi:${portal.hubId}`);
      else if (sec && !sec.tryTake(now)) refusal = SECONDLY_BODY(id, `${group}:search`);
      else if (kind === 'default' && ten && !ten.tryTake(now))
        refusal = TEN_SECONDLY_BODY(id, group);
      const u = this.usageOf(portal.hubId);
      if (!refusal) {
        if (token.kind !== 'oauth') d.used++;
        u.byApp[token.appId] = (u.byApp[token.appId] ?? 0) + 1;
        if (kind === 'default')
          u.tenSecondlyCharged[token.appId] = (u.tenSecondlyCharged[token.appId] ?? 0) + 1;
        if (kind === 'search') u.search++;
      } else {
        const p = String(refusal.policyName);
        u.throttled[p] = (u.throttled[p] ?? 0) + 1;
      }

      if (kind !== 'search') {
        res.setHeader('X-HubSpot-RateLimit-Interval-Milliseconds', '10000');
        res.setHeader('X-HubSpot-RateLimit-Max', String(tenMax ?? UNLIMITED));
        res.setHeader(
          'X-HubSpot-RateLimit-Remaining',
          String(ten ? ten.remaining(now) : UNLIMITED),
        );
        if (token.kind !== 'oauth') {
          res.setHeader('X-HubSpot-RateLimit-Daily', String(dailyMax ?? UNLIMITED));
          res.setHeader(
            'X-HubSpot-RateLimit-Daily-Remaining',
            String(dailyMax ? Math.max(0, dailyMax - d.used) : UNLIMITED),
          );
        }
      }
      if (refusal) {
        res.status(429).type('application/json').send(JSON.stringify(refusal));
        return;
      }
      next();
    };
  }

  private window<K>(map: Map<K, Window>, key: K, max: number, ms: number): Window {
    let w = map.get(key);
    if (!w || w.max !== max) map.set(key, (w = new Window(max, ms)));
    return w;
  }
}
