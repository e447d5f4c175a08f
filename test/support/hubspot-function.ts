/**
 * Runs a BUILT function bundle (build:hubspot's src/app/functions/<name>.js) the way HubSpot
 * runs an app function: a fresh process per call, in a fresh empty working directory that is
 * deleted afterwards (no disk kept between calls, no node_modules to fall back on), a heap
 * capped with --max-old-space-size, the secrets as its only environment, and killed at 10 s.
 * Used by test/e2e/functions.test.ts and bench/functions.ts.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** HubSpot's limits for a serverless function (reference/hubspot.md §1.6). */
export const FUNCTION_MEMORY_MB = 128;
export const FUNCTION_TIMEOUT_MS = 10_000;
/**
 * V8's limits for a 128 MB process: the old generation (--max-old-space-size) and the young
 * one (three semi-spaces, --max-semi-space-size) must both fit beside Node itself and the
 * code. Measured: with only the old space capped, V8's default semi-spaces let a training call
 * on 1,000 contacts peak at 128–136 MB; with 4 MB semi-spaces it peaks near 105 MB. Going past
 * the old space fails the call (heap out of memory), as going past 128 MB would.
 */
export const FUNCTION_HEAP_MB = 96;
export const FUNCTION_SEMI_SPACE_MB = 4;

const RUNTIME = path.join(__dirname, 'function-runtime.cjs');

export interface FunctionCall {
  /** What main() resolved to (absent when the call threw, crashed or was killed). */
  result?: unknown;
  /** main() rejected with this message. */
  thrown?: string;
  /** Killed at the time limit. */
  killed: boolean;
  exitCode: number | null;
  /** Peak resident set of the whole process (getrusage), KB; null when killed or crashed. */
  maxRssKb: number | null;
  /** require() of the bundle, ms. */
  loadMs: number | null;
  /** main() until it settled, ms. */
  callMs: number | null;
  /** Process start to exit, ms. */
  wallMs: number;
  stderr: string;
}

export interface CallOptions {
  /** The function's secrets (and nothing else of the parent's environment but PATH). */
  secrets: Record<string, string>;
  timeoutMs?: number;
  heapMb?: number;
}

export async function callBuiltFunction(
  bundle: string,
  context: Record<string, unknown>,
  opts: CallOptions,
): Promise<FunctionCall> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'leadlens-fn-'));
  try {
    await fs.copyFile(bundle, path.join(dir, path.basename(bundle)));
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${opts.heapMb ?? FUNCTION_HEAP_MB}`,
        `--max-semi-space-size=${FUNCTION_SEMI_SPACE_MB}`,
        RUNTIME,
        path.basename(bundle),
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, TMPDIR: dir, ...opts.secrets },
        stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let answer = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (answer += d.toString()));
    child.stdin!.end(JSON.stringify(context));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? FUNCTION_TIMEOUT_MS);
    const exitCode = await new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    clearTimeout(timer);
    const wallMs = Date.now() - started;
    const parsed = answer.trim()
      ? (JSON.parse(answer.trim().split('\n').pop()!) as {
          result?: unknown;
          thrown?: string;
          maxRssKb: number;
          loadMs: number;
          callMs: number;
        })
      : null;
    return {
      ...(parsed && 'result' in parsed ? { result: parsed.result } : {}),
      ...(parsed?.thrown !== undefined ? { thrown: parsed.thrown } : {}),
      killed,
      exitCode,
      maxRssKb: parsed?.maxRssKb ?? null,
      loadMs: parsed?.loadMs ?? null,
      callMs: parsed?.callMs ?? null,
      wallMs,
      stderr,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
