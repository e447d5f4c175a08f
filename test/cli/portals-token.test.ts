/**
 * `leadlens portals add` takes the HubSpot token from the same places as every other command —
 * `--token-file`, then HUBSPOT_ACCESS_TOKEN_FILE, then HUBSPOT_ACCESS_TOKEN (README, "Against a
 * real portal") — and never from argv. It used to ignore HUBSPOT_ACCESS_TOKEN_FILE and refuse
 * with "No private app token was given".
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openSqliteEngine } from '../../src/store/sqlite/engine';
import { secretBoxFromEnv } from '../../src/store/secrets';

const ROOT = path.resolve(__dirname, '../..');
const exec = promisify(execFile);
const KEYS = `k1:${randomBytes(32).toString('base64')}`;

async function portalsAdd(db: string, portal: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [path.join(ROOT, 'bin/leadlens.js'), 'portals', 'add', '--portal', portal, '--db', db],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: '',
          HUBSPOT_ACCESS_TOKEN: '',
          HUBSPOT_ACCESS_TOKEN_FILE: '',
          LEADLENS_ENCRYPTION_KEYS: KEYS,
          ...env,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function storedToken(db: string, portal: string): Promise<string | undefined> {
  const engine = openSqliteEngine(db, {
    secrets: secretBoxFromEnv({ LEADLENS_ENCRYPTION_KEYS: KEYS }),
  });
  try {
    return (await engine.forPortal(portal).getInstall())?.accessToken?.reveal();
  } finally {
    await engine.close();
  }
}

describe('leadlens portals add: where the token comes from', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-portals-token-'));
  const db = path.join(dir, 'leadlens.db');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads HUBSPOT_ACCESS_TOKEN_FILE before HUBSPOT_ACCESS_TOKEN', async () => {
    const fromFile = `pat-na1-${randomBytes(8).toString('hex')}`;
    const file = path.join(dir, 'token.txt');
    fs.writeFileSync(file, `${fromFile}\n`, { mode: 0o600 });
    const res = await portalsAdd(db, '62515', {
      HUBSPOT_ACCESS_TOKEN_FILE: file,
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-from-the-environment',
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ installed: '62515', auth: 'private_app' });
    expect(res.stdout).not.toContain(fromFile);
    expect(await storedToken(db, '62515')).toBe(fromFile);
  });

  it('without any source, refuses and names all three', async () => {
    const res = await portalsAdd(db, '62516', {});
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/No private app token was given/);
    expect(res.stderr).toMatch(
      /--token-file FILE, or set HUBSPOT_ACCESS_TOKEN_FILE or HUBSPOT_ACCESS_TOKEN/,
    );
  });
});
