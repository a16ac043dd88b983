import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  RemediationSnippet,
  snippetsForFinding,
} from '@security-posture/plugin-security-posture-common';
import { builtInChecks } from '../index';

type Schema = {
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Every key path a config schema declares: `a.b`, `a.list[].c`, `a.<key>` for open maps. */
function schemaPaths(schema: Schema | undefined, prefix: string, into: Set<string>) {
  if (!schema || typeof schema !== 'object') return;
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    const p = prefix ? `${prefix}.${key}` : key;
    into.add(p);
    schemaPaths(value, p, into);
  }
  const open = [
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
    ...Object.values(schema.patternProperties ?? {}),
  ];
  for (const value of open) {
    into.add(`${prefix}.<key>`);
    schemaPaths(value, `${prefix}.<key>`, into);
  }
  for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    schemaPaths(sub, prefix, into);
  }
  if (schema.items) schemaPaths(schema.items, `${prefix}[]`, into);
}

/** The config keys of every installed @backstage package (their published config schemas). */
function installedConfigKeys(): Set<string> {
  const root = path.resolve(__dirname, '../../../../node_modules/@backstage');
  const keys = new Set<string>();
  for (const pkg of fs.readdirSync(root)) {
    const file = path.join(root, pkg, 'config.schema.json');
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const entry of json.schemas ?? [{ value: json }]) {
      schemaPaths(entry.value, '', keys);
    }
  }
  return keys;
}

/**
 * Sign-in keys of provider modules the demo does not install, from backstage/backstage's
 * plugins/auth-backend-module-google-provider/config.d.ts: `auth.providers.google.<authEnv>`
 * with clientId, clientSecret, callbackUrl, additionalScopes and `signIn.resolvers[]`
 * (`resolver`, and `allowedDomains` for emailLocalPartMatchingUserEntityName).
 */
const GOOGLE_PROVIDER_KEYS = [
  'auth.providers.google',
  'auth.providers.google.<key>',
  'auth.providers.google.<key>.clientId',
  'auth.providers.google.<key>.clientSecret',
  'auth.providers.google.<key>.callbackUrl',
  'auth.providers.google.<key>.additionalScopes',
  'auth.providers.google.<key>.signIn',
  'auth.providers.google.<key>.signIn.resolvers',
  'auth.providers.google.<key>.signIn.resolvers[].resolver',
  'auth.providers.google.<key>.signIn.resolvers[].allowedDomains',
];
const GOOGLE_RESOLVERS = [
  'emailMatchingUserEntityAnnotation',
  'emailLocalPartMatchingUserEntityName',
  'emailMatchingUserEntityProfileEmail',
];

/** Key paths of a parsed YAML document, arrays as `[]`. */
function documentPaths(value: unknown, prefix: string, into: string[]) {
  if (Array.isArray(value)) {
    for (const item of value) documentPaths(item, `${prefix}[]`, into);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const p = prefix ? `${prefix}.${key}` : key;
      into.push(p);
      documentPaths(child, p, into);
    }
  }
}

/** Whether a document path matches a schema path, `<key>` standing for any one key. */
function declared(pathText: string, keys: Set<string>): boolean {
  if (keys.has(pathText)) return true;
  const segments = pathText.split('.');
  return [...keys].some(key => {
    const parts = key.split('.');
    return (
      parts.length === segments.length &&
      parts.every(
        (part, i) =>
          part === segments[i] ||
          part === '<key>' ||
          (part.startsWith('<key>') && segments[i].endsWith(part.slice('<key>'.length))),
      )
    );
  });
}

const snippetsByCheck: Array<[string, RemediationSnippet]> = builtInChecks.flatMap(check =>
  (check.meta.remediationSnippets ?? []).map(
    (snippet): [string, RemediationSnippet] => [check.meta.id, snippet],
  ),
);

