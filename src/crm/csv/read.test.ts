import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isLeadLensError } from '../../contracts/errors';
import { detectDelimiter, parseCsv, readCsvFile } from './read';

function csvError(text: string): string {
  try {
    parseCsv(text, 'leads.csv');
  } catch (e) {
    expect(isLeadLensError(e, 'CSV_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected CSV_INVALID');
}

describe('parseCsv', () => {
  it('detects , ; and tab', () => {
    expect(detectDelimiter('a,b\n1,2')).toBe(',');
    expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2')).toBe('\t');
    expect(detectDelimiter('"x;y",b\n1,2')).toBe(',');
    expect(parseCsv('name;score\n"Smith; J";3\n').rows).toEqual([{ name: 'Smith; J', score: '3' }]);
  });

  it('handles a BOM, CRLF, quotes with escaped quotes and line breaks', () => {
    const t = parseCsv('\ufeffid,note\r\n1,"said ""hi""\r\nthen left"\r\n2,ok\r\n');
    expect(t.columns).toEqual(['id', 'note']);
    expect(t.rows).toEqual([
      { id: '1', note: 'said "hi"\r\nthen left' },
      { id: '2', note: 'ok' },
    ]);
    expect(t.lines).toEqual([2, 4]);
  });

  it('drops the trailing empty column of exports that end every line with the delimiter', () => {
    const t = parseCsv('a,b,\n1,Select,\n2,,\n');
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.rows).toEqual([
      { a: '1', b: 'Select' },
      { a: '2', b: '' },
    ]);
  });

  it('names the line and the problem for a bad file', () => {
    expect(csvError('')).toBe('leads.csv: the file is empty.');
    expect(csvError('a,b\n1,2\n3,4,5\n')).toBe(
      'leads.csv: line 3 has 3 columns but the header has 2.',
    );
    expect(csvError('a,b\n1,2\n3,"open\n4,5\n')).toBe(
      'leads.csv: line 3: a quote (") is opened and never closed.',
    );
    expect(csvError('a,b,a\n1,2,3\n')).toBe(
      'leads.csv: line 1: the column "a" appears twice in the header.',
    );
    expect(csvError('a,,b\n1,2,3\n')).toBe('leads.csv: line 1: column 2 has no name.');
    expect(csvError('a,b,\n1,2,\n3,4,x\n')).toBe(
      'leads.csv: line 3 has a value in the last column, which has no name in the header.',
    );
  });

  it('reads a file and reports an unreadable path as INPUT_INVALID', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadlens-csv-'));
    const file = path.join(dir, 'x.csv');
    fs.writeFileSync(file, 'a\tb\n1\t2\n');
    expect(readCsvFile(file).rows).toEqual([{ a: '1', b: '2' }]);
    expect(() => readCsvFile(path.join(dir, 'missing.csv'))).toThrow(
      /Cannot read the CSV file .*ENOENT/,
    );
    fs.rmSync(dir, { recursive: true });
  });
});
