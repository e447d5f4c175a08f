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
  segmentStatus,
  type ModelCard,
} from './card';
export {
  measureSegments,
  segmentFindings,
  psiNoise,
  aucSe,
  type SegmentMonitor,
} from './segment-monitor';
export { outcomeSince, type GovernanceRunState } from './shadow';
