import { findLeakage, guardSample, keyedAuc, type LeakageFinding } from './leakage';
import { inferSchema } from '../encoding/schema';
import { rocAuc } from './metrics';
import { splitByTime, type Label } from './split';
import { makeFrame, rowAt, type Frame, type FrameColumn } from '../frame';
import { makeRng } from '../rng';
import { syntheticLeads } from '../testing/synthetic';
import type { FieldInfo, RawRow } from '../types';

describe('findLeakage', () => {
  it('flags a field present almost only for converted leads, and nothing on clean data', () => {
    const { rows, labels, times } = syntheticLeads(3000, 4, { leak: true });
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(rows, { exclude: ['id'] });
    const found = findLeakage(rows, schema, labels, split);
    expect(found.map((f) => f.field)).toEqual(['closed_reason']);
    expect(found[0]!.presentWhenNotConverted).toBe(0);
    expect(found[0]!.presentWhenConverted).toBeGreaterThan(0.8);
    // With the AUC rule switched off, the presence rule alone still catches it.
    const byPresence = findLeakage(rows, schema, labels, split, {
      aucThreshold: 1,
      decisiveShareMin: 1.1,
    });
    expect(byPresence.map((f) => [f.field, f.reason])).toEqual([['closed_reason', 'presence']]);
    expect(byPresence[0]!.detail).toMatch(
      /filled in for 9\d\.\d % of converted leads but only 0\.0 %/,
    );

    const clean = syntheticLeads(3000, 4);
    const cleanSchema = inferSchema(clean.rows, { exclude: ['id'] }).schema;
    expect(
      findLeakage(clean.rows, cleanSchema, clean.labels, splitByTime(clean.labels, clean.times)),
    ).toEqual([]);
  });

  it('flags a field that alone predicts the label on validation (either direction)', () => {
    const { rows, labels, times } = syntheticLeads(2000, 5);
    const withEcho: RawRow[] = rows.map((r, i) => ({
      ...r,
      score_after_call: String(labels[i] === 1 ? 10 + (i % 7) : i % 7),
    }));
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(withEcho, { exclude: ['id'] });
    const found = findLeakage(withEcho, schema, labels, split);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ field: 'score_after_call', reason: 'single-field-auc' });
    expect(found[0]!.auc!).toBeGreaterThan(0.95);
    // The threshold is configurable.
    expect(
      findLeakage(withEcho, schema, labels, split, { aucThreshold: 1, decisiveShareMin: 1.1 }),
    ).toEqual([]);
  });

  it('flags a field whose values settle the outcome for many leads', () => {
    const { rows, labels, times } = syntheticLeads(3000, 6);
    const tagged: RawRow[] = rows.map((r, i) => ({
      ...r,
      tag:
        i % 4 === 0
          ? labels[i] === 1
            ? 'Closed'
            : 'Wrong number'
          : ['Ringing', 'Follow up'][i % 2]!,
    }));
    const split = splitByTime(labels, times);
    const { schema } = inferSchema(tagged, { exclude: ['id'] });
    const found = findLeakage(tagged, schema, labels, split);
    expect(found.map((f) => [f.field, f.reason])).toEqual([['tag', 'decisive-values']]);
    expect(found[0]!.decisiveShare!).toBeGreaterThan(0.2);
    expect(found[0]!.decisiveValues!.map((v) => v.value).sort()).toEqual([
      'closed',
      'wrong number',
    ]);
  });
});

