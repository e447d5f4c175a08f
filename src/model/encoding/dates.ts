/**
 * Reading a column of times as real exports write them: numbers (epoch seconds or
 * milliseconds, an increasing counter — only their order is used), ISO 8601 with or without a
 * time and a zone offset, and the numeric day/month forms of spreadsheets and European or US
 * CRMs: `25/12/2018`, `12/25/2018 14:05`, `25.12.2018`, `25-12-2018 2:05 PM`.
 *
 * Whether `03/04/2018` is the 3rd of April or the 4th of March cannot be read from one value, so
 * the column decides: a first part above 12 anywhere means day first, a second part above 12
 * means month first. A column where neither occurs (every day ≤ 12) is ambiguous: `.` dates are
 * read day first (no US export writes them), `/` and `-` month first, and `ambiguous` says so
 * for the caller to warn.
 */

export interface ParsedTimes {
  /** Epoch ms (or the number as written); NaN where a value is not a time. */
  times: Float64Array;
  /** How day/month dates were read: null when the column has none. */
  order: 'day-first' | 'month-first' | null;
  /** True when the day/month order was a guess (no part above 12 anywhere). */
  ambiguous: boolean;
  /** One day/month value of the column, for messages. */
  example?: string;
}

const NUMBER_RE = /^[+-]?\d+(\.\d+)?$/;
const ISO_RE =
  /^\d{4}-\d{2}-\d{2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;
/** `a/b/yyyy` (or `.`, `-`), an optional time `h:mm[:ss]` and AM/PM. */
const DM_RE =
  /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?$/;

function isoTime(s: string): number {
  const date = s.slice(0, 10);
  // A date-only or zone-less value is read as UTC: the order of rows is what matters.
  if (s.length === 10) return Date.parse(`${date}T00:00:00Z`);
  // `2018-03-01 14:05`, `…+0100`, `…+01` are not forms Date.parse takes everywhere: normalise.
  let t = s.slice(11).replace(/\s+/g, '');
  t = t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(t)) t += 'Z';
  if (/^\d:/.test(t)) t = `0${t}`;
  return Date.parse(`${date}T${t}`);
}

export type DateOrder = 'day-first' | 'month-first';

/** Day/month order of a column of `a/b/yyyy` texts, decided once for the column. */
export interface DayMonthOrder {
  order: DateOrder | null;
  /** No part above 12 anywhere: the order is a guess (dots day first, else month first). */
  ambiguous: boolean;
  /** Both a first and a second part above 12: the texts disagree on the order. */
  mixed: boolean;
  /** One day/month value of the column, for messages. */
  example?: string;
}

function orderOf(
  values: readonly string[],
  dm: ReadonlyArray<RegExpExecArray | null>,
): DayMonthOrder {
  let firstOver12 = false;
  let secondOver12 = false;
  let dots = 0;
  let others = 0;
  for (const m of dm) {
    if (!m) continue;
    if (Number(m[1]) > 12) firstOver12 = true;
    if (Number(m[3]) > 12) secondOver12 = true;
    if (m[2] === '.') dots++;
    else others++;
  }
  const anyDm = dots + others > 0;
  const dayFirst = firstOver12 ? true : secondOver12 ? false : dots > others;
  return {
    order: anyDm ? (dayFirst ? 'day-first' : 'month-first') : null,
    ambiguous: anyDm && !firstOver12 && !secondOver12,
    mixed: firstOver12 && secondOver12,
    example: values[dm.findIndex((m) => m !== null)],
  };
}

/** The day/month order of a column's texts (see the module comment for the rule). */
export function dayMonthOrder(values: readonly string[]): DayMonthOrder {
  return orderOf(
    values,
    values.map((v) => DM_RE.exec(v.trim())),
  );
}

/** A matched `a/b/yyyy[ time]` as epoch ms (UTC) in the given order; NaN when no such day. */
function dmTime(m: RegExpExecArray, dayFirst: boolean): number {
  const a = Number(m[1]);
  const b = Number(m[3]);
  const day = dayFirst ? a : b;
  const month = dayFirst ? b : a;
  let year = Number(m[4]);
  if (m[4]!.length === 2) year += year < 70 ? 2000 : 1900;
  let hour = m[5] ? Number(m[5]) : 0;
  const pm = m[8]?.toLowerCase();
  if (pm === 'pm' && hour < 12) hour += 12;
  if (pm === 'am' && hour === 12) hour = 0;
  const t = Date.UTC(year, month - 1, day, hour, m[6] ? Number(m[6]) : 0, m[7] ? Number(m[7]) : 0);
  const d = new Date(t);
  return month >= 1 && month <= 12 && d.getUTCDate() === day ? t : NaN;
}

/** ISO dates as date feature columns have always been read (Date.parse; kept exactly). */
const FEATURE_ISO_RE =
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * One text of a date feature column as epoch ms; NaN when it is not a date. ISO values are read
 * as they always were; the other ISO forms `--time` reads (`2018-03-01 9:05`, `…+01`) and
 * `a/b/yyyy` ones in the column's `order`, decided once at training and stored with the model —
 * never per cell: a value the order cannot read (a month above 12) is not a date. Without an
 * order (older models, a column with no such value) `a/b/yyyy` is not a date. Bare numbers and
 * month names are left to the caller: a number is an epoch, and a loose month-name parse would
 * take category texts for dates.
 */
export function parseDateText(s: string, order?: DateOrder | null): number {
  if (FEATURE_ISO_RE.test(s)) return Date.parse(s);
  if (ISO_RE.test(s)) return isoTime(s);
  if (!order) return NaN;
  const m = DM_RE.exec(s);
  return m ? dmTime(m, order === 'day-first') : NaN;
}

/** Parses every distinct text of a time column (see the module comment for the forms). */
export function parseTimeTexts(values: readonly string[]): ParsedTimes {
  const dm: Array<RegExpExecArray | null> = values.map((v) => DM_RE.exec(v.trim()));
  const { order, ambiguous, mixed, example } = orderOf(values, dm);
  const dayFirst = order === 'day-first';
  const times = new Float64Array(values.length);
  values.forEach((raw, k) => {
    const s = raw.trim();
    const m = dm[k];
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[3]);
      // A column with both (a mixed export): each value read the only way it can be.
      times[k] = dmTime(m, mixed ? (a > 12 ? true : b > 12 ? false : dayFirst) : dayFirst);
    } else if (NUMBER_RE.test(s)) times[k] = Number(s);
    else if (ISO_RE.test(s)) times[k] = isoTime(s);
    // Month names ("3 Dec 2018", "Dec 3, 2018"): Date.parse reads them without ambiguity.
    else times[k] = /[a-z]{3}/i.test(s) ? Date.parse(s) : NaN;
  });
  return { times, order, ambiguous, example };
}