describe('remediation snippets of the built-in checks', () => {
  const keys = installedConfigKeys();
  for (const key of GOOGLE_PROVIDER_KEYS) keys.add(key);

  it('cover every config check of the auth category and the permission framework', () => {
    const withSnippets = new Set(snippetsByCheck.map(([id]) => id));
    expect([...withSnippets].sort()).toEqual([
      'auth/audit-events-hidden',
      'auth/cors-wildcard',
      'auth/csp-weakened',
      'auth/default-auth-policy-disabled',
      'auth/development-environment',
      'auth/external-access',
      'auth/guest-outside-development',
      'auth/legacy-backend-keys',
      'auth/plain-http-base-url',
      'auth/reading-allow-wildcard',
      'auth/sign-in-resolvers',
      'permissions/framework-disabled',
    ]);
  });

  it('name only config keys that Backstage declares', () => {
    // The schemas were found: the check below is not vacuous.
    expect(keys.has('backend.auth.externalAccess[].accessRestrictions[].plugin')).toBe(true);
    expect(keys.has('auth.providers.guest.dangerouslyAllowOutsideDevelopment')).toBe(true);
    // Keys that hardening guides cite but Backstage does not have are refused.
    for (const madeUp of [
      'auditor.enabled',
      'scaffolder.allowedHosts',
      'backend.cors.origins',
      'backend.auth.externalAccess[].accessRestrictions[].plugins',
      'auth.providers.guest.enabled',
    ]) {
      expect(declared(madeUp, keys)).toBe(false);
    }
    const undeclared: string[] = [];
    for (const [checkId, snippet] of snippetsByCheck) {
      if (snippet.language !== 'yaml') continue;
      const paths: string[] = [];
      documentPaths(parse(snippet.code), '', paths);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) {
        if (!declared(p, keys)) undeclared.push(`${checkId}: ${p}`);
      }
      for (const p of snippet.configPaths ?? []) {
        if (!declared(p, keys)) undeclared.push(`${checkId} configPaths: ${p}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('use only resolvers the provider declares', () => {
    const resolvers = snippetsByCheck
      .filter(([, s]) => s.language === 'yaml')
      .flatMap(([, s]) => [...s.code.matchAll(/resolver: (\w+)/g)].map(m => m[1]));
    expect(resolvers.length).toBeGreaterThan(0);
    for (const resolver of resolvers) expect(GOOGLE_RESOLVERS).toContain(resolver);
  });

  it('fit the findings of the paths they fix', () => {
    const snippets = builtInChecks.find(c => c.meta.id === 'auth/guest-outside-development')!
      .meta.remediationSnippets;
    expect(
      snippetsForFinding(snippets, {
        target: { type: 'config', path: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment' },
      }).map(s => s.language),
    ).toEqual(['yaml', 'typescript']);
    const audit = builtInChecks.find(c => c.meta.id === 'auth/audit-events-hidden')!.meta
      .remediationSnippets;
    expect(
      snippetsForFinding(audit, {
        target: { type: 'config', path: 'backend.auditor.severityLogLevelMappings.low' },
      }),
    ).toHaveLength(1);
    const reading = builtInChecks.find(c => c.meta.id === 'auth/reading-allow-wildcard')!.meta
      .remediationSnippets;
    expect(
      snippetsForFinding(reading, {
        target: { type: 'config', path: 'backend.reading.allow' },
        location: 'backend.reading.allow[2]',
      }),
    ).toHaveLength(1);
    // Not for another path that merely starts alike, nor for non-config targets.
    expect(
      snippetsForFinding(reading, { target: { type: 'config', path: 'backend.readingX' } }),
    ).toEqual([]);
    expect(snippetsForFinding(reading, { target: { type: 'deployment' } })).toEqual([]);
    // Snippets without paths fit every finding of their check.
    const shell = builtInChecks.find(c => c.meta.id === 'auth/development-environment')!.meta
      .remediationSnippets;
    expect(
      snippetsForFinding(shell, { target: { type: 'deployment' } }).map(s => s.language),
    ).toEqual(['shell']);
  });
});
