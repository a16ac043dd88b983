import { runSecurityCheck } from '@security-posture/plugin-security-posture-node/testUtils';
import {
  corsWildcardCheck,
  cspWeakenedCheck,
  globMatches,
  plainHttpBaseUrlCheck,
  readingAllowWildcardCheck,
} from './httpHardening';

describe('globMatches (CORS origin patterns as the backend matches them)', () => {
  // Expected values observed with minimatch(pattern, { nocase: true, noglobstar: true }).
  it.each([
    ['*', 'https://evil.example', false],
    ['*', 'null', true],
    ['https://*', 'https://evil.example', true],
    ['https://*', 'http://localhost:3000', false],
    ['http*://*', 'http://localhost:3000', true],
    ['https://*.acme.com', 'https://a.acme.com', true],
    ['https://*.acme.com', 'https://evil.com/.acme.com', false],
    ['https://*.acme.com', 'https://evil.example', false],
    ['HTTP://LOCALHOST:3000', 'http://localhost:3000', true],
    ['http://localhost:300?', 'http://localhost:3001', true],
  ])('%s vs %s → %s', (pattern, origin, expected) => {
    expect(globMatches(pattern, origin)).toBe(expected);
  });

  it('answers hostile star-heavy patterns (bounded backtracking)', () => {
    expect(globMatches(`${'*a'.repeat(200)}b`, 'a'.repeat(500))).toBe(false);
    expect(globMatches('*'.repeat(600), 'null')).toBe(false); // over the size limit: no match
  });
});

describe('auth/cors-wildcard', () => {
  it('flags an any-host https pattern with credentials as high', async () => {
    const [result] = await runSecurityCheck(corsWildcardCheck, {
      config: {
        backend: { cors: { origin: ['http://localhost:3000', 'https://*'], credentials: true } },
      },
    });
    expect(result.outcome).toBe('fail');
    expect(result.severity).toBe('high');
    expect(result.location).toBe('backend.cors.origin[1]');
  });

  it("flags a bare '*' (which admits only Origin: null) as medium", async () => {
    const [result] = await runSecurityCheck(corsWildcardCheck, {
      config: { backend: { cors: { origin: '*', credentials: true } } },
    });
    expect(result.outcome).toBe('fail');
    expect(result.severity).toBe('medium');
    expect(result.evidence?.admits).toEqual(['null']);
  });

  it('passes exact origins and subdomain patterns of your own domain', async () => {
    const [result] = await runSecurityCheck(corsWildcardCheck, {
      config: {
        backend: {
          cors: { origin: ['https://backstage.acme.com', 'https://*.acme.com'], credentials: true },
        },
      },
    });
    expect(result.outcome).toBe('pass');
  });
});

describe('auth/csp-weakened', () => {
  it('flags removed protective directives and unsafe script sources', async () => {
    const results = await runSecurityCheck(cspWeakenedCheck, {
      config: {
        backend: {
          csp: {
            'frame-ancestors': false,
            'script-src': ["'self'", "'unsafe-inline'"],
            'connect-src': ["'self'", 'https:'],
            'upgrade-insecure-requests': false,
          },
        },
      },
    });
    expect(results.map(r => [r.location, r.severity])).toEqual([
      ['backend.csp.frame-ancestors', 'medium'],
      ['backend.csp.script-src', 'high'],
      ['backend.csp.connect-src', 'low'],
    ]);
    expect(results.every(r => r.outcome === 'fail')).toBe(true);
  });

  it('passes a policy without wildcards or removed directives', async () => {
    const results = await runSecurityCheck(cspWeakenedCheck, {
      config: {
        backend: {
          csp: {
            'connect-src': ["'self'", 'https://api.acme.com'],
            'img-src': ["'self'", 'data:'],
          },
        },
      },
    });
    expect(results.map(r => r.outcome)).toEqual(['pass']);
  });
});

describe('auth/reading-allow-wildcard', () => {
  it('flags public-suffix wildcards, internal hosts, shared hosts without paths and a bare *', async () => {
    const results = await runSecurityCheck(readingAllowWildcardCheck, {
      config: {
        backend: {
          reading: {
            allow: [
              { host: '*' },
              { host: '*.amazonaws.com' },
              { host: '169.254.169.254' },
              { host: 'payments-db.internal' },
              { host: 'github.com' },
              { host: 'github.com', paths: ['/acme/'] },
              { host: 'docs.acme.com' },
              { host: '*.acme.com' },
            ],
          },
        },
      },
    });
    expect(results.map(r => [r.location, r.severity])).toEqual([
      ['backend.reading.allow[0]', 'low'],
      ['backend.reading.allow[1]', 'high'],
      ['backend.reading.allow[2]', 'high'],
      ['backend.reading.allow[3]', 'high'],
      ['backend.reading.allow[4]', 'low'],
    ]);
  });

  it('passes specific hosts', async () => {
    const results = await runSecurityCheck(readingAllowWildcardCheck, {
      config: {
        backend: {
          reading: {
            allow: [{ host: 'github.com', paths: ['/acme/'] }, { host: 'docs.acme.com' }],
          },
        },
      },
    });
    expect(results.map(r => r.outcome)).toEqual(['pass']);
  });
});

describe('auth/plain-http-base-url', () => {
  it('flags plain http on a non-loopback host only', async () => {
    const results = await runSecurityCheck(plainHttpBaseUrlCheck, {
      config: {
        backend: { baseUrl: 'http://10.0.0.5:7007' },
        app: { baseUrl: 'http://localhost:3000' },
      },
    });
    expect(results.map(r => [r.location, r.outcome])).toEqual([
      ['backend.baseUrl', 'fail'],
      ['app.baseUrl', 'pass'],
    ]);
  });

  it('passes https', async () => {
    const results = await runSecurityCheck(plainHttpBaseUrlCheck, {
      config: { backend: { baseUrl: 'https://backstage.acme.com' } },
    });
    expect(results.map(r => r.outcome)).toEqual(['pass']);
  });

  it('reports an unparsable URL as an error, not a pass', async () => {
    const [result] = await runSecurityCheck(plainHttpBaseUrlCheck, {
      config: { backend: { baseUrl: 'not a url' } },
    });
    expect(result.outcome).toBe('error');
  });
});
