/**
 * Reps' feedback into training. The latest feedback per record counts, once, however many
 * times or by however many people the record was flagged. When it states an outcome it is a
 * label correction for that record's training row (with who said it and when); when it does
 * not ("too high" alone) it is a review item for the admin and never a label. Corrections may
 * flip at most `maxShare` of the labelled rows — beyond that the newest count and a warning
 * says how many were left out, so a burst of flags cannot rewrite what the model learns.
 */
import type { FeedbackOutcome, FeedbackRow } from '../../store/port';

export type Label = 0 | 1 | null;

export interface LabelCorrection {
  recordId: string;
  feedbackId: number | null;
  userId: string | null;
  at: string;
  outcome: FeedbackOutcome;
  from: Label;
  to: 0 | 1;
}

export interface ReviewItem {
  recordId: string;
  feedbackId: number | null;
  kind: string;
  comment: string;
  score: number | null;
  at: string;
}

export interface FeedbackUse {
  /** Feedback rows read, and the records they are about (one counts per record). */
  rows: number;
  records: number;
  /** Labels changed by feedback (the provenance of each). */
  relabelled: LabelCorrection[];
  /** Corrections that agreed with the CRM's own label: nothing to change. */
  agreed: number;
  /** Corrections about records without a training row yet (too young, already converted). */
  notInTraining: number;
  /** Corrections past the cap, left out. */
  overCap: number;
  /** Most labels feedback may flip this time. */
  cap: number;
  /** Feedback without an outcome: listed for review, not used. */
  reviewItems: ReviewItem[];
  warning: string | null;
}

/** The latest feedback of each record (by time, then id), whatever its kind. */
export function latestPerRecord(rows: readonly FeedbackRow[]): FeedbackRow[] {
  const latest = new Map<string, FeedbackRow>();
  for (const f of rows) {
    const key = `${f.objectType}|${f.recordId}`;
    const seen = latest.get(key);
    if (
      !seen ||
      f.createdAt > seen.createdAt ||
      (f.createdAt === seen.createdAt && (f.id ?? 0) > (seen.id ?? 0))
    )
      latest.set(key, f);
  }
  return [...latest.values()];
}

/**
 * Labels with feedback applied. `ids` and `labels` are the training rows; `feedback` must be
 * the latest per record, already mapped to the training rows' ids (a lead's to its contact).
 */
export function applyFeedbackLabels(
  ids: readonly string[],
  labels: readonly Label[],
  feedback: readonly FeedbackRow[],
  opts: { maxShare: number; rows: number },
): { labels: Label[]; use: FeedbackUse } {
  const index = new Map(ids.map((id, i) => [id, i]));
  const labelled = labels.filter((l) => l !== null).length;
  const cap = Math.floor(labelled * opts.maxShare);
  const out = labels.slice();
  const use: FeedbackUse = {
    rows: opts.rows,
    records: feedback.length,
    relabelled: [],
    agreed: 0,
    notInTraining: 0,
    overCap: 0,
    cap,
    reviewItems: [],
    warning: null,
  };
  // Newest first: within the cap the most recent word counts.
  const sorted = [...feedback].sort((a, b) =>
    a.createdAt === b.createdAt ? (b.id ?? 0) - (a.id ?? 0) : a.createdAt < b.createdAt ? 1 : -1,
  );
  for (const f of sorted) {
    if (!f.outcome) {
      use.reviewItems.push({
        recordId: f.recordId,
        feedbackId: f.id ?? null,
        kind: f.kind,
        comment: f.comment,
        score: f.score,
        at: f.createdAt,
      });
      continue;
    }
    const i = index.get(f.recordId);
    if (i === undefined) {
      use.notInTraining += 1;
      continue;
    }
    const to: 0 | 1 = f.outcome === 'converted' ? 1 : 0;
    if (out[i] === to) {
      use.agreed += 1;
      continue;
    }
    if (use.relabelled.length >= cap) {
      use.overCap += 1;
      continue;
    }
    use.relabelled.push({
      recordId: f.recordId,
      feedbackId: f.id ?? null,
      userId: f.userId,
      at: f.createdAt,
      outcome: f.outcome,
      from: out[i],
      to,
    });
    out[i] = to;
  }
  if (use.overCap > 0) {
    use.warning = `${use.overCap} label correction(s) from feedback were left out: feedback may change at most ${(
      opts.maxShare * 100
    ).toFixed(
      1,
    )} % of the ${labelled} labelled rows (${cap}). Review the feedback, or raise the cap in the settings.`;
  }
  return { labels: out, use };
}
