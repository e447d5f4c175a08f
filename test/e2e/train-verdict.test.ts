/**
 * A model without signal is never shipped silently: `leadlens train --csv` on noise warns on
 * stderr, leaves the previous --out file alone, exits 2 under --strict, and writes the model
 * only with --publish-anyway. Run through the real CLI, as a user (or a CI script) would.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRng } from '../../src/model';

const ROOT = path.resolve(__dirname, '../..');
const bin = path.join(ROOT, 'bin/leadlens.js');

function csv(file: string, signal: boolean, seed: number): void {
  const rng = makeRng(seed);
  const lines = ['day,visits,source,converted'];
  for (let i = 0; i < 1200; i++) {
    const visits = Math.floor(rng.next() * 10);
    const source = ['web', 'ads', 'event'][rng.int(3)]!;
    // A moderate effect: strong enough to rank, too weak for the leakage guard to call decisive.
    const p = signal ? 1 / (1 + Math.exp(-(visits - 5) * 0.3)) : 0.3;
    lines.push(`${i},${visits},${source},${rng.next() < p ? 1 : 0}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('leadlens train: the no-signal verdict', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-verdict-'));
  const noise = path.join(dir, 'noise.csv');
  const good = path.join(dir, 'good.csv');
  const out = path.join(dir, 'model.json');
  beforeAll(() => {
    csv(noise, false, 5);
    csv(good, true, 6);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const train = (file: string, ...args: string[]) =>
    spawnSync(
      process.execPath,
      [bin, 'train', '--csv', file, '--label', 'converted', '--time', 'day', '--out', out, ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );

  it('on noise: warns, keeps the previous model file, and exits 2 under --strict', () => {
    fs.writeFileSync(out, 'previous model\n');
    const strict = train(noise, '--strict');
    expect(strict.status).toBe(2);
    expect(strict.stderr).toMatch(
      /^leadlens: WARNING: (No candidate beats chance|The model gives every lead the same score|The model's scores hardly vary).*Model NOT written/,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe('previous model\n');
    expect(strict.stdout).toMatch(/fold 1: train \d+ rows/);

    const lenient = train(noise, '--json');
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toMatch(/WARNING/);
    const j = JSON.parse(lenient.stdout);
    expect(j.verdict.ok).toBe(false);
    expect(j.out).toBeNull();
    expect(fs.readFileSync(out, 'utf8')).toBe('previous model\n');
  });

  it('--publish-anyway writes the model (and --strict still says so with exit 2)', () => {
    fs.writeFileSync(out, 'previous model\n');
    const r = train(noise, '--strict', '--publish-anyway', '--json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/WARNING.*Model written to/);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).kind).toBeDefined();
  });

  it('with signal: no warning, exit 0 under --strict, the model is written', () => {
    fs.rmSync(out, { force: true });
    const r = train(good, '--strict', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toMatchObject({ ok: true, code: 'OK' });
    expect(j.backtest.folds.length).toBeGreaterThanOrEqual(3);
    expect(fs.existsSync(out)).toBe(true);
  });
});
