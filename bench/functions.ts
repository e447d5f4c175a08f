/**
 * Function bundles bench (not part of npm test): builds the HubSpot project, then per function
 * its bundle size, its cold load (require in a fresh process) and the peak RSS of a real call,
 * each call run as HubSpot runs it (test/support/hubspot-function.ts: fresh process and
 * directory, V8 capped for 128 MB, killed at 10 s) against PostgreSQL and the emulator, and how
 * many calls each job needed (training resumes across calls from its checkpoint at any size).
 *
 * Then the deal and company cards' refresh (score-record with objectType deal / company): the
 * deal and account models are trained in this process (runDealScores, runAccountStages, on the
 * same database), and the refresh is called for the open deal and the company with the largest
 * committees and the most deals of their company — the most a refresh reads (object-refresh.ts:
 * capped at 200 members and 200 deals) — each in a fresh process like any other call.
 *
 *   npm run bench:functions -- [contacts=5000] [committees]
 * `committees` generates the portal with buying committees (emulator/demo/committees.ts).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubSpotEmulator } from '../emulator/hubspot';
import { buildHubSpotProject } from '../scripts/build-hubspot';
import type { CrmRecord } from '../src/contracts/records';
import { runDealScores, runAccountStages, silentLogger } from '../src/pipeline';
import { allRecords } from '../src/pipeline/records';
import { dealOutcome } from '../src/pipeline/objects/snapshot';
import { composeDeps } from '../src/server/compose';
import {
  callBuiltFunction,
  FUNCTION_HEAP_MB,
  FUNCTION_MEMORY_MB,
  FUNCTION_SEMI_SPACE_MB,
  type FunctionCall,
} from '../test/support/hubspot-function';
import { createTestDatabase } from '../test/support/postgres';

const ROOT = path.resolve(__dirname, '..');
const TOKEN = 'bench-token';
const PORTAL = '62515';
const NO_LIMITS = { tenSecondly: null, secondly: null, daily: null };

const mb = (kb: number | null) => (kb === null ? '—' : `${(kb / 1024).toFixed(0)} MB`);
const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);

async function main(): Promise<void> {
  const contacts = Number(process.argv[2] ?? 5000);
  const committees = process.argv.includes('committees');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-bench-fn-'));
  await buildHubSpotProject({
    root: ROOT,
    outDir: path.join(tmp, 'project'),
    publicUrl: 'https://leadlens.example.com',
  });
  const fnDir = path.join(tmp, 'project', 'src', 'app', 'functions');
  const names = (await fs.readdir(fnDir))
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
  console.log(
    `V8 limits per call: --max-old-space-size=${FUNCTION_HEAP_MB} --max-semi-space-size=${FUNCTION_SEMI_SPACE_MB}; node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );

  const pg = await createTestDatabase('benchfn');
  const emu = await startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: 'bench-functions',
    contacts,
    rateLimit: NO_LIMITS,
    ...(committees ? { committees: true } : {}),
  });
  const secrets = {
    DATABASE_URL: pg.url,
    HUBSPOT_PORTAL_ID: PORTAL,
    PRIVATE_APP_ACCESS_TOKEN: TOKEN,
    HUBSPOT_BASE_PATH: emu.url,
    LEADLENS_LOG_LEVEL: 'warn',
  };
  const call = (fn: string, parameters: Record<string, unknown> = {}, timeoutMs?: number) =>
    callBuiltFunction(
      path.join(fnDir, `${fn}.js`),
      { parameters },
      { secrets, ...(timeoutMs ? { timeoutMs } : {}) },
    );
  try {
    // Each function's calls over a whole pipeline; the peak and the slowest call of each.
    const seen: Record<string, FunctionCall[]> = {};
    const record = (fn: string, c: FunctionCall) => (seen[fn] ??= []).push(c);
    for (const fn of ['provision', 'sync', 'train', 'score']) {
      for (let i = 0; i < 400; i++) {
        const c = await call(fn);
        record(fn, c);
        const r = c.result as { status?: string; error?: { code: string } } | undefined;
        if (r?.status === 'done') break;
        // A killed call's lease lapses after FUNCTION_LEASE_TTL_MS; the next call resumes.
        if (c.killed || r?.error?.code === 'JOB_LOCKED') {
          await new Promise((res) => setTimeout(res, 2000));
          continue;
        }
        if (r?.status !== 'continue') {
          throw new Error(`${fn}: ${JSON.stringify(c.result ?? c.thrown)} ${c.stderr}`);
        }
      }
    }
    const first = (await (
      await fetch(`${emu.url}/crm/v3/objects/contacts?limit=1`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { results: Array<{ id: string }> };
    const contactId = first.results[0].id;
    record('score-record', await call('score-record', { objectId: contactId }));
    record('settings', await call('settings', { action: 'get' }));
    record(
      'feedback',
      await call('feedback', { objectId: contactId, kind: 'too_high', comment: 'bench' }),
    );

    const refreshes = await objectRefreshes(pg.url, emu.url, (objectType, objectId) =>
      call('score-record', { objectType, objectId }),
    );

    console.log(
      `\nPer function (portal of ${contacts} contacts${committees ? ', buying committees' : ''}; every call a fresh process, as HubSpot runs it):`,
    );
    console.log(
      `| function | bundle | cold load (require) | calls | peak RSS (any call) | calls over ${FUNCTION_MEMORY_MB} MB | slowest call (wall) | killed at 10 s |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const name of names) {
      const size = (await fs.stat(path.join(fnDir, `${name}.js`))).size;
      const cs = seen[name] ?? [];
      const loads = cs.map((c) => c.loadMs).filter((v): v is number => v !== null);
      const rss = cs.map((c) => c.maxRssKb).filter((v): v is number => v !== null);
      console.log(
        `| ${name} | ${(size / 1e6).toFixed(2)} MB | ${ms(loads.length ? Math.min(...loads) : null)} | ${cs.length} | ${mb(rss.length ? Math.max(...rss) : null)} | ${rss.filter((kb) => kb > FUNCTION_MEMORY_MB * 1024).length} | ${ms(cs.length ? Math.max(...cs.map((c) => c.wallMs)) : null)} | ${cs.filter((c) => c.killed).length} |`,
      );
    }
    // Which step a call over the memory limit was in: its progress line.
    for (const [fn, cs] of Object.entries(seen)) {
      cs.forEach((c, i) => {
        if (c.maxRssKb !== null && c.maxRssKb > FUNCTION_MEMORY_MB * 1024) {
          const progress = (c.result as { progress?: string } | undefined)?.progress ?? '';
          console.log(
            `  ${fn} call ${i + 1} of ${cs.length}: ${mb(c.maxRssKb)}, ${ms(c.wallMs)} — ${progress}`,
          );
        }
      });
    }
    for (const [fn, cs] of Object.entries(seen)) {
      const bad = cs.filter((c) => (c.result as { error?: unknown } | undefined)?.error);
      if (bad.length) {
        const codes = bad.map((c) => (c.result as { error: { code: string } }).error.code);
        console.log(`  ${fn}: ${bad.length} call(s) answered an error: ${codes.join(', ')}`);
      }
    }
    console.log(
      `\nThe cards' refresh (score-record), the largest record of each kind; HubSpot's limits ${FUNCTION_MEMORY_MB} MB, 10 s:`,
    );
    console.log('| object | members | deals of its company | peak RSS | wall | answer |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const r of refreshes) {
      const res = r.call.result as { card?: { score: number | null }; error?: { code: string } };
      const answer = res?.error
        ? res.error.code
        : `score ${res?.card?.score ?? '—'}${r.call.killed ? ' (killed)' : ''}`;
      console.log(
        `| ${r.objectType} ${r.objectId} | ${r.members} | ${r.deals} | ${mb(r.call.maxRssKb)} | ${ms(r.call.wallMs)} | ${answer} |`,
      );
    }
  } finally {
    await emu.close();
    await pg.drop();
  }

  await fs.rm(tmp, { recursive: true, force: true });
}

interface Refresh {
  objectType: 'deal' | 'company';
  objectId: string;
  members: number;
  deals: number;
  call: FunctionCall;
}

/**
 * Trains and publishes the deal and account models (in this process: they are runs, not
 * functions), then refreshes the open deal and the company that make the refresh read most.
 */
