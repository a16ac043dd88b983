export * from './fixtures';
export { createMockSecurityPostureApi } from './mockApi';
