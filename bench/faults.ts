/**
 * The fault matrix at full size (docs/reliability.md): every fault kind × {one run, two
 * concurrent runs of the real `leadlens run` CLI, two `leadlens worker` processes on one
 * PostgreSQL database}, each case against its own emulator, checked against a clean run of the
 * same portal. Prints the table and writes it with the raw results to
 * bench/results/faults-latest.{md,json}; each case's row is appended to
 * bench/results/faults-partial.md as it finishes (a long run shows what it has so far).
 *   npm run bench:faults -- [contacts=2000] [burstMs=60000] [concurrency=2] [modes] [faults]
 * (modes, faults: comma lists, e.g. `two-workers` or `sigkill,429-storm`; default all)
 * The 5xx burst lasts `burstMs` (1–5 minutes in the issue: pass 300000 for the long end); the
 * runs' patience is set above it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../emulator/demo/rng';
import { FAULTS, matrixTable, MODES, runMatrix } from '../test/support/fault-matrix';

async function main() {
  // Optional 4th and 5th arguments: the modes and faults to run (comma lists; default all).
  const pick = <T extends string>(arg: string | undefined, all: readonly T[]): T[] =>
    arg ? all.filter((x) => arg.split(',').includes(x)) : [...all];
  const modes = pick(process.argv[5], MODES);
  const faults = pick(process.argv[6], FAULTS);
  const [contacts = 2000, burstMs = 60_000, concurrency = 2] = process.argv
    .slice(2, 5)
    .map(Number)
    .map((n) => (Number.isFinite(n) && n > 0 ? n : undefined)) as Array<number | undefined>;
  const rng = new Rng('fault-matrix-bench');
  const cases = faults.flatMap((fault) => modes.map((mode) => ({ fault, mode })));
  const started = Date.now();
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const partial = path.join(dir, 'faults-partial.md');
  fs.writeFileSync(partial, `${matrixTable([])}\n`);
  const results = await runMatrix(
    cases,
    {
      contacts,
      seed: 'matrix',
      burstMs,
      leaseTtlMs: 5_000,
      timeoutMs: 5_000,
      random: () => rng.next(),
    },
    concurrency,
    (r) => {
      process.stderr.write(
        `${r.fault} × ${r.mode}: ${(r.wallMs / 1000).toFixed(0)} s${r.problems.length ? ` — ${r.problems.join('; ')}` : ''}\n`,
      );
      fs.appendFileSync(partial, `${matrixTable([r]).split('\n').slice(2).join('\n')}\n`);
    },
  );
  const order = (r: (typeof results)[number]) =>
    FAULTS.indexOf(r.fault) * MODES.length + MODES.indexOf(r.mode);
  results.sort((a, b) => order(a) - order(b));
  const table = matrixTable(results);
  const header = `fault matrix: ${contacts} contacts, 5xx burst ${burstMs / 1000} s, ${concurrency} cases at a time, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n\n`;
  process.stdout.write(`${header}${table}\n`);
  fs.writeFileSync(path.join(dir, 'faults-latest.md'), `${header}${table}\n`);
  fs.writeFileSync(
    path.join(dir, 'faults-latest.json'),
    `${JSON.stringify({ contacts, burstMs, concurrency, results }, null, 2)}\n`,
  );
  if (results.some((r) => r.problems.length > 0)) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
