export { securityPostureApiRef } from './SecurityPostureApi';
export type { SecurityPostureApi, CsvDownload } from './SecurityPostureApi';
export {
  SecurityPostureClient,
  findingsQueryString,
  filenameFromContentDisposition,
} from './SecurityPostureClient';
