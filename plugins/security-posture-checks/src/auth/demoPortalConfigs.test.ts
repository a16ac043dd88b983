import { SecurityCheck } from '@security-posture/plugin-security-posture-node';
import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { auditEventsHiddenCheck } from './auditLogging';
import { developmentEnvironmentCheck } from './developmentEnvironment';
import { guestOutsideDevelopmentCheck } from './guestOutsideDevelopment';
import {
  corsWildcardCheck,
  cspWeakenedCheck,
  plainHttpBaseUrlCheck,
  readingAllowWildcardCheck,
} from './httpHardening';
import {
  defaultAuthPolicyDisabledCheck,
  externalAccessCheck,
  legacyBackendKeysCheck,
} from './serviceAuth';
import { signInResolversCheck } from './signInResolvers';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { JsonObject } from '@backstage/types';
import { DEMO_INSTALLED_PLUGINS, mergeConfigs, withEnv } from './testHelpers';

const repoRoot = path.resolve(__dirname, '../../../..');

/** The demo portal's config: app-config.yaml plus `dev/config/app-config.<variant>.yaml`. */
function demoPortalConfig(variant: 'demo' | 'hardened'): JsonObject {
  const read = (file: string) => YAML.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
  return mergeConfigs(read('app-config.yaml'), read(`dev/config/app-config.${variant}.yaml`));
}

/**
 * The config checks against the demo portal's own configs (app-config.yaml plus
 * dev/config/app-config.{demo,hardened}.yaml), as `npm start` runs them (NODE_ENV=development).
 */
async function failures(check: SecurityCheck, variant: 'demo' | 'hardened') {
  const results = await withEnv({ NODE_ENV: 'development', LOG_LEVEL: undefined }, () =>
    runSecurityCheck(check, {
      config: demoPortalConfig(variant),
      installedPlugins: DEMO_INSTALLED_PLUGINS,
      onPublish: () => {},
    }),
  );
  expect(results.filter(r => r.outcome === 'error')).toEqual([]);
  return results.filter(r => r.outcome === 'fail').map(r => r.location);
}

describe('auth checks on the demo portal configs', () => {
  it('the insecure demo config: guest outside development, unrestricted static token, reading.allow wildcards, hidden low audit events, any-host connect-src', async () => {
    expect(await failures(guestOutsideDevelopmentCheck, 'demo')).toEqual([
      'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
    ]);
    expect(await failures(externalAccessCheck, 'demo')).toEqual(['backend.auth.externalAccess[0]']);
    expect(await failures(readingAllowWildcardCheck, 'demo')).toEqual([
      'backend.reading.allow[0]',
      'backend.reading.allow[1]',
    ]);
    expect(await failures(auditEventsHiddenCheck, 'demo')).toEqual([
      'backend.auditor.severityLogLevelMappings.low',
    ]);
    expect(await failures(cspWeakenedCheck, 'demo')).toEqual(['backend.csp.connect-src']);
  });

  it('the hardened config: none of those', async () => {
    for (const check of [
      guestOutsideDevelopmentCheck,
      externalAccessCheck,
      readingAllowWildcardCheck,
      auditEventsHiddenCheck,
      cspWeakenedCheck,
    ]) {
      expect(await failures(check, 'hardened')).toEqual([]);
    }
  });

  it('both: local development portal, demo provider only in development, default auth policy, exact CORS origin', async () => {
    for (const variant of ['demo', 'hardened'] as const) {
      for (const check of [
        developmentEnvironmentCheck,
        signInResolversCheck,
        defaultAuthPolicyDisabledCheck,
        legacyBackendKeysCheck,
        corsWildcardCheck,
        plainHttpBaseUrlCheck,
      ]) {
        expect(await failures(check, variant)).toEqual([]);
      }
    }
  });

  it('the demo provider of app-config.yaml is flagged once the backend runs in production', async () => {
    const results = await withEnv({ NODE_ENV: 'production' }, () =>
      runSecurityCheck(signInResolversCheck, {
        config: demoPortalConfig('hardened'),
        installedPlugins: DEMO_INSTALLED_PLUGINS,
      }),
    );
    expect(results.filter(r => r.outcome === 'fail').map(r => r.location)).toEqual([
      'auth.providers.demo',
    ]);
  });
});
