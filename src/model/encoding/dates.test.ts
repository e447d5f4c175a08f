import { dayMonthOrder, parseDateText, parseTimeTexts } from './dates';

const utc = (y: number, m: number, d: number, h = 0, mi = 0) => Date.UTC(y, m - 1, d, h, mi);

describe('parseTimeTexts', () => {
  it('reads DD/MM/YYYY when a first part is above 12', () => {
    const r = parseTimeTexts(['25/12/2018', '03/04/2018', '01/02/2019 14:05']);
    expect(Array.from(r.times)).toEqual([
      utc(2018, 12, 25),
      utc(2018, 4, 3),
      utc(2019, 2, 1, 14, 5),
    ]);
    expect(r.order).toBe('day-first');
    expect(r.ambiguous).toBe(false);
  });

  it('reads MM/DD/YYYY (with AM/PM) when a second part is above 12', () => {
    const r = parseTimeTexts(['12/25/2018 2:05 PM', '03/04/2018', '1/2/19 12:30 AM']);
    expect(Array.from(r.times)).toEqual([
      utc(2018, 12, 25, 14, 5),
      utc(2018, 3, 4),
      utc(2019, 1, 2, 0, 30),
    ]);
    expect(r.order).toBe('month-first');
  });

  it('says when the order is a guess: dots day first, slashes month first', () => {
    const dots = parseTimeTexts(['03.04.2018', '05.06.2018']);
    expect(dots.ambiguous).toBe(true);
    expect(dots.order).toBe('day-first');
    expect(dots.times[0]).toBe(utc(2018, 4, 3));
    expect(dots.example).toBe('03.04.2018');
    const slashes = parseTimeTexts(['03/04/2018']);
    expect(slashes.ambiguous).toBe(true);
    expect(slashes.times[0]).toBe(utc(2018, 3, 4));
  });

  it('reads ISO with and without offsets, epoch numbers, and month names', () => {
    const r = parseTimeTexts([
      '2018-03-01',
      '2018-03-01 14:05:00',
      '2018-03-01T14:05:00Z',
      '2018-03-01T16:05:00+02:00',
      '2018-03-01T16:05:00+0200',
      '1519913100',
      '3 Dec 2018',
    ]);
    expect(Array.from(r.times)).toEqual([
      utc(2018, 3, 1),
      utc(2018, 3, 1, 14, 5),
      utc(2018, 3, 1, 14, 5),
      utc(2018, 3, 1, 14, 5),
      utc(2018, 3, 1, 14, 5),
      1519913100,
      Date.parse('3 Dec 2018'),
    ]);
    expect(r.order).toBeNull();
  });

  it('gives NaN for what is not a time, and for impossible dates', () => {
    const r = parseTimeTexts(['soon', '31/02/2018', '25/13/2018', '']);
    expect(Array.from(r.times).every((t) => Number.isNaN(t))).toBe(true);
  });
});

describe('parseDateText (date feature columns)', () => {
  it('reads a/b/yyyy only in the order given, never guessing per value', () => {
    expect(parseDateText('03/04/2018', 'day-first')).toBe(utc(2018, 4, 3));
    expect(parseDateText('03/04/2018', 'month-first')).toBe(utc(2018, 3, 4));
    expect(parseDateText('25/12/2018', 'month-first')).toBeNaN();
    expect(parseDateText('12/25/2018 2:05 PM', 'month-first')).toBe(utc(2018, 12, 25, 14, 5));
    expect(parseDateText('03/04/2018')).toBeNaN();
  });

  it('reads ISO as Date.parse did, plus the short-zone forms --time reads', () => {
    for (const s of ['2018-03-01', '2018-03-01T10:05:00Z', '2021-05-13 14:02:11+02:00'])
      expect(parseDateText(s)).toBe(Date.parse(s));
    expect(parseDateText('2018-03-01 9:05+01')).toBe(utc(2018, 3, 1, 8, 5));
    for (const s of ['1522540800', 'Dec 3, 2018', 'Option 1', ''])
      expect(parseDateText(s, 'day-first')).toBeNaN();
  });

  it('decides the order once for the column', () => {
    expect(dayMonthOrder(['03/04/2018', '25/12/2018'])).toEqual(
      expect.objectContaining({ order: 'day-first', ambiguous: false, mixed: false }),
    );
    expect(dayMonthOrder(['25/12/2018', '12/25/2018']).mixed).toBe(true);
    expect(dayMonthOrder(['2018-03-01']).order).toBeNull();
  });
});
