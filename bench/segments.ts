/**
 * `npm run bench:segments`: segment models against the global model, per segment, on demo
 * portals synced from the HubSpot emulator through the real SDK — one whose paid/social leads
 * convert on drivers of their own (`segmentDrivers`), and the default demo (no such segment) —
 * plus the tiers suggested from the portal's own deal economics.
 *
 * Per segment: training rows and positives, the segment model's and the global model's mean
 * backtest AUC on the segment's held-out rows (paired folds), the decision and why. Against the
 * generator's hidden truth: the AUC on the segment's labelled rows of the truth itself (the
 * ceiling). BENCH_SEG_CONTACTS (default 10,000), BENCH_SEG_MODEL (default auto).
 * Writes bench/results/segments-<model>-latest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SETTINGS, type Settings } from '../src/contracts/settings';
import {
  makeBudget,
  readReport,
  runJob,
  scoreJob,
  settingsAction,
  syncJob,
  trainJob,
} from '../src/pipeline';
import { rocAuc } from '../src/model';
import { openBenchPortal } from './portal';

const CONTACTS = Number(process.env.BENCH_SEG_CONTACTS ?? 10_000);
const MODEL = (process.env.BENCH_SEG_MODEL ?? 'auto') as Settings['model'];

const SEGMENTS: Settings['segments'] = {
  list: [
    {
      key: 'paid',
      label: 'Paid and social campaigns',
      property: 'hs_analytics_source',
      values: ['PAID_SEARCH', 'PAID_SOCIAL', 'SOCIAL_MEDIA'],
    },
    {
      key: 'referrals',
      label: 'Referrals',
      property: 'hs_analytics_source',
      values: ['REFERRALS'],
    },
    { key: 'offline', label: 'Events', property: 'hs_analytics_source', values: ['OFFLINE'] },
    { key: 'ai', label: 'AI referrals', property: 'hs_analytics_source', values: ['AI_REFERRALS'] },
  ],
  minPositives: 40,
  minGain: 0.01,
};

async function one(segmentDrivers: boolean) {
  const now = Date.parse('2026-11-02T00:00:00.000Z');
  const { emu, deps, close } = await openBenchPortal({
    tmpPrefix: 'leadlens-bench-seg-',
    emulator: { seed: 'bench-segments', contacts: CONTACTS, segmentDrivers },
    now,
  });
  try {
    await deps.store.saveSettings(
      { ...DEFAULT_SETTINGS, model: MODEL, segments: SEGMENTS },
      new Date(now).toISOString(),
    );
    const t0 = performance.now();
    const s = await runJob(deps, syncJob({}), { budget: makeBudget(Infinity, deps.now) });
    if (s.status !== 'done') throw new Error(`sync: ${s.status}`);
    const t1 = performance.now();
    const t = await runJob(deps, trainJob(), { budget: makeBudget(Infinity, deps.now) });
    if (t.status !== 'done') throw new Error(`train: ${t.status} ${t.progress}`);
    const t2 = performance.now();
    // Open leads scored, so capacity reads the scores the tiers will cut.
    const sc = await runJob(deps, scoreJob(), { budget: makeBudget(Infinity, deps.now) });
    if (sc.status !== 'done') throw new Error(`score: ${sc.status}`);
    const report = readReport((await deps.store.getModel(t.summary.version as number))!)!;
    // The ceiling: the generator's true propensity on each segment's labelled contacts.
    const demo = emu.portal;
    const store = demo.state.stores.contacts;
    const ceiling: Record<string, number> = {};
    for (const seg of SEGMENTS.list) {
      const y: number[] = [];
      const p: number[] = [];
      for (const [id, truth] of demo.truths()) {
        if (truth.censored || truth.customerAtAsOf) continue;
        const v = store.value(store.get(Number(id))!, seg.property);
        if (v === null || !seg.values.includes(v)) continue;
        y.push(truth.converted ? 1 : 0);
        p.push(truth.propensity);
      }
      ceiling[seg.key] = rocAuc(y, p);
    }
    const econ = await settingsAction(deps, {
      action: 'suggest',
      request: { method: 'economics', leadsPerWeek: 40, costPerLead: 1500, tierCount: 4 },
    });
    return {
      segmentDrivers,
      contacts: CONTACTS,
      model: MODEL,
      globalAuc: report.metrics.auc,
      syncSeconds: (t1 - t0) / 1000,
      trainSeconds: (t2 - t1) / 1000,
      segments: (report.segments ?? []).map((r) => ({
        key: r.key,
        rows: r.rows,
        positives: r.positives,
        segmentAuc: r.segmentAuc,
        globalAuc: r.globalAuc,
        gain: r.gain,
        seGain: r.seGain,
        folds: r.folds,
        decision: r.decision,
        why: r.why,
        truthAuc: ceiling[r.key],
      })),
      economics: {
        rationale: econ.suggestion!.rationale,
        tiers: econ.suggestion!.tiers.map((x) => x.minScore),
        breakEvenScore: econ.suggestion!.economics!.breakEvenScore,
        capacityScore: econ.suggestion!.economics!.capacityScore,
        perTier: econ.suggestion!.economics!.tiers.map((x) => ({
          tier: x.label,
          minScore: x.minScore,
          winRate: x.winRate,
          revenuePerLead: x.revenuePerLead,
          evPerLead: x.evPerLead,
          weeklyLeads: x.weeklyLeads,
        })),
      },
    };
  } finally {
    await close();
  }
}

async function main() {
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];
  const results = [];
  for (const drivers of [true, false]) {
    const r = await one(drivers);
    process.stderr.write(`segmentDrivers=${drivers}: ${JSON.stringify(r, null, 1)}\n`);
    results.push(r);
  }
  const out = path.join(__dirname, 'results', `segments-${MODEL}-latest.json`);
  fs.writeFileSync(out, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
