import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { auditEventsHiddenCheck } from './auditLogging';
import { developmentEnvironmentCheck } from './developmentEnvironment';
import { guestOutsideDevelopmentCheck } from './guestOutsideDevelopment';
import {
  corsWildcardCheck,
  cspWeakenedCheck,
  plainHttpBaseUrlCheck,
  readingAllowWildcardCheck,
} from './httpHardening';
import { liveProbesCheck } from './liveProbes';
import {
  defaultAuthPolicyDisabledCheck,
  externalAccessCheck,
  legacyBackendKeysCheck,
} from './serviceAuth';
import { signInResolversCheck } from './signInResolvers';

/** Authentication checks (category `auth`). */
export const authChecks: SecurityCheck[] = [
  liveProbesCheck,
  guestOutsideDevelopmentCheck,
  developmentEnvironmentCheck,
  defaultAuthPolicyDisabledCheck,
  externalAccessCheck,
  legacyBackendKeysCheck,
  signInResolversCheck,
  corsWildcardCheck,
  cspWeakenedCheck,
  readingAllowWildcardCheck,
  plainHttpBaseUrlCheck,
  auditEventsHiddenCheck,
];
