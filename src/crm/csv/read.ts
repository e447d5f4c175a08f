/**
 * Reads CSV exports as they come out of CRMs and spreadsheets: `,` `;` or tab (detected), quoted
 * fields, a UTF-8 BOM, CRLF, and the trailing empty column some exports add (every line ending
 * in ','). Values stay strings; placeholders like "Select" are the model's business. A bad file
 * fails with CSV_INVALID naming the line and the problem.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { LeadLensError } from '../../contracts/errors';

export type CsvRow = Record<string, string>;

export interface CsvTable {
  columns: string[];
  rows: CsvRow[];
  delimiter: ',' | ';' | '\t';
  /** The 1-based file line each row starts on (for error messages further down). */
  lines: number[];
  /** 'latin1' when the bytes were not valid UTF-8 and were read as Latin-1 (callers warn). */
  encoding: 'utf8' | 'latin1';
  /** Header names made present or unique (`headerNames`), one sentence each. */
  renamed: string[];
}

const DELIMITERS = [',', ';', '\t'] as const;

/** The delimiter that occurs most often outside quotes on the header line. */
export function detectDelimiter(text: string): CsvTable['delimiter'] {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: CsvTable['delimiter'] = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Excel's `sep=;` first line (written so Excel opens the file with that delimiter): the
 * delimiter it names, or null when the line is a header.
 */
export function excelSepLine(firstLine: string): CsvTable['delimiter'] | null {
  const m = /^"?sep=([,;\t])"?\r?$/i.exec(firstLine);
  return m ? (m[1] as CsvTable['delimiter']) : null;
}

/**
 * A UTF-16 file (Excel's "Unicode Text" export, byte order mark FF FE) as UTF-8 bytes; any
 * other input as it is.
 */
export function fromUtf16(buf: Buffer): Buffer {
  if (buf[0] === 0xff && buf[1] === 0xfe)
    return Buffer.from(buf.subarray(2).toString('utf16le'), 'utf8');
  return buf;
}

/** The line a quote was opened on and never closed, or -1. */
function unclosedQuoteLine(text: string): number {
  let quoted = false;
  let line = 1;
  let openedAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      quoted = !quoted;
      if (quoted) openedAt = line;
    } else if (c === '\n') line++;
  }
  return quoted ? openedAt : -1;
}

/** The one CSV_INVALID error of both readers (this one and the columnar `columns.ts`). */
export function invalid(
  source: string,
  message: string,
  hint: string,
  cause?: unknown,
): LeadLensError {
  return new LeadLensError('CSV_INVALID', `${source}: ${message}`, { hint, cause });
}

/**
 * Header names made present and unique, as pandas does rather than refusing the file: real
 * exports repeat a name (two "Email" columns from two objects, a report's "Owner" twice) or
 * leave one blank. A blank name becomes `column N` (N its 1-based position), a repeat
 * `name (2)`, `name (3)`…; `renamed` says what was done, for the caller to warn. Both readers
 * (this one and the columnar `columns.ts`) name columns the same way, so a score file with the
 * training file's header gets the training names.
 */
export function headerNames(header: readonly string[]): { names: string[]; renamed: string[] } {
  const taken = new Set(header.filter((h) => h !== ''));
  const seen = new Set<string>();
  const renamed: string[] = [];
  const free = (base: string, from: number): string => {
    let k = from;
    while (taken.has(`${base} (${k})`) || seen.has(`${base} (${k})`)) k++;
    return `${base} (${k})`;
  };
  const names = header.map((h, k) => {
    let name = h;
    if (name === '') {
      name =
        taken.has(`column ${k + 1}`) || seen.has(`column ${k + 1}`)
          ? free(`column ${k + 1}`, 2)
          : `column ${k + 1}`;
      renamed.push(`column ${k + 1} has no name: read as "${name}"`);
    } else if (seen.has(name)) {
      name = free(h, 2);
      renamed.push(`"${h}" appears again as column ${k + 1}: read as "${name}"`);
    }
    seen.add(name);
    return name;
  });
  return { names, renamed };
}

