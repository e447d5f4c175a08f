export * from './records';
export * from './properties';
export * from './factors';
export * from './settings';
export * from './errors';
export * from './functions';
