import { createEntitySecurityCheck, createSecurityCheck } from './checks';
import { redactSecret, scrubSecrets } from './redaction';

const meta = {
  id: 'auth/guest-sign-in',
  title: 'Guest sign-in',
  category: 'auth',
  defaultSeverity: 'high' as const,
  description: 'd',
  remediation: 'r',
};

describe('check contract', () => {
  it('accepts a well-formed check', () => {
    const check = createSecurityCheck({ meta, run: async () => [] });
    expect(check.scope).toBe('deployment');
    expect(createEntitySecurityCheck({ meta, evaluate: () => [] }).scope).toBe('entity');
  });

  it.each([
    ['Auth/Guest', /Invalid security check id/],
    ['auth/2fa', /Invalid security check id/],
    ['auth', /Invalid security check id/],
    ['permissions/guest', /must start with its category/],
  ])('rejects id %s', (id, error) => {
    expect(() => createSecurityCheck({ meta: { ...meta, id }, run: async () => [] })).toThrow(error);
  });

  it('accepts no version (third-party checks written before versions) or a positive integer', () => {
    expect(createSecurityCheck({ meta, run: async () => [] }).meta.version).toBeUndefined();
    expect(createSecurityCheck({ meta: { ...meta, version: 3 }, run: async () => [] }).meta.version).toBe(3);
    for (const version of [0, -1, 1.5, NaN]) {
      expect(() =>
        createEntitySecurityCheck({ meta: { ...meta, version }, evaluate: () => [] }),
      ).toThrow(/expected a positive integer/);
    }
  });

  it('requires a remediation', () => {
    expect(() =>
      createSecurityCheck({ meta: { ...meta, remediation: ' ' }, run: async () => [] }),
    ).toThrow(/has no remediation/);
  });

  it('accepts remediation snippets with a title, code and a known language only', () => {
    const snippet = {
      title: 'Turn it on',
      language: 'yaml' as const,
      code: 'permission:\n  enabled: true\n',
      configPaths: ['permission.enabled'],
    };
    const check = createSecurityCheck({
      meta: { ...meta, remediationSnippets: [snippet] },
      run: async () => [],
    });
    expect(check.meta.remediationSnippets).toEqual([snippet]);
    expect(() =>
      createSecurityCheck({
        meta: { ...meta, remediationSnippets: [{ ...snippet, code: ' ' }] },
        run: async () => [],
      }),
    ).toThrow(/remediation snippet without title or code/);
    expect(() =>
      createSecurityCheck({
        meta: { ...meta, remediationSnippets: [{ ...snippet, language: 'json' as any }] },
        run: async () => [],
      }),
    ).toThrow(/expected yaml, typescript or shell/);
  });
});

describe('redaction', () => {
  it('masks with the public format prefix and the length only', () => {
    const secret = ['sk', '_live_', 'Zx8Qm2Lr7Tn4Vb1Wc9Ke5Hs'].join('');
    const { mask, fingerprint } = redactSecret(secret);
    expect(mask).toBe(`sk_live_…(${secret.length} chars)`);
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(mask).not.toContain(secret.slice(8, 12));
    expect(redactSecret('short').mask).toBe('…(5 chars)');
  });

  it('scrubs every occurrence without regex', () => {
    const secret = 'a.b*c+d?e(f)g[h]';
    expect(scrubSecrets(`x ${secret} y ${secret}`, [secret])).toBe(
      `x ${redactSecret(secret).mask} y ${redactSecret(secret).mask}`,
    );
  });
});
