/**
 * A CSV file straight into typed columns (a `ColumnTable`, which the model reads as its `Frame`): one pass over the bytes, numbers
 * parsed from the bytes into a Float64Array, text stored once per distinct value with a code
 * per row. No row objects, no string per numeric cell. It reads what `read.ts` reads — `,` `;`
 * or tab (detected), quotes with `""` escapes and line breaks inside, a UTF-8 BOM, CRLF, empty
 * lines, the trailing empty column of exports like X Education, blank and repeated header
 * names (`headerNames`) — and fails the same way, with CSV_INVALID naming the line. Beyond
 * read.ts, it reads numbers written with a decimal comma (`1.234,5`) when the file's sample
 * says the file writes them so (`detectDecimalComma`).
 *
 * Why not csv-parse here: on the 200k × 30 bench file csv-parse in its fastest mode (records
 * dropped in `on_record`, nothing kept) took longer than pandas' whole read + fit; docs/data.md
 * has the numbers. csv-parse stays for small files (`read.ts`).
 *
 * Encoding: UTF-8 is checked (`buffer.isUtf8`, native). A file that is not valid UTF-8 is read
 * as Latin-1 (Windows exports) — every byte is a character there, so nothing is lost — and
 * `encoding` says so, for the caller to warn.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { LeadLensError } from '../../contracts/errors';
import type { ColumnTable, TableColumn } from '../../contracts/columns';
import { detectDelimiter, excelSepLine, fromUtf16, headerNames, invalid } from './read';

export interface CsvFrame {
  frame: ColumnTable;
  delimiter: ',' | ';' | '\t';
  /** 'latin1' when the bytes were not valid UTF-8 and were read as Latin-1. */
  encoding: 'utf8' | 'latin1';
  /** The 1-based file line each row starts on (for messages further down). */
  lines: Int32Array;
  /** Header names made present or unique (blank, repeated), one sentence each: warn. */
  renamed: string[];
  /** Numbers were read with a decimal comma (`1.234,5`): `detectDecimalComma`. */
  decimalComma: boolean;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** Rows read as text before each column's storage (numbers or text) is chosen. */
const SAMPLE_ROWS = 1000;

/**
 * A decimal number from bytes, or NaN when the bytes are not one (then the caller decides).
 * Plain decimals with up to 15 significant digits are computed exactly as `Number(text)` would
 * (an integer mantissa and a power of ten up to 10^22 are exact, and one IEEE division rounds
 * correctly); anything else (exponents, long mantissas) goes through `Number`.
 */
