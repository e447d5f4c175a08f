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
    expect(csvError('a,b,\n1,2,\n3,4,x\n')).toBe(
      'leads.csv: line 3 has a value in the last column, which has no name in the header.',
    );
  });

  it('names a blank header "column N" and a repeated one "name (2)", and says so', () => {
    const t = parseCsv('a,,a,b,a\n1,2,3,4,5\n');
    expect(t.columns).toEqual(['a', 'column 2', 'a (2)', 'b', 'a (3)']);
    expect(t.rows).toEqual([{ a: '1', 'column 2': '2', 'a (2)': '3', b: '4', 'a (3)': '5' }]);
    expect(t.renamed).toEqual([
      'column 2 has no name: read as "column 2"',
      '"a" appears again as column 3: read as "a (2)"',
      '"a" appears again as column 5: read as "a (3)"',
    ]);
    // A name already in the header is not reused.
    expect(parseCsv('a,a,a (2)\n1,2,3\n').columns).toEqual(['a', 'a (3)', 'a (2)']);
    expect(parseCsv('a,b\n1,2\n').renamed).toEqual([]);
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
