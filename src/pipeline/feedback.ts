/** "This score looks wrong": stored with the score it was about, shown in the model report. */
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
  });
  return {
    id,
    message: 'Thanks — your feedback is stored with this score and shown in the model report.',
  };
}
