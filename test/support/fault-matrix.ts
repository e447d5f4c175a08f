/**
 * The fault matrix (issue 12): each fault kind × each way of running, against a HubSpot emulator
 * per case, through the real `leadlens run` CLI (so SIGKILL is a real kill). A case runs until a
 * run reports `done`, clearing the fault (and waiting out a killed run's lease) in between, then
 * checks what the CRM ended with against a clean run of the same portal:
 * - the CRM state equals the clean run's (records with a permanent failure apart);
 * - no record was ever written two different values of one property (the emulator's write log);
 * - repeated identical writes: at most one batch (100) per interruption;
 * - every permanent failure is listed by `leadlens status` and the run's summary.
 * Used by test/e2e/fault-matrix.test.ts (small) and bench/faults.ts (full size).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { DEFAULT_APP_ID } from '../../emulator/hubspot/hub';
import { LEADLENS_PROPERTY_NAMES } from '../../src/contracts/properties';
import { runToCompletion, silentLogger } from '../../src/pipeline';
import { composeDeps } from '../../src/server/compose';
import {
  allContacts,
  emulatorJson,
  PORTAL,
  tempDb,
  TOKEN,
  writesOf,
  type ContactState,
  type Emulator,
} from '../e2e/helpers';

const ROOT = path.resolve(__dirname, '../..');

export const FAULTS = [
  'sigkill',
  '429-storm',
  '5xx-burst',
  'hung-connection',
  '207-partials',
  'token-expiry',
  'applied-then-5xx',
] as const;
export type FaultKind = (typeof FAULTS)[number];
export const MODES = ['one-run', 'two-concurrent-runs'] as const;
export type Mode = (typeof MODES)[number];

export interface MatrixOptions {
  contacts: number;
  seed: string;
  /** ms of the 5xx burst; the runs' patience is set above it. */
  burstMs: number;
  /** Lease TTL of the runs (a killed run's lease lapses after it). */
  leaseTtlMs: number;
  /** Deadline of one CRM request (hung connections are aborted after it). */
  timeoutMs: number;
  /** Random source for kill moments and failing ids (seeded by the caller). */
  random: () => number;
}

export interface CaseResult {
  fault: FaultKind;
  mode: Mode;
  runs: number;
  kills: number;
  /** Fault events the emulator answered (failed requests, hung ones, item errors). */
  faults: number;
  interruptions: number;
  /** Records whose final CRM value differs from the clean run's (permanent failures apart). */
  lost: number;
  /** Records written two different values of one property. */
  doubled: number;
  /** Identical values written again (writes beyond the first per record). */
  repeated: number;
  /** Permanent failures injected / listed by `leadlens status`. */
  permanent: number;
  permanentListed: number;
  /** Permanent failures listed in the summary of the run that reported `done`. */
  permanentInSummary: number;
  wallMs: number;
  problems: string[];
}

type Stats = { total: number; byRoute: Record<string, Record<string, number>> };

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
}

function cli(
  args: string[],
  env: Record<string, string>,
  opts: { killAfter?: () => Promise<boolean> } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/leadlens.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killed = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const watcher = opts.killAfter
    ? opts
        .killAfter()
        .then((kill) => {
          if (kill && child.exitCode === null) {
            killed = true;
            child.kill('SIGKILL');
          }
        })
        .catch(() => undefined)
    : Promise.resolve();
  return exited.then(async (code) => {
    await watcher;
    return { code, stdout, stderr, killed };
  });
}

