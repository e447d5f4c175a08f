/**
 * Every Salesforce request goes through `call`: the daily budget checked before (a clean stop
 * with a resume time instead of spending the org's last calls), the usage counted, failures
 * translated once. Retries are jsforce's own single policy (GET/PUT/DELETE on 420/429/5xx and
 * network errors, never PATCH/POST) — nothing here retries on top of it.
 */
import { type Connection } from 'jsforce';
import type { ApiUsage } from '../port';
import { dailyLimit, translateError } from './errors';

export interface Budget {
  /** Share (0…1] of the org's daily API allowance LeadLens may use. Default 0.5. */
  share: number;
}

export interface Caller {
  call<T>(kind: string, fn: () => Promise<T>): Promise<T>;
  usage(): ApiUsage;
  /** The org's allowance as the last response reported it (`Sforce-Limit-Info`). */
  apiUsage(): { used: number; limit: number } | null;
}

export function createCaller(conn: Connection, budget: Budget, now: () => number): Caller {
  const usage: ApiUsage = { calls: 0, throttled: 0, byKind: {} };
  const last = () => {
    const u = conn.limitInfo?.apiUsage;
    return u && Number.isFinite(u.used) && Number.isFinite(u.limit)
      ? { used: u.used, limit: u.limit }
      : null;
  };
  return {
    async call(kind, fn) {
      const u = last();
      if (u && u.used >= Math.floor(u.limit * budget.share)) {
        throw dailyLimit(
          `LeadLens used its share (${Math.round(budget.share * 100)} %) of the org's daily API allowance: ${u.used} of ${u.limit} calls in the last 24 h.`,
          now(),
          u,
        );
      }
      usage.calls++;
      usage.byKind[kind] = (usage.byKind[kind] ?? 0) + 1;
      try {
        return await fn();
      } catch (e) {
        throw translateError(e, kind, now());
      }
    },
    usage: () => ({ ...usage, byKind: { ...usage.byKind } }),
    apiUsage: last,
  };
}
