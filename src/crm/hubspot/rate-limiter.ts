/**
 * The one client-side rate limiter for HubSpot. HubSpot counts requests per app and account in
 * a rolling window (X-HubSpot-RateLimit-Interval-Milliseconds, 10 s) up to
 * X-HubSpot-RateLimit-Max, keeps a separate per-second limit on search per account, and a
 * daily quota per account. Search and the v4 association batch endpoints are exempt from the
 * burst window (`x-hubspot-rate-limit-exemptions` in HubSpot's specs): lanes 'search' and
 * 'exempt' never spend it.
 *
 * We start at the lowest ceiling, learn the real one from the headers, and space calls evenly
 * just under it. The send timeline lives in a RateBudgetStore keyed by portal, so every token
 * and process spending the same budget shares it; what others spend that we do not see in the
 * store (another process, another integration of the same app) shows in
 * X-HubSpot-RateLimit-Remaining and is recorded as foreign sends.
 */
import { LeadLensError } from '../../contracts/errors';
import { MemoryBudgetStore, processBudgets, type RateBudgetStore } from './budget-store';

export type Lane = 'general' | 'search' | 'exempt';

export interface RateLimiterOptions {
  /** Ceiling assumed before any response says otherwise (HubSpot's lowest tier: 100 / 10 s). */
  initialMax?: number;
  initialIntervalMs?: number;
  /** Fraction of the ceiling we aim for; the rest absorbs clock skew and other clients. */
  targetShare?: number;
  /** Search calls per second (HubSpot documents 5 per account; we stay under). */
  searchPerSecond?: number;
  /** IANA zone of the portal, for when the daily quota resets (UTC when unknown). */
  timeZone?: string;
  /**
   * Which budget this is: the portal (hub id) the token belongs to. Every limiter with the same
   * key and store shares one timeline. Without a key the limiter keeps its own.
   */
  portalKey?: string;
  /** Shared timeline; default: this process's store when `portalKey` is set. */
  store?: RateBudgetStore;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ThrottlePolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY' | string;

export interface LimiterStats {
  max: number;
  intervalMs: number;
  waitsMs: number;
  /** Requests others sent in our windows, as the headers showed them. */
  foreignSeen: number;
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

let anonymous = 0;

export class RateLimiter {
  private max: number;
  private intervalMs: number;
  private readonly targetShare: number;
  private readonly searchGapMs: number;
  private readonly timeZone: string | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly store: RateBudgetStore;
  private readonly burstKey: string;
  private readonly searchKey: string;
  private dailyExhausted = false;
  private waited = 0;
  private consecutive = 0;
  private foreign = 0;
  private lastObserved = -Infinity;
  /** Recent send→answer times (ms), newest last; see `answered`. */
  private latencies: number[] = [];

  constructor(opts: RateLimiterOptions = {}) {
    this.max = opts.initialMax ?? 100;
    this.intervalMs = opts.initialIntervalMs ?? 10_000;
    this.targetShare = opts.targetShare ?? 0.96;
    this.searchGapMs = 1000 / (opts.searchPerSecond ?? 4);
    this.timeZone = opts.timeZone;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    const key = opts.portalKey ?? `private-${++anonymous}`;
    this.store = opts.store ?? (opts.portalKey ? processBudgets : new MemoryBudgetStore());
    this.burstKey = `${key}:burst`;
    this.searchKey = `${key}:search`;
  }

  private budget(): number {
    return Math.max(1, Math.floor(this.max * this.targetShare));
  }

