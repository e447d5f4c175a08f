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
      maxRssKb: process.resourceUsage().maxRSS,
    });
    process.exit(0);
  });
