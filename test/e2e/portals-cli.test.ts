/**
 * The operator's commands for a multi-portal deployment, as a user runs them: `leadlens portals`
 * (token from a file, stored encrypted, never printed) and `leadlens jobs send` (one waiting
 * job per portal and task).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

async function leadlens(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(ROOT, 'bin/leadlens.js'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, HUBSPOT_ACCESS_TOKEN: '', ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('leadlens portals and jobs', () => {
  let pg: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    pg = await createTestDatabase('cli');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-cli-'));
  });
  afterAll(async () => {
    await pg?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs a portal from a token file, lists it without the token, and uninstalls it', async () => {
    const token = `pat-na1-${randomBytes(8).toString('hex')}`;
    const tokenFile = path.join(dir, 'token.txt');
    fs.writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const env = { DATABASE_URL: pg.url, LEADLENS_ENCRYPTION_KEYS: KEYS };

    const added = await leadlens(
      [
        'portals',
        'add',
        '--portal',
        '62515',
        '--token-file',
        tokenFile,
        '--base-url',
        'http://127.0.0.1:9',
      ],
      env,
    );
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({ installed: '62515', auth: 'private_app' });

    const listed = await leadlens(['portals', 'list'], env);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        portalId: '62515',
        status: 'installed',
        hubId: '62515',
        running: null,
      }),
    ]);
    for (const out of [added, listed]) expect(out.stdout + out.stderr).not.toContain(token);

    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      const rows = (await c.query('SELECT * FROM leadlens.installs')).rows;
      expect(JSON.stringify(rows)).not.toContain(token);
    } finally {
      await c.end();
    }

    // Without the key, storing a token is refused with how to make one.
    const noKey = await leadlens(['portals', 'add', '--portal', '7', '--token-file', tokenFile], {
      DATABASE_URL: pg.url,
      LEADLENS_ENCRYPTION_KEYS: '',
    });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('needs an encryption key');
    expect(noKey.stderr).toContain('[CONFIG_INVALID]');

    const removed = await leadlens(['portals', 'remove', '--portal', '62515'], env);
    expect(JSON.parse(removed.stdout)).toEqual({ uninstalled: '62515' });
    expect(JSON.parse((await leadlens(['portals', 'list'], env)).stdout)[0].status).toBe(
      'uninstalled',
    );
  });

  it('queues a job once per portal and task, and needs PostgreSQL to do it', async () => {
    const env = { DATABASE_URL: pg.url };
    const first = await leadlens(['jobs', 'send', 'sync', '--portal', '62515'], env);
    expect(JSON.parse(first.stdout)).toMatchObject({ queued: true, portal: '62515', task: 'sync' });
    const again = await leadlens(['jobs', 'send', 'sync', '--portal', '62515'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ queued: false });
    const other = await leadlens(['jobs', 'send', 'sync', '--portal', '62516'], env);
    expect(JSON.parse(other.stdout)).toMatchObject({ queued: true });

    const bad = await leadlens(['jobs', 'send', 'drop-tables', '--portal', '62515'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a task');

    const sqlite = await leadlens(['jobs', 'send', 'run', '--portal', '1'], { DATABASE_URL: '' });
    expect(sqlite.code).toBe(1);
    expect(sqlite.stderr).toContain('need PostgreSQL');
  });
});
