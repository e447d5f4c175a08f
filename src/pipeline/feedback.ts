/**
 * "This score looks wrong": stored with the score it was about. Feedback that states an
 * outcome corrects the record's training label at the next training (governance/feedback-labels.ts);
 * the rest is listed for the admin to review.
 */
import type { FeedbackRequest, FeedbackResult } from '../contracts/functions';
import type { PipelineDeps } from './deps';

export async function recordFeedback(
  deps: PipelineDeps,
  req: FeedbackRequest,
): Promise<FeedbackResult> {
  const row = await deps.store.getScore(req.objectType, req.objectId);
  const id = await deps.store.addFeedback({
    objectType: req.objectType,
    recordId: req.objectId,
    kind: req.kind,
    comment: req.comment,
    score: row?.score ?? null,
    modelVersion: row?.modelVersion ?? null,
    userId: req.userId ?? null,
    createdAt: new Date(deps.now()).toISOString(),
    outcome: req.outcome ?? null,
  });
  return {
    id,
    message: req.outcome
      ? 'Thanks — the next model learns from this outcome (your latest word on this record counts).'
      : 'Thanks — your feedback is stored with this score and listed for the admin to review.',
  };
}
