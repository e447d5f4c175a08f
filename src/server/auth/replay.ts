/**
 * Replay protection for signed requests inside their five-minute window. A signature is
 * claimed when its request is accepted; the same signature again is a replay. A claim is
 * released when the answer was 5xx, because HubSpot retries such a request once (hubspot.fetch
 * docs: "retry a request once … if the request fails with a 5XX status code") and the retry
 * may carry the same signature.
 *
 * By default the claims live in the portal's store (`PortalStore.claimRequest`: a table with an
 * expiry, per portal), so a replay sent to another backend instance is refused too. The
 * in-memory guard serves one process (tests, or a caller that wants no database round trip).
 */
export interface ReplayGuard {
  /** True when `key` was not seen within its lifetime (and is now claimed). */
  claim(key: string, ttlMs: number): boolean | Promise<boolean>;
  release(key: string): void | Promise<void>;
}

export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const seen = new Map<string, number>();
  let lastPrune = 0;
  const prune = (t: number) => {
    // At most once a second: the map holds one entry per accepted request of the last window.
    if (t - lastPrune < 1000) return;
    lastPrune = t;
    for (const [k, expires] of seen) if (expires <= t) seen.delete(k);
  };
  return {
    claim(key, ttlMs) {
      const t = now();
      prune(t);
      const expires = seen.get(key);
      if (expires !== undefined && expires > t) return false;
      seen.set(key, t + ttlMs);
      return true;
    },
    release(key) {
      seen.delete(key);
    },
  };
}
