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
import { defaultChildDeadlineMs, leadlens, type BoundedChild } from './child';
import { runWorkersCase } from './fault-workers';

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
export const MODES = ['one-run', 'two-concurrent-runs', 'two-workers'] as const;
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
  /** 429-storm: this many writes in a row refused with 429 TEN_SECONDLY_ROLLING (default 5). */
  stormWrites?: number;
  /**
   * Deadline of one `leadlens` process (default `childDeadlineMs(opts)`): one still running
   * then is SIGKILLed and the case records "run hung: …".
   */
  childDeadlineMs?: number;
  /** Wall deadline of one case (default 4 child deadlines): no new attempt starts after it. */
  caseDeadlineMs?: number;
}

/**
 * A run must outlast the 5xx burst (its patience is twice the burst): the default child deadline
 * (120 s, or LEADLENS_TEST_CHILD_DEADLINE_MS) beyond three bursts. At CI size (4 s bursts)
 * 132 s, where a run takes 5–20 s.
 */
export function childDeadlineMs(opts: MatrixOptions): number {
  return opts.childDeadlineMs ?? defaultChildDeadlineMs() + 3 * opts.burstMs;
}

export function caseDeadlineMs(opts: MatrixOptions): number {
  return opts.caseDeadlineMs ?? 4 * childDeadlineMs(opts);
}

export interface CaseResult {
  fault: FaultKind;
  mode: Mode;
  runs: number;
  kills: number;
  /** Fault events the emulator answered (failed requests, hung ones, item errors). */
  faults: number;
  /** Of those, 429s. */
  throttled: number;
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

export type Stats = { total: number; byRoute: Record<string, Record<string, number>> };

/** `leadlens <args>` with the case's deadline (a hung run is SIGKILLed and reported). */
function cli(args: string[], env: Record<string, string>, deadlineMs: number): BoundedChild {
  return leadlens(args, { DATABASE_URL: '', ...env }, { deadlineMs });
}

/** Control-plane calls of the harness: bounded like everything else it waits on. */
const CONTROL_TIMEOUT_MS = 30_000;

export const post = (url: string, p: string, body: unknown) =>
  emulatorJson(url, p, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
  });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function countStatus(
  stats: Stats,
  pred: (route: string, status: string) => boolean,
): number {
  let n = 0;
  for (const [route, byStatus] of Object.entries(stats.byRoute))
    for (const [status, k] of Object.entries(byStatus)) if (pred(route, status)) n += k;
  return n;
}

export const isBatchUpdate = (route: string) =>
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

export function startPortal(opts: MatrixOptions): Promise<Emulator> {
  return startHubSpotEmulator({
    port: 0,
    token: TOKEN,
    seed: opts.seed,
    contacts: opts.contacts,
    rateLimit: { tenSecondly: null, secondly: null, daily: null },
  });
}

