/**
 * The operator in real headless Chromium against `leadlens serve`'s listen() after a real run
 * on the emulator: pages need a sign-in, the session cookie is HttpOnly + SameSite=Strict, a
 * page on another site (and on another port of the same host, where SameSite does not help)
 * cannot start a run with a text/plain form or a no-cors fetch, and sign-out ends the session.
 * Then the logs of the whole run are searched for every secret and every contact's personal
 * data they must never contain.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { listen } from '../../src/cli/commands/serve';
import { runToCompletion } from '../../src/pipeline';
import { adminCredential } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { createLogger } from '../../src/server/logger';
import { allContacts, startPortal, tempDb, TOKEN, type Emulator } from './helpers';
import { hubspotHeaders, request } from './http';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'browser-admin-token-6b1f0e9d8c7a65432100';
const SECRET = 'browser-client-secret-0d4c9e';
const PORTAL = '62515';

async function attackerSite(
  host: string,
  target: string,
): Promise<{ server: Server; url: string }> {
  const app = express();
  // The attack of issue 12: a text/plain form whose body parses as JSON, sent with the
  // operator's cookies, plus a no-cors fetch with credentials.
  app.get('/', (_req, res) => {
    res.type('html').send(`<!doctype html><html><body>
<form id="f" method="post" action="${target}/functions/run" enctype="text/plain">
<input name='{"parameters":{"restart":true,"x":"' value='"}}'>
</form>
<script>
fetch(${JSON.stringify(target + '/functions/run')}, {method:'POST', mode:'no-cors', credentials:'include',
  headers:{'content-type':'text/plain'}, body:'{"parameters":{}}'}).finally(() => document.getElementById('f').submit());
</script></body></html>`);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}/` };
}

describe('the operator in Chromium, and what the logs never contain', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  const logLines: string[] = [];
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    emu = await startPortal(250, 'browser');
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      dbFile: tempDb('browser'),
      log: createLogger({ level: 'info', destination: sink }),
      now: () => Date.now() + 3_600_000,
    });
    expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
    ({ server, url: base } = await listen(deps, {
      port: 0,
      host: '127.0.0.1',
      clientSecret: SECRET,
      admin: adminCredential(ADMIN_TOKEN, 'test'),
      portalId: PORTAL,
      webhookBatchWindowMs: 20,
    }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    context = await browser.newContext();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  it('sends an anonymous visitor to the sign-in page and refuses a wrong token', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/report`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.locator('main').innerText()).not.toContain('Model v1');
    await page.fill('#token', 'not-the-admin-token-but-long-enough-to-try');
    await page.click('button[type=submit]');
    expect(await page.locator('[role=alert]').innerText()).toContain('not the admin token');
    await page.close();
  });

  it('signs in with the admin token; the cookie is HttpOnly and SameSite=Strict', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/report`);
    await page.fill('#token', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${base}/report`), page.click('button[type=submit]')]);
    expect(await page.locator('h1').first().innerText()).toContain('Model v1');
    // The account section, with why the run (deal stages off here) scored no companies.
    expect(await page.locator('#account-model').innerText()).toBe('Account model');
    expect(await page.locator('#accounts-skipped').innerText()).toContain(
      'account scores run with deal scores (--no-deals)',
    );
    const cookies = await context.cookies(base);
    const sid = cookies.find((c) => c.name === 'leadlens.sid')!;
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    secretsSeen.push(decodeURIComponent(sid.value));
    // The script-readable view of cookies has no session in it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('leadlens.sid');
    await page.goto(`${base}/`);
    const rows = await page.locator('tr[data-contact]').count();
    expect(rows).toBeGreaterThan(0);
    const csrf = await page.evaluate(async () => {
      const r = await fetch('/api/session');
      return ((await r.json()) as { csrfToken: string }).csrfToken;
    });
    secretsSeen.push(csrf);
    // A page script of ours can call the API with the session and its CSRF token.
    const status = await page.evaluate(async (token) => {
      const r = await fetch('/functions/settings', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ parameters: { action: 'get' } }),
      });
      return r.status;
    }, csrf);
    expect(status).toBe(200);
    await page.close();
  });

  it.each([
    ['another site', 'localhost'],
    ['another port of the same host (same site: SameSite does not help)', '127.0.0.1'],
  ])('a page on %s cannot start a run with the operator’s session', async (_name, host) => {
    const before = JSON.stringify(await deps.store.getJob('run'));
    const attacker = await attackerSite(host, base);
    const page = await context.newPage();
    const answers: number[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(`${base}/functions/run`)) answers.push(r.status());
    });
    try {
      await Promise.all([
        page.waitForURL(`${base}/functions/run`, { timeout: 15_000 }),
        page.goto(attacker.url),
      ]);
      expect(answers.length).toBeGreaterThan(0);
      for (const s of answers) expect([401, 403]).toContain(s);
      expect(await page.locator('body').innerText()).toMatch(/CROSS_SITE_REFUSED|AUTH_REQUIRED/);
    } finally {
      await page.close();
      await new Promise((r) => attacker.server.close(r));
    }
    expect(JSON.stringify(await deps.store.getJob('run'))).toBe(before);
  });

  it('HubSpot’s signed calls still work beside the browser session', async () => {
    const events = JSON.stringify([
      {
        eventId: 5001,
        portalId: Number(PORTAL),
        subscriptionType: 'contact.creation',
        objectId: 1,
      },
    ]);
    const wh = await request(base, 'POST', '/webhooks/hubspot', {
      headers: hubspotHeaders(SECRET, 'POST', `${base}/webhooks/hubspot`, events),
      body: events,
    });
    expect(wh.status).toBe(200);
    const url = `${base}/hubspot/functions/feedback?portalId=${PORTAL}&userId=9&userEmail=rep.person%40customer.example&appId=1`;
    const body = JSON.stringify({ parameters: { objectId: '1', kind: 'too_low', comment: 'hm' } });
    const headers = hubspotHeaders(SECRET, 'POST', url, body);
    secretsSeen.push(headers['x-hubspot-signature-v3']);
    const fb = await request(base, 'POST', url.slice(base.length), { headers, body });
    expect(fb.status).toBe(200);
  });

  it('signing out ends the session', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/logout`);
    await Promise.all([page.waitForURL(`${base}/login`), page.click('button[type=submit]')]);
    await page.goto(`${base}/report`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('the logs of all this contain no token, secret, session, signature or personal data', async () => {
    const logs = logLines.join('');
    expect(logs).toContain('admin signed in'); // the log was captured at all
    expect(logs).toContain('admin sign-in refused');
    const forbidden = [ADMIN_TOKEN, SECRET, TOKEN, 'rep.person@customer.example', ...secretsSeen];
    const contacts = await allContacts(emu.url, ['email', 'firstname', 'lastname', 'phone']);
    for (const c of contacts) {
      const { email, firstname, lastname, phone } = c.properties;
      if (email) forbidden.push(email);
      if (firstname && lastname) forbidden.push(`${firstname} ${lastname}`);
      if (phone && phone.length >= 7) forbidden.push(phone);
    }
    expect(forbidden.length).toBeGreaterThan(200);
    const leaks = forbidden.filter((s) => s && logs.includes(s));
    expect(leaks).toEqual([]);
  });
});
