/**
 * The report's charts in real headless Chromium: after two monitored runs on the emulator (the
 * second after a market shift written through the API), every chart of a version's report is
 * drawn from what the store holds — the right series and data points, counted on the SVG marks
 * ECharts tags — and its screenshot is not blank; the charts drawn from the training report
 * (fixed data: the portal's history and the training clock are pinned) match a saved baseline
 * within a tolerance.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listen } from '../../src/cli/commands/serve';
import type { SettingsResult } from '../../src/contracts/functions';
import { unwrapResult } from '../../src/errors';
import { governanceCharts, runToCompletion, silentLogger } from '../../src/pipeline';
import { adminCredential } from '../../src/server/auth';
import { composeDeps, type AppDeps } from '../../src/server/compose';
import { startHubSpotEmulator } from '../../emulator/hubspot';
import { PORTAL, sdk, tempDb, TOKEN, type Emulator } from './helpers';

jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'charts-admin-token-5c1e0f9d8b7a6543210';
const SHOTS = path.join(__dirname, '__screenshots__');
/** History of the portal and the first run's clock: fixed, so the training charts are too. */
const HISTORY_END = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;
const SHIFTED = 'industry';

interface StoredJson {
  metrics: { calibrationTable: Array<{ count: number }>; liftByDecile: unknown[] };
  backtest: { folds: unknown[]; candidates: unknown[] };
  importance: unknown[];
  baseline: { fields: unknown[]; score: { bins: { edges: number[] } } };
}

/**
 * Data points ECharts drew, per series index: distinct data indices of the marks it tags (a
 * reference line drawn on a series repeats a data index, and is not a point of the data).
 */
async function marks(page: Page, key: string): Promise<Map<number, number>> {
  const tagged = await page
    .locator(`#chart-${key} svg [ecmeta_ssr_type="chart"]`)
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('ecmeta_series_index'), e.getAttribute('ecmeta_data_index')]),
    );
  const seen = new Map<number, Set<string>>();
  for (const [series, point] of tagged) {
    const set = seen.get(Number(series)) ?? new Set<string>();
    set.add(String(point));
    seen.set(Number(series), set);
  }
  return new Map([...seen].map(([k, v]) => [k, v.size]));
}

/** Standard deviation of the luminance of a PNG, and the share of pixels that are not white. */
function pixelStats(png: PNG): { sd: number; inked: number } {
  let s = 0;
  let s2 = 0;
  let inked = 0;
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const y = 0.299 * png.data[o]! + 0.587 * png.data[o + 1]! + 0.114 * png.data[o + 2]!;
    s += y;
    s2 += y * y;
    if (y < 235) inked += 1;
  }
  const mean = s / n;
  return { sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)), inked: inked / n };
}

