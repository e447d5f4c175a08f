import { isLeadLensError, LeadLensError } from '../../contracts/errors';
import { MemoryBudgetStore } from './budget-store';
import { nextMidnight, RateLimiter } from './rate-limiter';
import {
  createRetryPolicy,
  DEFAULT_PATIENCE_MS,
  retryOptionsFromEnv,
  SAFE_TO_REPEAT,
} from './retry';

/** A virtual clock: sleeping advances time instantly, so spacing is measured exactly. */
function virtualClock(start = Date.parse('2024-05-01T12:00:00.000Z')) {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

const headers = (max: number, remaining: number) => ({
  'x-hubspot-ratelimit-max': String(max),
  'x-hubspot-ratelimit-remaining': String(remaining),
  'x-hubspot-ratelimit-interval-milliseconds': '10000',
});

function maxInAnyWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it("counts a send as still in HubSpot's window for one recent round trip longer (HubSpot counts on arrival)", async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 10 });
    const sent: number[] = [];
    for (let i = 0; i < 30; i++) {
      await limiter.acquire('general');
      sent.push(clock.now());
      // Each answer takes 300 ms: HubSpot admitted the request somewhere in between.
      await clock.sleep(300);
      limiter.answered(300);
    }
    // Arrivals up to 300 ms after the slot still fit 9 (96 % of 10) in any 10 s window.
    expect(maxInAnyWindow(sent, 10_300)).toBeLessThanOrEqual(9);
  });

  it('starts conservative, learns the ceiling from headers and runs just under it', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep });
    const sent: number[] = [];
    for (let i = 0; i < 50; i++) {
      await limiter.acquire('general');
      sent.push(clock.now());
    }
    // Before any header: 96 % of 100 per 10 s.
    expect(maxInAnyWindow(sent, 10_000)).toBeLessThanOrEqual(96);
    await limiter.observe(headers(190, 150));
    const start = clock.now();
    const later: number[] = [];
    for (let i = 0; i < 1900; i++) {
      await limiter.acquire('general');
      later.push(clock.now());
    }
    const elapsed = clock.now() - start;
    const rate = (1900 / elapsed) * 10_000;
    expect(rate).toBeGreaterThanOrEqual(0.9 * 190);
    expect(maxInAnyWindow([...sent, ...later], 10_000)).toBeLessThan(190);
    expect(limiter.stats().max).toBe(190);
  });

  it('spaces search calls under the secondly limit and pauses them 1 s on SECONDLY', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 190 });
    const sent: number[] = [];
    for (let i = 0; i < 20; i++) {
      await limiter.acquire('search');
      sent.push(clock.now());
    }
    expect(maxInAnyWindow(sent, 1000)).toBeLessThanOrEqual(4);
    const before = clock.now();
    await limiter.throttled('SECONDLY', 'search');
    await limiter.acquire('search');
    expect(clock.now() - before).toBeGreaterThanOrEqual(1000);
  });

  it('waits for the window on a full TEN_SECONDLY_ROLLING, briefly when HubSpot says there is room', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 100 });
    await limiter.acquire('general');
    const t0 = clock.now();
    await limiter.throttled('TEN_SECONDLY_ROLLING', 'general', headers(100, 0));
    await limiter.acquire('general');
    expect(clock.now() - t0).toBeGreaterThanOrEqual(9_900);
    const t1 = clock.now();
    await limiter.throttled('TEN_SECONDLY_ROLLING', 'general', headers(100, 60));
    await limiter.acquire('general');
    expect(clock.now() - t1).toBeLessThan(500);
  });

  it('stops on the daily limit with the time it resets', async () => {
    const clock = virtualClock(Date.parse('2024-05-01T22:30:00.000Z'));
    const limiter = new RateLimiter({
      now: clock.now,
      sleep: clock.sleep,
      timeZone: 'America/New_York',
    });
    let err: unknown;
    try {
      await limiter.throttled('DAILY', 'general');
    } catch (e) {
      err = e;
    }
    expect(isLeadLensError(err, 'CRM_DAILY_LIMIT')).toBe(true);
    // 22:30 UTC is 18:30 in New York (EDT): the next local midnight is 04:00 UTC.
    expect((err as LeadLensError).details?.resumeAt).toBe('2024-05-02T04:00:00.000Z');
    // And nothing more is sent.
    await expect(limiter.acquire('general')).rejects.toMatchObject({ code: 'CRM_DAILY_LIMIT' });
  });

  it('makes up what slow answers lost, without ever passing the window budget', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 100 });
    const sent: number[] = [];
    // A sequential caller whose answers take 150 ms and 40 ms in turn (mean 95 ms, under the
    // 104 ms pace of 96 per 10 s): even pacing alone would lose the slow answers' time.
    for (let i = 0; i < 960; i++) {
      await limiter.acquire('general');
      sent.push(clock.now());
      await clock.sleep(i % 2 ? 40 : 150);
    }
    const rate = (sent.length / (sent[sent.length - 1] - sent[0])) * 10_000;
    expect(rate).toBeGreaterThan(0.99 * 96);
    expect(maxInAnyWindow(sent, 10_000)).toBeLessThanOrEqual(96);
  });

  it('exempt calls (v4 association batches) never wait for the burst window', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 10 });
    for (let i = 0; i < 9; i++) await limiter.acquire('general');
    const t0 = clock.now();
    for (let i = 0; i < 50; i++) await limiter.acquire('exempt');
    expect(clock.now()).toBe(t0);
  });

  it('limiters sharing a store share one budget, as tokens and processes of one portal must', async () => {
    const clock = virtualClock();
    const store = new MemoryBudgetStore();
    const make = () =>
      new RateLimiter({
        now: clock.now,
        sleep: clock.sleep,
        initialMax: 100,
        store,
        portalKey: 'p',
      });
    const [a, b] = [make(), make()];
    const sent: number[] = [];
    for (let i = 0; i < 300; i++) {
      await (i % 2 ? a : b).acquire('general');
      sent.push(clock.now());
    }
    expect(maxInAnyWindow(sent, 10_000)).toBeLessThanOrEqual(96);
    // Alone, each would have sent 96 in the first window.
    expect(sent.filter((t) => t < sent[0] + 10_000).length).toBeLessThanOrEqual(96);
  });

  it('counts what others spent (from X-HubSpot-RateLimit-Remaining) in its window', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter({ now: clock.now, sleep: clock.sleep, initialMax: 100 });
    await limiter.acquire('general');
    // HubSpot saw 60 requests in this window; we sent 1.
    await limiter.observe(headers(100, 40));
    expect(limiter.stats().foreignSeen).toBe(59);
    const t0 = clock.now();
    const sent: number[] = [];
    for (let i = 0; i < 60; i++) {
      await limiter.acquire('general');
      sent.push(clock.now());
    }
    // Only 96 − 60 = 36 fit before the others' requests leave the window.
    expect(sent.filter((t) => t < t0 + 10_000).length).toBeLessThanOrEqual(36);
  });

  it('computes the next midnight in UTC when the zone is unknown', () => {
    expect(nextMidnight(Date.parse('2024-05-01T10:15:00.000Z'), 'Not/AZone')).toBe(
      '2024-05-02T00:00:00.000Z',
    );
  });
});

