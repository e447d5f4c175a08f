/**
 * Every HubSpot request goes through `call`: the rate limiter before, the headers learnt after,
 * 429s waited out by policy, safe calls retried on 5xx/network errors, failures translated,
 * and usage counted. The SDK's own retry and limiter are off, so this is the only policy.
 */
import type { LeadLensError } from '../../contracts/errors';
import type { ApiUsage } from '../port';
import { withDeadline } from './deadline';
import { asHttpFailure, translateError } from './errors';
import type { Lane, RateLimiter } from './rate-limiter';
import type { CallKind, RetryPolicy } from './retry';

export interface HttpInfoLike<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

export type Log = (event: string, fields: Record<string, unknown>) => void;

export interface CallerDeps {
  limiter: RateLimiter;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  /** The clock the retry patience is measured on. */
  now?: () => number;
  log?: Log;
  /** Consecutive 429s on one call before giving up with CRM_RATE_LIMITED. */
  max429PerCall?: number;
  /** Deadline of one HTTP request; a slower one is aborted and fails as CRM_UNAVAILABLE. */
  timeoutMs?: number;
  /**
   * Puts the current access token on the client before each attempt (returns it), and after a
   * 401 asks for a newer one: true when there is one to retry with. A request refused with 401
   * was not carried out, so repeating it once is safe for every kind of call.
   */
  auth?: {
    prepare(): Promise<string>;
    renewAfter401(rejected: string): Promise<boolean>;
  };
}

export interface Caller {
  call<T>(
    kind: CallKind,
    fn: () => Promise<HttpInfoLike<T>>,
    opts?: { lane?: Lane; tolerate?: number[] },
  ): Promise<{ status: number; data: T | null }>;
  usage(): ApiUsage;
}

export function createCaller(deps: CallerDeps): Caller {
  const usage: ApiUsage = { calls: 0, throttled: 0, byKind: {} };
  const max429 = deps.max429PerCall ?? 20;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  return {
    async call(kind, fn, opts = {}) {
      const lane = opts.lane ?? 'general';
      let attempt = 0;
      let throttles = 0;
      let renewed = false;
      let firstFailureAt: number | null = null;
      const now = deps.now ?? Date.now;
      for (;;) {
        const token = deps.auth ? await deps.auth.prepare() : null;
        await deps.limiter.acquire(lane);
        attempt++;
        usage.calls++;
        usage.byKind[kind] = (usage.byKind[kind] ?? 0) + 1;
        const sentAt = now();
        try {
          const res = await withDeadline(timeoutMs, fn);
          deps.limiter.answered(now() - sentAt);
          await deps.limiter.observe(res.headers);
          deps.limiter.succeeded();
          return { status: res.httpStatusCode, data: res.data };
        } catch (e) {
          const failure = asHttpFailure(e);
          if (failure) deps.limiter.answered(now() - sentAt);
          if (failure) await deps.limiter.observe(failure.headers);
          if (failure?.status === 401 && deps.auth && token !== null && !renewed) {
            renewed = true;
            if (await deps.auth.renewAfter401(token)) {
              deps.log?.('hubspot.token_renewed', { kind });
              attempt--;
              continue;
            }
          }
          if (failure && opts.tolerate?.includes(failure.status)) {
            return { status: failure.status, data: null };
          }
          if (failure?.status === 429) {
            usage.throttled++;
            throttles++;
            const policy = failure.body.policyName ?? policyFromMessage(failure.body.message);
            deps.log?.('hubspot.throttled', { kind, policy, throttles });
            // Throws CRM_DAILY_LIMIT for the daily quota; otherwise waits in the limiter.
            await deps.limiter.throttled(policy, lane, failure.headers);
            if (throttles >= max429) throw translateError(e, kind);
            attempt--;
            continue;
          }
          const err: LeadLensError = translateError(e, kind);
          firstFailureAt ??= now();
          const delay = deps.retry.delayBeforeRetry(kind, err, attempt, now() - firstFailureAt);
          if (delay === null) throw err;
          deps.log?.('hubspot.retry', { kind, attempt, delayMs: delay, code: err.code });
          await deps.sleep(delay);
        }
      }
    },
    usage: () => ({ ...usage, byKind: { ...usage.byKind } }),
  };
}

function policyFromMessage(message: string | undefined): string {
  if (message?.includes('secondly')) return 'SECONDLY';
  if (message?.toLowerCase().includes('daily')) return 'DAILY';
  return 'TEN_SECONDLY_ROLLING';
}
