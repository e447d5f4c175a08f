import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolvePortal } from './config';
import { secretFrom } from './secrets';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-secrets-'));
const file = path.join(dir, 'token');
fs.writeFileSync(file, 'pat-from-file\n', { mode: 0o600 });
const noConfig = path.join(dir, 'no-such-hubspot.config.yml');

const base = {
  what: 'HubSpot access token',
  flagName: '--token',
  fileFlagName: '--token-file',
  envVar: 'HUBSPOT_ACCESS_TOKEN',
};

describe('secrets from files and the environment', () => {
  it('takes --token-file, then HUBSPOT_ACCESS_TOKEN_FILE, then HUBSPOT_ACCESS_TOKEN', () => {
    const warn = jest.fn();
    expect(secretFrom({ ...base, fileFlagValue: file, env: {}, warn })!.value).toBe(
      'pat-from-file',
    );
    expect(
      secretFrom({
        ...base,
        env: { HUBSPOT_ACCESS_TOKEN_FILE: file, HUBSPOT_ACCESS_TOKEN: 'x' },
        warn,
      })!.value,
    ).toBe('pat-from-file');
    expect(secretFrom({ ...base, env: { HUBSPOT_ACCESS_TOKEN: 'pat-env' }, warn })!.value).toBe(
      'pat-env',
    );
    expect(secretFrom({ ...base, env: {}, warn })).toBeNull();
    expect(warn).not.toHaveBeenCalled();
  });

  it('accepts --token with a warning about the process list, never with --token-file', () => {
    const warn = jest.fn();
    expect(secretFrom({ ...base, flagValue: 'pat-argv', env: {}, warn })!.value).toBe('pat-argv');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/process list.*--token-file/));
    expect(() =>
      secretFrom({ ...base, flagValue: 'a', fileFlagValue: file, env: {}, warn }),
    ).toThrow(/Both --token and --token-file/);
  });

  it('warns when a secret file is readable by others', () => {
    const loose = path.join(dir, 'loose');
    fs.writeFileSync(loose, 'pat-loose\n', { mode: 0o644 });
    fs.chmodSync(loose, 0o644);
    const warn = jest.fn();
    secretFrom({ ...base, fileFlagValue: loose, env: {}, warn });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/readable by other users/));
  });

  it('resolvePortal reads the CLI token from a file and says where to put one', () => {
    const p = resolvePortal({
      tokenFile: file,
      configPath: noConfig,
      env: {},
      baseUrl: 'http://x',
    });
    expect(p.token).toBe('pat-from-file');
    expect(() => resolvePortal({ configPath: noConfig, env: {} })).toThrow(
      /No HubSpot access token/,
    );
  });
});

describe('leadlens serve (the real command)', () => {
  const cli = path.join(__dirname, '..', '..', 'bin', 'leadlens.js');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HUBSPOT_CLIENT_SECRET: 'cli-test-client-secret',
    HUBSPOT_ACCESS_TOKEN: 'cli-test-token',
  };

  it('refuses to listen beyond loopback without an admin token: what, why, how to fix', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'serve', '--host', '0.0.0.0', '--port', '0', '--db', path.join(dir, 'db.sqlite')],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without an admin token/);
    expect(r.stderr).toMatch(/could read every score and start runs/);
    expect(r.stderr).toMatch(/LEADLENS_ADMIN_TOKEN/);
    expect(r.stderr).toContain('[CONFIG_INVALID]');
    expect(r.stdout).not.toContain('listening');
  });

  it('--help lists the token files and the admin token, and warns about argv secrets', () => {
    const r = spawnSync(process.execPath, [cli, 'serve', '--help'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    for (const s of [
      '--token-file',
      '--client-secret-file',
      '--admin-token-file',
      '--portal-id',
      '--trust-proxy',
    ])
      expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/process list/);
  });
});
