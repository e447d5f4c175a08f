/** "This score looks wrong": stored with the score it was about, shown in the model report. */
import type { FeedbackRequest, FeedbackResult } from '../contracts/functions';
import type { PipelineDeps } from './deps';

export function recordFeedback(deps: PipelineDeps, req: FeedbackRequest): FeedbackResult {
  const row = deps.store.getScore(req.objectType, req.objectId);
  const id = deps.store.addFeedback({
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
