/**
 * `npm run bench:governance`: what shadow scoring and monitoring add to a scoring run.
 *
 * A demo portal (BENCH_GOV_SYNC contacts, default 5,000) is synced from the HubSpot emulator
 * through the real SDK; v1 (logistic) is published and v2 (tree) trained in shadow. The
 * mirrored contacts are then copied under new ids up to BENCH_GOV_RECORDS (default 100,000),
 * so scoring sees that many records with real histories. Each round runs, on the same store:
 *   A. the score job with governance off (the champion only: `scoreJob({ governance: false })`);
 *   B. the score job as shipped (champion + challenger in shadow, monitoring counts, kept model
 *      scores) followed by the monitor job (drift, realised metrics, comparison, alerts).
 * Overhead = (B − A) / A, wall and CPU (process user + system, steadier on a shared machine).
 * Rounds alternate A and B (BENCH_GOV_ROUNDS, default 2) and the medians are reported.
 * Writes bench/results/governance-latest.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SETTINGS } from '../src/contracts/settings';
import { runJobToEnd, runToCompletion } from '../src/pipeline';
import { monitorJob } from '../src/pipeline/governance/monitor';
import { allRecords } from '../src/pipeline/records';
import { scoreJob } from '../src/pipeline/score';
import { trainJob } from '../src/pipeline/train';
import { openBenchPortal } from './portal';

const SYNC = Number(process.env.BENCH_GOV_SYNC ?? 5000);
const RECORDS = Number(process.env.BENCH_GOV_RECORDS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_GOV_ROUNDS ?? 2);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

async function main() {
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[k];
  const now = Date.parse('2026-11-02T00:00:00.000Z');
  const { deps, close } = await openBenchPortal({
    tmpPrefix: 'leadlens-bench-gov-',
    emulator: { seed: 'bench-governance', contacts: SYNC },
    now,
  });
  try {
    await deps.store.saveSettings(
      { ...DEFAULT_SETTINGS, model: 'logistic' },
      new Date(now).toISOString(),
    );
    const first = await runToCompletion(deps, { retrain: 'always' });
    if (first.status !== 'done') throw new Error(`first run: ${first.status} ${first.progress}`);
    await deps.store.saveSettings(
      { ...(await deps.store.getSettings()), model: 'tree', shadowMode: true },
      new Date(now).toISOString(),
    );
    const trained = await runJobToEnd(deps, () => trainJob());
    if (trained.summary.status !== 'shadow') throw new Error('v2 did not enter as a challenger');

    // Copies of the mirrored contacts under new ids, up to RECORDS.
    const base = await allRecords(deps.store, 'contact');
    let copies = 0;
    for (let round = 1; base.length * (round + 0) < RECORDS; round++) {
      const batch = base
        .slice(0, Math.min(base.length, RECORDS - base.length * round))
        .map((r) => ({ ...r, id: String(Number(r.id) + round * 10_000_000) }));
      for (let i = 0; i < batch.length; i += 5000) {
        await deps.store.upsertRecords(batch.slice(i, i + 5000));
      }
      copies += batch.length;
    }
    const records = await deps.store.countRecords('contact');
    process.stderr.write(`store: ${records} contacts (${copies} copies); measuring\n`);

    const off: Array<{ wall: number; cpu: number }> = [];
    const on: Array<{ wall: number; cpu: number }> = [];
    let scored = 0;
    for (let i = 0; i < ROUNDS; i++) {
      off.push(
        await timed(async () => {
          const r = await runJobToEnd(deps, () => scoreJob({ governance: false }), {
            restart: true,
            stepBudgetMs: 60_000,
          });
          scored = Number(r.summary.scored);
        }),
      );
      on.push(
        await timed(async () => {
          const r = await runJobToEnd(deps, () => scoreJob(), {
            restart: true,
            stepBudgetMs: 60_000,
          });
          if (r.summary.challengerScored !== r.summary.scored) throw new Error('shadow incomplete');
          await runJobToEnd(deps, () => monitorJob(), { restart: true });
        }),
      );
      process.stderr.write(
        `round ${i + 1}: off ${off[i]!.wall.toFixed(1)} s, on ${on[i]!.wall.toFixed(1)} s\n`,
      );
    }
    const a = { wall: median(off.map((x) => x.wall)), cpu: median(off.map((x) => x.cpu)) };
    const b = { wall: median(on.map((x) => x.wall)), cpu: median(on.map((x) => x.cpu)) };
    const result = {
      at: new Date().toISOString(),
      records,
      scored,
      rounds: ROUNDS,
      load: os.loadavg()[0],
      scoreOnly: a,
      withGovernance: b,
      overheadWall: (b.wall - a.wall) / a.wall,
      overheadCpu: (b.cpu - a.cpu) / a.cpu,
      runs: { off, on },
    };
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'results', 'governance-latest.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(
      `| records | scored (open) | score only | score + shadow + monitor | overhead |\n|---|---|---|---|---|\n| ${records} | ${scored} | ${a.wall.toFixed(1)} s wall, ${a.cpu.toFixed(1)} s CPU | ${b.wall.toFixed(1)} s wall, ${b.cpu.toFixed(1)} s CPU | ${(result.overheadWall * 100).toFixed(1)} % wall, ${(result.overheadCpu * 100).toFixed(1)} % CPU |\n`,
    );
  } finally {
    await close();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
