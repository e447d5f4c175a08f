/**
 * Deal-score bench (issue 16) on both demo CRMs, through the real SDKs against the emulators:
 * - AUC on a time-held-out slice (the model trained as of the 70th percentile of row moments,
 *   only deals closed by then, only what was known then; judged on the rows after it) of the
 *   deal model, of the stage baseline (each stage's won rate in the training slice), and of the
 *   generator's hidden P(won) of each deal (what was knowable when it opened);
 * - the mean backtest AUC the stored deal model version reports, beside its stage baseline;
 * - extra API calls of deal scores (reading deals and companies, provisioning, writing) per
 *   1,000 deals, for a first run and for a second run with nothing changed.
 *   npm run bench:deals -- [hubspotContacts=5000] [salesforceLeads=5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubSpotEmulator } from '../emulator/hubspot';
import { startSalesforceEmulator } from '../emulator/salesforce';
import { DEFAULT_SETTINGS } from '../src/contracts/settings';
import { rocAuc } from '../src/model';
import { runJobToEnd, scoreRows, silentLogger, syncJob } from '../src/pipeline';
import type { DealModelReport } from '../src/pipeline/objects/deal-report';
import { dealTrainingSet, trainDealModel } from '../src/pipeline/objects/deals';
import { worldFromStore } from '../src/pipeline/objects/job';
import { runDealScores } from '../src/pipeline/objects/run';
import { composeDeps, type AppDeps } from '../src/server/compose';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

const tmpDb = (name: string) =>
  path.join(fs.mkdtempSync(path.join(os.tmpdir(), `leadlens-bench-${name}-`)), 'bench.db');

interface Row {
  crm: string;
  records: number;
  deals: number;
  closed: number;
  open: number;
  heldOutRows: number;
  modelAuc: number;
  stageAuc: number;
  truthAuc: number;
  backtestAuc: number;
  backtestStageAuc: number;
  firstRunCalls: number;
  provisioningCalls: number;
  callsPer1000Deals: number;
  secondRunCallsPer1000Deals: number;
  secondRunWritten: number;
  seconds: number;
}

const PROVISIONING =
  /^(properties|groups|lead\.describe|opportunity\.describe|customField|permissionSet|fieldPermissions|userinfo)/;

async function measure(
  crm: string,
  records: number,
  deps: AppDeps,
  now: number,
  truthOf: (dealId: string) => number | undefined,
): Promise<Row> {
  const t0 = Date.now();
  const sync = await runJobToEnd(deps, () => syncJob(), { stepBudgetMs: 60_000 });
  if (sync.status !== 'done') throw new Error(`sync ${sync.status}`);
  const before = { ...deps.crm.usage().byKind };
  const first = await runDealScores(deps, { retrain: 'always' });
  const after = { ...deps.crm.usage().byKind };
  let provisioning = 0;
  let total = 0;
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    total += d;
    if (PROVISIONING.test(k)) provisioning += d;
  }
  const second = await runDealScores(deps);

  const stored = await deps.store.getPublishedObjectModel('deal');
  const report = stored ? (JSON.parse(stored.report) as DealModelReport) : null;

  // The time-held-out slice, as test/e2e/deal-scores.test.ts cuts it.
  const world = await worldFromStore(deps);
  const all = dealTrainingSet(world, now);
  const sorted = [...all.times].sort((a, b) => a - b);
  const cut = sorted[Math.floor(0.7 * sorted.length)]!;
  const trained = trainDealModel(world, { now: cut, seed: 7, tiers: DEFAULT_SETTINGS.tiers });
  const test = all.ids.map((_, i) => i).filter((i) => all.times[i]! >= cut);
  const train = trained.set;
  const probs = scoreRows(
    trained.loaded,
    test.map((i) => all.rows[i]!),
    { top: 0, explain: false },
  ).map((s) => s.probability);
  const labels = test.map((i) => all.labels[i]!);
  const rate = new Map<string, [number, number]>();
  train.rows.forEach((r, i) => {
    const k = String(r.deal_stage);
    const [w, n] = rate.get(k) ?? [0, 0];
    rate.set(k, [w + train.labels[i]!, n + 1]);
  });
  const stage = test.map((i) => {
    const [w, n] = rate.get(String(all.rows[i]!.deal_stage)) ?? [0, 0];
    return (w + 1) / (n + 2);
  });
  const truth = test.map((i) => truthOf(all.ids[i]!) ?? Number.NaN);
  const known = truth.map((t, j) => (Number.isFinite(t) ? j : -1)).filter((j) => j >= 0);

  return {
    crm,
    records,
    deals: first.deals,
    closed: first.closed,
    open: first.scored,
    heldOutRows: test.length,
    modelAuc: rocAuc(labels, probs),
    stageAuc: rocAuc(labels, stage),
    truthAuc: rocAuc(
      known.map((j) => labels[j]!),
      known.map((j) => truth[j]!),
    ),
    backtestAuc: report?.backtest.meanAuc ?? Number.NaN,
    backtestStageAuc: report?.stageBaseline.meanAuc ?? Number.NaN,
    firstRunCalls: total,
    provisioningCalls: provisioning,
    callsPer1000Deals: ((total - provisioning) / first.deals) * 1000,
    secondRunCallsPer1000Deals: (second.calls / first.deals) * 1000,
    secondRunWritten: second.written,
    seconds: (Date.now() - t0) / 1000,
  };
}

async function hubspot(contacts: number): Promise<Row> {
  const emu = await startHubSpotEmulator({
    port: 0,
    token: 'bench',
    seed: 'deals',
    contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
  const now = Date.now() + 3_600_000;
  const deps = await composeDeps({
    baseUrl: emu.url,
    token: 'bench',
    portalId: '62515',
    databaseUrl: null,
    dbFile: tmpDb('deals-hs'),
    log: silentLogger,
    now: () => now,
  });
  try {
    return await measure(
      'HubSpot',
      contacts,
      deps,
      now,
      (id) => emu.portal.dealTruth(id)?.propensity,
    );
  } finally {
    await deps.close();
    await emu.close();
  }
}

async function salesforce(leads: number): Promise<Row> {
  const emu = await startSalesforceEmulator({ leads, seed: 'opps' });
  const now = Date.parse('2026-11-01T00:00:00.000Z');
  const deps = await composeDeps({
    baseUrl: '',
    token: '',
    portalId: 'bench',
    databaseUrl: null,
    dbFile: tmpDb('deals-sf'),
    log: silentLogger,
    now: () => now,
    salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken, dailyBudgetShare: 1 },
  });
  const truth = new Map<string, number>();
  for (const l of emu.org.table('Lead').values()) {
    const t = emu.truth(String(l.Id));
    if (l.ConvertedOpportunityId && t?.dealWin !== undefined)
      truth.set(String(l.ConvertedOpportunityId), t.dealWin);
  }
  try {
    return await measure('Salesforce', leads, deps, now, (id) => truth.get(id));
  } finally {
    await deps.close();
    await emu.close();
  }
}

async function main() {
  const hs = Number(process.argv[2] ?? 5000);
  const sf = Number(process.argv[3] ?? 5000);
  const rows = [await hubspot(hs), await salesforce(sf)];
  for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
  process.stdout.write(
    `\n| CRM | records | deals (closed / open) | held-out rows | deal model AUC | stage baseline AUC | true P(won) AUC | backtest AUC (model / stage) | calls / 1,000 deals (first run; second) | provisioning calls |\n|---|---|---|---|---|---|---|---|---|---|\n`,
  );
  for (const r of rows)
    process.stdout.write(
      `| ${r.crm} | ${r.records} | ${r.deals} (${r.closed} / ${r.open}) | ${r.heldOutRows} | ${f(r.modelAuc)} | ${f(r.stageAuc)} | ${f(r.truthAuc)} | ${f(r.backtestAuc)} / ${f(r.backtestStageAuc)} | ${r.callsPer1000Deals.toFixed(1)}; ${r.secondRunCallsPer1000Deals.toFixed(1)} (${r.secondRunWritten} written) | ${r.provisioningCalls} |\n`,
    );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
