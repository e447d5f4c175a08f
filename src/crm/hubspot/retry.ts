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
  | 'deals.get'
  | 'companies.get'
  | 'contacts.batchUpdate'
  | 'deals.list'
  | 'deals.search'
  | 'companies.list'
  | 'companies.listWithHistory'
  | 'companies.search'
  | 'companies.batchRead'
  | 'deals.batchUpdate'
  | 'companies.batchUpdate'
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
  'deals.get',
  'companies.get',
  'contacts.batchUpdate',
  'deals.list',
  'deals.search',
  'companies.list',
  'companies.listWithHistory',
  'companies.search',
  'companies.batchRead',
  'deals.batchUpdate',
  'companies.batchUpdate',
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
  /** Total attempts of one call, the first included (default: as many as `patienceMs` allows). */
  maxAttempts?: number;
  /**
   * How long one call keeps retrying an unavailable CRM, from its first failure (default
   * 10 minutes): longer than the bursts of 5xx a HubSpot incident brings (several minutes),
   * short enough that a real outage fails the run, which then resumes where it stopped.
   */
  patienceMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Uniform [0, 1); pass a seeded one in tests for exact delays. */
  random?: () => number;
}

/** 10 minutes: outlasts a burst of several minutes of 5xx (issue 12 asks ≥ 5). */
export const DEFAULT_PATIENCE_MS = 600_000;

export interface RetryPolicy {
  /**
   * Milliseconds to wait before attempt `attempt + 1`, or null to give up and throw.
   * `elapsedMs`: time since the call's first failure.
   */
  delayBeforeRetry(
    kind: string,
    error: LeadLensError,
    attempt: number,
    elapsedMs?: number,
  ): number | null;
}

export function createRetryPolicy(opts: RetryOptions = {}): RetryPolicy {
  const maxAttempts = opts.maxAttempts ?? Infinity;
  const patience = opts.patienceMs ?? DEFAULT_PATIENCE_MS;
  const base = opts.baseDelayMs ?? 500;
  const cap = opts.maxDelayMs ?? 30_000;
  const random = opts.random ?? Math.random;
  return {
    delayBeforeRetry(kind, error, attempt, elapsedMs = 0) {
      if (attempt >= maxAttempts) return null;
      if (error.code !== 'CRM_UNAVAILABLE') return null;
      if (!SAFE_TO_REPEAT.has(kind as CallKind)) return null;
      // "Equal jitter": at least half the exponential step, so retries of many clients spread
      // out without any of them hammering a recovering server immediately.
      const step = Math.min(cap, base * 2 ** Math.min(30, attempt - 1));
      const delay = Math.round(step / 2 + (random() * step) / 2);
      // Give up when the wait would end past the patience: the last try comes within it.
      return elapsedMs + delay > patience ? null : delay;
    },
  };
}

/** Retry settings from the environment (operators, and tests that shrink the patience). */
export function retryOptionsFromEnv(env: NodeJS.ProcessEnv): RetryOptions {
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  };
  const patienceMs = num('LEADLENS_CRM_PATIENCE_MS');
  const baseDelayMs = num('LEADLENS_CRM_RETRY_BASE_MS');
  const maxDelayMs = num('LEADLENS_CRM_RETRY_MAX_MS');
  return {
    ...(patienceMs !== undefined ? { patienceMs } : {}),
    ...(baseDelayMs !== undefined ? { baseDelayMs } : {}),
    ...(maxDelayMs !== undefined ? { maxDelayMs } : {}),
  };
}
