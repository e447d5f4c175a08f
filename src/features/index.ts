/** CRM-neutral records → point-in-time feature rows, labels and leakage checks. */
export * from './spec';
export * from './values';
export * from './snapshot';
export * from './engineered';
export * from './labels';
export * from './leakage';
