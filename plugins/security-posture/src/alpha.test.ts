import plugin from './alpha';
import { securityPostureApiRef } from './api';
import { isSecurityTabKind } from './conditions';

describe('security-posture for the new frontend system', () => {
  it('is the security-posture plugin with its API, page and entity tab', () => {
    expect(plugin.id).toBe('security-posture');
    expect(plugin.getExtension('api:security-posture')).toBeDefined();
    expect(plugin.getExtension('page:security-posture')).toBeDefined();
    expect(
      plugin.getExtension('entity-content:security-posture'),
    ).toBeDefined();
    expect(securityPostureApiRef.id).toBe('plugin.security-posture.service');
  });

  it('adds the tab to components, APIs, resources, systems and templates only', () => {
    const kinds = [
      'Component',
      'API',
      'Resource',
      'System',
      'Template',
      'Group',
      'User',
      'Domain',
      'Location',
    ];
    const withTab = kinds.filter(kind =>
      isSecurityTabKind({
        apiVersion: 'backstage.io/v1alpha1',
        kind,
        metadata: { name: 'x' },
      }),
    );
    expect(withTab).toEqual([
      'Component',
      'API',
      'Resource',
      'System',
      'Template',
    ]);
  });
});
