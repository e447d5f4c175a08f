/**
 * Read-only commands given a --db that does not exist fail with NOT_FOUND (what, why, how to
 * fix) and create nothing; before, they opened a new empty SQLite file and answered `[]`. A
 * command that writes the store (here `segments rules`) still creates it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliInProcess } from '../support/cli-output';
import { isLeadLensError } from '../../src/errors';

const cli = cliInProcess;

const env = { ...process.env };
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-read-only-db-'));
  process.env.HUBSPOT_ACCESS_TOKEN = 'read-only-db-test';
  process.env.LEADLENS_LOG_LEVEL = 'silent';
  delete process.env.DATABASE_URL;
});
afterAll(() => {
  process.env = env;
  fs.rmSync(dir, { recursive: true, force: true });
});

// No CRM is called: the base URL answers nothing.
const crm = ['--base-url', 'http://127.0.0.1:9'];

it.each([
  'status',
  'verify',
  'models list',
  'models card 1',
  'models decisions',
  'alerts',
  'governance',
  'segments list',
  'deals models',
  'accounts models',
])('%s: a missing --db is an error that says what to do, and no file appears', async (line) => {
  const cmd = line.split(' ');
  const db = path.join(dir, `${cmd.join('-')}.db`);
  // `deals models` / `accounts models` take the CRM flags on their parent command.
  const args =
    cmd[1] === 'models' && ['deals', 'accounts'].includes(cmd[0]!)
      ? [cmd[0]!, ...crm, '--db', db, 'models']
      : [...cmd, ...crm, '--db', db];
  const err = await cli(args).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isLeadLensError(err, 'NOT_FOUND')).toBe(true);
  const e = err as Error & { hint?: string };
  expect(e.message).toContain(`no LeadLens state file at ${db}`);
  expect(e.message).toContain(`leadlens ${cmd.filter((c) => c !== '1').join(' ')}`);
  expect(e.hint).toMatch(/--db/);
  expect(fs.existsSync(db)).toBe(false);
});

it('reads an existing store as before, and a command that writes the store still creates it', async () => {
  const db = path.join(dir, 'created.db');
  await cli(['segments', 'rules', '--min-positives', '20', ...crm, '--db', db]);
  expect(fs.existsSync(db)).toBe(true);
  expect(JSON.parse(await cli(['models', 'list', '--json', ...crm, '--db', db]))).toEqual([]);
});
