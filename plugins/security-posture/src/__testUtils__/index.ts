export * from './fixtures';
export { createMockSecurityPostureApi } from './mockApi';
export {
  BACKEND,
  checkDataErrorHandler,
  checkDataHandler,
  checksHandler,
  createTestClient,
  findingsHandler,
  currentSearch,
  renderWithBackend,
  scanChangesHandler,
  scorecardsHandler,
  setupBackend,
  testFetchApi,
} from './renderWithBackend';
