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
  { ignores: ['node_modules/**', 'build/**', 'dist/**', 'coverage/**', '.leadlens/**'] },
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
    files: ['src/model/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      ...restrict([ours(ALL.filter((n) => n !== 'model'))], IO_PACKAGES),
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'model is pure: pass configuration in.' },
        { object: 'Date', property: 'now', message: 'model has no clock: pass time in.' },
        { object: 'Math', property: 'random', message: 'use the seeded RNG passed in.' },
      ],
    },
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
              regex: 'src/(?!contracts)',
              message: 'Cards and settings import only types from src/contracts.',
            },
            {
              regex: 'src/contracts',
              allowTypeImports: true,
              message: 'Cards and settings import only types from src/contracts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: restrict(['(^|/)src/'], []),
  },
);
