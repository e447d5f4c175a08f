/**
 * `leadlens train --csv` on what real exports do: day-first dates in the --time column, a
 * repeated and a blank header name, a 1.0/0.0 label with open (N/A) leads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeRng } from '../../model';
import { cliCaptured } from '../../../test/support/cli-output';

const DAY = 86_400_000;
const START = Date.UTC(2018, 0, 1);

/** `25/12/2018`: day first. */
const dmy = (t: number) => {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};

describe('leadlens train --csv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-train-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function train(file: string, ...extra: string[]) {
    const { out, err } = await cliCaptured(['train', '--csv', file, '--json', ...extra]);
    return { json: JSON.parse(out), err };
  }

  it('orders rows by DD/MM/YYYY dates, names repeated and blank headers, reads 1.0/0.0 labels with open leads', async () => {
    const rng = makeRng(3);
    const lines = ['id,when,visits,source,source,,converted'];
    const days: number[] = [];
    for (let i = 0; i < 600; i++) {
      // File order is not time order: the dates must be read (and read day first) to sort.
      const day = rng.int(365);
      days.push(day);
      const visits = rng.int(10);
      const source = ['web', 'ads', 'referral'][rng.int(3)]!;
      const y = rng.next() < 0.15 + 0.07 * visits ? '1.0' : '0.0';
      const label = i % 50 === 7 ? 'N/A' : y;
      lines.push(
        `L${i},${dmy(START + day * DAY)},${visits},${source},${source},${rng.int(3)},${label}`,
      );
    }
    const file = path.join(dir, 'dmy.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const { json, err } = await train(file, '--label', 'converted', '--id', 'id', '--time', 'when');
    expect(err).toMatch(
      /header of .*dmy\.csv: "source" appears again as column 5: read as "source \(2\)"; column 6 has no name: read as "column 6"/,
    );
    // 12 open leads (N/A) are left out, not trained on as losses.
    expect(json.splits.censored).toBe(12);
    expect(json.splits.train).toBe(588);
    // The first fold starts at the earliest date: the column was read day first and sorted.
    expect(json.backtest.folds[0].trainFrom).toBe(START + Math.min(...days) * DAY);
    const names = json.features.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['visits', 'source', 'source (2)']));

    // A few rows with no time: left out of training and said; a column of non-times: an error.
    const text = fs.readFileSync(file, 'utf8').split('\n');
    const some = text.map((l, k) =>
      k > 0 && k % 100 === 1 ? l.replace(/,\d\d\/\d\d\/2018,/, ',,') : l,
    );
    fs.writeFileSync(file, some.join('\n'));
    const partly = await train(file, '--label', 'converted', '--id', 'id', '--time', 'when');
    expect(partly.err).toMatch(
      /6 row\(s\) have no readable --time value "when" \(first at line 2\); they are left out of training/,
    );
    expect(partly.json.splits.censored).toBe(18);
    await expect(
      train(file, '--label', 'converted', '--id', 'id', '--time', 'source'),
    ).rejects.toThrow(
      /line 2: the --time column "source" is not a number or a date \(600 of 600 rows\)/,
    );
  });
});
