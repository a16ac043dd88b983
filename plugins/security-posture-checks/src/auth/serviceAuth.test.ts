import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import {
  defaultAuthPolicyDisabledCheck,
  externalAccessCheck,
  legacyBackendKeysCheck,
} from './serviceAuth';

describe('auth/default-auth-policy-disabled', () => {
  it('fails when the default auth policy is disabled', async () => {
    const [result] = await runSecurityCheck(defaultAuthPolicyDisabledCheck, {
      config: { backend: { auth: { dangerouslyDisableDefaultAuthPolicy: true } } },
    });
    expect(result.outcome).toBe('fail');
  });

  it('passes by default', async () => {
    const [result] = await runSecurityCheck(defaultAuthPolicyDisabledCheck, { config: {} });
    expect(result.outcome).toBe('pass');
  });
});

describe('auth/external-access', () => {
  const token = 'x7Kq2vN9pL4mR8sT1wY5zA3bC6dE0fG';

  it('flags a static token without accessRestrictions as high and hands the token to the engine as a secret', async () => {
    const results = await runSecurityCheck(externalAccessCheck, {
      config: {
        backend: {
          auth: { externalAccess: [{ type: 'static', options: { token, subject: 'ci' } }] },
        },
      },
    });
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result.outcome).toBe('fail');
    expect(result.severity).toBe('high');
    expect(result.location).toBe('backend.auth.externalAccess[0]');
    expect(result.secret).toEqual({ value: token, kind: 'backstage-static-external-access' });
    // the raw token appears nowhere but in `secret`, which the engine masks
    const { secret, ...rest } = result;
    expect(JSON.stringify(rest)).not.toContain(token);
  });

  it('flags a restricted static token as medium, an unrestricted jwks entry as high, and passes a restricted jwks entry', async () => {
    const results = await runSecurityCheck(externalAccessCheck, {
      config: {
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token, subject: 'ci' },
                accessRestrictions: [{ plugin: 'catalog' }],
              },
              { type: 'jwks', options: { url: 'https://idp.example.com/jwks' } },
              {
                type: 'jwks',
                options: { url: 'https://idp.example.com/jwks' },
                accessRestrictions: [
                  { plugin: 'catalog', permissionAttribute: { action: 'read' } },
                ],
              },
            ],
          },
        },
      },
    });
    expect(results.map(r => [r.outcome, r.severity])).toEqual([
      ['fail', 'medium'],
      ['fail', 'high'],
      ['pass', 'medium'],
    ]);
  });

  it('passes without external access', async () => {
    const [result] = await runSecurityCheck(externalAccessCheck, { config: {} });
    expect(result.outcome).toBe('pass');
  });
});

describe('auth/legacy-backend-keys', () => {
  it('fails when backend.auth.keys is set', async () => {
    const [result] = await runSecurityCheck(legacyBackendKeysCheck, {
      config: { backend: { auth: { keys: [{ secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }] } } },
    });
    expect(result.outcome).toBe('fail');
    expect(JSON.stringify(result)).not.toContain('c2VjcmV0');
  });

  it('passes without it', async () => {
    const [result] = await runSecurityCheck(legacyBackendKeysCheck, { config: {} });
    expect(result.outcome).toBe('pass');
  });
});
