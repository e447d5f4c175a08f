/**
 * Salesforce API-call bench: the whole pipeline (provision, full sync with history and activity,
 * train, score, write-back) over a demo org of N leads, through the real jsforce against the
 * emulator. Reports API calls per 1,000 leads synced and written against the minimum: every
 * object read in full batches of 2,000 (leads, lead history, tasks, events, campaign responses,
 * converted opportunities) plus one Collections call per 200 leads written — and the share of
 * the org's daily allowance the run used.
 *   npm run bench:crm:salesforce -- [leads=10000] [dailyLimit=100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSalesforceEmulator } from '../emulator/salesforce';
import { runToCompletion } from '../src/pipeline';
import { composeDeps } from '../src/server/compose';

for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[v];

async function main() {
  const n = Number(process.argv[2] ?? 10_000);
  const dailyApiLimit = Number(process.argv[3] ?? 100_000);
  const t0 = Date.now();
  const emu = await startSalesforceEmulator({ leads: n, seed: 'bench', dailyApiLimit });
  const generated = (Date.now() - t0) / 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-bench-sf-'));
  const now = Date.parse('2026-11-01T00:00:00.000Z');
  const deps = await composeDeps({
    baseUrl: '',
    token: '',
    portalId: 'bench',
    databaseUrl: null,
    dbFile: path.join(dir, 'bench.db'),
    now: () => now,
    salesforce: { instanceUrl: emu.url, accessToken: emu.accessToken, dailyBudgetShare: 1 },
  });
  const start = Date.now();
  const res = await runToCompletion(deps, { retrain: 'always' });
  const seconds = (Date.now() - start) / 1000;
  const summary = res.summary as {
    sync: { contacts: number; deals: number };
    writeback: { written: number; failed: number };
  };
  const org = emu.org;
  const count = (object: string, pred: (r: Record<string, unknown>) => boolean = () => true) =>
    [...org.table(object).values()].filter(pred).length;
  const batches = (rows: number) => Math.ceil(rows / 2000);
  const written = summary.writeback.written;
  const minimum = {
    leads: batches(count('Lead')),
    leadHistory: batches(count('LeadHistory')),
    tasks: batches(count('Task')),
    events: batches(count('Event')),
    campaignResponses: batches(count('CampaignMember', (r) => r.HasResponded === true)),
    deals: batches(
      count('Lead', (r) => r.IsConverted === true && r.ConvertedOpportunityId !== null),
    ),
    writes: Math.ceil(written / 200),
  };
  const minimumTotal = Object.values(minimum).reduce((a, b) => a + b, 0);
  const usage = deps.crm.usage();
  const provisioning = Object.entries(usage.byKind)
    .filter(([k]) => /describe|customField|permission|fieldPermissions|userinfo/i.test(k))
    .reduce((a, [, v]) => a + v, 0);
  const dataCalls = usage.calls - provisioning;
  const per1000 = (x: number) => Math.round((x / n) * 1000 * 100) / 100;
  const out = {
    leads: n,
    status: res.status,
    synced: summary.sync.contacts,
    written,
    failed: summary.writeback.failed,
    apiCalls: usage.calls,
    provisioningCalls: provisioning,
    dataCalls,
    minimumDataCalls: minimumTotal,
    minimumByObject: minimum,
    callsPer1000Leads: per1000(dataCalls),
    minimumPer1000Leads: per1000(minimumTotal),
    overMinimum: Math.round((dataCalls / minimumTotal) * 100) / 100,
    byKind: usage.byKind,
    dailyAllowanceUsed: `${org.used()} / ${org.dailyMax}`,
    generateSeconds: generated,
    pipelineSeconds: seconds,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  await deps.close();
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
