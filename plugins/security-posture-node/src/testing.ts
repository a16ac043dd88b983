// Separate entry so production bundles do not pull in test utilities.
export * from './testUtils';
