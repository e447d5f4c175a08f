import express from 'express';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../pipeline/deps';
import { safeNext } from './admin';
import {
  adminCredential,
  adminZone,
  assertSafeBind,
  configuredAdminCredential,
  generatedAdminCredential,
  identityOf,
  isLoopbackHost,
  memoryReplayGuard,
} from '.';

const TOKEN = 'unit-admin-token-abcdefghijklmnopqrstuvwxyz';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-auth-'));

describe('admin token', () => {
  it('refuses weak tokens with a hint, and matches only the exact token', () => {
    expect(() => adminCredential('short', 'env')).toThrow(/at least 32 characters/);
    expect(() => adminCredential('x'.repeat(20) + ' ' + 'y'.repeat(20), 'env')).toThrow(
      /no spaces/,
    );
    const c = adminCredential(TOKEN, 'env');
    expect(c.matches(TOKEN)).toBe(true);
    expect(c.matches(`${TOKEN} `)).toBe(false);
    expect(c.matches(TOKEN.slice(0, -1))).toBe(false);
    expect(c.matches('')).toBe(false);
    expect(c.matches(undefined)).toBe(false);
  });

  it('comes from a file or the environment, not both', () => {
    const dir = tmp();
    const file = path.join(dir, 'admin');
    fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    expect(configuredAdminCredential({ file, env: {} })!.matches(TOKEN)).toBe(true);
    expect(
      configuredAdminCredential({ env: { LEADLENS_ADMIN_TOKEN_FILE: file } })!.matches(TOKEN),
    ).toBe(true);
    expect(configuredAdminCredential({ env: { LEADLENS_ADMIN_TOKEN: TOKEN } })!.source).toBe(
      'LEADLENS_ADMIN_TOKEN',
    );
    expect(configuredAdminCredential({ env: {} })).toBeNull();
    expect(() => configuredAdminCredential({ file, env: { LEADLENS_ADMIN_TOKEN: TOKEN } })).toThrow(
      /Both/,
    );
    expect(() => configuredAdminCredential({ file: path.join(dir, 'missing'), env: {} })).toThrow(
      /Cannot read/,
    );
  });

  it('a generated token is written 0600 once and reused', () => {
    const file = path.join(tmp(), 'sub', 'admin-token');
    const first = generatedAdminCredential(file);
    expect(first.generated).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const token = fs.readFileSync(file, 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(generatedAdminCredential(file).matches(token)).toBe(true);
  });
});

describe('binding', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('%s is loopback', (h) =>
    expect(isLoopbackHost(h)).toBe(true),
  );
  it.each(['0.0.0.0', '::', '192.168.1.5', 'leadlens.example.com', '128.0.0.1'])(
    '%s is not loopback',
    (h) => expect(isLoopbackHost(h)).toBe(false),
  );
  it('refuses a non-loopback bind without a configured token, says why and how to fix', () => {
    const configured = adminCredential(TOKEN, 'env');
    const generated = adminCredential(TOKEN, 'file', true);
    expect(() => assertSafeBind('127.0.0.1', null)).not.toThrow();
    expect(() => assertSafeBind('0.0.0.0', configured)).not.toThrow();
    for (const admin of [null, generated]) {
      try {
        assertSafeBind('0.0.0.0', admin);
        throw new Error('did not throw');
      } catch (e) {
        const err = e as { code: string; message: string; hint: string };
        expect(err.code).toBe('CONFIG_INVALID');
        expect(err.message).toMatch(/Refusing to listen on 0\.0\.0\.0 without an admin token/);
        expect(err.hint).toMatch(/LEADLENS_ADMIN_TOKEN/);
      }
    }
  });
});

describe('small guards', () => {
  it('safeNext keeps sign-in redirects on this site', () => {
    expect(safeNext('/report?x=1')).toBe('/report?x=1');
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil.example', 'report', 5])
      expect(safeNext(bad)).toBe('/');
  });

  it('identityOf reads each HubSpot parameter at most once', () => {
    expect(identityOf('/x?portalId=1&userId=2&userEmail=a%40b.c&appId=3')).toEqual({
      ok: true,
      principal: { portalId: '1', userId: '2', userEmail: 'a@b.c', appId: '3' },
    });
    expect(identityOf('/x?portalId=1&portalId=2').ok).toBe(false);
    expect(identityOf('/x?userId=2').ok).toBe(false);
    expect(identityOf('/x?portalId=abc').ok).toBe(false);
    expect(identityOf('/x?portalId=1&appId=1&appId=2').ok).toBe(false);
  });

  it('the replay guard refuses a second claim until it expires or is released', () => {
    let now = 0;
    const g = memoryReplayGuard(() => now);
    expect(g.claim('a', 1000)).toBe(true);
    expect(g.claim('a', 1000)).toBe(false);
    void g.release('a');
    expect(g.claim('a', 1000)).toBe(true);
    now = 2001;
    expect(g.claim('a', 1000)).toBe(true);
  });
});

describe('sign-in rate limit', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use(
      adminZone({ admin: adminCredential(TOKEN, 'test'), log: silentLogger, maxLoginFailures: 3 }),
    );
    app.get('/secret', (_req, res) => res.send('ok'));
    server = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('answers 429 after too many failed sign-ins, even for the right token', async () => {
    const page = await fetch(`${base}/login`);
    const cookie = page.headers.get('set-cookie')!.split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
    const attempt = (token: string) =>
      fetch(`${base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ token, _csrf: csrf }).toString(),
      });
    for (let i = 0; i < 3; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const blocked = await attempt(TOKEN);
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many failed sign-ins');
    expect((await fetch(`${base}/secret`, { headers: { cookie } })).status).toBe(401);
  });
});
