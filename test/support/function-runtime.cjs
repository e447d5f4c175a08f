/**
 * One HubSpot function call, in a process of its own (see hubspot-function.ts): loads the
 * bundle given as argv[2] from the working directory, calls `main(context)` with the context
 * read from stdin, and writes `{ result, maxRssKb, loadMs, callMs }` as one JSON line to fd 3.
 * Nothing survives the call: the process exits as soon as `main` settles, as HubSpot ends a
 * call when its promise does, whatever timers or sockets are left.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const out = (value) => fs.writeSync(3, JSON.stringify(value) + '\n');

/**
 * Peak RSS of this process's own memory, in kB. Linux's getrusage maxrss
 * (process.resourceUsage().maxRSS) carries over the spawning process's RSS at fork time
 * (the kernel keeps the old mm's high-water mark across execve), so a call spawned by a large
 * test runner would report the runner's size. VmHWM in /proc/self/status is the high-water mark
 * of the memory this process has had since exec; where /proc is absent, maxRSS is the fallback.
 */
function peakRssKb() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}
const context = JSON.parse(fs.readFileSync(0, 'utf8') || '{}');
const t0 = performance.now();
const bundle = require(path.resolve(process.argv[2]));
const loadMs = performance.now() - t0;
Promise.resolve()
  .then(() => bundle.main(context))
  .then(
    (result) => ({ result }),
    (e) => ({ thrown: e instanceof Error ? e.message : String(e) }),
  )
  .then((answer) => {
    out({
      ...answer,
      loadMs,
      callMs: performance.now() - t0 - loadMs,
      maxRssKb: peakRssKb(),
    });
    process.exit(0);
  });
