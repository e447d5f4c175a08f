/**
 * Date feature columns in the forms exports write them (DD/MM/YYYY, US MM/DD/YYYY with times,
 * ISO with offsets): inferred as dates, their day/month order decided once per column at
 * training and stored with the model, so scoring reads a later file the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fitEncoder, FittedEncoder } from './encoder';
import { inferSchema } from './schema';
import { findLeakage } from '../evaluation/leakage';
import { splitByTime } from '../evaluation/split';

const DAY = 86_400_000;
const p2 = (n: number) => String(n).padStart(2, '0');
const dmy = (t: number) => {
  const d = new Date(t);
  return `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};
const mdyTime = (t: number) => {
  const d = new Date(t);
  const h = d.getUTCHours();
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${p2(d.getUTCMinutes())} ${h < 12 ? 'AM' : 'PM'}`;
};
const typeOf = (rows: Array<Record<string, string>>, name: string) =>
  inferSchema(rows).schema.find((f) => f.name === name)?.type;

describe('date feature columns: inference', () => {
  const times = Array.from({ length: 200 }, (_, i) => Date.UTC(2020, 0, 1) + i * 1.7 * DAY);

  it('infers DD/MM/YYYY, US dates with times and ISO with offsets as dates', () => {
    const rows = times.map((t, i) => ({
      dm: dmy(t),
      us: mdyTime(t),
      iso: `${new Date(t).toISOString().slice(0, 10)} 14:02:11+02:00`,
      isoShortZone: `${new Date(t).toISOString().slice(0, 10)} 9:05+01`,
      dotted: dmy(t).replace(/\//g, '.'),
      plan: ['a', 'b', 'c'][i % 3]!,
    }));
    for (const name of ['dm', 'us', 'iso', 'isoShortZone', 'dotted'])
      expect([name, typeOf(rows, name)]).toEqual([name, 'date']);
    expect(typeOf(rows, 'plan')).toBe('category');
  });

  it('leaves a column whose texts disagree on the order, or are not all dates, a category', () => {
    // Few distinct values (not an identifier): 40 dates over 200 rows.
    const rows = times
      .map((_, i) => ({ t: times[i % 40]!, i }))
      .map(({ t, i }) => ({
        // Both 25/12 and 12/25 forms: no one order reads it, and no cell is guessed.
        mixed: i % 2 ? dmy(t) : mdyTime(t).split(' ')[0]!,
        // Dates with a few texts: not a date column (as for ISO before).
        notes: i % 20 === 0 ? 'call back' : dmy(t),
        // Version-like texts and month-name-like words are not dates.
        version: `${(i % 9) + 1}.${i % 7}.20${10 + (i % 9)}x`,
        words: ['Option 1', 'Mar 2 plan', 'Tier 3'][i % 3]!,
      }));
    expect(typeOf(rows, 'mixed')).toBe('category');
    expect(typeOf(rows, 'notes')).toBe('category');
    expect(typeOf(rows, 'version')).toBe('category');
    expect(typeOf(rows, 'words')).toBe('category');
  });
});

describe('date feature columns: encoding', () => {
  // Training dates spread over two years: days above 12 appear, so the column is day first.
  const train = Array.from({ length: 300 }, (_, i) => ({
    first: dmy(Date.UTC(2019, 0, 1) + ((i * 37) % 700) * DAY),
  }));
  // A later file where no day is above 12: alone it would read month first.
  const later = [
    { first: '03/04/2021' },
    { first: '01/02/2021' },
    { first: '12/11/2020' },
    { first: '13/25/2021' }, // no such day either way round in day-first order
    { first: 'soon' },
    { first: '' },
    { first: '2021-04-03' },
  ];

  it('decides the order at training, stores it, and reads a later ambiguous file the same way', () => {
    const { schema } = inferSchema(train);
    expect(schema).toEqual([{ name: 'first', label: 'first', type: 'date' }]);
    const fitted = fitEncoder(train, schema);
    const state = fitted.toJSON().fields[0]!;
    expect(state).toEqual(expect.objectContaining({ type: 'date', dateOrder: 'day-first' }));
    expect(state).not.toHaveProperty('dateOrderGuessed');
    // Through JSON, as a saved model is.
    const loaded = new FittedEncoder(JSON.parse(JSON.stringify(fitted.toJSON())));
    const X = loaded.transform(later, { referenceTime: Date.UTC(2021, 5, 1) });
    const k = loaded.columns.findIndex((c) => c.name === 'first');
    const col = later.map((_, i) => X.data[k * X.n + i]!);
    const s = state as { mean: number; scale: number; lo: number; hi: number };
    const age = (t: number) => {
      const d = (Date.UTC(2021, 5, 1) - t) / DAY;
      return (Math.min(s.hi, Math.max(s.lo, d)) - s.mean) / s.scale;
    };
    // 03/04/2021 is the 3rd of April, as ISO 2021-04-03 is.
    expect(col[0]).toBeCloseTo(age(Date.UTC(2021, 3, 3)), 12);
    expect(col[6]).toBeCloseTo(col[0]!, 12);
    expect(col[1]).toBeCloseTo(age(Date.UTC(2021, 1, 1)), 12);
    expect(col[2]).toBeCloseTo(age(Date.UTC(2020, 10, 12)), 12);
    // Unreadable and empty cells: missing (the mean, 0), the unreadable ones counted.
    expect([col[3], col[4], col[5]]).toEqual([0, 0, 0]);
    expect(X.quality).toEqual([{ field: 'first', expected: 'date', wrongType: 2, unseen: 0 }]);
    // Training had no missing value: no indicator column, the cells impute to the mean.
    expect(loaded.columns.map((c) => c.name)).toEqual(['first']);
  });

  it('says when the training order was a guess (no day above 12), and keeps to it', () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      d: `${(i % 12) + 1}/${(i % 11) + 1}/2020`,
    }));
    const fitted = fitEncoder(rows, [{ name: 'd', label: 'd', type: 'date' }]);
    expect(fitted.toJSON().fields[0]).toEqual(
      expect.objectContaining({ dateOrder: 'month-first', dateOrderGuessed: true }),
    );
    // A later "25/12/2020" cannot be month first: missing and counted, not re-read day first.
    const X = fitted.transform([{ d: '25/12/2020' }, { d: '12/25/2020' }]);
    expect(X.quality).toEqual([{ field: 'd', expected: 'date', wrongType: 1, unseen: 0 }]);
  });

  it('a model from before (no stored order) reads such texts as missing, as it always did', () => {
    const { schema } = inferSchema(train);
    const state = fitEncoder(train, schema).toJSON();
    const old = {
      ...state,
      fields: state.fields.map((f) => {
        const { dateOrder: _o, ...rest } = f as { dateOrder?: string };
        return rest;
      }),
    } as typeof state;
    const X = new FittedEncoder(old).transform([{ first: '03/04/2021' }, { first: '2021-04-03' }]);
    expect(X.quality).toEqual([{ field: 'first', expected: 'date', wrongType: 1, unseen: 0 }]);
  });
});

describe('ISO date feature columns are inferred and encoded exactly as before', () => {
  it('matches the schema, state and matrix main 9b1cac0 produced on the same rows', () => {
    // The rows and the pinned output were made with main at 9b1cac0 (before day/month dates were
    // read in feature columns): ISO forms with and without zones and fractions, a placeholder,
    // and a DD/MM text at scoring (missing, counted, as then).
    const forms = (t: number, i: number): string => {
      const iso = new Date(t).toISOString();
      switch (i % 6) {
        case 0:
          return iso.slice(0, 10);
        case 1:
          return iso;
        case 2:
          return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
        case 3:
          return `${iso.slice(0, 19)}+02:00`;
        case 4:
          return `${iso.slice(0, 16)}-0500`;
        default:
          return i % 13 === 0 ? 'NA' : `${iso.slice(0, 19)}.250Z`;
      }
    };
    const rows = Array.from({ length: 120 }, (_, i) => ({
      created: forms(Date.UTC(2020, 0, 1) + ((i * 7919) % 400) * DAY + (i % 24) * 3_600_000, i),
      plan: ['a', 'b', 'c'][i % 3]!,
    }));
    const { schema } = inferSchema(rows);
    const enc = fitEncoder(rows, schema);
    const X = enc.transform(rows.concat([{ created: '13/05/2021', plan: 'a' }]));
    const k = enc.columns.findIndex((c) => c.name === 'created');
    const got = {
      schema,
      state: enc.toJSON().fields[0],
      col: Array.from({ length: X.n }, (_, i) => X.data[k * X.n + i]),
      quality: X.quality,
    };
    const pinned: unknown = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'iso-dates.pinned.json'), 'utf8'),
    );
    expect(got).toEqual(pinned);
  });
});

describe('date feature columns: the leakage guard reads them as the encoder does', () => {
  it('flags a DD/MM/YYYY date filled in only for converted leads (a close date)', () => {
    const rows: Array<Record<string, string>> = [];
    const labels: Array<0 | 1> = [];
    const times: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const y = (i * 7919) % 10 < 3 ? 1 : 0;
      labels.push(y);
      times.push(i);
      rows.push({
        plan: ['a', 'b', 'c'][i % 3]!,
        closed_on: y ? dmy(Date.UTC(2020, 0, 1) + (i % 300) * DAY) : '',
      });
    }
    const { schema } = inferSchema(rows);
    expect(schema.find((f) => f.name === 'closed_on')?.type).toBe('date');
    const found = findLeakage(rows, schema, labels, splitByTime(labels, times));
    expect(found.map((f) => f.field)).toEqual(['closed_on']);
  });
});
