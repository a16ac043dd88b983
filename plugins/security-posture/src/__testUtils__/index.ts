export * from './fixtures';
export { createMockSecurityPostureApi } from './mockApi';
export {
  BACKEND,
  checkDataErrorHandler,
  checkDataHandler,
  changesSinceHandler,
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
