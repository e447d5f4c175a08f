/**
 * Where the send times of one HubSpot rate budget live. HubSpot counts the burst limit per app
 * and account and the search limit per account, not per token or per process; every CrmPort
 * that spends the same budget must therefore see the same timeline. In one process that is a
 * shared `MemoryBudgetStore`; across processes (N workers on one portal) it is an
 * implementation of this interface over shared storage, e.g. a PostgreSQL table with one row
 * per key updated under `SELECT … FOR UPDATE` — the seam for the hosted deployment.
 *
 * Keys are chosen by the adapter: `<portalKey>:burst` and `<portalKey>:search`.
 */
export interface BudgetRequest {
  /** Nothing before this instant (epoch ms). */
  earliest: number;
  /** At most this many sends in any window of `intervalMs`. */
  budget: number;
  intervalMs: number;
  /** On average this far apart, so a long run is evenly paced instead of bursting. */
  gapMs: number;
  /**
   * How far a send may run ahead of the even pace (GCRA's tolerance): time lost to a slow
   * answer is made up by the next quick ones, still never more than `budget` per window.
   */
  burstMs?: number;
}

export interface RateBudgetStore {
  /** Reserves and returns the earliest send slot that keeps the budget. Atomic per key. */
  reserve(key: string, req: BudgetRequest): Promise<number> | number;
  /** Sends made by others (seen through X-HubSpot-RateLimit-Remaining), spread over (from, to]. */
  recordForeign(key: string, count: number, from: number, to: number): Promise<void> | void;
  /** Known sends (ours and others') in (from, to]. */
  count(key: string, from: number, to: number): Promise<number> | number;
  /** Nothing may be sent for `key` before `until`. */
  pauseUntil(key: string, until: number): Promise<void> | void;
  /** The oldest known send after `from`, if any (to know when a full window drains). */
  oldestAfter(key: string, from: number): Promise<number | undefined> | number | undefined;
}

interface Timeline {
  /** Send times, ascending. */
  sends: number[];
  pausedUntil: number;
  /** Theoretical arrival time of the next send on the even pace (GCRA). */
  tat: number;
}

/** One process's shared budgets. */
export class MemoryBudgetStore implements RateBudgetStore {
  private readonly lines = new Map<string, Timeline>();

  private line(key: string): Timeline {
    let l = this.lines.get(key);
    if (!l) this.lines.set(key, (l = { sends: [], pausedUntil: 0, tat: -Infinity }));
    return l;
  }

  private insert(l: Timeline, t: number): void {
    let i = l.sends.length;
    while (i > 0 && l.sends[i - 1] > t) i--;
    l.sends.splice(i, 0, t);
  }

  reserve(key: string, req: BudgetRequest): number {
    const l = this.line(key);
    // Forget what can no longer matter: older than one window before the earliest slot.
    while (l.sends.length && l.sends[0] <= req.earliest - 2 * req.intervalMs) l.sends.shift();
    const tat = Math.max(l.tat, req.earliest);
    let slot = Math.max(req.earliest, l.pausedUntil, tat - (req.burstMs ?? 0));
    // Never more than `budget` sends in any window ending at the slot.
    for (;;) {
      const inWindow = l.sends.filter((t) => t > slot - req.intervalMs && t <= slot);
      if (inWindow.length < req.budget) break;
      slot = inWindow[inWindow.length - req.budget] + req.intervalMs;
    }
    l.tat = Math.max(tat, slot) + req.gapMs;
    this.insert(l, slot);
    return slot;
  }

  recordForeign(key: string, count: number, from: number, to: number): void {
    const l = this.line(key);
    const n = Math.max(0, Math.floor(count));
    for (let i = 1; i <= n; i++) this.insert(l, from + ((to - from) * i) / n);
  }

  count(key: string, from: number, to: number): number {
    return this.line(key).sends.filter((t) => t > from && t <= to).length;
  }

  pauseUntil(key: string, until: number): void {
    const l = this.line(key);
    l.pausedUntil = Math.max(l.pausedUntil, until);
  }

  oldestAfter(key: string, from: number): number | undefined {
    return this.line(key).sends.find((t) => t > from);
  }
}

/** The store every CrmPort of this process uses unless given another. */
export const processBudgets = new MemoryBudgetStore();