async function objectRefreshes(
  databaseUrl: string,
  baseUrl: string,
  refresh: (objectType: 'deal' | 'company', objectId: string) => Promise<FunctionCall>,
): Promise<Refresh[]> {
  const deps = await composeDeps({
    baseUrl,
    token: TOKEN,
    portalId: PORTAL,
    databaseUrl,
    log: silentLogger,
    now: () => Date.now(),
  });
  let deals: CrmRecord[];
  let companies: CrmRecord[];
  let contactIds: string[];
  try {
    const d = await runDealScores(deps, { stepBudgetMs: 60_000 });
    const a = await runAccountStages(deps, { stepBudgetMs: 60_000 });
    console.log(
      `deal run: ${d.status}, ${JSON.stringify(d).slice(0, 200)}\naccount run: ${JSON.stringify(a).slice(0, 200)}`,
    );
    deals = await allRecords(deps.store, 'deal');
    companies = await allRecords(deps.store, 'company');
    contactIds = (await allRecords(deps.store, 'contact')).map((c) => c.id);
  } finally {
    await deps.close();
  }
  const byId = new Map(companies.map((c) => [c.id, c]));
  const dealsOf = new Map<string, number>();
  for (const d of deals)
    for (const c of d.associations.company ?? []) dealsOf.set(c, (dealsOf.get(c) ?? 0) + 1);
  const size = (c: CrmRecord | undefined) => c?.associations.contact?.length ?? 0;
  const weight = (companyId: string | undefined) =>
    companyId === undefined ? 0 : size(byId.get(companyId)) + (dealsOf.get(companyId) ?? 0);
  const open = deals.filter((d) => !dealOutcome(d));
  const deal = open.sort(
    (x, y) => weight(y.associations.company?.[0]) - weight(x.associations.company?.[0]),
  )[0];
  const company = [...companies].sort((x, y) => weight(y.id) - weight(x.id))[0];
  const out: Refresh[] = [];
  if (deal) {
    const c = deal.associations.company?.[0];
    out.push({
      objectType: 'deal',
      objectId: deal.id,
      members: size(c ? byId.get(c) : undefined) + (deal.associations.contact?.length ?? 0),
      deals: c ? (dealsOf.get(c) ?? 0) : 0,
      call: await refresh('deal', deal.id),
    });
  }
  if (company) {
    out.push({
      objectType: 'company',
      objectId: company.id,
      members: size(company),
      deals: dealsOf.get(company.id) ?? 0,
      call: await refresh('company', company.id),
    });
  }
  // At the caps: a company with 250 contacts and 250 deals (a refresh reads 200 of each fresh,
  // the rest from the mirror): the most one refresh can read.
  const n = 250;
  const api = async <T>(p: string, body: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const big = await api<{ id: string }>('/crm/v3/objects/companies', {
    properties: { name: 'Bench Cap Co', numberofemployees: '5000', industry: 'COMPUTER_SOFTWARE' },
  });
  const link = (type: string, ids: string[]) =>
    api(`/crm/v4/associations/${type}/companies/batch/associate/default`, {
      inputs: ids.map((id) => ({ from: { id }, to: { id: big.id } })),
    });
  await link('contacts', contactIds.slice(0, n));
  await link(
    'deals',
    deals.slice(0, n).map((d) => d.id),
  );
  out.push({
    objectType: 'company',
    objectId: big.id,
    members: Math.min(n, contactIds.length),
    deals: Math.min(n, deals.length),
    call: await refresh('company', big.id),
  });
  return out;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