describe('the guard on a sample', () => {
  /**
   * 200,000 leads in time order (row order), converting ~30 %: five weakly informative numbers
   * and a region code, plus three planted leaks — `echo` (a number that alone all but gives the
   * label: single-field AUC), `tag` (15 % of leads carry "Closed won" / "Wrong number":
   * decisive values), `note` (a free-text note, different on every lead, filled in for 40 % of
   * converted leads and 0.3 % of the rest: presence).
   */
  function planted(
    n: number,
    seed: number,
  ): { frame: Frame; labels: Label[]; schema: FieldInfo[] } {
    const rng = makeRng(seed);
    const gauss = (): number =>
      Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const labels: Label[] = new Array<Label>(n);
    const nums = Array.from({ length: 5 }, () => new Float64Array(n));
    const region = new Float64Array(n);
    const echo = new Float64Array(n);
    const tagCodes = new Int32Array(n);
    const noteCodes = new Int32Array(n);
    const notes: string[] = [];
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: 5 }, gauss);
      region[i] = 1 + rng.int(9);
      const eta = -0.85 + 0.3 * z[0]! - 0.2 * z[1]! + 0.1 * z[2]! + 0.05 * (region[i]! - 5);
      const yi = rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
      labels[i] = yi;
      for (let j = 0; j < 5; j++) nums[j]![i] = z[j]!;
      echo[i] = 3 * yi + gauss() * 0.6;
      tagCodes[i] = rng.next() < 0.15 ? (yi === 1 ? 0 : 1) : 2 + rng.int(2);
      if (rng.next() < (yi === 1 ? 0.4 : 0.003)) {
        noteCodes[i] = notes.length;
        notes.push(`called back ${i}`);
      } else noteCodes[i] = -1;
    }
    const cols: Array<[string, FrameColumn]> = [
      ...nums.map((values, j): [string, FrameColumn] => [`x${j + 1}`, { kind: 'number', values }]),
      ['region', { kind: 'number', values: region }],
      ['echo', { kind: 'number', values: echo }],
      [
        'tag',
        {
          kind: 'text',
          codes: tagCodes,
          dict: ['Closed won', 'Wrong number', 'Ringing', 'Follow up'],
        },
      ],
      ['note', { kind: 'text', codes: noteCodes, dict: notes }],
    ];
    const schema: FieldInfo[] = cols.map(([name]) => ({
      name,
      label: name,
      type: name === 'region' || name === 'tag' || name === 'note' ? 'category' : 'number',
    }));
    return { frame: makeFrame(n, cols), labels, schema };
  }

  it('flags the same fields for the same reasons as the guard reading every row (≥ 200k rows)', () => {
    const { frame, labels, schema } = planted(200_000, 11);
    const split = splitByTime(labels, undefined, { valid: 0.2, test: 0 });
    const y = Int8Array.from(labels, (l) => (l === 1 ? 1 : l === 0 ? 0 : -1));
    const sample = guardSample(y, split);
    // Large enough to sample, and the sample is a small share of the rows.
    expect(sample.fraction).toBeLessThan(0.25);
    expect(sample.train.length + sample.valid.length).toBeLessThan(0.25 * frame.n);
    // Time-stratified: the sample spans the whole training window and the whole validation one.
    expect(sample.train[0]!).toBeLessThan(split.train.length * 0.01);
    expect(sample.train[sample.train.length - 1]!).toBeGreaterThan(split.train.length * 0.99);
    expect(sample.valid[0]!).toBeLessThan(split.train.length + split.valid.length * 0.01);

    const full = findLeakage(frame, schema, labels, split, { sample: false });
    const sampled = findLeakage(frame, schema, labels, split);
    const verdicts = (fs: LeakageFinding[]): string[][] => fs.map((f) => [f.field, f.reason]);
    expect(verdicts(full)).toEqual([
      ['echo', 'single-field-auc'],
      ['tag', 'decisive-values'],
      ['note', 'presence'],
    ]);
    expect(verdicts(sampled)).toEqual(verdicts(full));
    // The statistics behind them agree within their sampling noise.
    for (let k = 0; k < full.length; k++) {
      expect(Math.abs(sampled[k]!.auc! - full[k]!.auc!)).toBeLessThan(0.02);
    }
    expect(Math.abs(sampled[1]!.decisiveShare! - full[1]!.decisiveShare!)).toBeLessThan(0.02);
    expect(
      Math.abs(sampled[2]!.presentWhenConverted! - full[2]!.presentWhenConverted!),
    ).toBeLessThan(0.03);
    // The same from row objects (the CRM path): the sample is drawn before any frame is built.
    const rows = Array.from({ length: frame.n }, (_, i) => rowAt(frame, i));
    expect(findLeakage(rows, schema, labels, split)).toEqual(sampled);
  });

  it('reads small data sets whole', () => {
    const rng = makeRng(3);
    const labels: Label[] = Array.from({ length: 20_000 }, () => (rng.next() < 0.3 ? 1 : 0));
    const split = splitByTime(labels, undefined, { valid: 0.2, test: 0 });
    const y = Int8Array.from(labels, (l) => (l === 1 ? 1 : l === 0 ? 0 : -1));
    const s = guardSample(y, split);
    expect(s.fraction).toBe(1);
    expect(Array.from(s.train)).toEqual(split.train);
    expect(Array.from(s.valid)).toEqual(split.valid);
  });

  it('keyedAuc equals the AUC over rows, ties across keys included', () => {
    const rng = makeRng(5);
    const keys = 12;
    // Scores with repeats: keys 2k and 2k + 1 share a score.
    const score = Float64Array.from({ length: keys }, (_, k) => Math.floor(k / 2) / 7);
    const pos = new Float64Array(keys);
    const neg = new Float64Array(keys);
    const y: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const k = rng.int(keys);
      const yi = rng.next() < 0.2 + 0.05 * k ? 1 : 0;
      (yi === 1 ? pos : neg)[k]!++;
      y.push(yi);
      s.push(score[k]!);
    }
    expect(keyedAuc(score, pos, neg)).toBeCloseTo(rocAuc(y, s), 12);
    expect(keyedAuc(score, pos, new Float64Array(keys))).toBeNaN();
  });
});