const post = (url: string, p: string, body: unknown) =>
  emulatorJson(url, p, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function countStatus(stats: Stats, pred: (route: string, status: string) => boolean): number {
  let n = 0;
  for (const [route, byStatus] of Object.entries(stats.byRoute))
    for (const [status, k] of Object.entries(byStatus)) if (pred(route, status)) n += k;
  return n;
}

const isBatchUpdate = (route: string) =>
  route.startsWith('POST') && route.endsWith('/batch/update');

/** The clean run's final CRM state of a portal (same seed, size and clock). */
export async function cleanState(opts: MatrixOptions, now: number): Promise<ContactState[]> {
  const emu = await startPortal(opts);
  try {
    const deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      portalId: PORTAL,
      databaseUrl: null,
      dbFile: tempDb('clean'),
      log: silentLogger,
      now: () => now,
    });
    try {
      const res = await runToCompletion(deps, { retrain: 'auto' });
      if (res.status !== 'done') throw new Error(`the clean run ended ${res.status}`);
    } finally {
      await deps.close();
    }
    return await allContacts(emu.url, ['lifecyclestage', ...LEADLENS_PROPERTY_NAMES]);
  } finally {
    await emu.close();
  }
}

function startPortal(opts: MatrixOptions): Promise<Emulator> {
  return startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: opts.seed,
    contacts: opts.contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
}

