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
};
