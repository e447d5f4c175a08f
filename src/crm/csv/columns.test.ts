import { isLeadLensError } from '../../contracts/errors';
import type { ColumnTable, TableColumn } from '../../contracts/columns';
import { parseCsvColumns } from './columns';
import { parseCsv } from './read';

const parse = (text: string | Buffer) =>
  parseCsvColumns(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, 'leads.csv');

/** Rows as strings, the way read.ts gives them (numbers back to text). */
function rowsOf(t: ColumnTable): Array<Record<string, string>> {
  const cell = (c: TableColumn, i: number): string => {
    if (c.kind === 'number') return Number.isNaN(c.values[i]) ? '' : String(c.values[i]);
    return c.codes[i]! < 0 ? '' : c.dict[c.codes[i]!]!;
  };
  return Array.from({ length: t.n }, (_, i) =>
    Object.fromEntries(t.names.map((name) => [name, cell(t.columns.get(name)!, i)])),
  );
}

function csvError(text: string): string {
  try {
    parse(text);
  } catch (e) {
    expect(isLeadLensError(e, 'CSV_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected CSV_INVALID');
}

describe('parseCsvColumns', () => {
  it('reads numbers into numbers and text into a dictionary, once per distinct value', () => {
    const t = parse('id,score,city\n1,2.5,Oslo\n2,,Lima\n3,-0.125,Oslo\n').frame;
    expect(t.names).toEqual(['id', 'score', 'city']);
    const score = t.columns.get('score')!;
    expect(score.kind).toBe('number');
    expect(Array.from((score as { values: Float64Array }).values)).toEqual([2.5, NaN, -0.125]);
    const city = t.columns.get('city') as {
      kind: 'text';
      codes: Int32Array;
      dict: readonly string[];
    };
    expect(city.kind).toBe('text');
    expect(city.dict).toEqual(['Oslo', 'Lima']);
    expect(Array.from(city.codes)).toEqual([0, 1, 0]);
  });

  it('parses numbers exactly as Number() does', () => {
    const values = ['0.1', '53.700', '-7', '+3.25', '123456789012345', '1e-7', '2.5E3', '.5', '7.'];
    const t = parse(`x\n${values.join('\n')}\n`).frame;
    const col = t.columns.get('x') as { kind: 'number'; values: Float64Array };
    expect(col.kind).toBe('number');
    expect(Array.from(col.values)).toEqual(values.map(Number));
  });

  it('turns a number column that meets text past the sample into text, keeping every row', () => {
    const lines = Array.from({ length: 1500 }, (_, i) => String(i % 7));
    lines[1400] = 'n/a';
    const t = parse(`code\n${lines.join('\n')}\n`).frame;
    const col = t.columns.get('code') as {
      kind: 'text';
      codes: Int32Array;
      dict: readonly string[];
    };
    expect(col.kind).toBe('text');
    expect(t.n).toBe(1500);
    expect(col.dict[col.codes[1400]!]).toBe('n/a');
    expect(col.dict[col.codes[1399]!]).toBe(String(1399 % 7));
  });

  it('keeps every row when rows after the sample are longer than the sample (columns grow)', () => {
    // Sized from the sample's bytes per row: here the rest is 5× longer per row, so the columns
    // and the line numbers must still grow past the estimate.
    const lines = Array.from({ length: 4000 }, (_, i) =>
      i < 1000 ? `${i},a` : `${i}0000000,${'b'.repeat(30)}${i % 3}`,
    );
    const { frame: t, lines: at } = parse(`n,t\n${lines.join('\n')}\n`);
    expect(t.n).toBe(4000);
    const n = t.columns.get('n') as { kind: 'number'; values: Float64Array };
    expect(n.values[3999]).toBe(39990000000);
    expect(n.values[999]).toBe(999);
    expect(at[3999]).toBe(4001);
  });

  it('reads what read.ts reads: delimiters, BOM, CRLF, quotes, trailing empty column', () => {
    const cases = [
      'name;score\n"Smith; J";3\n',
      '\ufeffid,note\r\n1,"said ""hi""\r\nthen left"\r\n2,ok\r\n',
      'a,b,\n1,Select,\n2,,\n',
      'a\tb\n1\t2\n\n3\t4',
      // Blank and repeated header names: renamed alike by both readers.
      'a,,a,b\n1,2,3,x\n',
      // Excel's delimiter line, then the header.
      'sep=;\r\na;b,c\r\n1;x,y\r\n2;z\r\n',
      '"sep=,"\na;b,c\n1;2,3\n',
    ];
    for (const text of cases) {
      const ours = parse(text);
      const theirs = parseCsv(text);
      expect(ours.frame.names).toEqual(theirs.columns);
      expect(rowsOf(ours.frame)).toEqual(theirs.rows);
      expect(Array.from(ours.lines)).toEqual(theirs.lines);
      expect(ours.delimiter).toBe(theirs.delimiter);
      expect(ours.renamed).toEqual(theirs.renamed);
    }
  });

  it('names the line and the problem for a bad file, as read.ts does', () => {
    const bad = ['', 'a,b\n1,2\n3,4,5\n', 'a,b\n1,2\n3,"open\n4,5\n', 'a,b,\n1,2,\n3,4,x\n'];
    for (const text of bad) {
      let expected = '';
      try {
        parseCsv(text, 'leads.csv');
      } catch (e) {
        expected = (e as Error).message;
      }
      expect(csvError(text)).toBe(expected);
    }
  });

  it('reads Excel\'s UTF-16 "Unicode Text" export (tab-delimited, BOM FF FE) as read.ts does', () => {
    const text = 'name\tcity\nJosé\tSão Paulo\nAnn\tPune\n';
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const ours = parse(bytes);
    expect(ours.frame.names).toEqual(['name', 'city']);
    expect(rowsOf(ours.frame)).toEqual([
      { name: 'José', city: 'São Paulo' },
      { name: 'Ann', city: 'Pune' },
    ]);
    expect(rowsOf(ours.frame)).toEqual(parseCsv(bytes).rows);
    expect(ours.encoding).toBe('utf8');
  });

  it('reads numbers with a decimal comma when the file writes them so (1.234,5), and only then', () => {
    const eu = parse('id;visits;time;pages\n1;3;1.532;2,5\n2;10;674;1,25\n3;;2.001.000;0,5\n');
    expect(eu.decimalComma).toBe(true);
    const col = (t: typeof eu, name: string) => t.frame.columns.get(name)!;
    expect(col(eu, 'time')).toEqual({
      kind: 'number',
      values: Float64Array.from([1532, 674, 2001000]),
    });
    expect(col(eu, 'pages')).toEqual({
      kind: 'number',
      values: Float64Array.from([2.5, 1.25, 0.5]),
    });
    expect(Array.from((col(eu, 'visits') as { values: Float64Array }).values)).toEqual([
      3,
      10,
      NaN,
    ]);
    // The point way: a `;` file whose cells say so, a file with no telling cell, any `,` file.
    expect(parse('a;b\n1.532;2.5\n674;1.25\n').decimalComma).toBe(false);
    expect(parse('a;b\n1.532;1,532\n674;3\n').decimalComma).toBe(false);
    expect(parse('a,b\n"2,5",1\n"1,25",2\n').decimalComma).toBe(false);
    expect(parse('a\tb\n€ 2,50\t1\n0,5\t2\n').decimalComma).toBe(true);
    // French: space (or no-break space) between thousands, percent and euro signs.
    const fr = parse('a;b;c\n1 532,5;12,5 %;1.234,50 €\n2\u00a0001;3 %;€ 7\n');
    expect(fr.decimalComma).toBe(true);
    expect(fr.frame.columns.get('a')).toEqual({
      kind: 'number',
      values: Float64Array.from([1532.5, 2001]),
    });
    expect(fr.frame.columns.get('b')).toEqual({
      kind: 'number',
      values: Float64Array.from([12.5, 3]),
    });
    expect(fr.frame.columns.get('c')).toEqual({
      kind: 'number',
      values: Float64Array.from([1234.5, 7]),
    });
    // Past the 1,000-row sample cells are read from the bytes: the no-break space is 2 of them.
    const long = parse(
      `a;b\n${Array.from({ length: 1500 }, (_, i) => `${1 + (i % 999)}\u00a0532;${i},5 %`).join('\n')}\n`,
    );
    const a = (long.frame.columns.get('a') as { values: Float64Array }).values;
    expect([a[0], a[1499]]).toEqual([1532, 501_532]);
    expect((long.frame.columns.get('b') as { values: Float64Array }).values[1499]).toBe(1499.5);
  });

  it('reads a Latin-1 file as Latin-1 and says so; UTF-8 stays UTF-8', () => {
    const latin1 = Buffer.from('city,n\nZürich,1\nMálaga,2\n', 'latin1');
    const t = parse(latin1);
    expect(t.encoding).toBe('latin1');
    expect((t.frame.columns.get('city') as { dict: readonly string[] }).dict).toEqual([
      'Zürich',
      'Málaga',
    ]);
    const u = parse('city,n\nZürich,1\n');
    expect(u.encoding).toBe('utf8');
    expect((u.frame.columns.get('city') as { dict: readonly string[] }).dict).toEqual(['Zürich']);
  });
  it('gives each distinct text one code whether met in the sample or after, as bytes or text', () => {
    // 3,000 distinct values (the byte-keyed table rehashes several times), values met first in
    // the 1,000-row sample (read as text) and again after it (read as bytes), quoted and
    // unquoted spellings of one value, escaped quotes, multi-byte UTF-8, and a number column
    // that turns into text past the sample.
    const values = [
      'Oslo',
      'Zürich',
      'say "hi"',
      '東京',
      'a,b',
      ...Array.from({ length: 3000 }, (_, k) => `v${k}`),
    ];
    const cell = (v: string, i: number): string =>
      v.includes('"') || v.includes(',') || i % 3 === 0 ? `"${v.replaceAll('"', '""')}"` : v;
    const rows = Array.from({ length: 9000 }, (_, i) => {
      const v = values[(i * 7919) % values.length]!;
      const num = i === 8000 ? 'n/a' : String(i % 11);
      return `${cell(v, i)},${num}`;
    });
    const text = `t,num\n${rows.join('\n')}\n`;
    const ours = parse(text);
    expect(rowsOf(ours.frame)).toEqual(parseCsv(text).rows);
    const t = ours.frame.columns.get('t') as { kind: 'text'; dict: readonly string[] };
    expect(new Set(t.dict).size).toBe(t.dict.length);
    const num = ours.frame.columns.get('num') as { kind: 'text'; dict: readonly string[] };
    expect(num.kind).toBe('text');
    expect(new Set(num.dict).size).toBe(num.dict.length);
  });
  it('keeps the columns named in `text` as written, numbers or not (ids such as 00123)', () => {
    const text = 'id,n\n00123,1\n7.50,2\n,3\n';
    const t = parseCsvColumns(Buffer.from(text), 'leads.csv', { text: ['id'] }).frame;
    const id = t.columns.get('id') as { kind: string; codes: Int32Array; dict: readonly string[] };
    expect(id.kind).toBe('text');
    expect(Array.from(id.codes, (c) => id.dict[c])).toEqual(['00123', '7.50', '']);
    expect(t.columns.get('n')!.kind).toBe('number');
    expect(parse(text).frame.columns.get('id')!.kind).toBe('number');
  });
});
