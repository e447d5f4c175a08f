import { FeedbackRequestSchema } from '../../contracts/functions';
import type { FeedbackRow } from '../../store/port';
import { applyFeedbackLabels, latestPerRecord } from './feedback-labels';

const fb = (
  id: number,
  recordId: string,
  at: string,
  over: Partial<FeedbackRow> = {},
): FeedbackRow => ({
  id,
  objectType: 'contact',
  recordId,
  kind: 'too_low',
  comment: '',
  score: 40,
  modelVersion: 1,
  userId: 'u1',
  createdAt: `2026-01-0${at}T00:00:00.000Z`,
  ...over,
});

describe('feedback into training labels', () => {
  it('counts the latest feedback per record once, however often it was flagged', () => {
    const latest = latestPerRecord([
      fb(1, 'a', '1', { outcome: 'converted' }),
      fb(2, 'a', '3', { outcome: 'not_converting', userId: 'u2' }),
      fb(3, 'a', '2', { outcome: 'converted' }),
      fb(4, 'b', '1'),
    ]);
    expect(latest.map((f) => [f.recordId, f.id])).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
  });

  it('corrects labels where an outcome is stated, with provenance; the rest are review items', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const labels = [0, 0, 1, null, 0] as const;
    const { labels: out, use } = applyFeedbackLabels(
      ids,
      [...labels],
      [
        fb(1, 'a', '1', { outcome: 'converted' }),
        fb(2, 'c', '1', { outcome: 'converted' }), // agrees with the CRM
        fb(3, 'd', '2', { outcome: 'not_converting' }), // censored row gets its outcome
        fb(4, 'e', '3', { kind: 'too_high', comment: 'looks off' }), // no outcome: review
        fb(5, 'zz', '3', { outcome: 'converted' }), // no training row
      ],
      { maxShare: 0.5, rows: 5 },
    );
    expect(out).toEqual([1, 0, 1, 0, 0]);
    expect(use.relabelled).toEqual([
      expect.objectContaining({ recordId: 'd', from: null, to: 0, feedbackId: 3 }),
      expect.objectContaining({ recordId: 'a', from: 0, to: 1, userId: 'u1' }),
    ]);
    expect(use).toMatchObject({ agreed: 1, notInTraining: 1, overCap: 0, warning: null });
    expect(use.reviewItems.map((r) => [r.recordId, r.kind])).toEqual([['e', 'too_high']]);
  });

  it('flips at most the capped share of labelled rows, the newest first, and warns', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const labels = ids.map(() => 0 as const);
    const feedback = ids.map((id, i) =>
      fb(i + 1, id, String((i % 9) + 1), { outcome: 'converted' }),
    );
    const { labels: out, use } = applyFeedbackLabels(ids, labels, feedback, {
      maxShare: 0.1,
      rows: 20,
    });
    expect(use.cap).toBe(2);
    expect(use.relabelled).toHaveLength(2);
    expect(out.filter((l) => l === 1)).toHaveLength(2);
    // The two newest (day 9: r8 and r17, the higher id first).
    expect(use.relabelled.map((c) => c.recordId)).toEqual(['r17', 'r8']);
    expect(use.overCap).toBe(18);
    expect(use.warning).toMatch(/18 label correction\(s\).*at most 10\.0 %/);
  });

  it('asks "the outcome is wrong" to say which outcome is right', () => {
    const base = { objectType: 'contact', objectId: '1', comment: '' };
    expect(FeedbackRequestSchema.safeParse({ ...base, kind: 'wrong_outcome' }).success).toBe(false);
    expect(
      FeedbackRequestSchema.safeParse({ ...base, kind: 'wrong_outcome', outcome: 'converted' })
        .success,
    ).toBe(true);
    expect(FeedbackRequestSchema.safeParse({ ...base, kind: 'too_high' }).success).toBe(true);
    expect(
      FeedbackRequestSchema.safeParse({ ...base, kind: 'too_high', outcome: 'maybe' }).success,
    ).toBe(false);
  });
});
