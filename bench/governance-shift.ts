/**
 * `npm run bench:governance-shift`: time from an injected market shift to its alerts, in
 * simulated days.
 *
 * The world is a demo portal (BENCH_SHIFT_CONTACTS regular contacts, default 1,500) generated
 * to the end of the simulation with a market shift (`marketShift`: BENCH_SHIFT_STRENGTH,
 * default 2; BENCH_SHIFT_SURGE, default 16) placed where the first model's negative labels end
 * (the conversion horizon, 28 days, before its run): what converts changes, and a growing wave
 * of new leads arrives. The process clock (`Date.now`, read by the pipeline and the emulator
 * alike) is set by the bench: each Monday 06:00 the emulator is shown what the world did by
 * then (emulator/demo/reveal.ts) and `run` runs as the worker would (v1 is trained at the
 * first run; no retrain after it, so every alert is v1's). Thresholds are the defaults (decay:
 * AUC 5 % under the model's test on ≥ 20 outcomes of each class; PSI warning 0.1, alert 0.25,
 * against the model's first scoring run). The same world without the shift is the control.
 * Reported per scenario: the first alert (and warning) of each kind, in days from the shift
 * and from v1's first scoring run. BENCH_SHIFT_WEEKS (default 16) bounds the walk;
 * BENCH_SHIFT_SEEDS (default bench-shift,weeks,third) names the worlds.
 * Writes bench/results/governance-shift-latest.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GOVERNANCE, DEFAULT_SETTINGS } from '../src/contracts/settings';
import { runToCompletion, silentLogger } from '../src/pipeline';
import { composeDeps } from '../src/server/compose';
import { isDue } from '../src/worker/schedule';
import { startHubSpotEmulator } from '../emulator/hubspot';
import { generatePortal } from '../emulator/demo';
import { Reveal } from '../emulator/demo/reveal';

const CONTACTS = Number(process.env.BENCH_SHIFT_CONTACTS ?? 1500);
const STRENGTH = Number(process.env.BENCH_SHIFT_STRENGTH ?? 2);
const SURGE = Number(process.env.BENCH_SHIFT_SURGE ?? 16);
const WEEKS = Number(process.env.BENCH_SHIFT_WEEKS ?? 16);
/** One world per seed, each with its shifted run and its control. */
const SEEDS = (process.env.BENCH_SHIFT_SEEDS ?? 'bench-shift,weeks,third').split(',');
const TOKEN = 'bench-token';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const WEEK = 7 * DAY;
const HORIZON_DAYS = 28;
const START = Date.parse('2026-03-02T00:00:00.000Z');
const END = START + (WEEKS + 1) * WEEK;
const SHIFT = START - HORIZON_DAYS * DAY;
const SPAN = 540 * DAY;

// The bench's clock: Date.now runs at real speed from wherever the bench sets it.
const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;
const setClock = (t: number) => {
  offset = t - realNow();
};

interface FirstAlert {
  kind: string;
  subject: string;
  severity: string;
  at: string;
  daysFromShift: number;
  daysFromFirstRun: number;
  message: string;
}

interface Scenario {
  name: string;
  shifted: boolean;
  weeksRun: number;
  firstRunAt: string;
  /** The first of each kind × severity, in time order. */
  first: FirstAlert[];
  weekly: Array<{
    at: string;
    scored: number;
    outcomes: number;
    realisedAuc: number | null;
    expectedAuc: number | null;
    largestPsi: { subject: string; psi: number | null } | null;
  }>;
}

