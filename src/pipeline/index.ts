/** The use cases composition roots call. */
export * from './deps';
export * from './budget';
export * from './jobs';
export * from './lease';
export { syncJob } from './sync';
export { trainJob } from './train';
export { scoreJob } from './score';
export { writebackJob, RETRY_CAP } from './writeback';
export { verifyWriteback, type VerifyReport } from './verify';
export {
  provisionJob,
  runPipelineJob,
  scoreAndWriteJob,
  runToCompletion,
  dealsPipelineJob,
  type RunOptions,
} from './run';
export { runDealScores, dealSummaryOf, type DealRunSummary } from './objects/run';
export type { DealModelReport } from './objects/deal-report';
export { accountLine, accountSummaryOf, type AccountStageSummary } from './objects/account-job';
export { objectStageStatus, scopeSkipOf, isScopeSkip, type ScopeSkip } from './objects/stage-skip';
export { runAccountStages, type AccountsCommandSummary } from './objects/account-stages';
export { memberLine, memberSummaryOf, type MemberRunSummary } from './objects/member-scores';
export { scoreRecord, rescoreContacts, workflowCard } from './refresh';
export { settingsAction, modelSummary, tierInputs, currentEconomics } from './settings';
export { recordFeedback } from './feedback';
export { storedCard } from './card';
export { readReport, type StoredReport } from './report';
export { modelCharts } from './charts';
export { governanceCharts } from './charts-governance';
export { addQuality, describeQuality, scoreRows, type QualityTally, type Scored } from './scoring';
export { publishedModel, scoringModelFromFile, type ScoringModel } from './scoring-model';
export { tierStats } from './tiers';
export * from './governance';
