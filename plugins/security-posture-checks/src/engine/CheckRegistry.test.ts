import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import {
  createEntitySecurityCheck,
  createSecurityCheck,
  SecurityCheckMeta,
} from '@security-posture/plugin-security-posture-node';
import { builtInChecks } from '../index';
import { CheckRegistry } from './CheckRegistry';

function meta(id: string, overrides: Partial<SecurityCheckMeta> = {}): SecurityCheckMeta {
  return {
    id,
    title: `Check ${id}`,
    category: id.split('/')[0],
    defaultSeverity: 'medium',
    description: 'Looks at something',
    remediation: 'Fix it',
    ...overrides,
  };
}

const deploymentCheck = (id: string, overrides?: Partial<SecurityCheckMeta>) =>
  createSecurityCheck({ meta: meta(id, overrides), run: async () => [] });
const entityCheck = (id: string, overrides?: Partial<SecurityCheckMeta>) =>
  createEntitySecurityCheck({ meta: meta(id, overrides), evaluate: () => [] });

function registry(config: JsonObject = {}) {
  const r = new CheckRegistry(new ConfigReader(config));
  r.add(
    deploymentCheck('auth/guest-sign-in', { defaultSeverity: 'critical' }),
    entityCheck('catalog/leaked-secret', { defaultSeverity: 'high' }),
    deploymentCheck('permissions/framework-disabled'),
  );
  return r;
}

const byId = (r: CheckRegistry) => Object.fromEntries(r.list().map(c => [c.check.meta.id, c]));

