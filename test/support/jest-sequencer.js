/**
 * Longest suites first, also on a fresh clone.
 *
 * With two workers the run ends when the slower worker ends: a 3-minute suite started last is
 * 3 minutes of one idle core. Jest starts the longest suites first only when its cache holds
 * their last durations; CI is a fresh clone with no cache, and Jest's fallback — the biggest
 * test file first — misjudges the suites whose work is in a helper (fault-workers and
 * fault-matrix are short files and among the longest suites). So: when the cache lacks a
 * duration, the suites below go first, in this order (longest first); the rest follow in Jest's
 * own order. A stale or missing entry only costs ordering, never a test.
 *
 * Durations (wall s) from `npx jest --json --outputFile=…` with two workers on 2026-12-03, the
 * shared 2-core machine at load ~1–4 (fault-workers: its owner's runs, 2–6 min). Re-measure
 * when a suite's cost moves by half a minute.
 */
const Sequencer = require('@jest/test-sequencer').default;

const LONGEST_FIRST = [
  'test/e2e/fault-workers.test.ts', // 120–360
  'test/e2e/governance-weeks.test.ts', // 117
  'test/e2e/lease.test.ts', // 56
  'test/e2e/worker-oauth.test.ts', // 51
  'test/e2e/fault-matrix.test.ts', // 47
  'test/e2e/governance.test.ts', // 40
  'test/e2e/crash.test.ts', // 38
  'test/e2e/functions.test.ts', // 37
  'test/e2e/salesforce-crash.test.ts', // 34
  'test/e2e/pipeline.test.ts', // 28
  'test/e2e/salesforce.test.ts', // 25
  'test/crm/hubspot.test.ts', // 24
  'test/e2e/account-scores.test.ts', // 23
  'test/e2e/limits.test.ts', // 22
  'test/e2e/workers.test.ts', // 20
  'test/e2e/segments-governance.test.ts', // 18
  'test/e2e/fault-converge.test.ts', // 16
];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    // Jest's order: failed first, then by cached duration, then by file size.
    const sorted = super.sort(tests);
    if (sorted.every((t) => t.duration != null)) return sorted;
    const rank = (t) => {
      const p = t.path.split('\\').join('/');
      const i = LONGEST_FIRST.findIndex((suffix) => p.endsWith(`/${suffix}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array#sort is stable: ties keep Jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirstSequencer;