function parseNumberBytes(buf: Buffer, s: number, e: number): number {
  while (s < e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
  while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (buf[i] === 0x2d || buf[i] === 0x2b) {
    neg = buf[i] === 0x2d;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  for (; i < e; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      mant = mant * 10 + (c - 0x30);
      if (mant !== 0) digits++;
      if (dot) frac++;
    } else if (c === 0x2e && !dot) dot = true;
    else break;
  }
  const anyDigit = i > s + (buf[s] === 0x2d || buf[s] === 0x2b ? 1 : 0) + (dot ? 1 : 0);
  if (i === e && anyDigit && digits <= 15 && frac <= 22) {
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  // Exponents, long mantissas: the slow path, still strict about what counts as a number.
  const text = buf.toString('latin1', s, e);
  return NUMBER_RE.test(text) ? Number(text) : NaN;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A number written with a decimal comma: `1.234,5`, `2,5`, `1.532`, `-12`, and as French and
 * other exports format them: `1 234,5` (space or no-break space between thousands), `12,5 %`,
 * `€ 1.234,50`, `1.234,50 €` (the percent kept as 12.5, like the point-way `12%`).
 */
const EURO_RE =
  /^([+-]?)(?:[€$£¥]\s?)?(\d{1,3}(?:([.\s])\d{3})(?:\3\d{3})*|\d+)(?:,(\d+))?(?:\s?[%€])?$/;

/** A decimal-comma number as a number (`1.234,5` → 1234.5); NaN when it is not one. */
export function parseEuroNumber(text: string): number {
  const m = EURO_RE.exec(text.trim());
  if (!m) return NaN;
  const v = Number(`${m[2]!.replace(/\D/g, '')}${m[4] ? `.${m[4]}` : ''}`);
  return m[1] === '-' ? -v : v;
}

/** Cells only a decimal-comma file writes: `2,5`, `0,125`, `1.234,5`, `1.234.567`, `1 234,5`. */
const EURO_ONLY = [
  /^[+-]?\d+,(\d{1,2}|\d{4,})$/,
  /^[+-]?0,\d+$/,
  /^[+-]?\d{1,3}(\.\d{3})+,\d+$/,
  /^[+-]?\d{1,3}(\.\d{3}){2,}$/,
  /^[+-]?\d{1,3}(\s\d{3})+,\d+$/,
];
/** Cells only a decimal-point file writes: `2.5`, `0.125`, `1,234.5`, `1,234,567`. */
const POINT_ONLY = [
  /^[+-]?\d+\.(\d{1,2}|\d{4,})$/,
  /^[+-]?0\.\d+$/,
  /^[+-]?\d{1,3}(,\d{3})+\.\d+$/,
  /^[+-]?\d{1,3}(,\d{3}){2,}$/,
];

/**
 * Whether a file writes numbers with a decimal comma (European exports: `1.234,5`, usually
 * with `;` between fields). Decided once for the file, from the sample's cells: cells only one
 * convention writes (`2,5` vs `2.5`, `€ 1.234,50` vs `$1,234.50`) vote, and the decimal comma
 * needs a 4-to-1 majority. Without such a cell the file is read the point way: `1,532` and
 * `1.532` alone cannot say which they are, and the point way is how the file was read before.
 * A `,`-delimited file is never read with a decimal comma.
 */
export function detectDecimalComma(sample: readonly string[][], delimiter: string): boolean {
  if (delimiter === ',') return false;
  let euro = 0;
  let point = 0;
  for (const cells of sample) {
    for (const c of cells) {
      if (c.length < 3 || c.length > 32) continue;
      const t = c
        .trim()
        .replace(/^[$€£¥]\s?/, '')
        .replace(/\s?[%€]$/, '');
      if (EURO_ONLY.some((r) => r.test(t))) euro++;
      else if (POINT_ONLY.some((r) => r.test(t))) point++;
    }
  }
  return euro > 4 * point;
}

interface ColumnBuilder {
  /** Bytes [s, e) of one cell; `escaped`: quoted with `""` inside. */
  push(buf: Buffer, s: number, e: number, escaped: boolean): void;
  pushText(text: string): void;
  finish(): TableColumn;
}

/**
 * Text cells keyed by their bytes: a cell's raw bytes (with `""` escapes still doubled — so
 * distinct bytes are distinct text, and the same text always has the same bytes) are hashed and
 * compared in place, and a string is made only for a value not seen before. On a product export
 * (1M rows, 8 text columns) that is 8M strings and Map look-ups not made.
 */
class TextBuilder implements ColumnBuilder {
  codes: Int32Array;
  n = 0;
  readonly dict: string[] = [];
  /** Open addressing: slot → code + 1 (0 = empty); the table is kept at most half full. */
  private slots = new Int32Array(64);
  private hashes = new Int32Array(16);
  /** Each distinct value's key bytes, back to back. */
  private keys = Buffer.allocUnsafe(256);
  private keyEnd = 0;
  private keyStart = new Int32Array(17);
  constructor(
    capacity: number,
    private readonly utf8: boolean,
  ) {
    this.codes = new Int32Array(capacity);
  }
  push(buf: Buffer, s: number, e: number, escaped: boolean): void {
    // FNV-1a over the bytes.
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    const len = e - s;
    const keys = this.keys;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const c1 = this.slots[at]!;
      if (c1 === 0) break;
      const c = c1 - 1;
      if (this.hashes[c] !== h) continue;
      const k0 = this.keyStart[c]!;
      if (this.keyStart[c + 1]! - k0 !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (keys[k0 + i] !== buf[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.add(c);
    }
    let text = this.utf8 ? buf.toString('utf8', s, e) : buf.toString('latin1', s, e);
    if (escaped) text = text.replaceAll('""', '"');
    this.add(this.insert(text, buf, s, e, h));
  }
  pushText(text: string): void {
    // The bytes the same value has in the file (quotes doubled, as inside a quoted cell).
    const key = Buffer.from(text.replaceAll('"', '""'), this.utf8 ? 'utf8' : 'latin1');
    this.push(key, 0, key.length, text.includes('"'));
  }
  private add(c: number): void {
    if (this.n === this.codes.length) this.codes = grow(this.codes);
    this.codes[this.n++] = c;
  }
  private insert(text: string, buf: Buffer, s: number, e: number, h: number): number {
    const c = this.dict.length;
    this.dict.push(text);
    if (c + 2 > this.keyStart.length) this.keyStart = grow(this.keyStart);
    if (c + 1 > this.hashes.length) this.hashes = grow(this.hashes);
    const len = e - s;
    if (this.keyEnd + len > this.keys.length) {
      const k = Buffer.allocUnsafe(Math.max(2 * this.keys.length, this.keyEnd + len));
      this.keys.copy(k, 0, 0, this.keyEnd);
      this.keys = k;
    }
    buf.copy(this.keys, this.keyEnd, s, e);
    this.keyEnd += len;
    this.keyStart[c + 1] = this.keyEnd;
    this.hashes[c] = h;
    if (2 * (c + 1) > this.slots.length) this.rehash();
    else this.place(c);
    return c;
  }
  private place(c: number): void {
    const mask = this.slots.length - 1;
    let at = this.hashes[c]! & mask;
    while (this.slots[at] !== 0) at = (at + 1) & mask;
    this.slots[at] = c + 1;
  }
  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let c = 0; c < this.dict.length; c++) this.place(c);
  }
  finish(): TableColumn {
    return { kind: 'text', codes: this.codes.subarray(0, this.n), dict: this.dict };
  }
}

/** Numbers, until a cell is not one: then it hands over to text (`fallback`). */
class NumberBuilder implements ColumnBuilder {
  values: Float64Array;
  n = 0;
  fallback: TextBuilder | null = null;
  constructor(
    capacity: number,
    private readonly utf8: boolean,
    /** The file writes `1.234,5` (`detectDecimalComma`). */
    private readonly euro = false,
  ) {
    this.values = new Float64Array(capacity);
  }
  push(buf: Buffer, s: number, e: number, escaped: boolean): void {
    if (this.fallback) return this.fallback.push(buf, s, e, escaped);
    if (s === e) return this.add(NaN);
    const v = this.euro
      ? parseEuroNumber(buf.toString(this.utf8 ? 'utf8' : 'latin1', s, e))
      : parseNumberBytes(buf, s, e);
    if (v === v) return this.add(v);
    this.toText().push(buf, s, e, escaped);
  }
  pushText(text: string): void {
    if (this.fallback) return this.fallback.pushText(text);
    if (text === '') return this.add(NaN);
    const t = text.trim();
    if (this.euro) {
      const v = parseEuroNumber(t);
      if (v === v) return this.add(v);
    } else if (NUMBER_RE.test(t)) return this.add(Number(t));
    this.toText().pushText(text);
  }
  private add(v: number): void {
    if (this.n === this.values.length) this.values = grow(this.values);
    this.values[this.n++] = v;
  }
  /** A column with text in it is text: the numbers so far become their canonical text. */
  private toText(): TextBuilder {
    const t = new TextBuilder(Math.max(this.values.length, 16), this.utf8);
    for (let i = 0; i < this.n; i++) {
      const v = this.values[i]!;
      t.pushText(v === v ? String(v) : '');
    }
    this.fallback = t;
    return t;
  }
  finish(): TableColumn {
    if (this.fallback) return this.fallback.finish();
    return { kind: 'number', values: this.values.subarray(0, this.n) };
  }
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/** The cells of one record: [start, end) byte pairs and whether each was quoted with escapes. */
interface Cells {
  starts: number[];
  ends: number[];
  escaped: boolean[];
  count: number;
}

/**
 * Reads one record from `pos`; returns the position after its line end, or -1 at the end of
 * the data. Empty lines are skipped (`cells.count` = 0 with a positive return only at EOF).
 */
function readRecord(
  buf: Buffer,
  pos: number,
  delim: number,
  cells: Cells,
  line: { at: number; start: number },
  source: string,
): number {
  const len = buf.length;
  // Skip empty lines.
  while (pos < len && (buf[pos] === LF || buf[pos] === CR)) {
    if (buf[pos] === LF) line.at++;
    pos++;
  }
  if (pos >= len) return -1;
  line.start = line.at;
  cells.count = 0;
  for (;;) {
    let s = pos;
    let e: number;
    let escaped = false;
    if (buf[pos] === QUOTE) {
      s = pos + 1;
      let i = s;
      for (;;) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0) {
          throw invalid(
            source,
            `line ${line.start}: a quote (") is opened and never closed.`,
            'Close the quoted field or remove the stray quote.',
          );
        }
        for (let k = i; k < q; k++) if (buf[k] === LF) line.at++;
        if (buf[q + 1] === QUOTE) {
          escaped = true;
          i = q + 2;
          continue;
        }
        e = q;
        pos = q + 1;
        break;
      }
      const c = buf[pos];
      if (pos < len && c !== delim && c !== LF && c !== CR) {
        throw invalid(
          source,
          `line ${line.at}: a quoted value is followed by more text before the next delimiter.`,
          'Quote the whole value, and double any quote inside it ("").',
        );
      }
    } else {
      let i = pos;
      while (i < len) {
        const c = buf[i]!;
        if (c === delim || c === LF || c === CR) break;
        if (c === QUOTE) {
          throw invalid(
            source,
            `line ${line.at}: a quote (") inside an unquoted value.`,
            'Quote the whole value, and double any quote inside it ("").',
          );
        }
        i++;
      }
      e = i;
      pos = i;
    }
    const k = cells.count++;
    cells.starts[k] = s;
    cells.ends[k] = e;
    cells.escaped[k] = escaped;
    if (pos >= len) return len;
    const c = buf[pos]!;
    if (c === delim) {
      pos++;
      if (pos >= len) {
        // A delimiter at the very end: one more, empty cell.
        const k2 = cells.count++;
        cells.starts[k2] = pos;
        cells.ends[k2] = pos;
        cells.escaped[k2] = false;
        return len;
      }
      continue;
    }
    if (c === CR) pos++;
    if (buf[pos] === LF) {
      pos++;
      line.at++;
    }
    return pos;
  }
}

export interface CsvColumnsOptions {
  /**
   * Columns kept as the text in the file even when every value is a number: identifiers, whose
   * "00123" must come back as written, not as 123.
   */
  text?: readonly string[];
}

/** Parses CSV bytes into a frame of typed columns. */
export function parseCsvColumns(
  input: Buffer,
  source = 'CSV',
  opts: CsvColumnsOptions = {},
): CsvFrame {
  let buf = fromUtf16(input);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
  const utf8 = isUtf8(buf);
  const firstLineEnd = buf.indexOf(LF);
  const head = buf.subarray(0, firstLineEnd < 0 ? buf.length : firstLineEnd);
  const headText = utf8 ? head.toString('utf8') : head.toString('latin1');
  if (headText.trim() === '' && buf.toString('latin1').trim() === '') {
    throw invalid(
      source,
      'the file is empty.',
      'Export the data again with a header line and at least one row.',
    );
  }
  // Excel's `sep=;` line names the delimiter; the header is the line after it.
  const sep = excelSepLine(headText);
  const delimiter =
    sep ?? detectDelimiter(headText.trim() === '' ? buf.toString('latin1').trimStart() : headText);
  const delim = delimiter.charCodeAt(0);
  const cells: Cells = { starts: [], ends: [], escaped: [], count: 0 };
  const line = { at: sep ? 2 : 1, start: 1 };
  const text = (k: number): string => {
    const t = utf8
      ? buf.toString('utf8', cells.starts[k]!, cells.ends[k]!)
      : buf.toString('latin1', cells.starts[k]!, cells.ends[k]!);
    return cells.escaped[k] ? t.replaceAll('""', '"') : t;
  };

  let pos = readRecord(buf, sep ? firstLineEnd + 1 : 0, delim, cells, line, source);
  if (pos < 0) {
    throw invalid(
      source,
      'the file is empty.',
      'Export the data again with a header line and at least one row.',
    );
  }
  const header = Array.from({ length: cells.count }, (_, k) => text(k).trim());
  const width = header.length;
  // Exports that end every line with the delimiter produce one empty, unnamed last column.
  const trailing = width > 1 && header[width - 1] === '';
  const { names, renamed } = headerNames(trailing ? header.slice(0, -1) : header);

  // Rough row count from the bytes (the header's length stands for a row's until the sample is
  // read; then the sample's bytes per row), so columns rarely grow: each growth copies a
  // column and touches fresh memory.
  const bodyStart = pos;
  let guess = Math.max(16, Math.ceil(buf.length / Math.max(1, pos)));
  let lines = new Int32Array(guess);
  let rows = 0;
  const sample: string[][] = names.map(() => []);
  let builders: ColumnBuilder[] | null = null;
  let decimalComma = false;
  const choose = (): ColumnBuilder[] => {
    if (rows > 0 && pos > bodyStart) {
      const perRow = (pos - bodyStart) / rows;
      guess = Math.max(rows + 16, Math.ceil((1.02 * (buf.length - bodyStart)) / perRow) + 16);
    }
    const asText = new Set(opts.text ?? []);
    decimalComma = detectDecimalComma(
      sample.filter((_, k) => !asText.has(names[k]!)),
      delimiter,
    );
    const isNumber = decimalComma
      ? (c: string) => !Number.isNaN(parseEuroNumber(c))
      : (c: string) => NUMBER_RE.test(c.trim());
    return sample.map((cellsOf, k) => {
      // Numbers when every non-empty sample cell is one; text otherwise (it can still take
      // numbers). A number column that meets text later turns into text itself.
      const numeric = !asText.has(names[k]!) && cellsOf.every((c) => c === '' || isNumber(c));
      const cap = Math.max(guess, cellsOf.length);
      const b = numeric ? new NumberBuilder(cap, utf8, decimalComma) : new TextBuilder(cap, utf8);
      for (const c of cellsOf) b.pushText(c);
      return b;
    });
  };

  for (;;) {
    pos = readRecord(buf, pos, delim, cells, line, source);
    if (pos < 0) break;
    if (cells.count !== width) {
      throw invalid(
        source,
        `line ${line.start} has ${cells.count} columns but the header has ${width}.`,
        `Check that line for an unquoted "${delimiter === '\t' ? 'tab' : delimiter}" inside a value or a missing field.`,
      );
    }
    if (trailing && cells.ends[width - 1]! > cells.starts[width - 1]!) {
      if (text(width - 1).trim() !== '') {
        throw invalid(
          source,
          `line ${line.start} has a value in the last column, which has no name in the header.`,
          'Give the last column a name in the header.',
        );
      }
    }
    if (rows === lines.length) lines = grow(lines);
    lines[rows++] = line.start;
    if (builders) {
      for (let k = 0; k < names.length; k++) {
        builders[k]!.push(buf, cells.starts[k]!, cells.ends[k]!, cells.escaped[k]!);
      }
    } else {
      for (let k = 0; k < names.length; k++) sample[k]!.push(text(k));
      if (rows === SAMPLE_ROWS) {
        builders = choose();
        if (lines.length < guess) {
          const l = new Int32Array(guess);
          l.set(lines.subarray(0, rows));
          lines = l;
        }
      }
    }
  }
  builders ??= choose();
  const cols = builders.map((b, k): [string, TableColumn] => [names[k]!, b.finish()]);
  return {
    frame: { kind: 'frame', n: rows, names, columns: new Map(cols) },
    delimiter,
    encoding: utf8 ? 'utf8' : 'latin1',
    lines: lines.subarray(0, rows),
    renamed,
    decimalComma,
  };
}

export function readCsvColumns(path: string, opts: CsvColumnsOptions = {}): CsvFrame {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new LeadLensError(
      'INPUT_INVALID',
      `Cannot read the CSV file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unknown error'}.`,
      { hint: 'Check the path and that the file is readable.', cause: e },
    );
  }
  return parseCsvColumns(buf, path, opts);
}
