const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/src',
    '<rootDir>/emulator',
    '<rootDir>/functions',
    '<rootDir>/cards',
    '<rootDir>/app',
    '<rootDir>/test',
    '<rootDir>/scripts',
  ],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: { '^.+\\.[jt]sx?$': 'babel-jest' },
  // @hubspot/ui-extensions and its remote-ui dependencies ship ESM only.
  transformIgnorePatterns: ['/node_modules/(?!(@hubspot/ui-extensions|@remote-ui|tinyspy)/)'],
  // A test spawning processes can take a minute on a loaded 2-core machine; hangs are caught
  // sooner by the children's own deadlines (test/support/child.ts).
  testTimeout: 120000,
  // Jest's default is one worker less than the cores: on CI's 2 cores that is one, and one
  // worker means every suite in band, one after another. Most of a suite's wall time is spent
  // waiting (child processes starting, HTTP round trips to the emulators, PostgreSQL, rate
  // limiters, polls), so two suites side by side on 2 cores finish far sooner than in a row
  // (2026-12-03, shared machine: seven e2e suites took 129 s with two workers at load 5–7
  // against 204 s in band at load 3–4; every suite but fault-workers 792 s with two workers at
  // load ~8, against ~1,000 s in band on a quiet CI machine). `--maxWorkers=1` on the command
  // line still wins.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // Longest suites first even without Jest's duration cache (CI is a fresh clone).
  testSequencer: '<rootDir>/test/support/jest-sequencer.js',
};
