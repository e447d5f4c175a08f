// Lint, including the import rules of DESIGN.md: which folder may import which.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

const ours = (names) => `(^|/)(${names.join('|')})(/|$)`;
const ALL = [
  'contracts',
  'model',
  'explain',
  'features',
  'crm',
  'pipeline',
  'store',
  'server',
  'cli',
  'worker',
];
const IO_PACKAGES = [
  '@hubspot/api-client',
  'jsforce',
  'express',
  'better-sqlite3',
  'pg',
  'pg-boss',
  'fs',
  'node:fs',
  'http',
  'node:http',
  'child_process',
  'node:child_process',
];

const THREADS = ['worker_threads', 'node:worker_threads', 'os', 'node:os'];

const restrict = (regexes, paths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({
        name,
        message: 'Not allowed in this folder (DESIGN.md import rules).',
      })),
      patterns: regexes.map((regex) => ({
        regex,
        message: 'Not allowed in this folder (DESIGN.md import rules).',
      })),
    },
  ],
});

module.exports = tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'build/**',
      'dist/**',
      'coverage/**',
      '.leadlens/**',
      // LWC components use decorators (@api, @wire) that espree cannot parse; @lwc/compiler
      // checks them in build:salesforce and the LWC tests compile them (npm run test:lwc).
      'salesforce/force-app/**/lwc/*/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The store is asynchronous: a store call without `await` is a write that may never land
    // or a read of a Promise. Type-aware rules catch both.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['src/model/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      ...restrict([ours(ALL.filter((n) => n !== 'model'))], [...IO_PACKAGES, ...THREADS]),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'model is pure: pass configuration in.' },
        { object: 'Date', property: 'now', message: 'model has no clock: pass time in.' },
        { object: 'Math', property: 'random', message: 'use the seeded RNG passed in.' },
      ],
    },
  },
  {
    // The GBDT helper thread is the one place in model that starts a thread.
    files: ['src/model/trees/gbdt-hist-pool.ts'],
    rules: restrict([ours(ALL.filter((n) => n !== 'model'))], IO_PACKAGES),
  },
  {
    files: ['src/explain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      ...restrict([ours(ALL.filter((n) => !['explain', 'model'].includes(n)))], IO_PACKAGES),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'explain is pure.' },
        { object: 'Math', property: 'random', message: 'use the seeded RNG passed in.' },
      ],
    },
  },
  {
    files: ['src/features/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([ours(ALL.filter((n) => !['features', 'contracts'].includes(n)))], IO_PACKAGES),
  },
  {
    // The error family imports nothing, so every folder (model, cards) may import it.
    files: ['src/errors/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '.*', message: 'src/errors is dependency-free: every folder imports it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/contracts/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([ours(ALL.filter((n) => n !== 'contracts'))], IO_PACKAGES),
  },
  {
    files: ['src/crm/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([ours(['model', 'explain', 'pipeline', 'store', 'server', 'cli'])]),
  },
  {
    // The store knows the wire types and nothing of the code that uses it.
    files: ['src/store/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict([ours(ALL.filter((n) => !['store', 'contracts'].includes(n)))]),
  },
  {
    files: ['src/pipeline/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: restrict(
      [
        ours(['server', 'cli', 'worker']),
        '(^|/)crm/(hubspot|salesforce|csv)(/|$)',
        // The pipeline sees the store's port only, never an engine.
        '(^|/)store/(sqlite|postgres|open|common|secrets)',
      ],
      ['@hubspot/api-client', 'jsforce', 'express', 'better-sqlite3', 'pg', 'pg-boss'],
    ),
  },
  {
    files: ['cards/**/*.{ts,tsx}', 'app/**/*.{ts,tsx}'],
    ignores: ['**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'src/(?!contracts|errors)',
              message:
                'Cards and settings import only types from src/contracts, and the dependency-free src/errors.',
            },
            {
              regex: 'src/contracts',
              allowTypeImports: true,
              message:
                'Cards and settings import only types from src/contracts, and the dependency-free src/errors.',
            },
          ],
        },
      ],
    },
  },
  {
    // The LWC tests run under sfdx-lwc-jest (jsdom, Jest 29).
    files: ['salesforce/**/*.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.jest } },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: restrict(['(^|/)src/'], []),
  },
);