describe('the report’s charts in Chromium', () => {
  let emu: Emulator;
  let deps: AppDeps;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  let clock = HISTORY_END + HOUR;

  beforeAll(async () => {
    emu = await startHubSpotEmulator({
      port: 0,
      token: TOKEN,
      seed: 'charts',
      contacts: 400,
      now: new Date(HISTORY_END).toISOString(),
      rateLimit: { tenSecondly: null, secondly: null, daily: null },
    });
    deps = await composeDeps({
      baseUrl: emu.url,
      token: TOKEN,
      portalId: PORTAL,
      databaseUrl: null,
      dbFile: tempDb('charts'),
      log: silentLogger,
      now: () => clock,
    });
    expect((await runToCompletion(deps, { retrain: 'always' })).status).toBe('done');
    // A market shift written through the API: half the open contacts change industry.
    const open = (await deps.store.listScores('contact', { afterId: null, limit: 10_000 })).slice(
      0,
      200,
    );
    const client = sdk(emu.url);
    for (let i = 0; i < open.length; i += 100) {
      await client.crm.contacts.batchApi.update({
        inputs: open
          .slice(i, i + 100)
          .map((r) => ({ id: r.id, properties: { [SHIFTED]: 'COMPUTER_SOFTWARE' } })),
      });
    }
    clock = Date.now() + HOUR;
    expect((await runToCompletion(deps, { retrain: 'never' })).status).toBe('done');

    ({ server, url: base } = await listen(deps, {
      port: 0,
      host: '127.0.0.1',
      clientSecret: 'charts-secret',
      admin: adminCredential(ADMIN_TOKEN, 'test'),
      portalId: PORTAL,
    }));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
    });
    const context = await browser.newContext({
      viewport: { width: 1200, height: 900 },
      deviceScaleFactor: 1,
      extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    await deps?.close();
    await emu?.close();
  });

  it('draws every chart of a version from the store, with its series and points', async () => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const res = await page.goto(`${base}/report/models/1`);
    expect(res?.status()).toBe(200);
    if (process.env.LEADLENS_CHARTS_DUMP) {
      fs.writeFileSync(process.env.LEADLENS_CHARTS_DUMP, await page.content());
    }
    const stored = JSON.parse((await deps.store.getModel(1))!.report) as StoredJson;
    const runs = await deps.store.listMonitorRuns({ modelVersion: 1, limit: 100 });
    expect(runs.length).toBe(2);

    // Calibration: one point per non-empty bin of the stored table.
    const calibBins = stored.metrics.calibrationTable.filter((b) => b.count > 0).length;
    expect(calibBins).toBeGreaterThanOrEqual(2);
    expect((await marks(page, 'calibration')).get(0)).toBe(calibBins);
    // Lift: one bar per stored decile.
    expect((await marks(page, 'lift')).get(0)).toBe(stored.metrics.liftByDecile.length);
    // Backtests: a line per candidate, a point per fold (a fold with one class has no AUC).
    const bt = await marks(page, 'backtest');
    expect(bt.size).toBe(stored.backtest.candidates.length);
    for (const n of bt.values()) expect(n).toBeLessThanOrEqual(stored.backtest.folds.length);
    expect(Math.max(...bt.values())).toBe(stored.backtest.folds.length);
    // Importance: a bar per field (at most 20), largest first.
    expect((await marks(page, 'importance')).get(0)).toBe(Math.min(20, stored.importance.length));
    // Score distribution: a band per training score bin; training plus both monitored runs.
    const bands = stored.baseline.score.bins.edges.length + 1;
    const dist = await marks(page, 'scoreDistribution');
    expect(dist.size).toBe(bands);
    expect(await page.locator('#chart-scoreDistribution').getAttribute('data-points')).toBe('3');
    // Drift: both PSI series over every field of the baseline (at most 20)...
    const fields = Math.min(20, stored.baseline.fields.length);
    const drift = await marks(page, 'drift');
    expect(drift.get(0)).toBe(fields);
    // ...and the shifted field is on it, shifted past the warning line.
    const axis = await page.locator('#chart-drift svg text').allTextContents();
    const shifted = (
      JSON.parse((await deps.store.getModel(1))!.report) as {
        featureFields: Array<{ name: string; label: string }>;
      }
    ).featureFields.find((f) => f.name === SHIFTED)!.label;
    expect(axis).toContain(shifted);
    const psi = JSON.parse(runs[0]!.data) as {
      drift: { rows: Array<{ subject: string; psiReference: number | null }> };
    };
    const moved = psi.drift.rows.find((r) => r.subject === SHIFTED)!;
    expect(moved.psiReference!).toBeGreaterThan(0.1);

    // No chart says it has no data; the page ran no script and broke no policy.
    expect(await page.locator('.charts .empty').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(0);
    // (A missing favicon is the only resource that may fail: the page links none.)
    expect(errors.filter((e) => !/^Failed to load resource/.test(e))).toEqual([]);
  });

  it('takes screenshots that are not blank, and the training charts match their baseline', async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    // One screenshot of the page, cut per chart (one capture is much cheaper than six).
    await page.goto(`${base}/report/models/1`);
    const whole = PNG.sync.read(await page.screenshot({ fullPage: true }));
    for (const key of [
      'calibration',
      'lift',
      'scoreDistribution',
      'drift',
      'importance',
      'backtest',
    ]) {
      const box = (await page.locator(`#chart-${key} svg`).boundingBox())!;
      const png = new PNG({ width: Math.round(box.width), height: Math.round(box.height) });
      PNG.bitblt(whole, png, Math.round(box.x), Math.round(box.y), png.width, png.height, 0, 0);
      const { sd, inked } = pixelStats(png);
      if (process.env.LEADLENS_CHARTS_DUMP) {
        fs.writeFileSync(`${process.env.LEADLENS_CHARTS_DUMP}.${key}.png`, PNG.sync.write(png));
        console.log(key, sd, inked, new Date().toISOString());
      }
      expect({ key, blank: sd < 5 || inked < 0.01 }).toEqual({ key, blank: false });
      if (key === 'scoreDistribution' || key === 'drift') continue; // dated by the real clock
      const file = path.join(SHOTS, `report-${key}.png`);
      if (!fs.existsSync(file)) {
        // First run on a machine without a baseline: record it (commit it to compare later).
        fs.writeFileSync(file, PNG.sync.write(png));
        continue;
      }
      const want = PNG.sync.read(fs.readFileSync(file));
      expect([png.width, png.height]).toEqual([want.width, want.height]);
      const diff = pixelmatch(png.data, want.data, null, png.width, png.height, { threshold: 0.2 });
      // Font hinting may move a few pixels; a changed series moves thousands.
      expect(diff / (png.width * png.height)).toBeLessThan(0.01);
    }
  });

  it('shows the published report with the same charts, and hands the settings page the same data', async () => {
    await page.goto(`${base}/report`);
    expect(await page.locator('figure.chart svg').count()).toBe(6);
    // The settings page inside HubSpot gets the same data through the settings function.
    const answer = await fetch(`${base}/functions/settings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { action: 'charts', version: 1 } }),
    });
    const charts = unwrapResult<SettingsResult>(await answer.json()).charts!;
    const stored = JSON.parse((await deps.store.getModel(1))!.report) as StoredJson;
    expect(charts.version).toBe(1);
    expect(charts.lift).toHaveLength(stored.metrics.liftByDecile.length);
    expect(charts.backtest!.candidates).toHaveLength(stored.backtest.candidates.length);
    expect(charts.scoreDistribution!.runs).toHaveLength(2);
    expect(charts.empty).toEqual({});
    // And the governance charts, which the settings page draws below the model's.
    const gov = await fetch(`${base}/functions/settings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parameters: { action: 'governanceCharts' } }),
    });
    const governance = unwrapResult<SettingsResult>(await gov.json()).governanceCharts!;
    expect(governance.runs).toHaveLength(2);
    expect(governance).toEqual(await governanceCharts(deps.store));
    // An unknown version is refused (no model to chart), not drawn empty.
    const res = await page.goto(`${base}/report/models/99`);
    expect(res?.status()).toBe(409);
  });
});
