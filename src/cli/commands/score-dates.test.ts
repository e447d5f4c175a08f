/**
 * A date feature column written DD/MM/YYYY: `train --csv` reads it as a date (an age in days,
 * not a category), and `score --csv` reads a later file the way training decided — even when
 * that file alone (no day above 12) would read month first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRng } from '../../model';
import { cliCaptured } from '../../../test/support/cli-output';

const DAY = 86_400_000;
const p2 = (n: number) => String(n).padStart(2, '0');
const dmy = (t: number) => {
  const d = new Date(t);
  return `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

describe('train --csv / score --csv with a DD/MM/YYYY date feature', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-dates-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => cliCaptured(args);
  /** A logistic model on `file`'s `converted`, written to `model` (published whatever its verdict). */
  const train = (file: string, model: string, ...extra: string[]) =>
    cli(
      'train',
      '--csv',
      file,
      '--label',
      'converted',
      '--model',
      'logistic',
      '--json',
      '--out',
      model,
      '--publish-anyway',
      ...extra,
    );

  it('trains on the date as an age and scores a later ambiguous file with the same reading', async () => {
    const rng = makeRng(11);
    const END = Date.UTC(2021, 0, 1);
    const lines = ['id,first_contact,visits,converted'];
    for (let i = 0; i < 800; i++) {
      // Recent first contacts convert more: the date carries signal only read as a date.
      const age = rng.int(600);
      const visits = rng.int(8);
      const p = 1 / (1 + Math.exp(-(1.2 - age / 150 + 0.2 * visits)));
      lines.push(`L${i},${dmy(END - age * DAY)},${visits},${rng.next() < p ? 1 : 0}`);
    }
    const trainFile = path.join(dir, 'train.csv');
    const modelFile = path.join(dir, 'model.json');
    fs.writeFileSync(trainFile, `${lines.join('\n')}\n`);
    const trained = await train(trainFile, modelFile, '--id', 'id');
    const json = JSON.parse(trained.out);
    expect(json.features).toEqual(
      expect.arrayContaining([{ name: 'first_contact', type: 'date' }]),
    );
    // The training column has days above 12: no guess, no warning.
    expect(trained.err).not.toMatch(/has no day above 12/);
    const field = JSON.parse(fs.readFileSync(modelFile, 'utf8')).encoder.fields.find(
      (f: { name: string }) => f.name === 'first_contact',
    );
    expect(field.dateOrder).toBe('day-first');

    // Later leads, every day ≤ 12 (alone: month first), and the same leads with ISO dates.
    const later = [Date.UTC(2021, 3, 3), Date.UTC(2021, 1, 10), Date.UTC(2020, 10, 5)];
    const write = (name: string, fmt: (t: number) => string) => {
      const f = path.join(dir, name);
      const rows = later.map((t, k) => `N${k},${fmt(t)},3`);
      fs.writeFileSync(f, `id,first_contact,visits\n${rows.join('\n')}\n`);
      return f;
    };
    const outFile = path.join(dir, 'scores.jsonl');
    const score = async (file: string) => {
      const r = await cli(
        'score',
        '--model',
        modelFile,
        '--csv',
        file,
        '--id',
        'id',
        '--out',
        outFile,
      );
      return {
        err: r.err,
        p: fs
          .readFileSync(outFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { probability: number }).probability),
      };
    };
    const asDm = await score(write('later-dm.csv', dmy));
    const asIso = await score(write('later-iso.csv', iso));
    expect(asDm.err).not.toMatch(/Read as missing/);
    expect(asDm.p).toEqual(asIso.p);
    // Read month first (3 March, not 3 April) the scores would differ: the test can tell.
    const swapped = (t: number) => {
      const d = new Date(t);
      return iso(Date.UTC(d.getUTCFullYear(), d.getUTCDate() - 1, d.getUTCMonth() + 1));
    };
    const asUs = await score(write('later-us.csv', swapped));
    expect(asUs.p).not.toEqual(asIso.p);

    // A cell no day-first reading can take is missing, counted and said; the row is scored.
    const bad = path.join(dir, 'later-bad.csv');
    fs.writeFileSync(bad, 'id,first_contact,visits\nB1,12/25/2020,3\nB2,05/01/2021,3\n');
    const badScored = await score(bad);
    expect(badScored.p).toHaveLength(2);
    expect(badScored.err).toMatch(/Read as missing \(scored without them\): .*first_contact/);
  });

  it('warns at training when no day is above 12 (the order is a guess, stored and kept)', async () => {
    const rng = makeRng(5);
    const lines = ['id,seen,visits,converted'];
    for (let i = 0; i < 400; i++) {
      const visits = rng.int(8);
      const y = rng.next() < 0.2 + 0.08 * visits ? 1 : 0;
      lines.push(`L${i},${1 + rng.int(12)}/${1 + rng.int(12)}/2020,${visits},${y}`);
    }
    const file = path.join(dir, 'guess.csv');
    const modelFile = path.join(dir, 'guess.json');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await train(file, modelFile);
    expect(JSON.parse(r.out).features).toEqual(
      expect.arrayContaining([{ name: 'seen', type: 'date' }]),
    );
    expect(r.err).toMatch(
      /the date column "seen" has no day above 12; its dates were read month first \(MM\/DD\/YYYY\)/,
    );
  });
});
