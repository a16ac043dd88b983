import { Config } from '@backstage/config';
import { CheckResult, createSecurityCheck } from '@security-posture/plugin-security-posture-node';
import {
  CORS_SNIPPETS,
  CSP_SNIPPETS,
  READING_ALLOW_SNIPPETS,
  PLAIN_HTTP_SNIPPETS,
} from './remediationSnippets';
import { baseUrls, isInternalHost, isLoopbackHost } from './environment';

// Config values are short; anything longer is not a host or origin pattern we can reason about.
const MAX_PATTERN_LENGTH = 512;

/** Origins an attacker controls, tried against the configured CORS patterns. */
const HOSTILE_ORIGINS = ['https://attacker.invalid', 'http://attacker.invalid', 'null'];

/**
 * Matches a glob the way Backstage's CORS matcher (minimatch, `noglobstar`, case-insensitive)
 * treats the common cases: `*` is any run of characters except `/`, `?` one such character.
 * Iterative with backtracking to the last star only, so linear-ish in pattern × input and
 * bounded by {@link MAX_PATTERN_LENGTH}.
 */
export function globMatches(pattern: string, input: string): boolean {
  const p = pattern.toLocaleLowerCase('en-US');
  const s = input.toLocaleLowerCase('en-US');
  if (p.length > MAX_PATTERN_LENGTH || s.length > MAX_PATTERN_LENGTH) return false;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = -1;
  while (si < s.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (pi < p.length && (p[pi] === s[si] || (p[pi] === '?' && s[si] !== '/'))) {
      pi++;
      si++;
    } else if (starP >= 0 && s[starS] !== '/') {
      // let the last star swallow one more character (never a slash)
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

function stringOrArray(config: Config, key: string): string[] {
  const value = config.getOptional(key);
  if (typeof value === 'string') return [value];
  return config.getOptionalStringArray(key) ?? [];
}

/** CORS origins that admit an attacker's page, worst with `credentials: true`. */
export const corsWildcardCheck = createSecurityCheck({
  meta: {
    id: 'auth/cors-wildcard',
    version: 1,
    title: 'CORS admits any origin',
    category: 'auth',
    defaultSeverity: 'high',
    description:
      'Tries origins an attacker controls (`https://attacker.invalid`, `null`) against each `backend.cors.origin` pattern the way the backend matches them (globs where `*` does not cross `/`), and weighs `backend.cors.credentials`.',
    remediation:
      'List only your app origins in `backend.cors.origin` (e.g. `https://backstage.example.com`), without `*` wildcards that span hosts; keep `backend.cors.credentials: true` only with such an exact list.',
    remediationSnippets: CORS_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/conf/writing',
  },
  async run({ config }) {
    const origins = stringOrArray(config, 'backend.cors.origin');
    const credentials = config.getOptionalBoolean('backend.cors.credentials') ?? false;
    const results: CheckResult[] = [];
    origins.forEach((pattern, index) => {
      const admitted = HOSTILE_ORIGINS.filter(o => globMatches(pattern, o));
      if (!admitted.length) return;
      const onlyNull = admitted.length === 1 && admitted[0] === 'null';
      results.push({
        outcome: 'fail',
        target: { type: 'config', path: 'backend.cors.origin' },
        location: `backend.cors.origin[${index}]`,
        severity: credentials && !onlyNull ? 'high' : 'medium',
        message: `backend.cors.origin pattern '${pattern}' admits ${admitted.join(', ')}${
          credentials ? ' with credentials: true' : ''
        }${onlyNull ? ' (sandboxed iframes and local files send Origin: null)' : ''}`,
        evidence: { pattern, admits: admitted, 'backend.cors.credentials': credentials },
      });
    });
    if (!results.length) {
      results.push({
        outcome: 'pass',
        target: { type: 'config', path: 'backend.cors.origin' },
        location: 'backend.cors.origin',
        message: origins.length
          ? `backend.cors.origin admits only the listed origins: ${origins.join(', ')}`
          : 'backend.cors is not configured: cross-origin requests are refused',
        evidence: { origins, 'backend.cors.credentials': credentials },
      });
    }
    return results;
  },
});

/** Directives whose removal (`false`) takes away a protection Backstage puts in place. */
const PROTECTIVE_DIRECTIVES = [
  'default-src',
  'script-src',
  'script-src-attr',
  'object-src',
  'base-uri',
  'frame-ancestors',
];
/** Sources that defeat a script or default policy. */
const UNSAFE_SCRIPT_SOURCES = ["'unsafe-inline'", '*', 'http:', 'https:', 'data:'];
const ANY_HOST_SOURCES = ['*', 'http:', 'https:'];

/** Sources that weaken a directive; only script, default and connect sources are judged. */
function riskySources(directive: string): string[] {
  if (directive === 'script-src' || directive === 'default-src') return UNSAFE_SCRIPT_SOURCES;
  if (directive === 'connect-src') return ANY_HOST_SOURCES;
  return [];
}

function kebab(key: string) {
  return key.replace(/[A-Z]/g, c => `-${c.toLocaleLowerCase('en-US')}`);
}

/** The backend's Content-Security-Policy (helmet defaults + `backend.csp`), removed or weakened. */
export const cspWeakenedCheck = createSecurityCheck({
  meta: {
    id: 'auth/csp-weakened',
    version: 1,
    title: 'Content Security Policy disabled or weakened',
    category: 'auth',
    defaultSeverity: 'medium',
    description:
      'Reads `backend.csp` on top of the defaults the backend applies (helmet defaults with `script-src: self, unsafe-eval`): flags protective directives removed with `false`, script or default sources that allow inline or any-host scripts, and `connect-src` open to any host.',
    remediation:
      "Remove the `false` entries and wildcard sources from `backend.csp`; keep `script-src` to `'self'` (plus `'unsafe-eval'` as Backstage needs) and list the hosts the app really talks to in `connect-src` instead of `http:`/`https:`.",
    remediationSnippets: CSP_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/conf/writing',
  },
  async run({ config }) {
    const csp = config.getOptionalConfig('backend.csp');
    const results: CheckResult[] = [];
    for (const key of csp?.keys() ?? []) {
      const directive = kebab(key);
      const value = csp!.getOptional(key);
      const path = `backend.csp.${key}`;
      if (value === false) {
        if (PROTECTIVE_DIRECTIVES.includes(directive)) {
          results.push({
            outcome: 'fail',
            target: { type: 'config', path },
            location: path,
            severity: directive === 'frame-ancestors' ? 'medium' : 'high',
            message: `${path} is false: the backend sends no ${directive} directive`,
            evidence: { directive, value: 'false' },
          });
        }
        continue;
      }
      const sources = csp!.getOptionalStringArray(key) ?? [];
      const risky = sources.filter(s => riskySources(directive).includes(s));
      if (risky.length) {
        results.push({
          outcome: 'fail',
          target: { type: 'config', path },
          location: path,
          severity: directive === 'connect-src' ? 'low' : 'high',
          message:
            directive === 'connect-src'
              ? `${path} lets pages connect to any host (${risky.join(
                  ', ',
                )}): injected script can send data anywhere`
              : `${path} allows ${risky.join(', ')}: scripts from inline code or any host run`,
          evidence: { directive, sources },
        });
      }
    }
    if (!results.length) {
      results.push({
        outcome: 'pass',
        target: { type: 'config', path: 'backend.csp' },
        location: 'backend.csp',
        message: csp
          ? 'backend.csp keeps the protective directives and adds no wildcard script sources'
          : 'backend.csp is not configured: the backend sends its default policy',
        evidence: { directives: csp?.keys().map(kebab) ?? [] },
      });
    }
    return results;
  },
});

/** Domains under which anyone can get a host name: `*.<suffix>` there means "any attacker". */
const SHARED_SUFFIXES = [
  'com',
  'net',
  'org',
  'io',
  'dev',
  'app',
  'co',
  'ai',
  'cloud',
  'xyz',
  'info',
  'biz',
  'amazonaws.com',
  's3.amazonaws.com',
  'cloudfront.net',
  'github.io',
  'githubusercontent.com',
  'blob.core.windows.net',
  'azurewebsites.net',
  'googleapis.com',
  'appspot.com',
  'run.app',
  'herokuapp.com',
  'vercel.app',
  'netlify.app',
  'pages.dev',
  'workers.dev',
  'ngrok.io',
  'ngrok-free.app',
  'firebaseapp.com',
  'web.app',
  'onrender.com',
  'fly.dev',
];
/** Hosts where anyone can publish content, so allowing them without `paths` admits anyone's. */
const SHARED_CONTENT_HOSTS = [
  'github.com',
  'raw.githubusercontent.com',
  'gist.githubusercontent.com',
  'gitlab.com',
  'bitbucket.org',
  'dev.azure.com',
  'codeberg.org',
];

/**
 * `backend.reading.allow` bounds where URL readers, and so the scaffolder's `fetch:*` actions
 * and catalog locations, may reach (besides `integrations.*` hosts). It is the real key behind
 * what hardening guides call `scaffolder.allowedHosts`.
 */
export const readingAllowWildcardCheck = createSecurityCheck({
  meta: {
    id: 'auth/reading-allow-wildcard',
    version: 1,
    title: 'URL reading allowed for any or internal hosts',
    category: 'auth',
    defaultSeverity: 'high',
    description:
      'Reads `backend.reading.allow[]` (the hosts URL readers, and so `fetch:*` scaffolder actions, may reach besides `integrations.*`): flags `*.` wildcards over shared public suffixes, internal and cloud metadata addresses, shared content hosts without `paths`, and a bare `*` (which matches no host, but shows the intent to allow any).',
    remediation:
      'List in `backend.reading.allow` only the exact hosts templates and locations need, with `paths` on shared hosts (e.g. `host: github.com, paths: [/your-org/]`); never internal or metadata addresses (169.254.169.254); configure source-control hosts under `integrations.*` instead.',
    remediationSnippets: READING_ALLOW_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/integrations/',
  },
  async run({ config }) {
    const entries = config.getOptionalConfigArray('backend.reading.allow') ?? [];
    const results: CheckResult[] = [];
    entries.forEach((entry, index) => {
      const path = `backend.reading.allow[${index}]`;
      const host = (entry.getOptionalString('host') ?? '').slice(0, MAX_PATTERN_LENGTH);
      const paths = entry.getOptionalStringArray('paths');
      const hostname = host.split(':')[0].toLocaleLowerCase('en-US');
      const evidence = { host, paths: paths ?? [] };
      const fail = (severity: CheckResult['severity'], message: string) =>
        results.push({
          outcome: 'fail',
          target: { type: 'config', path: 'backend.reading.allow' },
          location: path,
          severity,
          message,
          evidence,
        });
      if (hostname === '*' || hostname === '*.') {
        fail(
          'low',
          `${path} host '${host}' is not a wildcard in Backstage (only '*.<domain>' is): it matches no host today, but states the intent to let URL readers reach anywhere`,
        );
      } else if (hostname.startsWith('*.') && SHARED_SUFFIXES.includes(hostname.slice(2))) {
        fail(
          'high',
          `${path} host '${host}' lets URL readers and fetch actions reach any host under a public suffix, including attacker-controlled ones`,
        );
      } else if (isInternalHost(hostname.replace(/^\*\./, ''))) {
        fail(
          'high',
          `${path} host '${host}' is internal (loopback, private, link-local or metadata): templates can read internal services (SSRF)`,
        );
      } else if (SHARED_CONTENT_HOSTS.includes(hostname) && !paths?.length) {
        fail(
          'low',
          `${path} host '${host}' has no paths: content from any account on this shared host can be read`,
        );
      }
    });
    if (!results.length) {
      results.push({
        outcome: 'pass',
        target: { type: 'config', path: 'backend.reading.allow' },
        location: 'backend.reading.allow',
        message: entries.length
          ? `backend.reading.allow lists ${entries.length} specific host(s)`
          : 'backend.reading.allow is not configured: URL readers reach only integrations.* hosts',
        evidence: { hosts: entries.map(e => e.getOptionalString('host') ?? '') },
      });
    }
    return results;
  },
});

/** Plain-http base URLs outside loopback: tokens and cookies travel unencrypted. */
export const plainHttpBaseUrlCheck = createSecurityCheck({
  meta: {
    id: 'auth/plain-http-base-url',
    version: 1,
    title: 'Base URL uses plain http outside localhost',
    category: 'auth',
    defaultSeverity: 'medium',
    description:
      'Reads `backend.baseUrl` and `app.baseUrl`: an `http:` URL on a host that is not a loopback address sends Backstage tokens and session cookies unencrypted.',
    remediation:
      'Serve Backstage over TLS and set `backend.baseUrl` and `app.baseUrl` to `https://` URLs (TLS at your ingress, or `backend.https` on the backend).',
    remediationSnippets: PLAIN_HTTP_SNIPPETS,
    docsUrl: 'https://backstage.io/docs/conf/writing',
  },
  async run({ config }) {
    const urls = baseUrls(config);
    if (!urls.length) {
      return [
        {
          outcome: 'notApplicable',
          target: { type: 'config', path: 'backend.baseUrl' },
          message: 'Neither backend.baseUrl nor app.baseUrl is configured',
        },
      ];
    }
    return urls.map(({ key, value, url }): CheckResult => {
      if (!url) {
        return {
          outcome: 'error',
          target: { type: 'config', path: key },
          location: key,
          message: `${key} is not a valid URL`,
          evidence: { [key]: value.slice(0, MAX_PATTERN_LENGTH) },
        };
      }
      const insecure = url.protocol === 'http:' && !isLoopbackHost(url.hostname);
      return {
        outcome: insecure ? 'fail' : 'pass',
        target: { type: 'config', path: key },
        location: key,
        message: insecure
          ? `${key} is ${url.origin}: plain http on a non-loopback host`
          : `${key} is ${url.origin}`,
        evidence: { [key]: url.origin },
      };
    });
  },
});