  /**
   * Waits until a call may be sent. Slots are reserved in the store before waiting, so
   * concurrent callers (and processes sharing the store) queue up without overlapping.
   */
  async acquire(lane: Lane): Promise<void> {
    if (this.dailyExhausted) throw this.dailyError();
    const now = this.now();
    let slot = now;
    if (lane === 'general') {
      const budget = this.budget();
      slot = await this.store.reserve(this.burstKey, {
        earliest: now,
        budget,
        // HubSpot counts a request when it arrives, which is up to one round trip after the
        // slot; a slot leaves our window only once it has surely left HubSpot's too.
        intervalMs: this.intervalMs + this.admissionLagMs(),
        gapMs: this.intervalMs / budget,
        // Up to a fifth of a window ahead of the pace: a sequential sync whose answers vary in
        // speed makes up what a slow one lost.
        burstMs: this.intervalMs / 5,
      });
    } else if (lane === 'search') {
      slot = await this.store.reserve(this.searchKey, {
        earliest: now,
        budget: 1,
        intervalMs: this.searchGapMs,
        gapMs: this.searchGapMs,
      });
    }
    const wait = slot - now;
    if (wait > 0) {
      this.waited += wait;
      await this.sleep(wait);
    }
  }

  /**
   * Learns the ceiling from a response's headers (lower-cased, as Node gives them) and records
   * what others spent of the same window. Search answers carry no such headers.
   */
  async observe(headers: Record<string, string> | undefined): Promise<void> {
    if (!headers) return;
    const max = Number(headers['x-hubspot-ratelimit-max']);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
    if (Number.isFinite(max) && max > 0) this.max = max;
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = interval;
    const daily = headers['x-hubspot-ratelimit-daily-remaining'];
    if (daily !== undefined && Number(daily) <= 0) this.dailyExhausted = true;
    const header = headers['x-hubspot-ratelimit-remaining'];
    if (header === undefined || !Number.isFinite(max)) return;
    const remaining = Number(header);
    const now = this.now();
    // HubSpot's count for the window includes everyone's requests; whatever exceeds what the
    // store knows was sent by someone else since we last looked.
    const used = max - remaining;
    const known = await this.store.count(this.burstKey, now - this.intervalMs, now);
    if (used > known) {
      // Sent since we last looked; on the first look their times are unknown, so they count
      // as sent just now (they then leave the window last: the safe side).
      const from = now - this.lastObserved < this.intervalMs ? this.lastObserved : now;
      await this.store.recordForeign(this.burstKey, used - known, from, now);
      this.foreign += used - known;
    }
    this.lastObserved = now;
    if (remaining <= 0) await this.drainWindow(now);
  }

  /** Waits until the oldest send of the current window has left it. */
  private async drainWindow(now: number): Promise<void> {
    const oldest = await this.store.oldestAfter(this.burstKey, now - this.intervalMs);
    await this.store.pauseUntil(this.burstKey, (oldest ?? now) + this.intervalMs);
  }

  /**
   * A 429 came back. Returns normally when the call may be retried after the pause recorded
   * here; throws CRM_DAILY_LIMIT when nothing can be sent until tomorrow.
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
    const now = this.now();
    if (policy === 'SECONDLY') {
      await this.store.pauseUntil(lane === 'search' ? this.searchKey : this.burstKey, now + 1000);
      return;
    }
    const header = headers?.['x-hubspot-ratelimit-remaining'];
    const inWindow = await this.store.count(this.burstKey, now - this.intervalMs, now);
    const full = (header !== undefined && Number(header) <= 0) || inWindow >= 0.9 * this.budget();
    if (full) {
      await this.drainWindow(now);
      return;
    }
    // Refused while the window has room (a shared budget, a hiccup): back off briefly and
    // longer each time in a row, up to a full window.
    this.consecutive++;
    const pause = Math.min(this.intervalMs, 250 * 2 ** (this.consecutive - 1));
    await this.store.pauseUntil(this.burstKey, now + pause);
  }

  /** A call got an answer (any status) `ms` after its slot. */
  answered(ms: number): void {
    this.latencies.push(Math.max(0, ms));
    if (this.latencies.length > 20) this.latencies.shift();
  }

  /** The longest recent send→answer time: how late HubSpot may have admitted a request. */
  private admissionLagMs(): number {
    return this.latencies.length ? Math.max(...this.latencies) : 0;
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
    return {
      max: this.max,
      intervalMs: this.intervalMs,
      waitsMs: this.waited,
      foreignSeen: this.foreign,
    };
  }
}