describe('decisive values in ordered fields', () => {
  /**
   * 4,000 leads: `score` (0–99) is a strong, monotone, point-in-time signal — a lead scored
   * under 30 never converts, one scored 90 or more always does, in between the chance rises
   * with the score — and `top` is the same read backwards (99 − score). `status` is a rep's tag
   * set after contact: "Wrong number" on a fifth of the leads that did not convert, "Closed" on a
   * fifth of those that did.
   */
  function leads(seed: number): { rows: RawRow[]; labels: Label[] } {
    const rng = makeRng(seed);
    const rows: RawRow[] = [];
    const labels: Label[] = [];
    for (let i = 0; i < 4000; i++) {
      const score = rng.int(100);
      const y: Label = score >= 90 || (score >= 30 && rng.next() < (score - 30) / 110) ? 1 : 0;
      const status =
        rng.next() < 0.2
          ? y === 1
            ? 'Closed'
            : 'Wrong number'
          : ['Ringing', 'Follow up', 'Interested'][rng.int(3)]!;
      rows.push({ id: `L${i}`, score: String(score), top: String(99 - score), status });
      labels.push(y);
    }
    return { rows, labels };
  }
  const schemaOf = (score: FieldInfo['type']): FieldInfo[] => [
    { name: 'score', label: 'score', type: score },
    { name: 'top', label: 'top', type: score },
    { name: 'status', label: 'status', type: 'category' },
  ];

  it('does not flag a monotone number whose end bins never (or always) convert, and still flags a status tag', () => {
    const { rows, labels } = leads(21);
    const split = splitByTime(labels, undefined, { valid: 0.2, test: 0 });
    const found = findLeakage(rows, schemaOf('number'), labels, split);
    expect(found.map((f) => [f.field, f.reason])).toEqual([['status', 'decisive-values']]);
    expect(found[0]!.decisiveValues!.map((v) => v.value).sort()).toEqual([
      'closed',
      'wrong number',
    ]);
    // The number is a strong signal, not a near-perfect one (the AUC rule has nothing to say)…
    const all = findLeakage(rows, schemaOf('number'), labels, split, {
      aucThreshold: 0.5,
      decisiveShareMin: 1.1,
    });
    const auc = all.find((f) => f.field === 'score')!.auc!;
    expect(auc).toBeGreaterThan(0.7);
    expect(auc).toBeLessThan(0.95);
    // …and read as unordered levels the same values are decisive (so the old rule, which read
    // numbers through their bins, flagged both): the field's order is what keeps them out. The
    // levels are the score's tens (~320 training rows each, as the number's bins), so the rule of
    // three (`CHANCE_ROWS`) cannot be what spares single values of ~32 rows.
    const tens = (v: RawRow[string]): string => String(Math.floor(Number(v) / 10));
    const levels = rows.map((r) => ({ ...r, score: tens(r.score), top: tens(r.top) }));
    const asLevels = findLeakage(levels, schemaOf('category'), labels, split);
    expect(asLevels.map((f) => [f.field, f.reason])).toEqual([
      ['score', 'decisive-values'],
      ['top', 'decisive-values'],
      ['status', 'decisive-values'],
    ]);
  });

  it('leaves a decisive value in the middle of a number’s range to the other rules, and flags it typed as a category', () => {
    const rng = makeRng(8);
    const rows: RawRow[] = [];
    const labels: Label[] = [];
    for (let i = 0; i < 4000; i++) {
      // Codes 1–9; code 5 ("wrong number") on ~15 % of leads never converts, the others
      // convert at 30 % whatever their code.
      const code = rng.next() < 0.15 ? 5 : [1, 2, 3, 4, 6, 7, 8, 9][rng.int(8)]!;
      labels.push(code !== 5 && rng.next() < 0.3 ? 1 : 0);
      rows.push({ id: `L${i}`, outcome_code: String(code) });
    }
    const split = splitByTime(labels, undefined, { valid: 0.2, test: 0 });
    const typed = (type: FieldInfo['type']): FieldInfo[] => [
      { name: 'outcome_code', label: 'outcome_code', type },
    ];
    // As a number: an interior bin that never converts is not judged a tag (the documented
    // cost), and the field is no near-perfect predictor nor one-outcome-only.
    expect(findLeakage(rows, typed('number'), labels, split)).toEqual([]);
    const found = findLeakage(rows, typed('category'), labels, split);
    expect(found.map((f) => [f.field, f.reason])).toEqual([['outcome_code', 'decisive-values']]);
    expect(found[0]!.decisiveValues!.map((v) => v.value)).toEqual(['5']);
    expect(found[0]!.decisiveShare!).toBeGreaterThan(0.1);
  });
});