export function parseCsv(input: string | Buffer, source = 'CSV'): CsvTable {
  // Bytes that are not UTF-8 are most likely a Windows (Latin-1) export: read them as such,
  // where every byte is a character, rather than turning accents into U+FFFD.
  const bytes = typeof input === 'string' ? input : fromUtf16(input);
  const encoding = typeof bytes === 'string' || isUtf8(bytes) ? 'utf8' : 'latin1';
  let text = typeof bytes === 'string' ? bytes : bytes.toString(encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nl = text.indexOf('\n');
  const sep = excelSepLine(nl < 0 ? text : text.slice(0, nl));
  // The `sep=` line is blanked, not cut, so every line keeps its number.
  // (csv-parse takes the record delimiter from the first line end: CRLF stays CRLF.)
  if (sep) text = text.slice(nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl);
  if (text.trim() === '') {
    throw invalid(
      source,
      'the file is empty.',
      'Export the data again with a header line and at least one row.',
    );
  }
  const delimiter = sep ?? detectDelimiter(text.replace(/^[\r\n]+/, ''));
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as Array<{ record: string[]; info: { lines: number } }>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const lines = (e as { lines?: number }).lines;
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      const at = unclosedQuoteLine(text);
      throw invalid(
        source,
        `line ${at}: a quote (") is opened and never closed.`,
        'Close the quoted field or remove the stray quote.',
        e,
      );
    }
    if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const m = /expect (\d+), got (\d+)/.exec((e as Error).message);
      const detail = m
        ? `has ${m[2]} columns but the header has ${m[1]}`
        : 'has a different number of columns than the header';
      throw invalid(
        source,
        `line ${lines ?? '?'} ${detail}.`,
        `Check that line for an unquoted "${delimiter === '\t' ? 'tab' : delimiter}" inside a value or a missing field.`,
        e,
      );
    }
    throw invalid(
      source,
      `line ${lines ?? '?'}: ${(e as Error).message}`,
      'Fix the line or export the file again.',
      e,
    );
  }
  const header = records[0]!.record.map((h) => h.trim());
  let width = header.length;
  // Exports that end every line with the delimiter produce one empty, unnamed last column.
  if (width > 1 && header[width - 1] === '') {
    const filled = records.findIndex((r, k) => k > 0 && r.record[width - 1]!.trim() !== '');
    if (filled >= 0) {
      throw invalid(
        source,
        `line ${records[filled]!.info.lines} has a value in the last column, which has no name in the header.`,
        'Give the last column a name in the header.',
      );
    }
    width--;
  }
  const { names, renamed } = headerNames(header.slice(0, width));
  const rows: CsvRow[] = [];
  for (let k = 1; k < records.length; k++) {
    const rec = records[k]!.record;
    const row: CsvRow = {};
    for (let j = 0; j < width; j++) row[names[j]!] = rec[j]!;
    rows.push(row);
  }
  // csv-parse's info.lines counts a CRLF inside quotes twice, so start lines are found here.
  const starts = recordStartLines(text);
  const lines =
    starts.length === records.length ? starts.slice(1) : records.slice(1).map((r) => r.info.lines);
  return { columns: names, rows, delimiter, lines, encoding, renamed };
}

/** The 1-based line on which every non-empty record starts (quoted line breaks stay inside). */
function recordStartLines(text: string): number[] {
  const starts: number[] = [];
  let quoted = false;
  let line = 1;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (atStart && c !== '\n' && c !== '\r') {
      starts.push(line);
      atStart = false;
    }
    if (c === '"') quoted = !quoted;
    else if (c === '\n') {
      line++;
      if (!quoted) atStart = true;
    }
  }
  return starts;
}

export function readCsvFile(path: string): CsvTable {
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
  return parseCsv(buf, path);
}
