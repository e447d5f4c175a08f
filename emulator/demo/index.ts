export {
  generatePortal,
  DEFAULT_NOW,
  type DemoPortal,
  type DemoSummary,
  type GenerateOptions,
  type Truth,
} from './generate';
export {
  propensity,
  propensityLogit,
  HORIZON_DAYS,
  SNAPSHOT_DAYS,
  type Observables,
} from './propensity';
