/**
 * The one retry policy of the HubSpot adapter. Only calls on the allowlist are ever repeated:
 * reads, batch updates of absolute values (writing "87" twice leaves 87), and property or
 * group creation, where a repeat answers 409 "already exists", which provisioning accepts.
 * Everything else fails at the first 5xx or network error, because a repeat could act twice.
 * 429s are not retried here: the rate limiter owns them (the request was refused, not run).
 */
import type { LeadLensError } from '../../contracts/errors';

export type CallKind =
  | 'contacts.list'
  | 'contacts.listWithHistory'
  | 'deals.listWithHistory'
  | 'deals.batchRead'
  | 'leads.listWithHistory'
  | 'leads.batchRead'
  | 'contacts.search'
  | 'contacts.batchRead'
  | 'contacts.get'
  | 'contacts.batchUpdate'
  | 'deals.list'
  | 'deals.search'
  | 'leads.list'
  | 'leads.search'
  | 'leads.get'
  | 'leads.batchRead'
  | 'leads.batchUpdate'
  | 'associations.batchRead'
  | 'properties.list'
  | 'properties.create'
  | 'properties.update'
  | 'groups.create'
  /** Not safe to repeat: a second call would create a second task. */
  | 'tasks.create'
  | 'tasks.search';

export const SAFE_TO_REPEAT: ReadonlySet<CallKind> = new Set<CallKind>([
  'tasks.search',
  'contacts.list',
  'contacts.listWithHistory',
  'deals.listWithHistory',
  'deals.batchRead',
  'leads.listWithHistory',
  'leads.batchRead',
  'contacts.search',
  'contacts.batchRead',
  'contacts.get',
  'contacts.batchUpdate',
  'deals.list',
  'deals.search',
  'leads.list',
  'leads.search',
  'leads.get',
  'leads.batchRead',
  'leads.batchUpdate',
  'associations.batchRead',
  'properties.list',
  'properties.create',
  'properties.update',
  'groups.create',
]);

export interface RetryOptions {
  /** Total attempts of one call, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Uniform [0, 1); pass a seeded one in tests for exact delays. */
  random?: () => number;
}

export interface RetryPolicy {
  /** Milliseconds to wait before attempt `attempt + 1`, or null to give up and throw. */
  delayBeforeRetry(kind: string, error: LeadLensError, attempt: number): number | null;
}

export function createRetryPolicy(opts: RetryOptions = {}): RetryPolicy {
  const maxAttempts = opts.maxAttempts ?? 4;
  const base = opts.baseDelayMs ?? 250;
  const cap = opts.maxDelayMs ?? 8000;
  const random = opts.random ?? Math.random;
  return {
    delayBeforeRetry(kind, error, attempt) {
      if (attempt >= maxAttempts) return null;
      if (error.code !== 'CRM_UNAVAILABLE') return null;
      if (!SAFE_TO_REPEAT.has(kind as CallKind)) return null;
      // "Equal jitter": at least half the exponential step, so retries of many clients spread
      // out without any of them hammering a recovering server immediately.
      const step = Math.min(cap, base * 2 ** (attempt - 1));
      return Math.round(step / 2 + (random() * step) / 2);
    },
  };
}
