#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx's require hook (esbuild), so a fresh clone
// needs no build step before `npx leadlens` or `npm start`.
'use strict';
require('tsx/cjs');
require('../src/cli/main.ts').run();
