/**
 * The one client-side rate limiter for HubSpot. HubSpot counts requests per app and portal in a
 * rolling window (X-HubSpot-RateLimit-Interval-Milliseconds, usually 10 s) up to
 * X-HubSpot-RateLimit-Max, plus a separate per-second limit on search and a daily quota.
 * We start at the lowest tier's ceiling, learn the real one from the headers, and space calls
 * evenly just under it, so a long sync runs near the ceiling instead of bursting into 429s.
 */
import { LeadLensError } from '../../contracts/errors';

export type Lane = 'general' | 'search';

export interface RateLimiterOptions {
  /** Ceiling assumed before any response says otherwise (HubSpot's lowest tier: 100 / 10 s). */
  initialMax?: number;
  initialIntervalMs?: number;
  /** Fraction of the ceiling we aim for; the rest absorbs clock skew and other clients. */
  targetShare?: number;
  /** Search calls per second (HubSpot documents ~5; we stay under). */
  searchPerSecond?: number;
  /** IANA zone of the portal, for when the daily quota resets (UTC when unknown). */
  timeZone?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ThrottlePolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY' | string;

export interface LimiterStats {
  max: number;
  intervalMs: number;
  waitsMs: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The next local midnight in `timeZone` after `now`, as an ISO instant. */
export function nextMidnight(now: number, timeZone = 'UTC'): string {
  let zone = timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    zone = 'UTC';
  }
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts = Object.fromEntries(fmt.formatToParts(now).map((p) => [p.type, p.value]));
  const sinceMidnight =
    ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 +
    (now % 1000);
  // Off by the DST shift on the two change days a year, which only moves a resume time.
  return new Date(now - sinceMidnight + 86_400_000).toISOString();
}

export class RateLimiter {
  private max: number;
  private intervalMs: number;
  private readonly targetShare: number;
  private readonly searchGapMs: number;
  private readonly timeZone: string | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Scheduled send times in the current window, ascending. */
  private sends: number[] = [];
  private lastSearch = -Infinity;
  private pausedUntil = 0;
  private searchPausedUntil = 0;
  private dailyExhausted = false;
  private waited = 0;
  private consecutive = 0;

  constructor(opts: RateLimiterOptions = {}) {
    this.max = opts.initialMax ?? 100;
    this.intervalMs = opts.initialIntervalMs ?? 10_000;
    this.targetShare = opts.targetShare ?? 0.96;
    this.searchGapMs = 1000 / (opts.searchPerSecond ?? 4);
    this.timeZone = opts.timeZone;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  private budget(): number {
    return Math.max(1, Math.floor(this.max * this.targetShare));
  }

  /**
   * Waits until a call may be sent. Slots are reserved synchronously, so concurrent callers
   * queue up in order without a mutex.
   */
  async acquire(lane: Lane): Promise<void> {
    if (this.dailyExhausted) throw this.dailyError();
    const now = this.now();
    const budget = this.budget();
    const gap = this.intervalMs / budget;
    let slot = Math.max(now, this.pausedUntil);
    const last = this.sends[this.sends.length - 1];
    if (last !== undefined) slot = Math.max(slot, last + gap);
    // Never more than `budget` sends in any window ending at the slot.
    while (this.sends.length && this.sends[0] <= slot - this.intervalMs) this.sends.shift();
    if (this.sends.length >= budget) {
      slot = Math.max(slot, this.sends[this.sends.length - budget] + this.intervalMs);
    }
    if (lane === 'search') {
      slot = Math.max(slot, this.searchPausedUntil, this.lastSearch + this.searchGapMs);
      this.lastSearch = slot;
    }
    this.sends.push(slot);
    const wait = slot - now;
    if (wait > 0) {
      this.waited += wait;
      await this.sleep(wait);
    }
  }

  /** Learns the ceiling from any response's headers (lower-cased, as Node gives them). */
  observe(headers: Record<string, string> | undefined): void {
    if (!headers) return;
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (Number.isFinite(max) && max > 0) this.max = max;
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = interval;
    const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
    // Someone else (another app run, a workflow) shares the portal's budget: let the window
    // drain before the next call instead of walking into a 429.
    if (headers['x-hubspot-ratelimit-remaining'] !== undefined && remaining <= 0) {
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + this.intervalMs / 10);
    }
    const daily = headers['x-hubspot-ratelimit-daily-remaining'];
    if (daily !== undefined && Number(daily) <= 0) this.dailyExhausted = true;
  }

  /**
   * A 429 came back. Returns normally when the call may be retried after the wait already
   * taken here; throws CRM_DAILY_LIMIT when nothing can be sent until tomorrow.
   */
  async throttled(
    policy: ThrottlePolicy,
    lane: Lane,
    headers?: Record<string, string>,
  ): Promise<void> {
    if (policy === 'DAILY') {
      this.dailyExhausted = true;
      throw this.dailyError();
    }
    if (policy === 'SECONDLY') {
      const until = this.now() + 1000;
      if (lane === 'search') this.searchPausedUntil = until;
      else this.pausedUntil = Math.max(this.pausedUntil, until);
      return;
    }
    const now = this.now();
    const header = headers?.['x-hubspot-ratelimit-remaining'];
    const inWindow = this.sends.filter((t) => t > now - this.intervalMs && t <= now).length;
    const full = (header !== undefined && Number(header) <= 0) || inWindow >= 0.9 * this.budget();
    if (full) {
      // The window is full: wait until our oldest send in it has left the window.
      const oldest = this.sends.find((t) => t > now - this.intervalMs);
      this.pausedUntil = Math.max(this.pausedUntil, (oldest ?? now) + this.intervalMs);
      return;
    }
    // Refused while the window has room (a shared budget, a hiccup): back off briefly and
    // longer each time in a row, up to a full window.
    this.consecutive++;
    const pause = Math.min(this.intervalMs, 250 * 2 ** (this.consecutive - 1));
    this.pausedUntil = Math.max(this.pausedUntil, now + pause);
  }

  /** A call succeeded: refusals are no longer "in a row". */
  succeeded(): void {
    this.consecutive = 0;
  }

  private dailyError(): LeadLensError {
    const resumeAt = nextMidnight(this.now(), this.timeZone);
    return new LeadLensError(
      'CRM_DAILY_LIMIT',
      `HubSpot's daily API limit for this portal is used up; LeadLens stopped cleanly and can resume at ${resumeAt}.`,
      {
        hint: 'Run again after the reset (the job resumes where it stopped), or raise the limit with an API limit increase pack.',
        details: { resumeAt },
      },
    );
  }

  stats(): LimiterStats {
    return { max: this.max, intervalMs: this.intervalMs, waitsMs: this.waited };
  }
}
