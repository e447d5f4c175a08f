/**
 * Account-score bench (issue 16) on the HubSpot demo portal, through the real SDK against the
 * emulator, for several generator seeds at a bigger size than the e2e test's 1,500 contacts:
 * - AUC on the time-held-out slice (test/support/account-slice.ts, as the e2e test cuts it) of
 *   the account model, of the naive baselines (the committee's best and combined contact score
 *   as reps see them, the committee size) and of the generator's hidden truths (the company
 *   propensity; the best member's true contact propensity);
 * - extra API calls of account scores per 1,000 companies: reading deals and companies
 *   (with history), provisioning, writing (first run), and a second run with nothing changed.
 *   npm run bench:accounts -- [contacts=5000] [seeds=accounts,s2,s3] [committees]
 * `committees` generates the portal with buying committees (emulator/demo/committees.ts).
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubSpotEmulator } from '../emulator/hubspot';
import { runJobToEnd, silentLogger, syncJob } from '../src/pipeline';
import { runAccountScores } from '../src/pipeline/objects/account-run';
import { loadWorld } from '../src/pipeline/objects/world';
import { composeDeps } from '../src/server/compose';
import { accountSlice, type AccountSlice } from '../test/support/account-slice';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const PROVISIONING = /^(properties|groups)/;

interface Row extends AccountSlice {
  seed: string;
  contacts: number;
  companies: number;
  deals: number;
  readCalls: number;
  provisioningCalls: number;
  writeCalls: number;
  scored: number;
  readCallsPer1000Companies: number;
  writeCallsPer1000Companies: number;
  secondRunCallsPer1000Companies: number;
  secondRunWritten: number;
  sliceCpuSeconds: number;
  seconds: number;
}

async function measure(seed: string, contacts: number, committees: boolean): Promise<Row> {
  const t0 = Date.now();
  const emu = await startHubSpotEmulator({
    port: 0,
    token: 'bench',
    seed,
    contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
    ...(committees ? { committees: true } : {}),
  });
  const now = Date.now() + 3_600_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-accounts-'));
  const deps = await composeDeps({
    baseUrl: emu.url,
    token: 'bench',
    portalId: '62515',
    databaseUrl: null,
    dbFile: path.join(dir, 'bench.db'),
    log: silentLogger,
    now: () => now,
  });
  try {
    const sync = await runJobToEnd(deps, () => syncJob(), { stepBudgetMs: 60_000 });
    if (sync.status !== 'done') throw new Error(`sync ${sync.status}`);
    const c0 = deps.crm.usage().calls;
    const world = await loadWorld(deps.crm, deps.store);
    const readCalls = deps.crm.usage().calls - c0;
    const cpu0 = process.cpuUsage();
    const slice = accountSlice(world, now, {
      company: (id) => emu.portal.companyTruth(id)?.propensity,
      contact: (id) => emu.portal.truth(id)?.propensity,
    });
    const cpu = process.cpuUsage(cpu0);
    const before = { ...deps.crm.usage().byKind };
    const first = await runAccountScores(deps, { world });
    let provisioning = 0;
    let total = 0;
    for (const [k, v] of Object.entries(deps.crm.usage().byKind)) {
      const d = v - (before[k] ?? 0);
      total += d;
      if (PROVISIONING.test(k)) provisioning += d;
    }
    const second = await runAccountScores(deps, { world });
    const n = world.companies.size;
    return {
      seed,
      contacts,
      companies: n,
      deals: world.deals.length,
      ...slice,
      readCalls,
      provisioningCalls: provisioning,
      writeCalls: total - provisioning,
      scored: first.scored,
      readCallsPer1000Companies: (readCalls / n) * 1000,
      writeCallsPer1000Companies: ((total - provisioning) / n) * 1000,
      secondRunCallsPer1000Companies: (second.calls / n) * 1000,
      secondRunWritten: second.written,
      sliceCpuSeconds: (cpu.user + cpu.system) / 1e6,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await deps.close();
    await emu.close();
  }
}

async function main() {
  const contacts = Number(process.argv[2] ?? 5000);
  const seeds = (process.argv[3] ?? 'accounts,s2,s3').split(',');
  const committees = process.argv[4] === 'committees';
  const load = () => execSync('uptime').toString().trim();
  process.stdout.write(`start: ${load()}${committees ? ' (portal with buying committees)' : ''}\n`);
  const rows: Row[] = [];
  for (const seed of seeds) {
    const r = await measure(seed, contacts, committees);
    rows.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  process.stdout.write(`end: ${load()}\n`);
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
  const d = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;
  process.stdout.write(
    `\n| seed | contacts / companies | held-out rows (won) | account model | best contact | combined contact | best prospect (30-day mark) | committee size | model − best contact | model − best prospect | true company propensity | true best contact propensity |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n`,
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.seed} | ${r.contacts} / ${r.companies} | ${r.testRows} (${r.testPositives}) | ${f(r.modelAuc)} (${r.chosen}) | ${f(r.bestContactAuc)} | ${f(r.combinedContactAuc)} | ${f(r.bestProspectAuc)} | ${f(r.sizeAuc)} | ${d(r.modelAuc - r.bestContactAuc)} | ${d(r.modelAuc - r.bestProspectAuc)} | ${f(r.truthAuc)} | ${f(r.trueBestContactAuc)} |\n`,
    );
  const mean = (k: (r: Row) => number) => rows.reduce((a, r) => a + k(r), 0) / rows.length;
  process.stdout.write(
    `\nmean model − best contact: ${d(mean((r) => r.modelAuc - r.bestContactAuc))}; model − best prospect: ${d(mean((r) => r.modelAuc - r.bestProspectAuc))}\n\n| seed | read calls / 1,000 companies | write calls / 1,000 companies (first run) | provisioning (once) | second run calls / 1,000 (written) |\n|---|---|---|---|---|\n`,
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.seed} | ${r.readCallsPer1000Companies.toFixed(1)} (${r.readCalls} for ${r.companies} companies + ${r.deals} deals) | ${r.writeCallsPer1000Companies.toFixed(1)} (${r.scored} scored) | ${r.provisioningCalls} | ${r.secondRunCallsPer1000Companies.toFixed(1)} (${r.secondRunWritten}) |\n`,
    );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