describe('CheckRegistry', () => {
  it('lists every check sorted by id with defaults', () => {
    const checks = registry().list();
    expect(checks.map(c => c.check.meta.id)).toEqual([
      'auth/guest-sign-in',
      'catalog/leaked-secret',
      'permissions/framework-disabled',
    ]);
    expect(checks.map(c => [c.enabled, c.severity, c.timeoutMs])).toEqual([
      [true, 'critical', 120_000],
      [true, 'high', 120_000],
      [true, 'medium', 120_000],
    ]);
    expect(checks[0].options.keys()).toEqual([]);
  });

  it('applies overrides from securityPosture.checks.<category>.<name>', () => {
    const checks = byId(
      registry({
        securityPosture: {
          checkDefaults: { timeout: { seconds: 30 } },
          checks: {
            auth: {
              'guest-sign-in': { enabled: false, severity: 'low', timeout: { milliseconds: 250 } },
            },
            catalog: {
              'leaked-secret': { severity: 'info', options: { ignoreKinds: ['Template'] } },
            },
            // Overrides of unknown checks are ignored.
            plugins: { 'no-such-check': { enabled: false } },
          },
        },
      }),
    );
    expect(checks['auth/guest-sign-in']).toMatchObject({
      enabled: false,
      severity: 'low',
      timeoutMs: 250,
    });
    expect(checks['catalog/leaked-secret']).toMatchObject({
      enabled: true,
      severity: 'info',
      timeoutMs: 30_000,
    });
    expect(checks['catalog/leaked-secret'].options.getStringArray('ignoreKinds')).toEqual([
      'Template',
    ]);
    expect(checks['permissions/framework-disabled']).toMatchObject({
      enabled: true,
      severity: 'medium',
      timeoutMs: 30_000,
    });
    expect(Object.keys(checks)).toHaveLength(3);
  });

  it('reads timeouts given as duration strings', () => {
    const checks = byId(
      registry({
        securityPosture: {
          checkDefaults: { timeout: '45s' },
          checks: { auth: { 'guest-sign-in': { timeout: 'PT2M30S' } } },
        },
      }),
    );
    expect(checks['auth/guest-sign-in'].timeoutMs).toBe(150_000);
    expect(checks['catalog/leaked-secret'].timeoutMs).toBe(45_000);
  });

  it('reports overrides in the metadata it lists', () => {
    const metadata = registry({
      securityPosture: {
        checks: { permissions: { 'framework-disabled': { enabled: false, severity: 'high' } } },
      },
    }).listMetadata();
    expect(metadata.find(m => m.id === 'permissions/framework-disabled')).toEqual({
      id: 'permissions/framework-disabled',
      title: 'Check permissions/framework-disabled',
      category: 'permissions',
      defaultSeverity: 'medium',
      severity: 'high',
      description: 'Looks at something',
      remediation: 'Fix it',
      docsUrl: undefined,
      enabled: false,
      scope: 'deployment',
    });
    expect(metadata.find(m => m.id === 'catalog/leaked-secret')).toMatchObject({
      scope: 'entity',
      enabled: true,
      severity: 'high',
    });
  });

  it('rejects an invalid severity override', () => {
    const r = registry({
      securityPosture: { checks: { catalog: { 'leaked-secret': { severity: 'urgent' } } } },
    });
    expect(() => r.list()).toThrow(
      "Invalid severity 'urgent' for security check 'catalog/leaked-secret'",
    );
  });

  it('rejects an invalid timeout', () => {
    const r = registry({
      securityPosture: { checks: { auth: { 'guest-sign-in': { timeout: 'soon' } } } },
    });
    expect(() => r.list()).toThrow(/Invalid duration 'soon'/);
  });

  it('rejects a check registered twice', () => {
    const r = registry();
    expect(() => r.add(entityCheck('catalog/leaked-secret'))).toThrow(
      "Security check 'catalog/leaked-secret' is registered twice",
    );
    // Also within one call
    const fresh = new CheckRegistry(new ConfigReader({}));
    expect(() =>
      fresh.add(deploymentCheck('plugins/outdated'), deploymentCheck('plugins/outdated')),
    ).toThrow(/registered twice/);
  });

  it('rejects a check whose id cannot be a config key', () => {
    // Config keys start with a letter; a check that could not be configured could not be disabled.
    const r = registry();
    expect(() => r.add(deploymentCheck('plugins/2fa-disabled'))).toThrow(
      /Invalid security check id 'plugins\/2fa-disabled'/,
    );
    // Checks built without the helpers are still guarded by the registry.
    const raw = { ...deploymentCheck('plugins/outdated'), meta: { ...deploymentCheck('plugins/outdated').meta, id: 'plugins/2fa-disabled' } };
    expect(() => r.add(raw)).toThrow(/cannot be configured/);
    expect(r.list().map(c => c.check.meta.id)).not.toContain('plugins/2fa-disabled');
  });

  it('resolves each check\'s version (1 when undeclared) and a hash of the config that shapes its results', () => {
    const withChecks = (config: JsonObject) => {
      const r = new CheckRegistry(new ConfigReader(config));
      r.add(entityCheck('catalog/one'), entityCheck('catalog/two', { version: 4 }));
      return Object.fromEntries(r.list().map(c => [c.check.meta.id, c]));
    };
    const plain = withChecks({});
    expect(plain['catalog/one'].version).toBe(1);
    expect(plain['catalog/two'].version).toBe(4);
    const hashes = (config: JsonObject) => {
      const checks = withChecks(config);
      return [checks['catalog/one'].configHash, checks['catalog/two'].configHash];
    };
    const [one, two] = hashes({});
    const checks = (one_: JsonObject) => ({ securityPosture: { checks: { catalog: { one: one_ } } } });
    // Options and a severity override change only that check's hash.
    expect(hashes(checks({ options: { limit: 3 } }))).toEqual([expect.not.stringMatching(one), two]);
    expect(hashes(checks({ severity: 'high' }))[0]).not.toBe(one);
    // Key order does not matter; a timeout or a disable does not change results.
    expect(hashes(checks({ options: { a: 1, b: { c: 2, d: 3 } } }))[0]).toBe(
      hashes(checks({ options: { b: { d: 3, c: 2 }, a: 1 } }))[0],
    );
    expect(hashes(checks({ timeout: '5s' }))).toEqual([one, two]);
  });
});

describe('built-in checks', () => {
  it('each declares a version', () => {
    expect(builtInChecks.length).toBeGreaterThan(20);
    for (const check of builtInChecks) {
      expect([check.meta.id, Number.isInteger(check.meta.version) && check.meta.version! >= 1]).toEqual([
        check.meta.id,
        true,
      ]);
    }
  });
});
