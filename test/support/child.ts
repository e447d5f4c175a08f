/**
 * Child processes of the e2e tests and benches (`leadlens run`, `leadlens worker`, …), each with
 * a deadline: a child still running at its deadline is SIGKILLed and its result says so (`hung`),
 * with the tail of its stderr, so a hung run fails its test with a message instead of holding a
 * hook until jest's timeout (and jest itself open after it, through the child's pipes).
 * The deadline: `deadlineMs`, else LEADLENS_TEST_CHILD_DEADLINE_MS, else 120 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const LEADLENS_BIN = path.join(ROOT, 'bin/leadlens.js');

export function defaultChildDeadlineMs(): number {
  const n = Number(process.env.LEADLENS_TEST_CHILD_DEADLINE_MS);
  return Number.isFinite(n) && n > 0 ? n : 120_000;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by `kill()` (the test's own SIGKILL), not by the deadline. */
  killed: boolean;
  /** Still running at its deadline, so SIGKILLed by it. */
  hung: boolean;
  ms: number;
}

export interface BoundedChild {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** True until the process exited. */
  running(): boolean;
  /** Sends `signal` (default SIGKILL) if it still runs; a SIGKILL marks the result `killed`. */
  kill(signal?: NodeJS.Signals): void;
  /** The process exited and its pipes closed (at most 2 s after the exit: a grandchild may hold them). */
  done: Promise<ChildResult>;
  /** "run hung: leadlens run --db … (killed after 120 s); last stderr: …" */
  describeHang(): string;
}

/** Every child not finished yet: `killLeftovers()` ends them (an afterAll's safety net). */
const live = new Set<BoundedChild>();

/** Spawns `node bin/leadlens.js ...args` with a deadline. */
export function leadlens(
  args: string[],
  env: Record<string, string>,
  opts: { deadlineMs?: number; onStdout?: (chunk: string) => void } = {},
): BoundedChild {
  return spawnBounded(process.execPath, [LEADLENS_BIN, ...args], env, {
    ...opts,
    label: `leadlens ${args.join(' ')}`,
  });
}

export function spawnBounded(
  command: string,
  args: string[],
  env: Record<string, string>,
  opts: { deadlineMs?: number; label?: string; onStdout?: (chunk: string) => void } = {},
): BoundedChild {
  const deadlineMs = opts.deadlineMs ?? defaultChildDeadlineMs();
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killed = false;
  let hung = false;
  let exited = false;
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    stdout += d;
    opts.onStdout?.(d);
  });
  child.stderr!.on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => {
    if (exited) return;
    hung = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  timer.unref();
  const handle: BoundedChild = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    running: () => !exited,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exited) return;
      if (signal === 'SIGKILL') killed = true;
      child.kill(signal);
    },
    done: new Promise<ChildResult>((resolve) => {
      let code: number | null = null;
      let signal: NodeJS.Signals | null = null;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        live.delete(handle);
        // A grandchild holding the pipes must not hold the test: drop them.
        child.stdout!.destroy();
        child.stderr!.destroy();
        resolve({ code, signal, stdout, stderr, killed, hung, ms: Date.now() - started });
      };
      child.on('error', (e) => {
        stderr += `\n[spawn error] ${e.message}`;
        exited = true;
        finish();
      });
      child.on('exit', (c, s) => {
        exited = true;
        code = c;
        signal = s;
        setTimeout(finish, 2_000).unref();
      });
      child.on('close', finish);
    }),
    describeHang: () =>
      `run hung: ${opts.label ?? [command, ...args].join(' ')} (killed after ${Math.round(deadlineMs / 1000)} s); last stderr: ${stderr.trim().slice(-300) || '(none)'}`,
  };
  live.add(handle);
  return handle;
}

/** SIGKILLs every child still running and waits for them (afterAll / finally safety net). */
export async function killLeftovers(): Promise<number> {
  const left = [...live];
  for (const c of left) c.kill('SIGKILL');
  await Promise.all(left.map((c) => c.done));
  return left.length;
}
