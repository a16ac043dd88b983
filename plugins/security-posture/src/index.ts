/**
 * Frontend of security-posture: the deployment-wide Security page, the entity
 * Security tab and CSV export.
 *
 * @packageDocumentation
 */
export {
  securityPosturePlugin,
  securityPosturePlugin as plugin,
  SecurityPage,
  EntitySecurityContent,
} from './plugin';
export { rootRouteRef as securityPostureRouteRef } from './routes';
export {
  securityPostureApiRef,
  SecurityPostureClient,
  findingsQueryString,
} from './api';
export type { SecurityPostureApi, CsvDownload } from './api';
export { securityPostureKeys } from './hooks';
export {
  SecurityPostureQueryProvider,
  createSecurityPostureQueryClient,
} from './queryClient';
export type { SecurityPageProps } from './components/SecurityPage';
export { SeverityChip, SeverityCountChips } from './components/SeverityChip';
export { GradeChip } from './components/GradeChip';
export {
  isSecurityPostureAvailable,
  isSecurityTabKind,
  SECURITY_TAB_KINDS,
} from './conditions';
