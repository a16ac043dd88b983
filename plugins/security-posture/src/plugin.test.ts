import {
  EntitySecurityContent,
  SecurityPage,
  securityPosturePlugin,
} from './plugin';
import { securityPostureApiRef } from './api';

describe('security-posture plugin', () => {
  it('has the backend plugin id and provides the client', () => {
    expect(securityPosturePlugin.getId()).toBe('security-posture');
    const apiIds = [...securityPosturePlugin.getApis()].map(f => f.api.id);
    expect(apiIds).toEqual([securityPostureApiRef.id]);
  });

  it('exports its extensions', () => {
    expect(SecurityPage).toBeDefined();
    expect(EntitySecurityContent).toBeDefined();
  });
});
