/**
 * One pipeline run per portal at a time, whoever starts it: the CLI, an HTTP call, a worker.
 * The run holds the portal's lease in the store, renews it while it works, and writes only
 * through a store fenced by the lease's token, so a run that stalled past its expiry (and was
 * taken over) can no longer change anything. A killed holder stops renewing; the lease lapses
 * after its TTL and the next run resumes from the checkpoints.
 */
import { hostname } from 'node:os';
import type { PipelineDeps } from './deps';

/**
 * Long enough to outlast the longest step that blocks the event loop (a model fit on a large
 * portal), short enough that a crashed run frees its portal quickly.
 */
export const DEFAULT_LEASE_TTL_MS = 120_000;

export interface LeaseOptions {
  /** What the holder runs: 'run', 'sync', 'settings', … (shown to whoever is refused). */
  purpose: string;
  /** Who holds it; default "<role> on <host>:<pid>". */
  holder?: string;
  /** Shown in the default holder, e.g. 'leadlens run (cli)'. */
  role?: string;
  ttlMs?: number;
}

export function holderName(role: string): string {
  return `${role} on ${hostname()}:${process.pid}`;
}

/**
 * Runs `fn` holding the portal's run lease; throws JOB_LOCKED (who holds it, since when) when
 * another run has it. `fn` gets deps whose store is fenced by the lease.
 */
export async function withRunLease<T>(
  deps: PipelineDeps,
  opts: LeaseOptions,
  fn: (leased: PipelineDeps) => Promise<T>,
): Promise<T> {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const lease = await deps.store.acquireLease({
    holder: opts.holder ?? holderName(opts.role ?? opts.purpose),
    purpose: opts.purpose,
    ttlMs,
  });
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = deps.store.renewLease(lease.token, ttlMs).then(
        (renewed) => {
          if (!renewed) {
            deps.log.warn('run lease lost', { portal: deps.store.portalId, token: lease.token });
          }
        },
        (e: unknown) =>
          deps.log.warn('run lease renewal failed', {
            portal: deps.store.portalId,
            error: e instanceof Error ? e.message : String(e),
          }),
      );
    },
    Math.max(50, Math.floor(ttlMs / 4)),
  );
  timer.unref();
  try {
    return await fn({ ...deps, store: deps.store.withFence(lease.token) });
  } finally {
    clearInterval(timer);
    await renewing;
    await deps.store.releaseLease(lease.token).catch((e: unknown) =>
      deps.log.warn('run lease release failed (it expires on its own)', {
        portal: deps.store.portalId,
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  }
}
