/**
 * A small CSV whose oldest leads never converted (a young portal's export): the default first
 * backtest window (the oldest 40 %) holds one outcome only. `train --csv` must move the first
 * origin and train, keep calling a label without signal what it is, and — when no point in
 * time has both outcomes before and after it — stop with a clear SHORT_HISTORY error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leadlens, killLeftovers } from '../support/child';
import { makeRng } from '../../src/model';

afterAll(killLeftovers);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-short-history-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 300 leads a day apart; the oldest `quiet` never converted; then `p(visits)`. */
function writeCsv(name: string, quiet: number, p: (visits: number) => number, seed: number) {
  const rng = makeRng(seed);
  const lines = ['id,created,visits,source,converted'];
  const day0 = Date.UTC(2025, 0, 1);
  for (let i = 0; i < 300; i++) {
    const visits = rng.int(21);
    const y = i >= quiet && rng.next() < p(visits);
    const created = new Date(day0 + i * 86_400_000).toISOString().slice(0, 10);
    lines.push(
      `L${i},${created},${visits},${['web', 'ads', 'event'][rng.int(3)]},${y ? 'yes' : 'no'}`,
    );
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const train = (file: string, ...extra: string[]) =>
  leadlens(
    ['train', '--csv', file, '--label', 'converted', '--id', 'id', '--time', 'created', ...extra],
    {},
  ).done;

interface Summary {
  verdict: { ok: boolean; code: string };
  backtest: {
    moved?: { from: number; to: number };
    folds: Array<{ train: number; testPositives: number }>;
  };
}

it('trains when the oldest 45 % never converted: the first origin moves, the signal is found', async () => {
  const file = writeCsv('signal.csv', 135, (v) => 0.05 + (0.6 * v) / 20, 5);
  const r = await train(file, '--json', '--model', 'logistic');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout) as Summary;
  // The default first window (rows 0–119) held no conversion; the moved one starts later.
  expect(s.backtest.moved!.from).toBe(120);
  expect(s.backtest.moved!.to).toBeGreaterThan(135);
  expect(s.backtest.folds.length).toBeGreaterThanOrEqual(2);
  expect(s.verdict).toMatchObject({ ok: true, code: 'OK' });
  // The text summary says why the first block starts late.
  const text = await train(file, '--model', 'logistic');
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/first test block starts at labelled row \d+, not 121/);
});

it('still refuses a label without signal on such data (--strict exits 2)', async () => {
  const file = writeCsv('nosignal.csv', 135, () => 0.3, 6);
  const r = await train(file, '--json', '--strict');
  expect(r.code).toBe(2);
  const s = JSON.parse(r.stdout) as Summary;
  expect(s.backtest.moved).toBeDefined();
  expect(s.verdict.ok).toBe(false);
  expect(s.verdict.code).toBe('NO_SIGNAL');
});

it('says how many of each outcome there are when only the newest leads converted', async () => {
  const file = writeCsv('newest.csv', 265, () => 1, 7);
  const r = await train(file);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/SHORT_HISTORY/);
  expect(r.stderr).toMatch(/35 converted and 265 non-converted labelled leads/);
  expect(r.stderr).toMatch(/10 of each before it and 10 of each after it/);
});
