import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import { permissionFrameworkDisabledCheck } from './permissionFrameworkDisabled';

describe('permissions/framework-disabled', () => {
  it('fails when permission.enabled is missing', async () => {
    const [result] = await runSecurityCheck(permissionFrameworkDisabledCheck, { config: {} });
    expect(result.outcome).toBe('fail');
    expect(result.target).toEqual({ type: 'config', path: 'permission.enabled' });
  });

  it('fails when permission.enabled is false', async () => {
    const [result] = await runSecurityCheck(permissionFrameworkDisabledCheck, {
      config: { permission: { enabled: false } },
    });
    expect(result.outcome).toBe('fail');
  });

  it('passes when permission.enabled is true', async () => {
    const [result] = await runSecurityCheck(permissionFrameworkDisabledCheck, {
      config: { permission: { enabled: true } },
    });
    expect(result.outcome).toBe('pass');
  });
});

describe('permissions/framework-disabled with installed plugins', () => {
  it('fails when enabled but no permission backend is installed', async () => {
    const [result] = await runSecurityCheck(permissionFrameworkDisabledCheck, {
      config: { permission: { enabled: true } },
      installedPlugins: [{ pluginId: 'catalog' }, { pluginId: 'security-posture' }],
    });
    expect(result.outcome).toBe('fail');
    expect(result.location).toBe('permission-backend');
  });

  it('passes when enabled with the permission backend installed', async () => {
    const [result] = await runSecurityCheck(permissionFrameworkDisabledCheck, {
      config: { permission: { enabled: true } },
      installedPlugins: [{ pluginId: 'permission' }, { pluginId: 'security-posture' }],
    });
    expect(result.outcome).toBe('pass');
  });
});