export function newResult(fault: FaultKind, mode: Mode): CaseResult {
  return {
    fault,
    mode,
    runs: 0,
    kills: 0,
    faults: 0,
    throttled: 0,
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
}

export type PermanentIds = Map<string, 'READ_ONLY_VALUE' | 'INVALID_OPTION'>;

/** Ids that fail for good in the 207 case: a few of the records the clean run writes. */
export function permanentIdsFor(
  fault: FaultKind,
  opts: MatrixOptions,
  clean: readonly ContactState[],
): PermanentIds {
  const scored = clean.filter((c) => c.properties.leadlens_score !== null).map((c) => c.id);
  const ids: PermanentIds = new Map();
  if (fault === '207-partials') {
    for (let i = 0; i < 6 && scored.length > 0; i++) {
      const id = scored[Math.floor(opts.random() * scored.length)];
      ids.set(id, i % 2 === 0 ? 'READ_ONLY_VALUE' : 'INVALID_OPTION');
    }
  }
  return ids;
}

/** Stats for the polls racing the runs: a poll that fails (the case ended) reads as nothing. */
export const peekStats = (url: string) =>
  emulatorJson<Stats>(url, '/__emulator/stats', {
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
  }).catch((): Stats => ({ total: 0, byRoute: {} }));

/** Waits until write-back has sent `n` batches (or `running()` turns false). */
export async function batchesSent(url: string, n: number, running: () => boolean) {
  while (running()) {
    if (countStatus(await peekStats(url), (r) => isBatchUpdate(r)) >= n) return true;
    await sleep(25);
  }
  return false;
}

/** Waits for a random moment (sync, train, score or write-back, by API calls made so far). */
export async function killMoment(
  url: string,
  opts: MatrixOptions,
  running: () => boolean,
): Promise<boolean> {
  const stageCalls = Math.floor(opts.random() * 4);
  if (stageCalls === 3) return batchesSent(url, 1 + Math.floor(opts.random() * 3), running);
  const target = [2, 10, 25][stageCalls];
  while (running()) {
    const s = await peekStats(url);
    if (s.total >= target) {
      await sleep(Math.floor(opts.random() * 200));
      return true;
    }
    await sleep(15);
  }
  return false;
}

/**
 * Arms the case's fault before its first run, so that it lands whatever the timing: a 429 storm
 * on the first writes, 207 items, and the rest mid write-back (the riskiest moment), held by the
 * emulator until the first batch update came in. (Armed by a poller racing the run, a fault could
 * arrive after a short write-back ended: the case then proved nothing, and CI said so once.)
 */
export async function armFault(
  fault: FaultKind,
  url: string,
  opts: MatrixOptions,
  permanentIds: PermanentIds,
  token: string,
): Promise<void> {
  if (fault === '207-partials') {
    await post(url, '/__emulator/faults', {
      itemRetryableRate: 0.05,
      itemErrors: Object.fromEntries(permanentIds),
    });
    return;
  }
  if (fault === '429-storm') {
    // By count, not by time: the first writes of write-back are refused in a row (a storm
    // landing after a short write-back ended would prove nothing).
    await post(url, '/__emulator/faults', {
      failNextWritesN: opts.stormWrites ?? 5,
      failWith: 'TEN_SECONDLY_ROLLING',
    });
    return;
  }
  if (fault === 'sigkill') return;
  // Mid write-back by count: the emulator holds these until the first batch update came in (a
  // poller arming them after it lost the race to a short write-back, and the case proved nothing).
  const midWriteBack = { armAfterBatchUpdatesN: 1 };
  const armed: Partial<Record<FaultKind, object>> = {
    '5xx-burst': { burst5xxMs: opts.burstMs },
    'hung-connection': { hangNextN: 2 },
    'applied-then-5xx': { applyThenFailNextN: 2 },
    'token-expiry': { expireTokens: [token] },
  };
  await post(url, '/__emulator/faults', { ...armed[fault], ...midWriteBack });
}

/**
 * The checks every case ends with, on the emulator's final state, stats and write log: fills
 * faults, throttled, lost, doubled, repeated; adds problems. `permanentListed` and
 * `permanentInSummary` are filled by the caller (they depend on how the runs ran).
 */
/** Control-plane reads after a case: the in-process emulator may answer slowly under load. */
async function settled<T>(read: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer in ${CONTROL_TIMEOUT_MS / 1000} s`)),
            CONTROL_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (e) {
      if (i >= 4) throw e;
      await sleep(1_000 * (i + 1));
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function judge(
  url: string,
  token: string,
  clean: readonly ContactState[],
  permanentIds: PermanentIds,
  result: CaseResult,
): Promise<void> {
  // Faults the emulator answered: 429s, 5xx, dropped/hung requests, item errors.
  const s = await settled(() => emulatorJson<Stats>(url, '/__emulator/stats'));
  result.throttled = countStatus(s, (_r, status) => status === '429');
  result.faults = countStatus(s, (_r, status) => status === '429' || status.startsWith('5'));
  result.faults += countStatus(s, (_r, status) => status === 'dropped');
  result.faults += countStatus(s, (r, status) => isBatchUpdate(r) && status === '207');

  // The final CRM state against the clean run's.
  const props = ['lifecyclestage', ...LEADLENS_PROPERTY_NAMES];
  const got = new Map((await settled(() => allContacts(url, props, token))).map((c) => [c.id, c]));
  for (const c of clean) {
    if (permanentIds.has(c.id)) continue;
    const g = got.get(c.id);
    if (!g || JSON.stringify(g.properties) !== JSON.stringify(c.properties)) result.lost++;
  }
  // The write log: never two values of one property; identical repeats counted.
  const writes = await settled(() => writesOf(url));
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
  if (result.lost > 0) result.problems.push(`${result.lost} records differ from the clean run`);
  if (result.doubled > 0) result.problems.push(`${result.doubled} records written two values`);
}

/** The problems of the permanent failures' listing (after `judge` and the listings). */
export function listingProblems(result: CaseResult): void {
  if (result.permanentInSummary !== result.permanent)
    result.problems.push(
      `${result.permanent - result.permanentInSummary} permanent failures not in the run summary`,
    );
  if (result.permanentListed !== result.permanent)
    result.problems.push(
      `${result.permanent - result.permanentListed} permanent failures not listed`,
    );
}

export function runCase(
  fault: FaultKind,
  mode: Mode,
  opts: MatrixOptions,
  clean: readonly ContactState[],
  now: number,
): Promise<CaseResult> {
  return mode === 'two-workers'
    ? runWorkersCase(fault, opts, clean, now)
    : runCliCase(fault, mode, opts, clean, now);
}

/** One run or two concurrent runs of the `leadlens run` CLI on one SQLite store. */
async function runCliCase(
  fault: FaultKind,
  mode: Mode,
  opts: MatrixOptions,
  clean: readonly ContactState[],
  now: number,
): Promise<CaseResult> {
  const started = Date.now();
  const emu = await startPortal(opts);
  const db = tempDb(`matrix-${fault}-${mode}`);
  const result = newResult(fault, mode);
  let token = TOKEN;
  const env = () => ({ HUBSPOT_ACCESS_TOKEN: token, ...runEnv(opts, now) });
  // Contacts only, as the clean run it is compared with (deal scores share the write-back job).
  const args = ['run', '--base-url', emu.url, '--db', db, '--json', '--no-deals'];
  const permanentIds = permanentIdsFor(fault, opts, clean);
  result.permanent = permanentIds.size;

  const deadline = started + caseDeadlineMs(opts);
  const procs: BoundedChild[] = [];

  try {
    let done = false;
    for (let attempt = 0; attempt < 12 && !done; attempt++) {
      if (Date.now() > deadline) {
        result.problems.push(
          `case deadline (${Math.round(caseDeadlineMs(opts) / 1000)} s) passed after ${attempt} attempts`,
        );
        break;
      }
      const first = attempt === 0;
      const count = mode === 'two-concurrent-runs' ? 2 : 1;
      if (first && fault !== 'sigkill') await armFault(fault, emu.url, opts, permanentIds, token);
      // The runs of this attempt; "running" is their processes', not their results' (a watcher
      // waiting on results that wait on the watcher hung the CI: see docs/reliability.md).
      const runs = Array.from({ length: count }, () =>
        cli(args, env(), Math.min(childDeadlineMs(opts), Math.max(1_000, deadline - Date.now()))),
      );
      procs.push(...runs);
      const running = () => runs.some((r) => r.running());
      // A kill has no count to wait on: one moment for the attempt, and every run still alive
      // then is killed (in two concurrent runs the one refused has usually exited already).
      const inject =
        first && fault === 'sigkill'
          ? killMoment(emu.url, opts, running).then((kill) => {
              if (kill) for (const r of runs) r.kill('SIGKILL');
            })
          : Promise.resolve();
      const outs = await Promise.all(runs.map((r) => r.done));
      await inject;
      result.runs += count;
      for (const [i, o] of outs.entries()) {
        if (o.hung) {
          result.problems.push(runs[i].describeHang());
          continue;
        }
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
        if (outs.some((o) => o.killed || o.hung)) await sleep(opts.leaseTtlMs + 300);
      }
    }
    if (!done) result.problems.push('no run reported done');

    // The judge reads the CRM: no fault left armed (a hang not consumed would hold its read).
    await post(emu.url, '/__emulator/faults', {});
    await judge(emu.url, token, clean, permanentIds, result);
    // Every permanent failure listed by `leadlens status`.
    const statusRun = cli(['status', '--json', '--db', db, '--base-url', emu.url], env(), 60_000);
    procs.push(statusRun);
    const status = await statusRun.done;
    if (status.hung) result.problems.push(statusRun.describeHang());
    else {
      const listed = (
        JSON.parse(status.stdout) as {
          writeFailures: { recent: Array<{ id: string; code: string }> };
        }
      ).writeFailures.recent;
      result.permanentListed = [...permanentIds].filter(([id, code]) =>
        listed.some((f) => f.id === id && f.code === code),
      ).length;
    }
  } finally {
    // Nothing outlives its case (an exception above may have left runs going).
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.done));
    await emu.close();
    result.wallMs = Date.now() - started;
  }
  listingProblems(result);
  return result;
}

/** The environment of every run and worker of a case (pinned clock, short deadlines). */
export function runEnv(opts: MatrixOptions, now: number): Record<string, string> {
  return {
    LEADLENS_NOW: new Date(now).toISOString(),
    LEADLENS_LEASE_TTL_MS: String(opts.leaseTtlMs),
    LEADLENS_CRM_TIMEOUT_MS: String(opts.timeoutMs),
    // Patient beyond the burst (the default, 10 min, is for production).
    LEADLENS_CRM_PATIENCE_MS: String(opts.burstMs * 2 + 5_000),
    LEADLENS_CRM_RETRY_BASE_MS: '100',
    LEADLENS_CRM_RETRY_MAX_MS: String(Math.max(1_000, Math.round(opts.burstMs / 10))),
  };
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
        // A case that throws is a failed case, not a lost matrix.
        const r = await runCase(c.fault, c.mode, opts, clean, now).catch((e: unknown) => {
          const failed = newResult(c.fault, c.mode);
          failed.problems.push(
            `case failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`.slice(0, 600),
          );
          return failed;
        });
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
    '| fault | mode | runs | kills | faults | of which 429 | interruptions | lost | doubled | repeated writes | permanent failures listed | wall s |\n' +
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |';
  const rows = results.map(
    (r) =>
      `| ${r.fault} | ${r.mode} | ${r.runs} | ${r.kills} | ${r.faults} | ${r.throttled} | ${r.interruptions} | ${r.lost} | ${r.doubled} | ${r.repeated} | ${r.permanentListed}/${r.permanent} | ${(r.wallMs / 1000).toFixed(0)} |`,
  );
  return [head, ...rows].join('\n');
}
