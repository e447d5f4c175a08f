/**
 * `npx tsx bench/governance-segment-decay.ts`: how the per-segment decay rule
 * (src/pipeline/governance/segment-monitor.ts `judgeDecay`) behaves at segment sizes, on
 * simulated outcome histograms — no portal, no model, only the rule.
 *
 * A segment's backtest has `m` held-out rows and its live model `n` arrived outcomes (30 %
 * converted), each scored with separation d between the classes (score = σ(d·y + ε − 1), ε
 * standard normal; d = 1 gives an AUC of about 0.76). Per size, BENCH_DECAY_REPS (default
 * 1,000) repetitions of:
 * - the same world on both sides (d = 1): how often the rule alerts (false alarms), and how
 *   often the raw drop alone would reach `decayDrop` (what the noise allowance is for);
 * - the outcomes a coin for the model (d = 0), and the separation halved (d = 0.5, an AUC of
 *   about 0.64): how often the rule alerts (its power).
 * Default settings (`decayDrop` 5 %, `segmentMinOutcomes` 10). Prints one line per size and
 * writes bench/results/governance-segment-decay-latest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS, type Settings } from '../src/contracts/settings';
import { makeRng } from '../src/model';
import { addOutcome, emptyHistogram, metricsOf } from '../src/pipeline/governance/bins';
import { judgeDecay, type SegmentExpectation } from '../src/pipeline/governance/segment-monitor';

const REPS = Number(process.env.BENCH_DECAY_REPS ?? 1000);
const SIZES: Array<[number, number]> = [
  [150, 300],
  [400, 800],
  [1000, 1000],
];
const rng = makeRng(7);
const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const settings: Settings = {
  ...DEFAULT_SETTINGS,
  segments: {
    ...DEFAULT_SETTINGS.segments,
    list: [{ key: 'seg', label: 'Segment', property: 'src', values: ['X'] }],
  },
};

function histogram(n: number, d: number) {
  const h = emptyHistogram();
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.3 ? 1 : 0;
    addOutcome(h, 1 / (1 + Math.exp(-(d * y + normal() - 1))), 'tier_4', y);
  }
  return h;
}

function expectation(m: number, d: number): SegmentExpectation {
  const h = histogram(m, d);
  const scores: number[] = [];
  const labels: number[] = [];
  for (const [bin, [neg, pos]] of Object.entries(h.bins)) {
    scores.push(...new Array<number>(neg + pos).fill(Number(bin) / 10));
    labels.push(...new Array<number>(neg).fill(0), ...new Array<number>(pos).fill(1));
  }
  return {
    key: 'seg',
    property: 'src',
    values: ['X'],
    decision: 'own',
    heldOut: { scores, labels },
  };
}

const judge = (n: number, m: number, d: number) =>
  judgeDecay('seg', metricsOf(histogram(n, d), 'tier_1'), expectation(m, 1), settings, 1);
const share = (k: number) => Math.round((1000 * k) / REPS) / 10;

const rows = SIZES.map(([n, m]) => {
  let alarms = 0;
  let raw = 0;
  let coin = 0;
  let halved = 0;
  for (let r = 0; r < REPS; r++) {
    const same = judge(n, m, 1);
    if (same.decayed) alarms += 1;
    if ((same.drop ?? 0) >= settings.governance.decayDrop) raw += 1;
    if (judge(n, m, 0).decayed) coin += 1;
    if (judge(n, m, 0.5).decayed) halved += 1;
  }
  const row = {
    liveOutcomes: n,
    backtestRows: m,
    falseAlarmPct: share(alarms),
    rawDropPct: share(raw),
    alertWhenCoinPct: share(coin),
    alertWhenHalvedPct: share(halved),
  };
  process.stdout.write(
    `live ${n} vs backtest ${m}: false alarms ${row.falseAlarmPct} % (raw 5 % drop ${row.rawDropPct} %); alerts when a coin ${row.alertWhenCoinPct} %, when the separation halves ${row.alertWhenHalvedPct} %\n`,
  );
  return row;
});
const out = path.join(__dirname, 'results', 'governance-segment-decay-latest.json');
fs.writeFileSync(
  out,
  `${JSON.stringify({ at: new Date().toISOString(), reps: REPS, rows }, null, 2)}\n`,
);
