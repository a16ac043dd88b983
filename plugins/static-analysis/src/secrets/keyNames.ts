// What the name of a field (annotation key, spec property, `NAME=` in text) says about its value.

import { lowerCaseEn, memoizeByKey } from './text';

function computeKeyWords(key: string): readonly string[] {
  return lowerCaseEn(
    key
      .slice(0, 300)
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2'),
  )
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** {@link keyWords}, remembered per key: the result is shared and must not be mutated. */
export const sharedKeyWords = memoizeByKey(computeKeyWords);

/** Lower-case words of a key: `acme.io/awsSecretAccessKey` → acme, io, aws, secret, access, key. */
export function keyWords(key: string): string[] {
  return [...sharedKeyWords(key)];
}

/** The name part of an annotation or label key (after its `prefix/`), else the key itself. */
export function keyName(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash >= 0 ? key.slice(slash + 1) : key;
}

const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'token',
  'tokens',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'apikey',
  'apikeys',
  'credential',
  'credentials',
  'creds',
  'privatekey',
  'secretkey',
  'accesskey',
  'authkey',
  'authtoken',
  'bearer',
]);

// `<qualifier> key` pairs that name a secret: api key, access key, integration key, …
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'private',
  'secret',
  'signing',
  'encryption',
  'master',
  'account',
  'integration',
  'routing',
  'app',
  'application',
  'auth',
  'shared',
  'storage',
  'admin',
  'deploy',
]);

// Words that make a secret-sounding key name a reference, an identifier or public material.
const NOT_SECRET_WORDS = new Set([
  'public',
  'pub',
  'publishable',
  'id',
  'ids',
  'name',
  'names',
  'path',
  'paths',
  'ref',
  'refs',
  'reference',
  'arn',
  'url',
  'uri',
  'endpoint',
  'host',
  'role',
  'policy',
  'mount',
  'engine',
  'file',
  'filename',
  'location',
  'selector',
  'slug',
  'version',
  'type',
  'header',
  'env',
  'var',
  'variable',
  'format',
  'length',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'rotation',
  'scope',
  'scopes',
  'owner',
  'issuer',
  'audience',
  'provider',
  'manager',
  'store',
  'hash',
  'digest',
  'checksum',
  'sha',
  'commit',
  'fingerprint',
  'thumbprint',
  'hint',
  'count',
  'enabled',
  'required',
  'label',
  'prefix',
  'description',
  'docs',
  'link',
  'template',
  'field',
  'parameter',
  'rotated',
]);

/** Does the key name say its value is a secret (token, password, api key, …)? */
export const isSecretKeyName: (key: string) => boolean = memoizeByKey(key => {
  const words = sharedKeyWords(keyName(key));
  if (words.some(w => NOT_SECRET_WORDS.has(w))) return false;
  if (words.some(w => SECRET_WORDS.has(w))) return true;
  return words.some((w, i) => w === 'key' && i > 0 && KEY_QUALIFIERS.has(words[i - 1]));
});

const PASSWORD_WORDS = new Set(['password', 'passwords', 'passwd', 'pwd', 'passphrase']);

/** Does the key name say password (short human passwords count, not only random strings)? */
export const isPasswordKeyName: (key: string) => boolean = memoizeByKey(key =>
  sharedKeyWords(keyName(key)).some(w => PASSWORD_WORDS.has(w)),
);

export type Vendor = 'aws' | 'azure' | 'datadog' | 'pagerduty';

/** The vendor a key (with its path, e.g. `spec.datadog.apiKey`) belongs to, if recognisable. */
export function vendorOf(keyAndPath: string): Vendor | undefined {
  const words = sharedKeyWords(keyAndPath);
  if (words.includes('datadog') || words.includes('datadoghq') || words.includes('dd')) {
    return 'datadog';
  }
  if (words.includes('pagerduty')) return 'pagerduty';
  if (words.includes('azure') || words.includes('storageaccount')) return 'azure';
  if (words.includes('aws') || words.includes('amazonaws')) return 'aws';
  return undefined;
}
