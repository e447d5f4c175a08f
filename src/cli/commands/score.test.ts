import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsv } from '../../crm/csv/read';
import { labelsFrom, trainModel } from '../../model';
import { buildProgram } from '../main';

/** A small synthetic export: the score must follow "Source" and "Visits", with a placeholder. */
function csv(n: number, seed: number): string {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines = ['Lead Id;Source;Visits;Converted'];
  for (let i = 0; i < n; i++) {
    const source = ['Reference', 'Google', 'Select', 'Olark'][Math.floor(rnd() * 4)];
    const visits = Math.floor(rnd() * 10);
    const p = 1 / (1 + Math.exp(-(-1.5 + (source === 'Reference' ? 2.5 : 0) + 0.25 * visits)));
    lines.push(`L${i};${source};${visits};${rnd() < p ? 1 : 0}`);
  }
  return lines.join('\r\n') + '\r\n';
}

describe('leadlens score', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-score-'));
  const modelFile = path.join(dir, 'model.json');
  const csvFile = path.join(dir, 'leads.csv');
  const outFile = path.join(dir, 'scores.jsonl');
  beforeAll(() => {
    const table = parseCsv(csv(1500, 1));
    const { artifact } = trainModel({
      rows: table.rows,
      labels: labelsFrom(table.rows, 'Converted'),
      options: { model: 'logistic', exclude: ['Lead Id'] },
    });
    fs.writeFileSync(modelFile, JSON.stringify(artifact));
    fs.writeFileSync(csvFile, csv(50, 2));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON lines, checked below
  const printed = (): any[] =>
    fs
      .readFileSync(outFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  const run = (...args: string[]): Promise<unknown> =>
    buildProgram()
      .exitOverride()
      .parseAsync(['node', 'leadlens', 'score', ...args]);

  it('writes one JSON object per row with ids, scores and factors that add up', async () => {
    await run(
      '--model',
      modelFile,
      '--csv',
      csvFile,
      '--id',
      'Lead Id',
      '--explain',
      '--top',
      '10',
      '--out',
      outFile,
    );
    const lines = printed();
    expect(lines).toHaveLength(50);
    expect(lines[0].id).toBe('L0');
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual([
        'base',
        'factors',
        'id',
        'otherPoints',
        'probability',
        'score',
      ]);
      expect(l.score).toBe(Math.round(100 * l.probability));
      const pts = l.factors.reduce((s: number, f: { points: number }) => s + f.points, 0);
      // Only two fields: with --top 10 every factor is shown, so nothing is left for "other".
      expect(l.otherPoints).toBe(0);
      expect(l.base + pts).toBe(l.score);
      for (const f of l.factors)
        expect(Object.keys(f).sort()).toEqual(['field', 'logOdds', 'points', 'value']);
    }
    const ref = lines.find((l) =>
      l.factors.some((f: { value: string }) => f.value === 'Reference'),
    );
    expect(ref.factors.find((f: { field: string }) => f.field === 'Source').points).toBeGreaterThan(
      0,
    );
    // "Select" is a level of its own in a category field (docs/model.md, "Placeholders"): the
    // rep sees it as the value, not as missing.
    const sel = lines.find((l) =>
      l.factors.some(
        (f: { field: string; value: string | null }) =>
          f.field === 'Source' && f.value === 'Select',
      ),
    );
    expect(sel).toBeDefined();
  });

  it('with a small --top, prints the rest as otherPoints so every line adds up', async () => {
    await run('--model', modelFile, '--csv', csvFile, '--explain', '--top', '1', '--out', outFile);
    const lines = printed();
    expect(lines).toHaveLength(50);
    for (const l of lines) {
      expect(l.factors.length).toBeLessThanOrEqual(1);
      const pts = l.factors.reduce((s: number, f: { points: number }) => s + f.points, 0);
      expect(l.base + pts + l.otherPoints).toBe(l.score);
    }
    expect(lines.some((l) => l.otherPoints !== 0)).toBe(true);
  });

  it('numbers rows from 1 without --id and omits factors without --explain', async () => {
    await run('--model', modelFile, '--csv', csvFile, '--out', outFile);
    const lines = printed();
    expect(lines.map((l) => l.id).slice(0, 3)).toEqual([1, 2, 3]);
    expect(lines[0].factors).toBeUndefined();
  });

  it('names a missing --id column and an unreadable model', async () => {
    await expect(run('--model', modelFile, '--csv', csvFile, '--id', 'Nope')).rejects.toThrow(
      /--id column "Nope"/,
    );
    await expect(run('--model', path.join(dir, 'none.json'), '--csv', csvFile)).rejects.toThrow(
      /Cannot read the model file/,
    );
  });

  it('scores a later batch with odd values: wrong types and unseen values are missing, counted, never fatal', async () => {
    const odd = path.join(dir, 'odd.csv');
    fs.writeFileSync(
      odd,
      'Lead Id;Source;Visits;Converted\r\nA;Google;lots;\r\nB;Podcast;3;\r\nC;Google;;\r\nD;Reference;n/a;\r\n',
    );
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    try {
      await run(
        '--model',
        modelFile,
        '--csv',
        odd,
        '--id',
        'Lead Id',
        '--explain',
        '--out',
        outFile,
      );
    } finally {
      spy.mockRestore();
    }
    const lines = printed();
    expect(lines.map((l) => l.id)).toEqual(['A', 'B', 'C', 'D']);
    // "lots" scores exactly like an empty Visits; "n/a" is a placeholder (missing, not odd).
    expect(lines[0].probability).toBe(lines[2].probability);
    expect(err.join('')).toMatch(
      /Read as missing \(scored without them\): Source: 1 never seen in training; Visits: 1 not a number\n/,
    );
  });

  it('scores a file missing a column the model uses: warned, that field missing on every row, never fatal', async () => {
    // Columns in another order, one extra, "Visits" absent; then the same rows with Visits empty.
    const noVisits = path.join(dir, 'no-visits.csv');
    fs.writeFileSync(noVisits, 'Owner,Source,Lead Id\nann,Google,A\nbob,Reference,B\n');
    const emptyVisits = path.join(dir, 'empty-visits.csv');
    fs.writeFileSync(emptyVisits, 'Lead Id,Source,Visits\nA,Google,\nB,Reference,\n');
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    let absent: unknown[];
    try {
      await run('--model', modelFile, '--csv', noVisits, '--id', 'Lead Id', '--out', outFile);
      absent = printed();
      await run('--model', modelFile, '--csv', emptyVisits, '--id', 'Lead Id', '--out', outFile);
    } finally {
      spy.mockRestore();
    }
    expect(absent).toEqual(printed());
    expect(absent.map((l) => (l as { id: string }).id)).toEqual(['A', 'B']);
    const said = err.join('');
    expect(said).toMatch(
      /1 column\(s\) the model uses are not in .*no-visits\.csv: "Visits"; scored as missing on every row/,
    );
    expect(said).toMatch(
      /1 column\(s\) the model uses are empty on every row of .*empty-visits\.csv: "Visits".*--exclude Visits/,
    );
  });

  it('reads values as `train --csv` read them: zero-padded codes ("02") are the categories the model learnt', async () => {
    // `train --csv` reads "02" as the number 2 (category "2"); scoring read it as the text "02",
    // never seen in training, so every row fell back to the same score.
    let s = 5;
    const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lines = ['id,region,visits,converted'];
    for (let i = 0; i < 1200; i++) {
      const r = 1 + Math.floor(rnd() * 9);
      const p = r === 2 || r === 5 || r === 7 ? 0.8 : 0.15;
      lines.push(`00${i},0${r},${Math.floor(rnd() * 10)},${rnd() < p ? 1 : 0}`);
    }
    const padded = path.join(dir, 'padded.csv');
    const paddedModel = path.join(dir, 'padded-model.json');
    fs.writeFileSync(padded, `${lines.join('\n')}\n`);
    const out: string[] = [];
    const err: string[] = [];
    const spyOut = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const spyErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    try {
      await buildProgram()
        .exitOverride()
        .parseAsync([
          'node',
          'leadlens',
          'train',
          '--csv',
          padded,
          '--label',
          'converted',
          '--id',
          'id',
          '--model',
          'logistic',
          '--out',
          paddedModel,
          '--json',
        ]);
      await run('--model', paddedModel, '--csv', padded, '--id', 'id', '--out', outFile);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    const report = JSON.parse(out.join('').trim().split('\n').pop()!);
    expect(report.features).toContainEqual({ name: 'region', type: 'category' });
    expect(err.join('')).not.toMatch(/never seen in training/);
    const scored = printed();
    // Ids stay as written, leading zeros included.
    expect(scored.slice(0, 2).map((l) => l.id)).toEqual(['000', '001']);
    const byRegion = new Map<string, Set<number>>();
    lines.slice(1).forEach((l, k) => {
      const region = l.split(',')[1]!;
      if (!byRegion.has(region)) byRegion.set(region, new Set());
      byRegion.get(region)!.add(scored[k].score);
    });
    const strong = Math.min(...[...byRegion.get('02')!, ...byRegion.get('05')!]);
    const weak = Math.max(...byRegion.get('01')!, ...byRegion.get('03')!);
    expect(strong).toBeGreaterThan(weak);
  });

  it('scores a chunk alike whether its text column keeps the file dictionary or its own', async () => {
    // 2,500 rows, --explain (2,000-row chunks): half the Source values are distinct, so the
    // file's dictionary (≈ 1,250 values) is larger than the last chunk (500 rows), which gets a
    // dictionary of its own values; the same row must score the same in either chunk.
    const lines = ['Lead Id;Source;Visits;Converted'];
    for (let i = 0; i < 2500; i++) {
      const source = i % 2 === 0 ? ['Reference', 'Google'][(i / 2) % 2]! : `X${i}`;
      lines.push(`L${i};${source};${i % 10};`);
    }
    const many = path.join(dir, 'many.csv');
    fs.writeFileSync(many, `${lines.join('\n')}\n`);
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    try {
      await run('--model', modelFile, '--csv', many, '--explain', '--out', outFile);
    } finally {
      spy.mockRestore();
    }
    const scored = printed();
    expect(scored).toHaveLength(2500);
    const first = new Map<string, number>();
    let compared = 0;
    lines.slice(1).forEach((l, k) => {
      const [, source, visits] = l.split(';');
      const key = `${source!.startsWith('X') ? 'unseen' : source};${visits}`;
      if (k < 2000) first.set(key, scored[k].probability);
      else {
        expect(scored[k].probability).toBe(first.get(key));
        compared++;
      }
    });
    expect(compared).toBe(500);
    expect(err.join('')).toMatch(/Source: 1250 never seen in training/);
  });
});