describe('retry policy', () => {
  const unavailable = new LeadLensError('CRM_UNAVAILABLE', 'down');
  const invalid = new LeadLensError('CRM_VALIDATION', 'bad');

  it('retries only safe calls, only on 5xx/network, with bounded jittered backoff', () => {
    const seq = [0, 0.5, 0.999];
    let i = 0;
    const p = createRetryPolicy({ baseDelayMs: 100, maxAttempts: 4, random: () => seq[i++ % 3] });
    expect(p.delayBeforeRetry('contacts.list', unavailable, 1)).toBe(50);
    expect(p.delayBeforeRetry('contacts.list', unavailable, 2)).toBe(150);
    expect(p.delayBeforeRetry('contacts.list', unavailable, 3)).toBe(400);
    expect(p.delayBeforeRetry('contacts.list', unavailable, 4)).toBeNull();
    expect(p.delayBeforeRetry('contacts.list', invalid, 1)).toBeNull();
    expect(p.delayBeforeRetry('contacts.create', unavailable, 1)).toBeNull();
    expect(SAFE_TO_REPEAT.has('contacts.batchUpdate')).toBe(true);
  });

  /** Attempts until the CRM answers (after `burstMs` of 5xx), on a clock the waits advance. */
  function ride(p: ReturnType<typeof createRetryPolicy>, burstMs: number) {
    let elapsed = 0;
    for (let attempt = 1; ; attempt++) {
      if (elapsed >= burstMs) return { ok: true, attempt, elapsed };
      const delay = p.delayBeforeRetry('contacts.batchUpdate', unavailable, attempt, elapsed);
      if (delay === null) return { ok: false, attempt, elapsed };
      elapsed += delay;
    }
  }

  it('by default outlasts a burst of 5 minutes of 5xx, with few calls, and gives up after its patience', () => {
    for (const r of [0, 0.5, 0.999]) {
      const p = createRetryPolicy({ random: () => r });
      const five = ride(p, 5 * 60_000);
      expect(five.ok).toBe(true);
      // Capped exponential back-off: a 5-minute burst costs a few dozen calls, not thousands.
      expect(five.attempt).toBeLessThan(40);
      const outage = ride(p, 60 * 60_000);
      expect(outage.ok).toBe(false);
      expect(outage.elapsed).toBeLessThanOrEqual(DEFAULT_PATIENCE_MS);
      expect(outage.elapsed).toBeGreaterThan(DEFAULT_PATIENCE_MS - 30_000);
    }
  });

  it('takes its patience from the options (tests and operators shrink or stretch it)', () => {
    const p = createRetryPolicy({ patienceMs: 2_000, baseDelayMs: 100, maxDelayMs: 400 });
    expect(ride(p, 1_500).ok).toBe(true);
    expect(ride(p, 5_000).ok).toBe(false);
    expect(
      retryOptionsFromEnv({ LEADLENS_CRM_PATIENCE_MS: '2000', LEADLENS_CRM_RETRY_BASE_MS: 'x' }),
    ).toEqual({ patienceMs: 2000 });
  });
});
