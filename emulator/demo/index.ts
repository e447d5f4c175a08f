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
  shiftLogit,
  HORIZON_DAYS,
  SNAPSHOT_DAYS,
  type MarketShift,
  type Observables,
} from './propensity';