async function scenario(seed: string, shifted: boolean): Promise<Scenario> {
  const name = `${seed}${shifted ? '' : ' (control)'}`;
  const world = generatePortal({
    seed,
    contacts: CONTACTS,
    now: new Date(END).toISOString(),
    ...(shifted
      ? {
          marketShift: {
            at: (SHIFT - (END - SPAN)) / SPAN,
            strength: STRENGTH,
            surge: SURGE,
          },
        }
      : {}),
  });
  setClock(START + HOUR);
  const emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: 'bench-shift',
    contacts: 0,
    now: new Date(START).toISOString(),
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  const reveal = new Reveal(world, emu.portal.state);
  reveal.until(Date.now());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-shift-'));
  const deps = await composeDeps({
    baseUrl: emu.url,
    token: TOKEN,
    portalId: '62515',
    databaseUrl: null,
    dbFile: path.join(dir, 'leadlens.db'),
    log: silentLogger,
    now: () => Date.now(),
  });
  const out: Scenario = { name, shifted, weeksRun: 0, firstRunAt: '', first: [], weekly: [] };
  try {
    await deps.store.saveSettings(
      {
        ...DEFAULT_SETTINGS,
        model: 'logistic',
        schedule: { enabled: true, cron: '0 6 * * 1', timezone: 'UTC' },
        conversion: { ...DEFAULT_SETTINGS.conversion, horizonDays: HORIZON_DAYS },
        // v1 stays: the alerts measured are the first model's.
        retrainCadenceDays: 90,
        governance: { ...DEFAULT_GOVERNANCE },
      },
      new Date(Date.now()).toISOString(),
    );
    const seen = new Set<string>();
    for (let w = 0; w <= WEEKS; w++) {
      let t = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
      const schedule = (await deps.store.getSettings()).schedule;
      while (!isDue(schedule, t)) t += HOUR;
      setClock(t);
      reveal.until(t);
      const res = await runToCompletion(deps, { retrain: w === 0 ? 'auto' : 'never' });
      if (res.status !== 'done') throw new Error(`week ${w}: the run ended ${res.status}`);
      if (w === 0) {
        const v1 = await deps.store.getPublishedModel();
        if (!v1) throw new Error('v1 was not published: no signal in the first model');
        out.firstRunAt = new Date(t).toISOString();
      }
      out.weeksRun = w + 1;
      const run = (await deps.store.listMonitorRuns({ limit: 1 }))[0];
      if (run) {
        const d = JSON.parse(run.data) as {
          scored: number;
          realised: { auc: number | null; positives: number; negatives: number };
          expected: { auc: number | null };
          drift: { reference: string; rows: Array<Record<string, number | string | null>> };
        };
        const top = d.drift.rows[0];
        out.weekly.push({
          at: run.at,
          scored: d.scored,
          outcomes: d.realised.positives + d.realised.negatives,
          realisedAuc: d.realised.auc,
          expectedAuc: d.expected.auc,
          largestPsi: top
            ? {
                subject: String(top.subject),
                psi: (d.drift.reference === 'training' ? top.psiTraining : top.psiReference) as
                  number | null,
              }
            : null,
        });
      }
      for (const a of (await deps.store.listAlerts({ limit: 10_000 })).sort((x, y) =>
        x.createdAt < y.createdAt ? -1 : 1,
      )) {
        const kind = a.kind === 'decay' ? 'decay' : 'drift';
        const key = `${kind}|${a.severity}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const at = Date.parse(a.createdAt);
        out.first.push({
          kind,
          subject: a.subject,
          severity: a.severity,
          at: a.createdAt,
          daysFromShift: Math.round(((at - SHIFT) / DAY) * 10) / 10,
          daysFromFirstRun: Math.round(((at - Date.parse(out.firstRunAt)) / DAY) * 10) / 10,
          message: a.message,
        });
      }
      const has = (k: string) => seen.has(`${k}|alert`);
      console.log(
        `${name} week ${w}: ${out.weekly.at(-1)?.scored ?? 0} scored, ` +
          `AUC ${out.weekly.at(-1)?.realisedAuc?.toFixed(3) ?? '—'} realised, ` +
          `largest PSI ${out.weekly.at(-1)?.largestPsi?.psi?.toFixed(3) ?? '—'}`,
      );
      if (shifted && has('drift') && has('decay')) break;
    }
  } finally {
    await deps.close();
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function main() {
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];
  const t0 = performance.now();
  const scenarios: Scenario[] = [];
  for (const seed of SEEDS) {
    scenarios.push(await scenario(seed, true));
    scenarios.push(await scenario(seed, false));
  }
  const result = {
    at: new Date(realNow()).toISOString(),
    contacts: CONTACTS,
    marketShift: { strength: STRENGTH, surge: SURGE, at: new Date(SHIFT).toISOString() },
    horizonDays: HORIZON_DAYS,
    thresholds: {
      decayDrop: DEFAULT_GOVERNANCE.decayDrop,
      psiWarn: DEFAULT_GOVERNANCE.psiWarn,
      psiAlert: DEFAULT_GOVERNANCE.psiAlert,
      minOutcomes: DEFAULT_GOVERNANCE.minOutcomes,
      driftReference: DEFAULT_GOVERNANCE.driftReference,
    },
    scenarios,
    wallSeconds: Math.round((performance.now() - t0) / 1000),
  };
  const file = path.join(__dirname, 'results', 'governance-shift-latest.json');
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  for (const s of scenarios) {
    console.log(`\n${s.name} (${s.weeksRun} weekly runs from ${s.firstRunAt}):`);
    if (s.first.length === 0) console.log('  no alert and no warning');
    for (const f of s.first)
      console.log(
        `  first ${f.kind} ${f.severity} (${f.subject}) ${f.at}: ${f.daysFromShift} days after the shift, ${f.daysFromFirstRun} after v1's first run`,
      );
  }
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
