import type { CrmRecord } from '../../contracts/records';
import { DEFAULT_SETTINGS, SettingsSchema, tiersForSegment } from '../../contracts/settings';
import { compareWithGlobal } from './compare';
import { segmentOf, segmentProperties } from './define';

const at = (iso: string) => Date.parse(iso);

function contact(history: Record<string, Array<[string, string]>>): CrmRecord {
  return {
    id: '1',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-06-01T00:00:00Z',
    properties: Object.fromEntries(
      Object.entries(history).map(([k, v]) => [k, v[v.length - 1]![1]]),
    ),
    history: Object.fromEntries(
      Object.entries(history).map(([k, v]) => [
        k,
        v.map(([timestamp, value]) => ({ timestamp, value })),
      ]),
    ),
    associations: {},
  } as unknown as CrmRecord;
}

const SEGS = [
  { key: 'paid', property: 'hs_analytics_source', values: ['PAID_SEARCH', 'PAID_SOCIAL'] },
  { key: 'emea', property: 'region', values: ['EMEA'] },
];

describe('segment membership', () => {
  it('is the value the property had at asOf, first match wins', () => {
    const c = contact({
      hs_analytics_source: [
        ['2026-01-01T00:00:00Z', 'PAID_SEARCH'],
        ['2026-03-01T00:00:00Z', 'OFFLINE'],
      ],
      region: [['2026-01-01T00:00:00Z', 'EMEA']],
    });
    expect(segmentOf(c, at('2026-02-01T00:00:00Z'), SEGS)).toBe('paid');
    // Rewritten later: the row as of March on is no longer paid (but still EMEA).
    expect(segmentOf(c, at('2026-04-01T00:00:00Z'), SEGS)).toBe('emea');
    expect(segmentOf(c, at('2025-12-01T00:00:00Z'), SEGS)).toBeNull();
    expect(segmentProperties(SEGS)).toEqual(['hs_analytics_source', 'region']);
  });
});

describe('segment settings', () => {
  const seg = {
    key: 'paid',
    label: 'Paid',
    property: 'hs_analytics_source',
    values: ['PAID_SEARCH'],
  };
  it('read settings saved before segments as none', () => {
    const { segments: _s, ...old } = DEFAULT_SETTINGS;
    expect(SettingsSchema.parse(old).segments).toEqual({
      list: [],
      minPositives: 40,
      minGain: 0.01,
    });
  });
  it('refuse duplicate keys and thresholds that do not decrease to 0', () => {
    const parse = (list: unknown[]) =>
      SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, segments: { list } }).success;
    expect(parse([seg])).toBe(true);
    expect(parse([seg, seg])).toBe(false);
    expect(parse([{ ...seg, minScores: [50, 60, 10, 0] }])).toBe(false);
    expect(parse([{ ...seg, minScores: [60, 30, 10, 5] }])).toBe(false);
    expect(parse([{ ...seg, key: 'Paid Search' }])).toBe(false);
  });
  it('tier a segment with its own thresholds under the global values and labels', () => {
    const segments = {
      list: [{ ...seg, minScores: [60, 30, 10, 0] }],
      minPositives: 40,
      minGain: 0.01,
    };
    const tiers = tiersForSegment(DEFAULT_SETTINGS.tiers, segments, 'paid');
    expect(tiers.map((t) => [t.value, t.label, t.minScore])).toEqual([
      ['tier_1', 'Hot', 60],
      ['tier_2', 'Warm', 30],
      ['tier_3', 'Cool', 10],
      ['tier_4', 'Cold', 0],
    ]);
    expect(tiersForSegment(DEFAULT_SETTINGS.tiers, segments, null)).toBe(DEFAULT_SETTINGS.tiers);
    expect(tiersForSegment(DEFAULT_SETTINGS.tiers, segments, 'other')).toBe(DEFAULT_SETTINGS.tiers);
  });
});

describe('segment model vs the global model on the segment’s rows', () => {
  // Segment rows 0..59 are global rows 100..159; three folds of 20 rows each.
  const toGlobal = Array.from({ length: 60 }, (_, i) => 100 + i);
  const labels = new Map(toGlobal.map((g, i) => [g, i % 2]));
  const labelOf = (g: number) => labels.get(g) ?? 0;
  const fold = toGlobal.map((_, i) => 1 + Math.floor(i / 20));
  const index = toGlobal.map((_, i) => i);
  // The segment model ranks perfectly; the global one at chance-ish (alternating noise).
  const perfect = index.map((i) => (i % 2 ? 0.9 : 0.1));
  const noisy = index.map((i) => ((i * 7) % 10) / 10);

  it('keeps the segment model when the paired fold gains are large and consistent', () => {
    const cmp = compareWithGlobal(
      { index, probability: perfect, fold },
      toGlobal,
      { index: toGlobal, probability: noisy, fold: fold },
      labelOf,
      0.02,
    );
    expect(cmp.folds).toHaveLength(3);
    expect(cmp.segmentAuc).toBe(1);
    expect(cmp.beats).toBe(true);
    expect(cmp.why).toMatch(/beats the global model on its rows by/);
  });

  it('falls back when the gain is below the margin, or the global model never held those rows out', () => {
    const same = compareWithGlobal(
      { index, probability: noisy, fold },
      toGlobal,
      { index: toGlobal, probability: noisy, fold },
      labelOf,
      0.02,
    );
    expect(same.gain).toBe(0);
    expect(same.beats).toBe(false);
    expect(same.why).toMatch(/below the 0.020 required/);
    // Global out-of-fold rows elsewhere: nothing to compare on.
    const none = compareWithGlobal(
      { index, probability: perfect, fold },
      toGlobal,
      { index: [1, 2, 3], probability: [0.1, 0.2, 0.3], fold: [1, 1, 1] },
      labelOf,
      0.02,
    );
    expect(none.beats).toBe(false);
    expect(none.why).toMatch(/only 0 backtest folds/);
  });

  it('wants the folds to agree: one lucky fold is not enough', () => {
    // Perfect on fold 1, reversed on fold 2 and 3 vs a global model that is fine everywhere.
    const mixed = index.map((i) => (fold[i] === 1 ? perfect[i]! : 1 - perfect[i]!));
    const cmp = compareWithGlobal(
      { index, probability: mixed, fold },
      toGlobal,
      { index: toGlobal, probability: noisy, fold },
      labelOf,
      0.0,
    );
    expect(cmp.beats).toBe(false);
  });
});