export async function runCase(
  fault: FaultKind,
  mode: Mode,
  opts: MatrixOptions,
  clean: readonly ContactState[],
  now: number,
): Promise<CaseResult> {
  const started = Date.now();
  const emu = await startPortal(opts);
  const db = tempDb(`matrix-${fault}-${mode}`);
  const result: CaseResult = {
    fault,
    mode,
    runs: 0,
    kills: 0,
    faults: 0,
    interruptions: 0,
    lost: 0,
    doubled: 0,
    repeated: 0,
    permanent: 0,
    permanentListed: 0,
    permanentInSummary: 0,
    wallMs: 0,
    problems: [],
  };
  let token = TOKEN;
  const env = () => ({
    HUBSPOT_ACCESS_TOKEN: token,
    LEADLENS_NOW: new Date(now).toISOString(),
    LEADLENS_LEASE_TTL_MS: String(opts.leaseTtlMs),
    LEADLENS_CRM_TIMEOUT_MS: String(opts.timeoutMs),
    // Patient beyond the burst (the default, 10 min, is for production).
    LEADLENS_CRM_PATIENCE_MS: String(opts.burstMs * 2 + 5_000),
    LEADLENS_CRM_RETRY_BASE_MS: '100',
    LEADLENS_CRM_RETRY_MAX_MS: String(Math.max(1_000, Math.round(opts.burstMs / 10))),
  });
  const args = ['run', '--base-url', emu.url, '--db', db, '--json'];
  const stats = () => emulatorJson<Stats>(emu.url, '/__emulator/stats');
  /** Stats for the polls racing the runs: a poll that fails (the case ended) reads as nothing. */
  const peek = () => stats().catch((): Stats => ({ total: 0, byRoute: {} }));
  // Ids that fail for good: a few of the records the clean run writes.
  const scored = clean.filter((c) => c.properties.leadlens_score !== null).map((c) => c.id);
  const permanentIds = new Map<string, 'READ_ONLY_VALUE' | 'INVALID_OPTION'>();
  if (fault === '207-partials') {
    for (let i = 0; i < 6 && scored.length > 0; i++) {
      const id = scored[Math.floor(opts.random() * scored.length)];
      permanentIds.set(id, i % 2 === 0 ? 'READ_ONLY_VALUE' : 'INVALID_OPTION');
    }
  }
  result.permanent = permanentIds.size;

  /** Waits until write-back has sent `n` batches (or the runs ended). */
  const batchesSent = async (n: number, running: () => boolean) => {
    while (running()) {
      if (countStatus(await peek(), (r) => isBatchUpdate(r)) >= n) return true;
      await sleep(25);
    }
    return false;
  };

  try {
    let done = false;
    for (let attempt = 0; attempt < 12 && !done; attempt++) {
      const first = attempt === 0;
      const count = mode === 'two-concurrent-runs' ? 2 : 1;
      let live = count;
      const running = () => live > 0;
      // The fault of the first attempt, injected at its moment.
      let inject: Promise<unknown> = Promise.resolve();
      let killAfter: (() => Promise<boolean>) | undefined;
      if (first) {
        if (fault === 'sigkill') {
          // A random moment: in sync, train, score or write-back (by API calls made so far).
          const stageCalls = Math.floor(opts.random() * 4);
          killAfter = async () => {
            if (stageCalls === 3) return batchesSent(1 + Math.floor(opts.random() * 3), running);
            const target = [2, 10, 25][stageCalls];
            while (running()) {
              const s = await peek();
              if (s.total >= target) {
                await sleep(Math.floor(opts.random() * 200));
                return true;
              }
              await sleep(15);
            }
            return false;
          };
        } else {
          inject = (async () => {
            // Mid write-back, the riskiest moment for every fault.
            if (!(await batchesSent(1, running))) return;
            if (fault === '429-storm') {
              // A storm: a third of the calls refused for a few seconds.
              await post(emu.url, '/__emulator/faults', { rate429: 0.3 });
              await sleep(3_000);
              await post(emu.url, '/__emulator/faults', {});
            }
            if (fault === '5xx-burst')
              await post(emu.url, '/__emulator/faults', { burst5xxMs: opts.burstMs });
            if (fault === 'hung-connection')
              await post(emu.url, '/__emulator/faults', { hangNextN: 2 });
            if (fault === 'applied-then-5xx')
              await post(emu.url, '/__emulator/faults', { applyThenFailNextN: 2 });
            if (fault === 'token-expiry')
              await post(emu.url, '/__emulator/tokens/expire', { token });
          })();
          if (fault === '207-partials') {
            await post(emu.url, '/__emulator/faults', {
              itemRetryableRate: 0.05,
              itemErrors: Object.fromEntries(permanentIds),
            });
          }
        }
      }
      // In two concurrent runs both are killed at the moment (the one refused has exited).
      const runs = Array.from({ length: count }, () =>
        cli(args, env(), killAfter ? { killAfter } : {}).finally(() => live--),
      );
      const outs = await Promise.all(runs);
      await inject;
      result.runs += count;
      for (const o of outs) {
        if (o.killed) result.kills++;
        if (o.code === 0) {
          try {
            const summary = JSON.parse(o.stdout) as {
              status: string;
              failures?: Array<{ id: string }>;
            };
            if (summary.status === 'done') {
              done = true;
              result.permanentInSummary = [...permanentIds.keys()].filter((id) =>
                (summary.failures ?? []).some((f) => f.id === id),
              ).length;
            }
          } catch {
            result.problems.push(`unreadable output: ${o.stdout.slice(0, 200)}`);
          }
        } else if (!o.killed && !/JOB_LOCKED/.test(o.stderr) && !first) {
          result.problems.push(`run failed: ${o.stderr.trim().slice(0, 300)}`);
        }
      }
      if (!done) {
        result.interruptions++;
        // The operator's (or the next schedule's) response: the fault passes, the run resumes.
        await post(emu.url, '/__emulator/faults', {
          ...(fault === '207-partials' ? { itemErrors: Object.fromEntries(permanentIds) } : {}),
        });
        if (fault === 'token-expiry' && token === TOKEN) {
          token = `${TOKEN}-renewed`;
          await post(emu.url, '/__emulator/tokens', { token, appId: DEFAULT_APP_ID });
        }
        if (outs.some((o) => o.killed)) await sleep(opts.leaseTtlMs + 300);
      }
    }
    if (!done) result.problems.push('no run reported done');

    // Faults the emulator answered: 429s, 5xx, dropped/hung requests, item errors.
    const s = await stats();
    result.faults = countStatus(s, (_r, status) => status === '429' || status.startsWith('5'));
    result.faults += countStatus(s, (_r, status) => status === 'dropped');
    result.faults += countStatus(s, (r, status) => isBatchUpdate(r) && status === '207');

    // The final CRM state against the clean run's.
    const props = ['lifecyclestage', ...LEADLENS_PROPERTY_NAMES];
    const got = new Map((await allContacts(emu.url, props, token)).map((c) => [c.id, c]));
    for (const c of clean) {
      if (permanentIds.has(c.id)) continue;
      const g = got.get(c.id);
      if (!g || JSON.stringify(g.properties) !== JSON.stringify(c.properties)) result.lost++;
    }
    // The write log: never two values of one property; identical repeats counted.
    const writes = await writesOf(emu.url);
    for (const [, sets] of Object.entries(writes)) {
      const seen: Record<string, string> = {};
      let two = false;
      for (const set of sets) {
        for (const [k, v] of Object.entries(set)) {
          if (!k.startsWith('leadlens_')) continue;
          if (k in seen && seen[k] !== v) two = true;
          seen[k] = v;
        }
      }
      if (two) result.doubled++;
      result.repeated += Math.max(0, sets.length - 1);
    }
    // An interruption: a run that stopped, or a batch update whose answer was lost (5xx or a
    // dropped/aborted connection) — the CRM may have applied it, so it may be sent once more.
    const lostAnswers = countStatus(
      s,
      (r, status) => isBatchUpdate(r) && (status.startsWith('5') || status === 'dropped'),
    );
    const allowed = 100 * (result.interruptions + lostAnswers);
    if (result.repeated > allowed)
      result.problems.push(
        `${result.repeated} repeated writes for ${result.interruptions} interrupted runs and ${lostAnswers} lost answers`,
      );
    // Every permanent failure listed by `leadlens status`.
    const status = await cli(['status', '--db', db, '--base-url', emu.url], env());
    const listed = (
      JSON.parse(status.stdout) as {
        writeFailures: { recent: Array<{ id: string; code: string }> };
      }
    ).writeFailures.recent;
    result.permanentListed = [...permanentIds].filter(([id, code]) =>
      listed.some((f) => f.id === id && f.code === code),
    ).length;
  } finally {
    await emu.close();
    result.wallMs = Date.now() - started;
  }
  if (result.lost > 0) result.problems.push(`${result.lost} records differ from the clean run`);
  if (result.doubled > 0) result.problems.push(`${result.doubled} records written two values`);
  if (result.permanentInSummary !== result.permanent)
    result.problems.push(
      `${result.permanent - result.permanentInSummary} permanent failures not in the run summary`,
    );
  if (result.permanentListed !== result.permanent)
    result.problems.push(
      `${result.permanent - result.permanentListed} permanent failures not listed`,
    );
  return result;
}

/** Runs cases `concurrency` at a time. */
export async function runMatrix(
  cases: ReadonlyArray<{ fault: FaultKind; mode: Mode }>,
  opts: MatrixOptions,
  concurrency: number,
  onCase?: (r: CaseResult) => void,
): Promise<CaseResult[]> {
  const now = Date.now() + 3_600_000;
  const clean = await cleanState(opts, now);
  const out: CaseResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const r = await runCase(c.fault, c.mode, opts, clean, now);
        out.push(r);
        onCase?.(r);
      }
    }),
  );
  return out;
}

/** The matrix as a Markdown table (docs/reliability.md). */
export function matrixTable(results: readonly CaseResult[]): string {
  const head =
    '| fault | mode | runs | kills | faults | interruptions | lost | doubled | repeated writes | permanent failures listed | wall s |\n' +
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |';
  const rows = results.map(
    (r) =>
      `| ${r.fault} | ${r.mode} | ${r.runs} | ${r.kills} | ${r.faults} | ${r.interruptions} | ${r.lost} | ${r.doubled} | ${r.repeated} | ${r.permanentListed}/${r.permanent} | ${(r.wallMs / 1000).toFixed(0)} |`,
  );
  return [head, ...rows].join('\n');
}
