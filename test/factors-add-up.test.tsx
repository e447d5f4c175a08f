/**
 * The promise that sets LeadLens apart, checked where the rep looks: on the HubSpot card (as
 * rendered), the preview page (as HTML) and the CSV output, the baseline plus the shown points
 * plus "other factors" equals the shown score — for thousands of random payloads (consistent or
 * not, more factors than a surface shows, zero-point factors, stale payloads) and top-K settings.
 */
import { DescriptionListItem, StatisticsItem, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { toCardView } from '../cards/card-view';
import { DEFAULT_SHOWN } from '../cards/factors-view';
import { LeadScoreCard } from '../cards/LeadScoreCard';
import { toLine } from '../src/cli/commands/score';
import { TOP_K } from '../src/pipeline/score-records';
import type { Factor, FactorsPayload } from '../src/contracts/factors';
import type { CardData } from '../src/contracts/functions';
import { renderCardPage } from '../src/server/preview';

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

interface Case {
  payload: FactorsPayload;
  /** The score the surface shows (the leadlens_score property / the row's score). */
  score: number;
  top: number;
}

function randomCase(r: ReturnType<typeof rng>): Case {
  const n = r.int(0, 14);
  const top: Factor[] = Array.from({ length: n }, (_, i) => {
    const points = r.next() < 0.1 ? 0 : r.int(-35, 35);
    return {
      field: `f${i}`,
      label: `Field ${i}`,
      value: r.next() < 0.2 ? null : `v${r.int(0, 99)}`,
      points,
      logOdds: points / 10 + (r.next() - 0.5) / 100,
      reason: `Field ${i} is something: ${points}`,
    };
  });
  const score = r.int(0, 100);
  const payload: FactorsPayload = {
    v: 1,
    // Mostly the shown score; sometimes a stale payload explaining another one.
    score: r.next() < 0.9 ? score : r.int(0, 100),
    base: r.int(0, 100),
    top,
    // Whatever the writer put there: the surfaces must not depend on it.
    otherPoints: r.int(-50, 50),
    modelVersion: `${r.int(1, 9)}`,
  };
  return { payload, score, top: r.int(0, 12) };
}

const NOW = new Date('2026-03-10T12:00:00.000Z');

function card(c: Case): CardData {
  return {
    objectType: 'contact',
    objectId: '7',
    source: { objectType: 'contact', objectId: '7' },
    score: c.score,
    tier: { value: 'tier_2', label: 'Warm' },
    factors: c.payload,
    reasons: null,
    modelVersion: c.payload.modelVersion,
    scoredAt: '2026-03-10T09:00:00.000Z',
    scoreChange: 3,
  };
}

/** "+18" / "−7" as shown, back to a number. */
const signed = (t: string): number => Number(t.replace('\u2212', '-').replace('+', ''));

/** Baseline and other factors from the meta line: "Baseline 31 · other factors +2 · …". */
function meta(text: string): { base: number | null; other: number } {
  const base = /Baseline (\d+)/.exec(text);
  const other = /other factors ([+\u2212]\d+)/.exec(text);
  return { base: base ? Number(base[1]) : null, other: other ? signed(other[1]) : 0 };
}

describe('what every surface shows adds up to the shown score', () => {
  const r = rng(20260310);
  const cases = Array.from({ length: 3000 }, () => randomCase(r));

  it('the card shows every factor the scorer stores', () => {
    expect(DEFAULT_SHOWN).toBe(TOP_K);
  });

  it('the view every surface uses, for any top K', () => {
    let shown = 0;
    for (const c of cases) {
      const view = toCardView(card(c), NOW, c.top);
      if (view.kind !== 'scored') throw new Error('scored expected');
      if (c.payload.score !== c.score) {
        expect(view.factors).toBeNull();
        continue;
      }
      const f = view.factors!;
      expect(f.shown.length).toBeLessThanOrEqual(c.top);
      expect(f.shown.every((x) => x.points !== 0)).toBe(true);
      expect(f.base + f.shown.reduce((s, x) => s + x.points, 0) + f.otherPoints).toBe(c.score);
      expect([...view.positives, ...view.negatives]).toHaveLength(f.shown.length);
      shown += f.shown.length;
    }
    expect(shown).toBeGreaterThan(3000);
  });

  it('the HubSpot card, as rendered', () => {
    let checked = 0;
    for (const c of cases.slice(0, 400)) {
      const props: Record<string, string | null> = {
        leadlens_score: String(c.score),
        leadlens_tier: 'tier_2',
        leadlens_factors: JSON.stringify(c.payload),
        leadlens_reasons: null,
        leadlens_model_version: c.payload.modelVersion,
        leadlens_scored_at: '2026-03-10T09:00:00.000Z',
        leadlens_score_change: '3',
      };
      const rr = createRenderer('crm.record.sidebar');
      rr.mocks.useCrmProperties.willCall((names, options) => ({
        properties: options?.propertiesToFormat
          ? { leadlens_tier: 'Warm' }
          : Object.fromEntries(names.map((n) => [n, props[n] ?? null])),
        error: null,
        isLoading: false,
        isRefetching: false,
        refetch: async () => {},
      }));
      rr.render(<LeadScoreCard serverless={async () => ({})} now={() => NOW} />);
      const score = rr.find(StatisticsItem).props.number as number;
      expect(score).toBe(c.score);
      const points = rr
        .findAll(DescriptionListItem)
        .map((i) => signed(String(i.props.label).split(' ')[0]));
      expect(points.length).toBeLessThanOrEqual(DEFAULT_SHOWN);
      const m = meta(rr.findByTestId(Text, 'score-meta').text ?? '');
      if (c.payload.score !== c.score) {
        expect(points).toEqual([]);
        expect(m.base).toBeNull();
        continue;
      }
      expect(m.base).toBe(c.payload.base);
      expect(m.base! + points.reduce((s, p) => s + p, 0) + m.other).toBe(score);
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('the preview page, as HTML', () => {
    let checked = 0;
    for (const c of cases) {
      const html = renderCardPage(card(c), { title: 'Contact 7', now: NOW });
      const score = Number(/data-testid="score">(\d+)</.exec(html)![1]);
      expect(score).toBe(c.score);
      const points = [...html.matchAll(/class="ll-pts [^"]*">([^<]+)</g)].map((x) => signed(x[1]));
      const m = meta(/data-testid="meta">([^<]*)</.exec(html)![1].replace(/&#39;/g, "'"));
      if (c.payload.score !== c.score) {
        expect(points).toEqual([]);
        continue;
      }
      expect(m.base! + points.reduce((s, p) => s + p, 0) + m.other).toBe(score);
      checked++;
    }
    expect(checked).toBeGreaterThan(2500);
  });

  it('the CSV output (leadlens score --csv --explain --top K)', () => {
    for (const c of cases) {
      const scored = {
        probability: c.payload.score / 100,
        score: c.payload.score,
        base: c.payload.base,
        top: c.payload.top,
        otherPoints: c.payload.otherPoints,
      };
      const line = toLine('x', scored, { explain: true, top: c.top });
      expect(line.factors!.length).toBeLessThanOrEqual(c.top);
      expect(line.base + line.factors!.reduce((s, f) => s + f.points, 0) + line.otherPoints!).toBe(
        line.score,
      );
    }
  });
});
