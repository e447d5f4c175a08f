/**
 * A time budget for one function call. HubSpot ends a serverless function after ~10 s, so a
 * job does units of work while `hasTime()` and then returns a continuation.
 */
export interface Budget {
  hasTime(): boolean;
  remainingMs(): number;
}

/** A budget of `ms` starting now; `Infinity` never runs out (the CLI's local loop). */
export function makeBudget(ms: number, now: () => number): Budget {
  const deadline = now() + ms;
  return {
    hasTime: () => now() < deadline,
    remainingMs: () => Math.max(0, deadline - now()),
  };
}

/** HubSpot's limit is ~10 s; leave room for start-up and the answer. */
export const FUNCTION_BUDGET_MS = 7000;
