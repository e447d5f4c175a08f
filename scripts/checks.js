/**
 * `npm run checks`: typecheck, lint and format:check side by side, each one's output printed
 * whole (in that order) once all have ended; exit 1 naming every check that failed.
 *
 * Why side by side: each is one single-threaded process (tsc ~25–30 s, ESLint with its
 * type-aware rules ~40–50 s, Prettier ~30 s on the 2-core CI machine), so in a row they cost
 * their sum and leave a core idle; together they cost about the longest. Why buffered: three
 * interleaved streams make a failure hard to read.
 */
const { spawn } = require('node:child_process');

const CHECKS = ['typecheck', 'lint', 'format:check'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(script) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ['run', '--silent', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const ms = () => Date.now() - started;
    child.on('error', (e) => resolve({ script, code: 1, out: `${out}${e.message}\n`, ms: ms() }));
    child.on('close', (code, signal) =>
      resolve({ script, code: code ?? 1, signal, out, ms: ms() }),
    );
  });
}

async function main() {
  const results = await Promise.all(CHECKS.map(run));
  for (const r of results) {
    const how = r.code === 0 ? 'ok' : `FAILED (${r.signal ?? `exit ${r.code}`})`;
    process.stdout.write(`== npm run ${r.script}: ${how} in ${Math.round(r.ms / 1000)} s\n`);
    if (r.out) process.stdout.write(r.out.endsWith('\n') ? r.out : `${r.out}\n`);
  }
  const failed = results.filter((r) => r.code !== 0).map((r) => r.script);
  if (failed.length) {
    process.stdout.write(`checks failed: ${failed.join(', ')}\n`);
    process.exit(1);
  }
}

void main();
