/** The use cases composition roots call. */
export * from './deps';
export * from './budget';
export * from './jobs';
export * from './lease';
export { syncJob } from './sync';
export { trainJob } from './train';
export { scoreJob } from './score';
export { writebackJob } from './writeback';
export { runPipelineJob, scoreAndWriteJob, runToCompletion, type RunOptions } from './run';
export { scoreRecord, rescoreContacts } from './refresh';
export { settingsAction, retier, modelSummary, tierInputs } from './settings';
export { recordFeedback } from './feedback';
export { cardFromStore, cardFromProperties } from './card';
export { readReport, type StoredReport } from './report';
export { publishedModel } from './scoring';
export { tierStats, suggestTiers } from './tiers';
