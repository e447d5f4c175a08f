/** Governance: shadow scoring, monitoring and alerts, decisions, model cards. */
export {
  alertAsksForRetrain,
  monitorJob,
  findingsOf,
  promotionVerdict,
  type MonitorData,
} from './monitor';
export { changePublished, logDecision, type Decision } from './decisions';
export {
  modelCard,
  governanceStatus,
  feedbackReview,
  feedbackSummary,
  type ModelCard,
} from './card';
export { outcomeSince, type GovernanceRunState } from './shadow';
