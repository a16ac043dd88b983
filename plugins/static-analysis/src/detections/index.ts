export * from './types';
export * from './businessHours';
export * from './rules';
export * from './evaluator';
export * from './auditRecords';
export * from './settings';
export * from './findings';
