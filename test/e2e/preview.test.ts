/**
 * The card preview in real headless Chromium: DOM text and a screenshot whose pixels are
 * checked (the score bar's colour and width), not just that a file was written.
 */
import express from 'express';
import { promises as fs } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { CardData } from '../../src/contracts/functions';
import type { ScoreRow } from '../../src/store/port';
import { renderCardPage, renderContactsPage } from '../../src/server/preview';
import { SAMPLE_FACTORS } from '../../cards/testing/sample-factors';

const CHROMIUM = '/usr/bin/chromium';
const NOW = new Date('2026-03-10T12:00:00.000Z');
const SHOT = path.join(__dirname, '..', '..', 'build', 'e2e', 'card-preview.png');

// A reason with markup: the page must show it as text, never run it.
const factors = {
  ...SAMPLE_FACTORS,
  top: SAMPLE_FACTORS.top.map((f) =>
    f.field === 'email' ? { ...f, reason: `<script>window.__pwned=1</script>${f.reason}` } : f,
  ),
};
const CARD: CardData = {
  objectType: 'contact',
  objectId: '614',
  source: { objectType: 'contact', objectId: '614' },
  score: 78,
  tier: { value: 'tier_1', label: 'Hot' },
  factors,
  reasons: 'Lead source is Referral: +34',
  modelVersion: 'v3',
  scoredAt: '2026-03-10T09:00:00.000Z',
  scoreChange: 4,
};
const ROWS: ScoreRow[] = [
  {
    objectType: 'contact',
    id: '614',
    modelVersion: 3,
    probability: 0.71,
    score: 78,
    tier: 'tier_1',
    factors: JSON.stringify(factors),
    reasons: 'Lead source is Referral: +34',
    scoredAt: NOW.toISOString(),
  },
  {
    objectType: 'contact',
    id: '615',
    modelVersion: 3,
    probability: 0.08,
    score: 9,
    tier: 'tier_4',
    factors: '',
    reasons: 'Student e-mail domain: −7',
    scoredAt: NOW.toISOString(),
  },
];

describe('card preview in headless Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const app = express();
    app.get('/', (_req, res) => {
      res.type('html').send(
        renderContactsPage(
          ROWS,
          {
            version: 3,
            modelType: 'gbdt',
            trainedAt: '2026-03-01',
            auc: 0.81,
            status: 'published',
          },
          {
            total: 2,
            tiers: [
              { value: 'tier_1', label: 'Hot', minScore: 70 },
              { value: 'tier_4', label: 'Cold', minScore: 0 },
            ],
          },
        ),
      );
    });
    app.get('/contacts/:id', (req, res) => {
      const card = req.params.id === CARD.objectId ? CARD : null;
      res.type('html').send(renderCardPage(card, { title: `Contact ${req.params.id}`, now: NOW }));
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server.close(r));
  });

  it('lists scored contacts and links to each card, which shows score, tier, factors and meta', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.goto(base + '/');
    const list = await page.locator('table').innerText();
    expect(list).toContain('78');
    expect(list).toContain('Hot');
    expect(list).toContain('Lead source is Referral: +34');
    expect(list).toContain('Cold');
    await page.click('a[href="/contacts/614"]');
    await page.waitForSelector('[data-testid="lead-score-card"]');
    expect(await page.locator('[data-testid="score"]').innerText()).toBe('78');
    const text = await page.locator('[data-testid="lead-score-card"]').innerText();
    expect(text).toContain('Hot');
    expect(text).toContain('+34');
    expect(text).toContain('Lead source is Referral: +34');
    expect(text).toContain('\u22127');
    expect(text).toContain('<script>window.__pwned=1</script>Student e-mail domain');
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    const meta = await page.locator('[data-testid="meta"]').innerText();
    expect(meta).toContain('Baseline 31');
    expect(meta).toContain('model v3');
    expect(meta).toContain('scored 3 h ago');
    expect(meta).toContain('+4 since the last score');

    // The screenshot itself: find the bar's fill colour and check its width is 78 % of the track.
    const png = await page.locator('[data-testid="lead-score-card"]').screenshot();
    await fs.mkdir(path.dirname(SHOT), { recursive: true });
    await fs.writeFile(SHOT, png);
    const bar = await page.evaluate(async (b64: string) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      // On the row with the longest run of the fill colour (#00bda5), measure that run and the
      // run of track colour (#eaf0f6) right after it.
      const near = (i: number, r: number, g: number, bl: number) =>
        Math.abs(data[i] - r) < 8 &&
        Math.abs(data[i + 1] - g) < 8 &&
        Math.abs(data[i + 2] - bl) < 8;
      let best = { fill: 0, track: 0 };
      for (let y = 0; y < c.height; y++) {
        let x = 0;
        while (x < c.width) {
          let fill = 0;
          while (x < c.width && near((y * c.width + x) * 4, 0x00, 0xbd, 0xa5)) {
            fill++;
            x++;
          }
          let track = 0;
          while (fill > 0 && x < c.width && near((y * c.width + x) * 4, 0xea, 0xf0, 0xf6)) {
            track++;
            x++;
          }
          if (fill > best.fill) best = { fill, track };
          if (fill === 0) x++;
        }
      }
      return best;
    }, png.toString('base64'));
    expect(bar.fill).toBeGreaterThan(50);
    // The visible track is the unfilled 22 %; fill / (fill + track) ≈ 0.78.
    expect(bar.fill / (bar.fill + bar.track)).toBeGreaterThan(0.7);
    expect(bar.fill / (bar.fill + bar.track)).toBeLessThan(0.86);
    await page.close();
  });

  it('shows a not-scored page, never a blank one', async () => {
    const page = await browser.newPage();
    await page.goto(base + '/contacts/999');
    expect(await page.locator('[data-testid="lead-score-card"]').innerText()).toContain(
      'Not scored yet',
    );
    await page.close();
  });
});
